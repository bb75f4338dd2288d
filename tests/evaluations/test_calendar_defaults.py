"""Pages open on the period and year the calendar says (issue 20 item 2), not on what was created last.

Tokyo's data as `make seed` leaves it (第9期 rolled over from 第8期), then a rollover into a
future 第10期 (令和9～11年度) and a past period created directly (「第7期（取込検証）」, 平成30～令和2):
on 2026-12-06 (令和8年度) the dashboard, 入力状況, Excel一括入力, 進捗一覧表, 期間比較 and the API
still open on 第9期, at its reporting year due next (令和7年度: overdue since 令和8年5月31日, the round just missed).
"""

import datetime

import pytest
from django.core.management import call_command

from evaluations import due
from evaluations.models import ReportingYear
from evaluations.selectors import plan_choices, plan_year_default
from programs.models import PlanPeriod
from tests import factories
from tests.workflow_world import make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)  # 令和8年度


@pytest.fixture
def calendar_today(monkeypatch):
    """Pin the day pages read (``programs.fiscal_years.today_in_tokyo`` through ``evaluations.due``)."""
    monkeypatch.setattr(due, "today_in_tokyo", lambda: TODAY)
    monkeypatch.setattr("reports.views.today_in_tokyo", lambda: TODAY)
    return TODAY


@pytest.fixture
def crowded_periods(tokyo_data):
    call_command("rollover_plan", "--from", "第8期", "--to", "第9期", "--skip-if-filled", verbosity=0)
    call_command("rollover_plan", "--from", "第9期", "--to", "第10期", verbosity=0)
    trial = factories.plan_period(name="第7期（取込検証）", ordinal=70, first_fiscal_year=2018, last_fiscal_year=2020)
    area = factories.policy_area(plan=trial, number=1, title="取込検証")
    factories.item(area=area, number=1, title="取込検証の事項")
    for fiscal_year in trial.fiscal_years:
        ReportingYear.objects.create(plan=trial, fiscal_year=fiscal_year)


def test_the_default_is_the_period_holding_todays_fiscal_year(crowded_periods):
    default = plan_year_default(plan_choices(today=TODAY), today=TODAY)
    assert (default.plan.name, default.fiscal_year) == ("第9期", 2025)


def test_before_any_deadline_passes_the_nearest_deadline_is_due(crowded_periods):
    # 2025-04-01 (令和7年度): 令和6年度 is due on 令和7年5月31日.
    day = datetime.date(2025, 4, 1)
    default = plan_year_default(plan_choices(today=day), today=day)
    assert (default.plan.name, default.fiscal_year) == ("第9期", 2024)


def test_the_year_due_next_skips_a_year_whose_items_are_all_submitted(crowded_periods):
    from evaluations.models import SelfEvaluation
    from programs.models import Item

    for item in Item.objects.filter(area__plan__name="第9期"):
        SelfEvaluation.objects.create(item=item, fiscal_year=2025, status=SelfEvaluation.Status.SUBMITTED)
    default = plan_year_default(plan_choices(today=TODAY), today=TODAY)
    assert (default.plan.name, default.fiscal_year) == ("第9期", 2024)


def test_after_the_period_ends_the_latest_begun_period_with_items_is_the_default(crowded_periods):
    # 令和12年度 (2030): no period holds it with items... 第10期 (2027–2029) has begun and has items.
    assert plan_year_default(plan_choices(today=TODAY), today=datetime.date(2030, 6, 1)).plan.name == "第10期"
    # Before 第9期 began (令和5年度), 第8期 holds the year.
    assert plan_year_default(plan_choices(today=TODAY), today=datetime.date(2023, 6, 1)).plan.name == "第8期"


def test_only_a_future_period_is_still_opened_rather_than_nothing(db):
    factories.plan_period(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029)
    default = plan_year_default(plan_choices(today=TODAY), today=TODAY)
    assert (default.plan.name, default.fiscal_year) == ("第10期", 2027)


@pytest.fixture
def manager_client(client, crowded_periods):
    from accounts.roles import MANAGER

    # A manager who is also the system administrator reaches every page, Excel一括入力 included.
    client.force_login(make_user("kanri", role=MANAGER, superuser=True))
    return client


@pytest.mark.parametrize(
    ("url", "key"),
    [
        ("/dashboard/", "plan"),
        ("/table/", "plan"),
        ("/compare/", "plan"),
        ("/entry/", "plan"),
        ("/sheets/import/", "chosen_plan"),
    ],
)
def test_every_page_opens_on_the_ninth_period(manager_client, calendar_today, url, key):
    response = manager_client.get(url)
    assert response.status_code == 200
    assert response.context[key].name == "第9期"


def test_excel_import_offers_the_year_due_next(manager_client, calendar_today):
    assert manager_client.get("/sheets/import/").context["chosen_year"] == 2025


def test_the_entry_list_and_the_dashboard_open_on_the_year_due_next(manager_client, calendar_today):
    assert manager_client.get("/entry/").context["fiscal_year"] == 2025
    assert manager_client.get("/dashboard/").context["dashboard"].entry.fiscal_year == 2025


def test_the_api_default_is_the_ninth_period(manager_client, calendar_today):
    assert manager_client.get("/api/progress/").json()["plan"] == "第9期"


def test_the_trial_import_is_not_the_default_though_created_last(crowded_periods):
    assert PlanPeriod.objects.order_by("-id").first().name == "第7期（取込検証）"
    assert plan_year_default(plan_choices(today=TODAY), today=TODAY).plan.name == "第9期"
