"""要対応 (issue 12 item 7): which of Tokyo's commitments are behind, most behind first."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluations.attention import AttentionKind, attention_entries
from evaluations.models import ApprovedResult, ReportingYear, SelfEvaluation, YearlyResult
from evaluations.progress import plan_progress
from programs.models import Item, PlanPeriod

pytestmark = pytest.mark.django_db

KIND = AttentionKind


def _entries(name: str, today: datetime.date = datetime.date(2026, 11, 30)):
    plan = PlanPeriod.objects.get(name=name)
    return attention_entries(
        plan_progress(plan=plan), reporting_years=list(ReportingYear.objects.filter(plan=plan)), today=today
    )


def _row(entry) -> tuple:
    return (entry.kind, entry.area_label.split(" ")[0], entry.item_label, entry.fiscal_year, entry.shortfall)


def test_seventh_plan_lists_what_is_behind_most_behind_first(tokyo_data):
    entries = _entries("第7期")
    assert [_row(entry) for entry in entries] == [
        # 4 事項1: 未達成 on the officials' verdict alone, no figure: nothing measured shows progress.
        (KIND.NOT_ACHIEVED, "4", "事項1", 2020, Decimal("100.0")),
        (KIND.NOT_ACHIEVED, "7", "事項2", 2020, Decimal("100.0")),  # 0 of 3 研修
        # 4 事項2 (「62区市町村対象」, 4区市) is no longer listed: who may take part is not a target to
        # fall short of (issue 21 item 11; it stood third here as 4 of 62 = 6.5 %).
        (KIND.NOT_ACHIEVED, "1", "事項2", 2020, Decimal("58.1")),  # 26 of 62 = 41.9 %
        (KIND.NOT_ACHIEVED, "2（2）介護予防", "事項2", 2020, Decimal("58.1")),
        (KIND.NOT_ACHIEVED, "5", "事項1", 2020, Decimal("50.0")),  # セミナー 1 of 2回
        (KIND.NOT_ACHIEVED, "2（1）地域ケア会議", "事項2", 2020, Decimal("44.4")),  # 5 of 9 = 55.6 %
        (KIND.NOT_ACHIEVED, "8", "事項1", 2020, Decimal("32.3")),
        (KIND.NOT_ACHIEVED, "2（2）介護予防", "事項1", 2020, Decimal("26.3")),
        (KIND.NOT_ACHIEVED, "5", "事項1", 2020, Decimal("14.4")),
        # The running total 1,199 of 1,350人 = 88.8 %, graded by pace (the period is over: 88.8 %).
        (KIND.NOT_ACHIEVED, "2（1）地域ケア会議", "事項1", 2020, Decimal("11.2")),
        (KIND.NOT_ACHIEVED, "5", "事項2", 2019, Decimal("10.9")),
        # 退院支援 診療所数・病院数 267 → 253: a direction target (増加) that fell by 5.2 %.
        (KIND.WRONG_WAY, "5", "事項2", 2020, Decimal("5.2")),
    ]
    shortfalls = [entry.shortfall for entry in entries]
    assert shortfalls == sorted(shortfalls, reverse=True)


def test_the_exact_seventh_plan_list(tokyo_data):
    entries = _entries("第7期")
    assert len(entries) == 12  # 13 before issue 21 item 11 took 4 事項2's scope off the list
    top = entries[0]
    assert (top.kind, top.area_label, top.item_label, top.rate, top.shortfall) == (
        KIND.NOT_ACHIEVED,
        "4 リハビリテーション専門職等の職能団体等と連携した支援",
        "事項1",
        None,
        Decimal("100.0"),
    )
    cumulative = next(e for e in entries if e.area_label == "2（1）地域ケア会議" and e.item_label == "事項1")
    assert (cumulative.actual, cumulative.target, cumulative.rate, cumulative.is_cumulative) == (
        Decimal("1199.00"),
        Decimal("1350.00"),
        Decimal("88.8"),
        True,
    )
    assert cumulative.shortfall == Decimal("11.2")
    fall = entries[-1]
    assert (fall.kind, fall.label, fall.previous, fall.actual, fall.shortfall) == (
        KIND.WRONG_WAY,
        "減少",
        Decimal("267.00"),
        Decimal("253.00"),
        Decimal("5.2"),  # 253 ÷ 267 = 94.8 % → 5.2 points
    )
    assert {e.kind for e in entries} == {KIND.NOT_ACHIEVED, KIND.WRONG_WAY}  # 第7期 is locked: nothing overdue


def test_ties_on_shortfall_keep_plan_order(tokyo_data):
    entries = _entries("第7期")
    hundred = [(e.area_label.split(" ")[0], e.item_label) for e in entries if e.shortfall == Decimal("100.0")]
    assert hundred == [("4", "事項1"), ("7", "事項2")]


def test_a_cumulative_target_midway_is_behind_by_its_pace_not_by_the_whole_period(tokyo_data):
    midway = {
        "indicator__item__area__plan__name": "第7期",
        "indicator__item__area__number": 2,
        "indicator__item__area__sub_number": 1,
        "indicator__item__number": 1,
        "fiscal_year": 2020,
    }
    # As if FY2020 had not been entered: its figure and the approved snapshot the loader now keeps of it.
    YearlyResult.objects.filter(**midway).delete()
    ApprovedResult.objects.filter(**midway).delete()
    entry = next(e for e in _entries("第7期") if e.area_label == "2（1）地域ケア会議" and e.item_label == "事項1")
    # 352 + 428 = 780 of 1,350 (57.8 %), but the target to date after two years is 900: 86.7 % of pace.
    assert (entry.fiscal_year, entry.actual, entry.rate) == (2019, Decimal("780.00"), Decimal("57.8"))
    assert entry.shortfall == Decimal("13.3")


def test_an_unsubmitted_year_past_its_deadline_is_overdue_by_days(tokyo_data):
    # 第8期 令和4年度 is due 2023-05-31 (令和5年5月31日); 事項1 and 事項2 are not started.
    assert _entries("第8期", today=datetime.date(2023, 5, 31)) == ()  # the deadline day itself is on time
    entries = _entries("第8期", today=datetime.date(2023, 6, 2))
    assert [(e.kind, e.item_label, e.fiscal_year, e.days_overdue, e.entry_status) for e in entries] == [
        (KIND.OVERDUE, "事項1", 2022, 2, "not_started"),
        (KIND.OVERDUE, "事項2", 2022, 2, "not_started"),
    ]
    assert entries[0].label == "未入力（期限超過）"
    assert entries[0].deadline == datetime.date(2023, 5, 31)
    assert entries[0].indicator_label == ""


def test_more_days_overdue_sort_first_and_a_submitted_or_locked_year_is_not_overdue(tokyo_data):
    entries = _entries("第8期", today=datetime.date(2024, 6, 3))
    assert [(e.item_label, e.fiscal_year, e.days_overdue) for e in entries] == [
        ("事項1", 2022, 369),
        ("事項2", 2022, 369),
        ("事項1", 2023, 3),
        ("事項2", 2023, 3),
    ]
    item = Item.objects.get(area__plan__name="第8期", number=1)
    SelfEvaluation.objects.create(item=item, fiscal_year=2022, status=SelfEvaluation.Status.SUBMITTED)
    ReportingYear.objects.filter(plan__name="第8期", fiscal_year=2023).update(is_locked=True)
    entries = _entries("第8期", today=datetime.date(2024, 6, 3))
    assert [(e.item_label, e.fiscal_year) for e in entries] == [("事項2", 2022)]
    SelfEvaluation.objects.filter(item=item, fiscal_year=2022).update(status=SelfEvaluation.Status.RETURNED)
    returned = [(e.item_label, e.entry_status) for e in _entries("第8期", today=datetime.date(2024, 6, 3))]
    assert returned == [("事項1", "returned"), ("事項2", "not_started")]  # 差戻し is not submitted either


def test_a_verdict_that_contradicts_the_figure_is_listed_with_the_figures_shortfall(tokyo_data):
    YearlyResult.objects.filter(
        indicator__item__area__plan__name="第7期", indicator__key="centers", fiscal_year=2020
    ).update(verdict="not_achieved", verdict_text="（試験用）")
    [entry] = [e for e in _entries("第7期") if e.kind == KIND.DISAGREES]
    assert (entry.label, entry.area_label.split(" ")[0], entry.fiscal_year, entry.verdict_label) == (
        "判断と不一致",
        "6",  # 6 事項1: 認知症疾患医療センター (key centers)
        2020,
        "未達成",
    )
    assert entry.shortfall == Decimal("0.0")  # the figure is 達成: a contradiction, not a lag
    assert _entries("第7期")[-1] == entry


def test_the_list_is_built_without_a_query(tokyo_data):
    plan = PlanPeriod.objects.get(name="第7期")
    progress = plan_progress(plan=plan)
    years = list(ReportingYear.objects.filter(plan=plan))
    with CaptureQueriesContext(connection) as queries:
        attention_entries(progress, reporting_years=years, today=datetime.date(2026, 11, 30))
    assert len(queries) == 0


def test_a_target_that_aims_to_decrease_is_listed_when_it_rises(db):
    from tests import factories

    plan = factories.plan_period(first_fiscal_year=2024, last_fiscal_year=2026)
    area = factories.policy_area(plan=plan, number=1, title="試験分野")
    item = factories.item(area=area, number=1)
    indicator = factories.indicator(item_=item, name="待機者数", unit="人")
    factories.target(indicator_=indicator, kind="direction", direction="decrease", value=None, target_text="減少")
    for year, value in ((2024, 100), (2025, 110), (2026, 120)):
        factories.yearly_result(indicator_=indicator, fiscal_year=year, value=Decimal(value), actual_text=f"{value}人")
        # Managers' views count approved figures only (issue 12 item 2).
        factories.self_evaluation(item_=item, fiscal_year=year, status="approved")
    [entry] = attention_entries(plan_progress(plan=plan), reporting_years=[], today=datetime.date(2027, 6, 1))
    # The headline is the latest year: 110 → 120人, a rise of 9.1 % where a fall was aimed at.
    assert (entry.kind, entry.label, entry.fiscal_year, entry.previous, entry.actual, entry.shortfall) == (
        KIND.WRONG_WAY,
        "増加（目標は減少）",
        2026,
        Decimal("110"),
        Decimal("120"),
        Decimal("9.1"),
    )
