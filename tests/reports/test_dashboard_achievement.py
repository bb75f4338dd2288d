"""The plan at a glance (issue 20 item 8): achievement by area and year at the top of the dashboard.

The chart reads the rows the dashboard already computed: its figures are the 進捗一覧表's statuses
per year, it costs no query, and a period without results says so in a sentence.
"""

import itertools
import re
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.progress import plan_progress
from programs.fiscal_years import era_label
from programs.models import PlanPeriod
from reports.selectors import NO_TARGET, progress_table_rows
from tests import factories

from .conftest import count_queries
from .test_query_counts import REPORT_QUERIES

pytestmark = pytest.mark.django_db

EMPTY_CHART = "目標と比べられる実績がまだありません"


def _dashboard(client, plan_name: str):
    response = client.get(reverse("reports:dashboard"), {"plan": plan_name})
    assert response.status_code == 200
    return response.context["dashboard"], response.content.decode()


def _table_counts(plan: PlanPeriod) -> dict[tuple[int | None, int], Counter]:
    """Count the 進捗一覧表's graded rows by (area or None for all, fiscal year) and status."""
    counts: dict[tuple[int | None, int], Counter] = {}
    for row in progress_table_rows(plan_progress(plan=plan)):
        if row.status == NO_TARGET:
            continue
        counts.setdefault((row.area_id, row.fiscal_year), Counter())[row.status] += 1
        counts.setdefault((None, row.fiscal_year), Counter())[row.status] += 1
    return counts


@pytest.mark.parametrize("plan_name", ["第8期", "第7期"])
def test_the_chart_counts_what_the_progress_table_shows_per_area_and_year(manager_client, tokyo_data, plan_name):
    plan = PlanPeriod.objects.get(name=plan_name)
    dashboard, html = _dashboard(manager_client, plan_name)
    chart = dashboard.achievement
    expected = _table_counts(plan)
    assert chart.fiscal_years == (plan.first_fiscal_year, plan.first_fiscal_year + 1, plan.first_fiscal_year + 2)
    assert [area.id for area in chart.areas] == [area.id for area in dashboard.progress.areas]
    for area_id, tallies in [(None, chart.totals), *((area.id, area.years) for area in chart.areas)]:
        for tally in tallies:
            counted = expected.get((area_id, tally.fiscal_year), Counter())
            assert {row.status: row.count for row in tally.counts} == dict(counted), (area_id, tally.fiscal_year)
            assert tally.achieved == counted["achieved"]
            assert tally.judged == sum(counted.values()) - counted["not_entered"]
    assert '<svg class="achievement-chart"' in html


def test_seventh_period_year_over_year_change_in_figures_and_words(manager_client, tokyo_data):
    plan = PlanPeriod.objects.get(name="第7期")
    dashboard, html = _dashboard(manager_client, "第7期")
    expected = _table_counts(plan)
    changes = dashboard.achievement.changes
    assert changes[0].achieved_change is None  # no year before the period's first
    for previous, change in itertools.pairwise(changes):
        year = change.tally.fiscal_year
        now, before = expected[(None, year)], expected[(None, year - 1)]
        assert change.achieved_change == now["achieved"] - before["achieved"]
        now_rate = Decimal(now["achieved"] * 100) / (sum(now.values()) - now["not_entered"])
        before_rate = Decimal(before["achieved"] * 100) / (sum(before.values()) - before["not_entered"])
        assert abs(change.rate_change - (now_rate - before_rate)) <= Decimal("0.1")
        # The visible table says it with signs: 「達成 +4件・達成率 +5.0ポイント」, a minus as 「−」.
        sign = "+" if change.achieved_change > 0 else "−" if change.achieved_change < 0 else "±"
        row = re.search(rf"<th scope=\"row\">{era_label(year)}</th>(.*?)</tr>", html, re.S).group(1)
        assert f"{change.tally.achieved}件" in row
        assert f"達成 {sign}{abs(change.achieved_change)}件・達成率" in row
        assert previous.tally.fiscal_year == year - 1


