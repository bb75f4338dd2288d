"""Each role's home (issue 20 item 1): わたしの担当, 承認待ち and 要対応, the setup checklist.

On the small workflow world (tests/workflow_world.py) plus a 第9期 the staff's section owns an
item in, with today = 2026-12-06 (令和8年度).
"""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.roles import MANAGER, STAFF
from cycle.models import DefaultReminderSchedule, ReminderSchedule
from evaluations import due
from evaluations.models import ReportingYear, SelfEvaluation
from programs.models import Item, Section, Target
from reports import homes
from tests import factories
from tests.workflow_world import OPEN_YEAR, evaluation, make_user

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 12, 6)


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr("reports.views.today_in_tokyo", lambda: TODAY)
    return TODAY


@pytest.fixture
def ninth(world):
    """第9期 (令和6～8年度) with one item of the staff's 在宅支援課; 令和6・7年度 are past their deadlines."""
    plan = factories.plan_period(name="第9期", ordinal=9, first_fiscal_year=2024, last_fiscal_year=2026)
    area = factories.policy_area(plan=plan, number=7, title="地域ケア会議の推進")
    item = factories.item(area=area, number=1, section=world.own_item.section, title="講師養成研修（第9期）")
    indicator = factories.indicator(item_=item, key="trainees", name="受講者数", unit="人")
    factories.target(indicator_=indicator, kind=Target.Kind.PER_YEAR, value=Decimal(153), target_text="153人")
    for fiscal_year in plan.fiscal_years:
        ReportingYear.objects.create(plan=plan, fiscal_year=fiscal_year, deadline=datetime.date(fiscal_year + 1, 5, 31))
    return item


def _text(response) -> str:
    """Return the page's text as a reader meets it (tags dropped, spaces collapsed)."""
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split()).replace(" 件", "件")


def test_staff_see_their_sections_item_years_overdue_first_with_the_return_reason(client, world, ninth, today):
    evaluation(ninth, 2025, status=SelfEvaluation.Status.RETURNED, manager_comment="受講者数の内訳を添えてください。")
    evaluation(ninth, 2026, status=SelfEvaluation.Status.SUBMITTED)
    client.force_login(world.users["staff_own"])
    response = client.get("/")
    lines = response.context["home"].staff_lines
    assert [(line.plan_name, line.fiscal_year, line.status_label) for line in lines] == [
        ("第9期", 2024, "未入力"),  # overdue 554 days
        ("第9期", 2025, "差戻し"),  # overdue 189 days
        ("第8期", OPEN_YEAR, "未入力"),  # no deadline
        ("第9期", 2026, "提出済"),  # waiting for the manager
    ]
    assert all(line.item_id in {world.own_item.id, ninth.id} for line in lines)  # never another section's
    text = _text(response)
    assert "わたしの担当 4件" in text
    assert "令和7年5月31日（554日超過）" in text
    assert "令和8年5月31日（189日超過）" in text
    assert "差戻しの理由: 受講者数の内訳を添えてください。" in text
    assert f'href="/entry/items/{ninth.id}/2024/"' in response.content.decode()
    assert 'id="approval-heading"' not in response.content.decode()
    assert 'id="checklist-heading"' not in response.content.decode()


def test_approved_locked_and_future_years_do_not_ask_staff_for_anything(client, world, ninth, today):
    evaluation(ninth, 2024, status=SelfEvaluation.Status.APPROVED)
    ReportingYear.objects.filter(plan=ninth.area.plan, fiscal_year=2025).update(is_locked=True)
    future = factories.plan_period(name="第10期", ordinal=10, first_fiscal_year=2027, last_fiscal_year=2029)
    factories.item(area=factories.policy_area(plan=future, number=7), number=1, section=world.own_item.section)
    ReportingYear.objects.create(plan=future, fiscal_year=2027)
    client.force_login(world.users["staff_own"])
    lines = client.get("/").context["home"].staff_lines
    assert [(line.plan_name, line.fiscal_year) for line in lines] == [("第9期", 2026), ("第8期", OPEN_YEAR)]


def test_managers_get_the_approval_queue_oldest_first_and_attention_across_periods(client, world, ninth, today):
    newer = evaluation(ninth, 2024, status=SelfEvaluation.Status.SUBMITTED)
    older = evaluation(world.other_item, OPEN_YEAR, status=SelfEvaluation.Status.SUBMITTED)
    SelfEvaluation.objects.filter(pk=newer.pk).update(submitted_at="2026-11-30T09:00:00+09:00")
    SelfEvaluation.objects.filter(pk=older.pk).update(submitted_at="2026-11-02T09:00:00+09:00")
    evaluation(world.own_item, OPEN_YEAR, status=SelfEvaluation.Status.APPROVED)
    client.force_login(world.users["manager"])
    response = client.get("/")
    home = response.context["home"]
    assert [(line.item_id, line.fiscal_year) for line in home.approval_queue] == [
        (world.other_item.id, OPEN_YEAR),
        (ninth.id, 2024),
    ]
    assert home.approval_queue[0].submitted_label.startswith("令和8年11月2日 09:00 提出")
    assert f'href="/entry/items/{ninth.id}/2024/#figures"' in response.content.decode()
    # 第9期's overdue 未入力 years are 要対応 beside 第8期's: one list across the periods in progress.
    assert [period.plan_name for period in home.attention] == ["第9期"]
    assert {entry.fiscal_year for entry in home.attention[0].entries} == {2025}
    assert home.staff_lines is None and home.checklist is None
    assert "承認待ち 2件" in _text(response)


