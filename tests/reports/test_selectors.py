"""The report selectors on Tokyo's data: the figures a manager must see, from one set of rows."""

import datetime
from decimal import Decimal

import pytest

from evaluations.calculations import Status
from evaluations.models import ReportingYear
from evaluations.progress import plan_progress, status_rule_get
from programs.models import Item, PlanPeriod
from reports import selectors
from reports.selectors import NO_TARGET, EntryStatus

pytestmark = pytest.mark.django_db


def _plan(name: str) -> PlanPeriod:
    return PlanPeriod.objects.get(name=name)


def _item(progress, number: int, sub_number: int | None, item_number: int):
    area = next(a for a in progress.areas if a.number == number and a.sub_number == sub_number)
    return next(i for i in area.items if i.number == item_number)


def test_the_default_plan_is_the_latest_with_results(tokyo_data):
    plans = selectors.plan_choices()
    assert [p.name for p in plans] == ["第7期", "第8期", "第9期"]
    assert [p.has_results for p in plans] == [True, True, False]
    assert selectors.plan_default(plans).name == "第8期"


def test_eighth_plan_area_7_item_1_headline_is_144_of_153_at_94_1_percent(tokyo_data):
    progress = plan_progress(plan=_plan("第8期"))
    indicator = _item(progress, 7, None, 1).targeted_indicators[0]
    assert indicator.target_text == "153人（各年度）"
    headline = indicator.headline
    assert (headline.fiscal_year, headline.target, headline.actual, headline.rate) == (
        2021,
        Decimal("153.00"),
        Decimal("144.00"),
        Decimal("94.1"),
    )
    assert headline.status == Status.MOSTLY_ACHIEVED
    assert headline.is_cumulative is False


def test_seventh_plan_2_1_item_1_ends_at_1199_of_1350_below_its_period_target(tokyo_data):
    progress = plan_progress(plan=_plan("第7期"))
    indicator = _item(progress, 2, 1, 1).targeted_indicators[0]
    headline = indicator.headline
    assert headline.is_cumulative is True
    assert (headline.fiscal_year, headline.actual, headline.target, headline.rate) == (
        2020,
        Decimal("1199.00"),
        Decimal("1350.00"),
        Decimal("88.8"),
    )
    assert headline.status == Status.NOT_ACHIEVED
    assert indicator.cumulative.target_to_date == Decimal(1350)


def test_observed_only_indicators_are_not_graded(tokyo_data):
    progress = plan_progress(plan=_plan("第8期"))
    courses = _item(progress, 7, None, 1).indicators[1]
    assert courses.has_target is False
    assert courses.years[0].actual == Decimal("3.00")
    assert courses.years[0].graded_status is None
    assert courses.headline.status is None


def test_status_filter_keeps_only_matching_indicators_items_and_areas(tokyo_data):
    progress = plan_progress(plan=_plan("第7期"))
    behind = selectors.progress_with_status(progress, Status.NOT_ACHIEVED)
    labels = [
        (area.label, item.number)
        for area in behind.areas
        for item in area.items
        if all(ind.headline.status == Status.NOT_ACHIEVED for ind in item.indicators)
    ]
    assert ("2（1）地域ケア会議", 1) in labels
    assert all(ind.headline.status == Status.NOT_ACHIEVED for item in behind.items for ind in item.indicators)
    assert selectors.progress_with_status(progress, None) is progress


def test_status_counts_on_the_seventh_plan(tokyo_data):
    counts = {row.status: row.count for row in selectors.status_counts(plan_progress(plan=_plan("第7期")))}
    assert counts == {
        # The officials' verdicts: 6 事項3 「目標を達成」 → 達成; 4 事項1's latest year 「研修会を開催
        # できなかったセンターもあった」 → 未達成. No 未入力 is left in the approved, locked period.
        "achieved": 13,
        "mostly_achieved": 1,
        # 11: 4 事項2 「62区市町村対象」 is a scope, graded nowhere (issue 21 item 11; 12 before).
        "not_achieved": 11,
        "increased": 2,
        "decreased": 1,
    }


def test_every_eighth_plan_item_is_not_started_for_fy2022_with_its_deadline(tokyo_data):
    plan = _plan("第8期")
    reporting_years = selectors.reporting_years_of(plan=plan)
    # Issue 20 item 2: the round due next is the latest overdue one (令和5年度), not the first open.
    assert selectors.fiscal_year_default(selectors.plan_choice_of(plan_id=plan.id)) == 2023
    entry = selectors.entry_progress(
        plan_progress(plan=plan),
        fiscal_year=2022,
        reporting_years=reporting_years,
        today=datetime.date(2023, 6, 1),
    )
    assert entry.deadline == datetime.date(2023, 5, 31)
    assert entry.is_overdue is True
    assert [(c.label, c.count) for c in entry.totals] == [
        ("未入力", 2),
        ("入力中", 0),
        ("差戻し", 0),
        ("提出済", 0),
        ("承認済", 0),
    ]
    [section] = entry.sections
    assert section.section_name == "在宅支援課"
    assert [p.label for p in section.pending] == ["7 地域ケア会議の推進 › 事項1", "7 地域ケア会議の推進 › 事項2"]
    assert {p.status for p in section.pending} == {EntryStatus.NOT_STARTED}


