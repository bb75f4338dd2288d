"""Issue 18 items 5 and 9: what the rollover preview accepts, the confirm accepts; names and titles are clean.

Limits are read from the model fields and checked at the preview with Japanese messages, so the
confirm never answers 500 (a title of 300 characters, a wording of 600, a unit of 21, a NUL); a
confirm that loses a race to another gets a message; a name that reads as an existing period's
(「第７期」, 「第2\\n7期」) is refused like the sheet import refuses it.
"""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import SYSTEM_ADMIN
from evaluations import rollover
from evaluations.models import ReportingYear
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from tests.workflow_world import PASSWORD, make_user

PREVIEW = reverse("evaluations:rollover_preview")
SAFETY_NET = "kaigo_plan.middleware.ControlCharacterMiddleware"
PERIOD = {"source": "第8期", "name": "第10期", "ordinal": "", "first_fiscal_year": "2027", "last_fiscal_year": "2029"}


@pytest.fixture
def admin_client(tokyo_data):
    make_user("limits-admin", role=SYSTEM_ADMIN)
    client = Client()
    assert client.login(username="limits-admin", password=PASSWORD)
    return client


def _counts():
    return [model.objects.count() for model in (PlanPeriod, PolicyArea, Item, Indicator, Target, ReportingYear)]


def _decision(case: str) -> dict[str, str]:
    area = PolicyArea.objects.get(plan__name="第8期", number=7)
    item = Item.objects.get(area=area, number=1)
    trainees = item.indicators.get(key="trainees")
    return {
        "area title of 300": {f"choice-area-{area.id}": "change", f"title-area-{area.id}": "あ" * 300},
        "area title with NUL": {f"choice-area-{area.id}": "change", f"title-area-{area.id}": "地域\x00ケア"},
        "area title with a newline": {f"choice-area-{area.id}": "change", f"title-area-{area.id}": "地域\nケア"},
        "item title with a tab": {f"choice-item-{item.id}": "change", f"title-item-{item.id}": "講師の\t育成"},
        "wording of 600": {
            f"choice-indicator-{trainees.id}": "change",
            f"wording-indicator-{trainees.id}": "160人（各年度）" + "あ" * 592,
        },
        "unit of 21": {
            f"choice-indicator-{trainees.id}": "change",
            f"wording-indicator-{trainees.id}": "160" + "ア" * 21 + "（各年度）",
        },
        "wording with NUL": {
            f"choice-indicator-{trainees.id}": "change",
            f"wording-indicator-{trainees.id}": "160人\x00（各年度）",
        },
        "new item title with NUL": {
            "new-area": f"area-{area.id}",
            "new-title": "新しい\x00事項",
            "new-indicator": "参加者数",
            "new-wording": "年１回以上",
        },
        "new indicator name of 201": {
            "new-area": f"area-{area.id}",
            "new-title": "新しい事項",
            "new-indicator": "い" * 201,
            "new-wording": "年１回以上",
        },
    }[case]


CASES = [
    "area title of 300",
    "area title with NUL",
    "area title with a newline",
    "item title with a tab",
    "wording of 600",
    "unit of 21",
    "wording with NUL",
    "new item title with NUL",
    "new indicator name of 201",
]


@pytest.mark.parametrize("case", CASES)
def test_the_preview_refuses_what_the_confirm_would_with_a_japanese_message(admin_client, case, settings):
    # The rollover refuses a NUL itself: without the control-character safety net, which would
    # answer its own 400 before the view (and so hide whether the view refuses it).
    settings.MIDDLEWARE = [name for name in settings.MIDDLEWARE if name != SAFETY_NET]
    before = _counts()
    decision = _decision(case)
    preview = admin_client.post(PREVIEW, {**PERIOD, "action": "preview", **decision})
    assert preview.status_code == 400
    errors = " ".join(preview.context["plan"].errors.values())
    assert "文字以内" in errors or "制御文字" in errors

    confirm = admin_client.post(PREVIEW, {**PERIOD, "action": "confirm", **decision})
    assert confirm.status_code == 400
    assert "何も作成していません" in confirm.content.decode()
    assert _counts() == before


def test_values_at_the_limits_are_accepted_by_the_preview_and_the_confirm(admin_client):
    area = PolicyArea.objects.get(plan__name="第8期", number=7)
    trainees = Indicator.objects.get(item__area=area, item__number=1, key="trainees")
    decision = {
        f"choice-area-{area.id}": "change",
        f"title-area-{area.id}": "あ" * 200,
        f"choice-indicator-{trainees.id}": "change",
        f"wording-indicator-{trainees.id}": "160" + "ア" * 20 + "（各年度）",
    }
    assert admin_client.post(PREVIEW, {**PERIOD, "action": "preview", **decision}).status_code == 200
    assert admin_client.post(PREVIEW, {**PERIOD, "action": "confirm", **decision}).status_code == 302
    assert PolicyArea.objects.get(plan__name="第10期", number=7).title == "あ" * 200
    assert Target.objects.get(indicator__item__area__plan__name="第10期", indicator__key="trainees").unit == "ア" * 20


def test_a_confirm_that_loses_the_race_to_another_gets_a_message_not_a_500(admin_client, monkeypatch):
    """Two administrators confirm 第10期 at once: the second is told, and the first one's period is not doubled."""
    real_read = rollover.source_plan_read

    def meanwhile(*, plan):  # the other confirm commits 第10期 with its items between our check and our write
        other = PlanPeriod.objects.create(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029)
        Item.objects.create(area=PolicyArea.objects.create(plan=other, number=1, title="分野"), number=1, title="事項")
        monkeypatch.setattr(rollover, "source_plan_read", real_read)
        return real_read(plan=plan)

    monkeypatch.setattr(rollover, "source_plan_read", meanwhile)
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "confirm"}, follow=True)
    assert response.status_code in (200, 400)
    assert "何も作成していません" in response.content.decode()
    # Nothing of ours; the other's rows were written inside our transaction here, so they went with it.
    assert not PolicyArea.objects.filter(plan__name="第10期").exists()


@pytest.mark.parametrize("typed", ["第７期", "第 7 期", "第2\n7期", "第10期\x00", "第\t10期"])
def test_a_name_that_reads_as_another_or_holds_a_control_character_is_refused(admin_client, typed):
    before = _counts()
    response = admin_client.post(PREVIEW, {**PERIOD, "name": typed, "ordinal": "77", "action": "confirm"})
    assert response.status_code == 400
    assert _counts() == before
    assert not PlanPeriod.objects.filter(ordinal=77).exists()


@pytest.mark.parametrize("figure", ["99999999999999999999999999", "160.125", "1.00000000000000000000000001"])
def test_a_target_figure_the_database_cannot_hold_is_refused_by_the_preview_not_only_the_confirm(admin_client, figure):
    # Red team, production mode: the preview said all was well for a 26-digit figure, and the
    # confirm then refused it (「この値は合計 14 桁以内」): every value the preview accepts, confirm accepts.
    before = _counts()
    area = PolicyArea.objects.get(plan__name="第8期", number=7)
    trainees = Indicator.objects.get(item__area=area, item__number=1, key="trainees")
    wording = f"{figure}人（各年度）"
    decision = {f"choice-indicator-{trainees.id}": "change", f"wording-indicator-{trainees.id}": wording}
    preview = admin_client.post(PREVIEW, {**PERIOD, "action": "preview", **decision})
    assert preview.status_code == 400
    assert figure in preview.context["plan"].errors[f"indicator-{trainees.id}"]
    assert _counts() == before