def test_the_administrator_checklist_links_to_where_each_finding_is_fixed(client, world, ninth, today):
    make_user("staff-nowhere", role=STAFF)  # a staff member without a section
    Section.objects.create(name="地域包括ケア推進課")  # a section without staff
    ReminderSchedule.objects.create(reporting_year=ReportingYear.objects.get(plan=ninth.area.plan, fiscal_year=2024))
    # The default schedule (created by migration) reminds every year of the periods in progress;
    # switched off, the years without a schedule of their own are listed. 第8期 is over.
    DefaultReminderSchedule.objects.update_or_create(id=1, defaults={"is_active": False})
    client.force_login(world.users["admin"])
    response = client.get("/")
    checks = {check.label: check for check in response.context["home"].checklist}
    assert set(checks["督促されない報告年度"].details) == {"第9期 令和7年度", "第9期 令和8年度"}
    assert checks["督促されない報告年度"].url == reverse("cycle:reminders")
    assert checks["入力期限のない報告年度"].details == ("第8期 令和5年度",)
    assert checks["担当者のいない課"].details == ("地域包括ケア推進課",)
    assert checks["担当課のない担当者"].details == ("staff-nowhere",)
    [ending] = checks["1年以内に終わるのに次期計画のない計画期間"].details
    assert ending.startswith("第9期")
    assert checks["1年以内に終わるのに次期計画のない計画期間"].url == reverse("evaluations:rollover_start")
    assert checks["担当課のない担当者"].url == reverse("admin:auth_user_changelist")
    assert f'href="{reverse("cycle:reminders")}"' in response.content.decode()


def test_the_default_reminder_schedule_leaves_nothing_to_set_up(client, world, ninth, today):
    client.force_login(world.users["admin"])
    checks = {check.label for check in client.get("/").context["home"].checklist}
    assert "督促されない報告年度" not in checks


def test_a_period_over_by_the_calendar_is_not_in_progress_though_its_years_stay_open(client, world, ninth, today):
    # 第8期's last year was never locked and its deadline passed long ago (make run's data):
    # on 2026-12-06 it is no longer in progress, so its overdue year is not 要対応 on the home.
    ReportingYear.objects.filter(plan=world.plan, fiscal_year=OPEN_YEAR).update(deadline=datetime.date(2024, 5, 31))
    assert not due.period_in_progress(world.plan, today=TODAY)
    assert due.period_in_progress(ninth.area.plan, today=TODAY)
    client.force_login(world.users["manager"])
    assert [period.plan_name for period in client.get("/").context["home"].attention] == ["第9期"]
    # While its last year is still being reported (until 31 May after it ends), it is in progress.
    assert due.period_in_progress(world.plan, today=datetime.date(2024, 5, 31))
    assert not due.period_in_progress(world.plan, today=datetime.date(2024, 6, 1))


def test_a_user_with_several_roles_sees_each_part_and_the_dashboard_stays_reachable(client, world, ninth, today):
    both = make_user("both", role=MANAGER, section=world.own_item.section)
    both.groups.add(*world.users["staff_own"].groups.all())
    client.force_login(both)
    response = client.get("/")
    home = response.context["home"]
    assert home.staff_lines and home.approval_queue is not None and home.attention is not None
    assert f'href="{reverse("reports:dashboard")}"' in response.content.decode()
    assert client.get(reverse("reports:dashboard")).status_code == 200


def _grow(world, ninth, *, items: int) -> None:
    """Add ``items`` items to each period (staff's section) and submissions for each, and one more period."""
    for plan_item in (world.own_item, ninth):
        for number in range(10, 10 + items):
            item = factories.item(area=plan_item.area, number=number, section=plan_item.section)
            factories.indicator(item_=item, key=f"k{number}", name="件数", unit="件")
            evaluation(item, plan_item.area.plan.last_fiscal_year, status=SelfEvaluation.Status.SUBMITTED)
    sixth = factories.plan_period(name="第6期", ordinal=6, first_fiscal_year=2015, last_fiscal_year=2017)
    ReportingYear.objects.create(plan=sixth, fiscal_year=2017)


def _queries(user, part) -> int:
    with CaptureQueriesContext(connection) as context:
        part(user)
    return len(context.captured_queries)


PARTS = {
    "staff": lambda user: homes.staff_home_lines(section_ids={s.id for s in user.sections.all()}, today=TODAY),
    "approval": lambda user: homes.approval_queue(today=TODAY),
    "attention": lambda user: homes.attention_across_periods(today=TODAY),
    "checklist": lambda user: homes.setup_checklist(today=TODAY),
}
# One query more for staff: their sections (read here by the test's lambda).
# 要対応: the open years, their plans' reporting years, then the read model's own fixed reads
# (one more since issue 23: the named municipalities of results).
BUDGET = {"staff": 4, "approval": 3, "attention": 13, "checklist": 6}


@pytest.mark.parametrize("part", sorted(PARTS))
def test_each_home_reads_in_the_same_queries_at_two_data_sizes(world, ninth, part):
    from evaluations.progress import progress_cache_clear

    user = world.users["staff_own"]
    small = _queries(user, PARTS[part])
    _grow(world, ninth, items=20)
    progress_cache_clear()
    large = _queries(user, PARTS[part])
    assert Item.objects.count() > 40
    assert (small, large) == (BUDGET[part], BUDGET[part])
