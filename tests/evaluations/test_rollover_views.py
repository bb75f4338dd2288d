"""The 「次期計画の作成」 pages: system administrators only, nothing written before confirm."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from evaluations.models import ReportingYear
from evaluations.rollover import item_key
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from tests.workflow_world import PASSWORD, make_user

START = reverse("evaluations:rollover_start")
PREVIEW = reverse("evaluations:rollover_preview")
PERIOD = {"source": "第8期", "name": "第9期", "ordinal": "", "first_fiscal_year": "2024", "last_fiscal_year": "2026"}


def _client(username, **options) -> Client:
    make_user(username, **options)
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return client


def _counts():
    return [model.objects.count() for model in (PlanPeriod, PolicyArea, Target, ReportingYear)]


@pytest.fixture
def admin_client(tokyo_data):
    return _client("system-admin", role=SYSTEM_ADMIN)


@pytest.mark.parametrize("role", [STAFF, MANAGER])
def test_staff_and_managers_get_403_on_both_pages_and_write_nothing(tokyo_data, role):
    client = _client(f"user-{role}", role=role)
    assert client.get(START).status_code == 403
    assert client.post(PREVIEW, {**PERIOD, "action": "confirm"}).status_code == 403
    assert not Item.objects.filter(area__plan__name="第9期").exists()
    assert "次期計画の作成" not in client.get(reverse("reports:dashboard")).content.decode()


def test_anonymous_is_sent_to_login(tokyo_data):
    response = Client().get(START)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_admin_start_page_offers_the_next_period_and_the_menu_entry(admin_client):
    html = admin_client.get(START).content.decode()
    assert 'value="第10期"' in html  # after the latest period, 第9期
    assert 'aria-current="page">次期計画の作成' in html


def test_preview_lists_every_row_and_writes_nothing(admin_client):
    before = (
        PlanPeriod.objects.count(),
        PolicyArea.objects.count(),
        Target.objects.count(),
        ReportingYear.objects.count(),
    )
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "preview"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "第8期 → 第9期" in html
    assert "分野 7 地域ケア会議の推進" in html
    assert "期間の目標「153人（各年度）」（各年度、計画の目標を継続）" in html
    assert html.count('<select name="choice-') == 1 + 2 + 4  # the area, its items, their indicators
    after = (
        PlanPeriod.objects.count(),
        PolicyArea.objects.count(),
        Target.objects.count(),
        ReportingYear.objects.count(),
    )
    assert after == before


def test_confirm_with_an_unreadable_wording_shows_the_error_and_writes_nothing(admin_client):
    trainees = Indicator.objects.get(item__area__plan__name="第8期", key="trainees")
    data = {**PERIOD, "action": "confirm", f"choice-indicator-{trainees.id}": "change"}
    data[f"wording-indicator-{trainees.id}"] = "研修の充実"
    response = admin_client.post(PREVIEW, data)
    assert response.status_code == 400
    assert "何も作成していません" in response.content.decode()
    assert not PolicyArea.objects.filter(plan__name="第9期").exists()


def test_confirm_creates_the_period_and_redirects_to_its_dashboard(admin_client):
    item2 = Item.objects.get(area__plan__name="第8期", number=2)
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "confirm", f"choice-{item_key(item2.id)}": "end"})
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:dashboard") + "?plan=%E7%AC%AC9%E6%9C%9F"
    assert list(Item.objects.filter(area__plan__name="第9期").values_list("number", flat=True)) == [1]
    page = admin_client.get(response["Location"]).content.decode()
    assert "第9期（令和6年度～令和8年度）を第8期から作成しました" in page


def test_a_period_that_already_has_items_is_refused_on_the_start_page(admin_client):
    admin_client.post(PREVIEW, {**PERIOD, "action": "confirm"})
    response = admin_client.post(PREVIEW, {**PERIOD, "action": "preview"})
    assert response.status_code == 400
    assert "第9期にはすでに事項が登録されているため作成できません" in response.content.decode()


def test_the_years_are_chosen_and_shown_in_wareki(admin_client, tokyo_data):
    # Issue 20 item 6: the form asked for Western years and the preview said 「2024～2026年度」.
    start = admin_client.get(START).content.decode()
    assert "西暦" not in start
    assert '<option value="2027" selected>令和9年度</option>' in start  # after 第9期 (令和6～8年度)
    preview = admin_client.post(PREVIEW, PERIOD).content.decode()
    assert "第9期（令和6年度～令和8年度）" in preview
    assert "2024～2026" not in preview


def test_preview_marks_the_carried_vision_and_background_for_review(admin_client):
    """Issue 21 item 9: 第8期 area 7's ビジョン・目標 and 現状と課題 were written for 第8期."""
    html = admin_client.post(PREVIEW, {**PERIOD, "action": "preview"}).content.decode()
    assert "<strong>要見直し</strong>: 前期のビジョン・現状と課題を引き継ぎます。" in html
