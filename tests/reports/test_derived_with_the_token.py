"""What pages derive from a plan's progress is kept with the plan under the same token (issue 22 item 4).

The dashboard's chart and its rendered figures, the table's rows, narrowings and sorts, and the
table's workbook are kept in the progress cache's entry (``evaluations.progress.progress_derived``):
reused while the ProgressVersion token stands, gone with the next write. ``plan_choices`` keeps only
its compiled SQL (no data), so a write is seen by its next call.
"""

import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import ReportingYear, StatusRule, YearlyResult
from evaluations.progress import plan_progress, progress_cache_clear, progress_derived, progress_narrowed
from evaluations.selectors import plan_choices
from programs.models import PlanPeriod
from reports.selectors import achievement_of, progress_table_rows

pytestmark = pytest.mark.django_db


def _plan() -> PlanPeriod:
    return PlanPeriod.objects.get(name="第8期")


def _trainees_2021():
    """第8期 7 事項1's 研修受講者数 for 令和3年度: 144人, 94.1 %, 概ね達成 (approved)."""
    return YearlyResult.objects.filter(
        indicator__item__area__plan__name="第8期", indicator__key="trainees", fiscal_year=2021, value=Decimal(144)
    )


def _write_161():
    # A queryset update: no save(), no signal; only the database's trigger changes the token.
    assert _trainees_2021().update(value=Decimal(161)) == 1


@pytest.fixture
def rule(tokyo_data):
    StatusRule.objects.get_or_create(id=1)  # a browser test's flush removes the migration's row


def _totals_2021(chart):
    return next(tally for tally in chart.totals if tally.fiscal_year == 2021)


def test_a_derived_value_is_built_once_per_token_and_again_after_a_write(rule):
    built = []
    progress = plan_progress(plan=_plan())
    for _ in range(2):
        assert progress_derived(progress, "probe", (), lambda: built.append(1) or len(built)) == 1
    _write_161()
    newer = plan_progress(plan=_plan())
    assert newer is not progress
    assert progress_derived(newer, "probe", (), lambda: built.append(1) or len(built)) == 2
    # The superseded progress keeps nothing any more: what it derives is built each time.
    assert progress_derived(progress, "probe", (), lambda: built.append(1) or len(built)) == 3
    assert progress_derived(progress, "probe", (), lambda: built.append(1) or len(built)) == 4


def test_a_narrowed_progress_keeps_nothing_and_a_cleared_cache_forgets_everything(rule):
    whole = plan_progress(plan=_plan())
    narrowed = progress_narrowed(whole, area_ids=[whole.areas[0].id])
    assert progress_derived(narrowed, "x", (), object) is not progress_derived(narrowed, "x", (), object)
    kept = progress_derived(whole, "x", (), object)
    assert progress_derived(whole, "x", (), object) is kept
    progress_cache_clear()
    assert progress_derived(whole, "x", (), object) is not kept


def test_the_chart_is_counted_once_and_again_after_a_write(rule):
    whole = plan_progress(plan=_plan())
    chart = achievement_of(whole, whole, area_ids=None, section_ids=None)
    assert achievement_of(whole, whole, area_ids=None, section_ids=None) is chart
    _write_161()
    whole = plan_progress(plan=_plan())
    newer = achievement_of(whole, whole, area_ids=None, section_ids=None)
    assert newer is not chart
    assert _totals_2021(newer).achieved == _totals_2021(chart).achieved + 1


def _dashboard(client):
    response = client.get(reverse("reports:dashboard"), {"plan": "第8期"})
    assert response.status_code == 200
    return response.context["dashboard"].achievement, response.content.decode()


def test_the_dashboards_chart_figures_show_a_write_on_the_next_request(manager_client, rule):
    chart, html = _dashboard(manager_client)
    assert _dashboard(manager_client)[0] is chart  # kept while nothing changes
    before = f'<td class="num">{_totals_2021(chart).achieved}件</td>'
    _write_161()
    newer, html_after = _dashboard(manager_client)
    after = f'<td class="num">{_totals_2021(newer).achieved}件</td>'
    assert before != after
    assert after in html_after
    assert html_after != html


def test_the_tables_rows_and_narrowings_show_a_write(rule):
    plan = _plan()
    progress = plan_progress(plan=plan)
    rows = progress_table_rows(progress)
    narrowed = progress_table_rows(progress, fiscal_year=2021)
    assert progress_table_rows(progress) is rows
    assert progress_table_rows(progress, fiscal_year=2021) is narrowed
    assert Decimal(144) in {row.actual for row in narrowed}
    _write_161()
    progress = plan_progress(plan=plan)
    assert progress_table_rows(progress) is not rows
    actuals = {row.actual for row in progress_table_rows(progress, fiscal_year=2021)}
    assert Decimal(161) in actuals


def _table_actuals(client, path: str):
    response = client.get(reverse(path), {"plan": "第8期", "fiscal_year": 2021, "sort": "-actual", "per_page": 500})
    assert response.status_code == 200
    return response


def test_a_sorted_table_page_shows_a_write_on_the_next_request(manager_client, rule):
    first = _table_actuals(manager_client, "reports:table").content.decode()
    assert "161人" not in first
    _write_161()
    assert "161人" in _table_actuals(manager_client, "reports:table").content.decode()


def _workbook_values(response) -> set:
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    return {cell for row in sheet.iter_rows(values_only=True) for cell in row}


def test_the_tables_workbook_shows_a_write_on_the_next_download(manager_client, rule):
    first = _table_actuals(manager_client, "reports:table_xlsx")
    assert _table_actuals(manager_client, "reports:table_xlsx").content == first.content  # written once
    assert 144 in _workbook_values(first)
    assert 161 not in _workbook_values(first)
    _write_161()
    assert 161 in _workbook_values(_table_actuals(manager_client, "reports:table_xlsx"))


def test_plan_choices_keeps_its_sql_only_so_a_write_is_seen_by_the_next_call(rule):
    from evaluations import selectors

    plan = _plan()
    before = next(p for p in plan_choices() if p.id == plan.id)
    compiled = dict(selectors._PLAN_CHOICES_SQL)
    ReportingYear.objects.filter(plan=plan, fiscal_year=before.open_fiscal_year).update(is_locked=True)
    after = next(p for p in plan_choices() if p.id == plan.id)
    assert after.open_fiscal_year != before.open_fiscal_year
    assert compiled == selectors._PLAN_CHOICES_SQL  # the same SQL, read again


def test_a_kind_keeps_its_last_few_values_only(rule):
    """A national plan's workbooks run to megabytes: each kind keeps a bounded number, the oldest going first."""
    progress = plan_progress(plan=_plan())
    first = progress_derived(progress, "big", 1, object, kept=2)
    second = progress_derived(progress, "big", 2, object, kept=2)
    progress_derived(progress, "big", 3, object, kept=2)
    assert progress_derived(progress, "big", 2, object, kept=2) is second
    assert progress_derived(progress, "big", 1, object, kept=2) is not first