def test_the_chart_has_an_accessible_name_and_a_table_of_its_figures(manager_client, tokyo_data):
    dashboard, html = _dashboard(manager_client, "第7期")
    svg = re.search(r"<svg class=\"achievement-chart\"[^>]*>", html).group(0)
    assert 'role="img"' in svg
    assert 'aria-labelledby="achievement-heading"' in svg
    assert 'aria-describedby="achievement-table-caption"' in svg
    assert 'viewBox="0 0 640 ' in svg  # scales with its box down to 320 px (CSS width: 100%)
    assert '<h2 id="achievement-heading">取組分野・年度別の達成状況' in html
    assert '<caption id="achievement-table-caption">' in html
    # Every area has a row with its figures in words, for screen readers.
    for area in dashboard.achievement.areas:
        assert f'<th scope="row">{area.label}</th>' in html
    first = dashboard.achievement.areas[0].years[0]
    words = "・".join(f"{dashboard.progress.labels[row.status]} {row.count}件" for row in first.counts)
    assert words in html
    # The chart is the first thing under the heading, above the filters.
    assert html.index('id="achievement-heading"') < html.index('class="filters')


def test_the_chart_costs_the_dashboard_no_query(manager_client, tokyo_data):
    for plan_name in ("第7期", "第8期"):
        count_queries(manager_client, reverse("reports:dashboard") + f"?plan={plan_name}")  # compute the plan
    ping, _ = count_queries(manager_client, reverse("reports:ping"))
    for plan_name in ("第7期", "第8期"):
        queries, sql = count_queries(manager_client, reverse("reports:dashboard") + f"?plan={plan_name}")
        assert queries - ping == REPORT_QUERIES["dashboard"], "\n".join(sql)


def test_a_period_without_results_says_so_in_a_sentence(manager_client, tokyo_data):
    plan = factories.plan_period(name="第42期", ordinal=42, first_fiscal_year=2024, last_fiscal_year=2026)
    area = factories.policy_area(plan=plan, number=1)
    factories.target(indicator_=factories.indicator(item_=factories.item(area=area, number=1)))
    dashboard, html = _dashboard(manager_client, "第42期")
    assert dashboard.achievement.is_empty
    assert EMPTY_CHART in html
    assert "achievement-chart" not in html


def test_a_period_without_items_shows_the_empty_period_sentence_only(manager_client, tokyo_data):
    factories.plan_period(name="第43期", ordinal=43, first_fiscal_year=2027, last_fiscal_year=2029)
    _, html = _dashboard(manager_client, "第43期")
    assert "この計画期間には事項が登録されていません。" in html
    assert "achievement-chart" not in html
    assert EMPTY_CHART not in html


def test_a_fresh_installation_shows_a_sentence_not_an_error(manager_client):
    assert not PlanPeriod.objects.exists()
    response = manager_client.get(reverse("reports:dashboard"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "計画期間が登録されていません。" in html
    assert "achievement-chart" not in html


def test_a_year_without_figures_is_not_compared_and_changes_carry_their_sign():
    from reports.selectors import AchievementByYear, StatusCount, YearTally
    from reports.templatetags.reports_tags import signed

    def tally(year, achieved, not_achieved, not_entered):
        counts = [("achieved", achieved), ("not_achieved", not_achieved), ("not_entered", not_entered)]
        rows = tuple(StatusCount(status=status, count=count) for status, count in counts if count)
        return YearTally(fiscal_year=year, counts=rows, graded=achieved + not_achieved + not_entered, achieved=achieved)

    totals = (tally(2024, 3, 1, 0), tally(2025, 2, 2, 0), tally(2026, 0, 0, 4))
    chart = AchievementByYear(fiscal_years=(2024, 2025, 2026), areas=(), totals=totals)
    first, second, third = chart.changes
    assert (first.achieved_change, first.rate_change) == (None, None)
    assert (second.achieved_change, second.rate_change) == (-1, Decimal("-25.0"))
    assert third.tally.rate is None and (third.achieved_change, third.rate_change) == (None, None)
    assert not chart.is_empty
    assert [signed(-1), signed(Decimal("-25.0")), signed(3), signed(0)] == ["−1", "−25.0", "+3", "±0"]


def test_a_plan_with_many_areas_draws_all_areas_together_only(manager_client, tokyo_data, monkeypatch):
    from reports import selectors

    monkeypatch.setattr(selectors, "DASHBOARD_CHART_AREA_LIMIT", 3)
    dashboard, html = _dashboard(manager_client, "第7期")
    chart = dashboard.achievement
    assert chart.areas == () and chart.areas_left_out == len(dashboard.progress.areas or dashboard.area_summaries)
    assert _table_counts(PlanPeriod.objects.get(name="第7期"))[(None, 2019)]["achieved"] == chart.totals[1].achieved
    assert f"取組分野が{chart.areas_left_out}あるため、全体のみを表示しています。" in html
    assert '<th scope="row">全体</th>' in html