def test_entry_is_not_overdue_before_the_deadline_or_once_locked(tokyo_data):
    plan = _plan("第8期")
    progress = plan_progress(plan=plan)
    years = selectors.reporting_years_of(plan=plan)
    before = selectors.entry_progress(
        progress, fiscal_year=2022, reporting_years=years, today=datetime.date(2023, 5, 31)
    )
    assert before.is_overdue is False
    locked = selectors.entry_progress(
        progress, fiscal_year=2021, reporting_years=years, today=datetime.date(2030, 1, 1)
    )
    assert locked.is_locked is True
    assert locked.is_overdue is False
    assert [(c.label, c.count) for c in locked.totals][-1] == ("承認済", 2)


def test_a_closed_plan_defaults_to_its_last_year(tokyo_data):
    plan = _plan("第7期")
    assert selectors.fiscal_year_default(selectors.plan_choice_of(plan_id=plan.id)) == 2020
    ReportingYear.objects.filter(plan=plan).delete()
    assert selectors.fiscal_year_default(selectors.plan_choice_of(plan_id=plan.id)) == 2020


def test_table_rows_one_per_indicator_and_year_with_filters(tokyo_data):
    progress = plan_progress(plan=_plan("第8期"))
    rows = selectors.progress_table_rows(progress)
    assert len(rows) == 4 * 3
    [row] = [r for r in rows if r.indicator_label == "講師養成研修の受講者数" and r.fiscal_year == 2021]
    assert (row.area_label, row.item_number, row.target, row.actual, row.rate, row.status) == (
        "7 地域ケア会議の推進",
        1,
        Decimal("153.00"),
        Decimal("144.00"),
        Decimal("94.1"),
        "mostly_achieved",
    )
    fy2021 = selectors.progress_table_rows(progress, fiscal_year=2021)
    assert {r.fiscal_year for r in fy2021} == {2021}
    assert len(fy2021) == 4
    observed = selectors.progress_table_rows(progress, status=NO_TARGET)
    assert {r.indicator_label for r in observed} == {"講師養成研修の実施コース数", "区市町村実務者連絡会議の参加者数"}


def test_items_queryset_narrows_like_ids(tokyo_data):
    plan = _plan("第7期")
    items = Item.objects.filter(area__plan=plan, area__number=2, area__sub_number=1)
    progress = plan_progress(plan=plan, items=items)
    assert [(a.label, [i.number for i in a.items]) for a in progress.areas] == [("2（1）地域ケア会議", [1, 2])]


def test_item_years_pair_narratives_with_entry_status(tokyo_data):
    plan = _plan("第8期")
    progress = plan_progress(plan=plan, item_ids=[Item.objects.get(area__plan=plan, number=1).id])
    years = selectors.item_years(progress, progress.items[0])
    assert [(y.fiscal_year, y.entry_status) for y in years] == [
        (2021, "approved"),
        (2022, EntryStatus.NOT_STARTED),
        (2023, EntryStatus.NOT_STARTED),
    ]
    assert years[0].evaluation.activities.startswith("・講師養成研修を３コース実施し")


def test_a_stricter_rule_grades_94_1_percent_as_not_achieved(tokyo_data):
    rule = status_rule_get()
    rule.mostly_achieved_from = Decimal(95)
    rule.save()
    progress = plan_progress(plan=_plan("第8期"))
    assert _item(progress, 7, None, 1).targeted_indicators[0].headline.status == Status.NOT_ACHIEVED


def test_period_comparison_pairs_the_eighth_plans_area_7_with_the_seventh_plans_2_1(tokyo_data):
    later = _plan("第8期")
    area = next(a for a in selectors.plan_areas(plan=later) if a.number == 7)
    comparison = selectors.period_comparison(earlier=_plan("第7期"), later=later, later_area=area)
    assert comparison.earlier_area.label == "2（1）地域ケア会議"
    pairs = [(r.earlier.number if r.earlier else None, r.later.number if r.later else None) for r in comparison.rows]
    # 事項2 (実務者連絡会議) continues the モデル事業 whose programme it inherits (seed 001), not a new item.
    assert pairs == [(1, 1), (2, 2)]
    assert [row.by_programme for row in comparison.rows] == [False, True]
