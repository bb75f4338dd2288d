"""「計画期間の取消」: a period an import or a rollover made goes, with its reason in the history (issue 19 item 7)."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from cycle.models import Comment
from cycle.period_removal import period_removal_read, plan_period_remove
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from evaluations.period_figures import FigureEntry, period_figures_save
from evaluations.rollover import Decisions, NewPeriod, plan_rollover
from evaluations.services import reporting_year_lock, self_evaluation_reopen
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from sheets.services import plan_sheet_import
from tests.sheets.test_plan_sheet_import import draft_of, export_bytes
from tests.workflow_world import PASSWORD, make_user

COPY = "第7期（取込検証）"


@pytest.fixture
def admin(tokyo_data):
    return make_user("removal-admin", role=SYSTEM_ADMIN)


@pytest.fixture
def admin_client(admin) -> Client:
    client = Client()
    assert client.login(username=admin.username, password=PASSWORD)
    return client


@pytest.fixture
def imported(admin) -> PlanPeriod:
    """The mistaken import of the issue: 第7期 again, under another name, overlapping its years."""
    return plan_sheet_import(draft=draft_of(export_bytes("第7期")), plan_name=COPY, by=admin).plan


def url(plan: PlanPeriod) -> str:
    return reverse("cycle:period_remove", args=[plan.pk])


def rows_of(plan_id: int) -> list[int]:
    return [
        PolicyArea.objects.filter(plan_id=plan_id).count(),
        Item.objects.filter(area__plan_id=plan_id).count(),
        Indicator.objects.filter(item__area__plan_id=plan_id).count(),
        Target.objects.filter(indicator__item__area__plan_id=plan_id).count(),
        YearlyResult.objects.filter(indicator__item__area__plan_id=plan_id).count(),
        SelfEvaluation.objects.filter(item__area__plan_id=plan_id).count(),
        ReportingYear.objects.filter(plan_id=plan_id).count(),
    ]


def test_an_import_is_confirmed_with_its_counts_then_removed_with_the_reason_in_the_history(imported, admin_client):
    seventh_before = rows_of(PlanPeriod.objects.get(name="第7期").pk)
    counts = rows_of(imported.pk)
    assert imported.origin == PlanPeriod.Origin.SHEET_IMPORT and imported.set_up_at is not None

    html = admin_client.get(url(imported)).content.decode()
    assert f"{COPY}を取り消す" in html
    for count in counts:
        assert f"<td>{count}件</td>" in html

    refused = admin_client.post(url(imported), {"reason": "  "})
    assert refused.status_code == 400 and "取り消す理由を入力してください" in refused.content.decode()
    assert rows_of(imported.pk) == counts

    response = admin_client.post(url(imported), {"reason": "第7期と重複した取込のため"})
    assert response.status_code == 302
    assert not PlanPeriod.objects.filter(pk=imported.pk).exists()
    assert rows_of(imported.pk) == [0] * 7
    assert rows_of(PlanPeriod.objects.get(name="第7期").pk) == seventh_before  # the real 第7期 is untouched
    audit = PlanPeriod.history.get(id=imported.pk, history_type="-")
    assert "第7期と重複した取込のため" in audit.history_change_reason
    assert "自己評価シートの取込で作成" in audit.history_change_reason
    assert f"事項 {counts[1]:,}件" in audit.history_change_reason
    assert audit.history_user.username == "removal-admin"
    assert audit.name == COPY


def test_a_rollover_is_removed_likewise(admin, admin_client):
    made = plan_rollover(
        source=PlanPeriod.objects.get(name="第8期"),
        period=NewPeriod(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029),
        decisions=Decisions(),
        by=admin,
    ).plan
    assert made.origin == PlanPeriod.Origin.ROLLOVER
    assert Item.objects.filter(area__plan=made).exists()
    response = admin_client.post(url(made), {"reason": "年度を誤ったため作り直す"})
    assert response.status_code == 302
    assert not PlanPeriod.objects.filter(name="第10期").exists()
    audit = PlanPeriod.history.get(id=made.pk, history_type="-")
    assert "次期計画の作成で作成" in audit.history_change_reason
    assert "年度を誤ったため作り直す" in audit.history_change_reason


def _refused(client: Client, plan: PlanPeriod, what: str) -> None:
    counts = rows_of(plan.pk)
    html = client.get(url(plan)).content.decode()
    assert "作成の後に入力された内容があるため取り消せません" in html and what in html
    assert "を取り消す</button>" not in html
    response = client.post(url(plan), {"reason": "やり直し"})
    assert response.status_code == 400 and what in response.content.decode()
    assert PlanPeriod.objects.filter(pk=plan.pk).exists() and rows_of(plan.pk) == counts


def test_refused_once_a_figure_was_entered(imported, admin, admin_client):
    indicator = Indicator.objects.filter(item__area__plan=imported, unit="人").first()
    period_figures_save(plan=imported, user=admin, entries={(indicator.id, 2019): FigureEntry(value=Decimal(7))})
    _refused(admin_client, imported, "実績")


def test_refused_once_a_comment_was_written(imported, admin, admin_client):
    item = Item.objects.filter(area__plan=imported).first()
    Comment.objects.create(item=item, fiscal_year=2019, body="確認します", author=admin, author_role=SYSTEM_ADMIN)
    _refused(admin_client, imported, "コメント")


def test_refused_once_a_year_was_locked(imported, admin, admin_client):
    reporting_year_lock(plan=imported, fiscal_year=2018, user=admin)
    _refused(admin_client, imported, "報告年度の確定・期限")


def test_refused_once_a_self_evaluation_changed_status(imported, admin, admin_client):
    record = SelfEvaluation.objects.filter(item__area__plan=imported).first()
    self_evaluation_reopen(evaluation=record, user=admin, reason="確認のため")
    _refused(admin_client, imported, "自己評価・その状態")


def test_a_period_not_made_by_an_import_or_rollover_is_never_removed_here(admin, admin_client):
    seventh = PlanPeriod.objects.get(name="第7期")
    counts = rows_of(seventh.pk)
    assert "画面からは取り消せません" in admin_client.get(url(seventh)).content.decode()
    assert admin_client.post(url(seventh), {"reason": "誤って"}).status_code == 400
    assert rows_of(seventh.pk) == counts
    with pytest.raises(ValidationError):
        plan_period_remove(plan=seventh, user=admin, reason="誤って")


def test_only_system_administrators_and_no_forged_ids(imported):
    for role in (STAFF, MANAGER):
        user = make_user(f"user-{role}", role=role)
        client = Client()
        assert client.login(username=f"user-{role}", password=PASSWORD)
        assert client.get(url(imported)).status_code == 403
        assert client.post(url(imported), {"reason": "x"}).status_code == 403
        with pytest.raises(PermissionDenied):
            plan_period_remove(plan=imported, user=user, reason="x")
    assert PlanPeriod.objects.filter(pk=imported.pk).exists()
    admin_client = Client()
    assert admin_client.login(username="removal-admin", password=PASSWORD)
    assert admin_client.get("/cycle/periods/12345678901234567890/remove/").status_code == 404
    assert admin_client.post(url(imported), {"reason": "重複\x00"}).status_code == 400
    assert admin_client.post(url(imported), {"reason": "x" * 501}).status_code == 400
    assert PlanPeriod.objects.filter(pk=imported.pk).exists()


def test_the_confirm_page_reads_a_fixed_number_of_queries(imported, admin_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(25):
        assert admin_client.get(url(imported)).status_code == 200
    assert period_removal_read(plan=imported).refusal == ""
