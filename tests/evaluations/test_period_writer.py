"""One writer for a period's structure (issue 22 item 1): the YAML loader, the rollover, the sheet import and the admin.

Each creator must give the new period its predecessor's layout and reporting years with their
deadlines, and record approved figures through the approval's snapshot writer, so that a
reopened item-year keeps counting the figure the managers approved (README, 承認の取消).
"""

import io
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts.roles import SYSTEM_ADMIN
from evaluations import services
from evaluations.models import ApprovedResult, ReportingYear, SelfEvaluation
from evaluations.progress import plan_progress, status_labels
from evaluations.rollover import Decisions, NewPeriod, plan_rollover
from programs.models import Item, PlanPeriod
from programs.selectors import sheet_layout
from sheets.exports.self_evaluation import self_evaluation_workbook, sheet_data
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.services import plan_sheet_import, plan_sheet_layouts
from tests import factories
from tests.workflow_world import make_user


def _deadlines(plan: PlanPeriod) -> dict[int, date | None]:
    return dict(ReportingYear.objects.filter(plan=plan).values_list("fiscal_year", "deadline"))


def _approved_cell(plan: PlanPeriod, item: Item, fiscal_year: int, key: str = "trainees"):
    progress = plan_progress(plan=plan, item_ids=[item.id])
    indicator = next(indicator for indicator in progress.items[0].indicators if indicator.key == key)
    return indicator.years[plan.fiscal_years.index(fiscal_year)]


def _reopen(plan: PlanPeriod, item: Item, fiscal_year: int, admin) -> None:
    """Unlock the year and reopen the item-year, as an administrator correcting it would."""
    if ReportingYear.objects.get(plan=plan, fiscal_year=fiscal_year).is_locked:
        services.reporting_year_unlock(plan=plan, fiscal_year=fiscal_year, user=admin, reason="訂正のため")
    record = SelfEvaluation.objects.get(item=item, fiscal_year=fiscal_year)
    services.self_evaluation_reopen(evaluation=record, user=admin, reason="訂正のため")


def _figure(cell) -> tuple:
    return cell.actual, cell.rate, status_labels()[cell.status]


@pytest.fixture
def admin(tokyo_data):
    return make_user("period-admin", role=SYSTEM_ADMIN, superuser=True)


def test_the_yaml_loader_records_approved_figures_so_a_reopen_keeps_144_people_at_94_1_percent(admin):
    plan = PlanPeriod.objects.get(name="第8期")
    item = Item.objects.get(area__plan=plan, area__number=7, number=1)
    approved = SelfEvaluation.objects.filter(status=SelfEvaluation.Status.APPROVED).select_related("item")
    assert approved.count() == 62
    # Every approved item-year with figures has its snapshot, as if the approval service had approved it.
    missing = [
        (record.item_id, record.fiscal_year)
        for record in approved
        if record.item.indicators.filter(results__fiscal_year=record.fiscal_year).exists()
        and not ApprovedResult.objects.filter(indicator__item=record.item, fiscal_year=record.fiscal_year).exists()
    ]
    assert missing == []
    assert _figure(_approved_cell(plan, item, 2021)) == (Decimal(144), Decimal("94.1"), "概ね達成")

    _reopen(plan, item, 2021, admin)

    assert _figure(_approved_cell(plan, item, 2021)) == (Decimal(144), Decimal("94.1"), "概ね達成")


def test_the_yaml_loader_gives_a_period_without_listed_years_its_reporting_years_and_layout(admin):
    ninth, eighth = PlanPeriod.objects.get(name="第9期"), PlanPeriod.objects.get(name="第8期")
    assert ninth.layout_id == eighth.layout_id is not None
    assert _deadlines(ninth) == {2024: date(2025, 5, 31), 2025: date(2026, 5, 31), 2026: date(2027, 5, 31)}
    # The file's own deadlines win: 第8期 FY2021 is published with none, FY2022 is due 2023-05-31.
    assert _deadlines(eighth) == {2021: None, 2022: date(2023, 5, 31), 2023: date(2024, 5, 31)}


def test_the_rollover_gives_the_new_period_the_layout_and_reporting_years(admin):
    ninth = PlanPeriod.objects.get(name="第9期")
    plan_rollover(source=PlanPeriod.objects.get(name="第8期"), period=_period(9, 2024), decisions=Decisions())
    tenth = plan_rollover(source=ninth, period=_period(10, 2027), decisions=Decisions(), by=admin).plan

    assert tenth.layout_id == ninth.layout_id is not None
    assert sheet_layout(plan=tenth) == sheet_layout(plan=ninth)
    assert _deadlines(tenth) == {2027: date(2028, 5, 31), 2028: date(2029, 5, 31), 2029: date(2030, 5, 31)}


def _period(ordinal: int, first: int) -> NewPeriod:
    return NewPeriod(name=f"第{ordinal}期", ordinal=ordinal, first_fiscal_year=first, last_fiscal_year=first + 2)


def test_the_sheet_import_records_approved_figures_so_a_reopen_keeps_them(admin):
    eighth = PlanPeriod.objects.get(name="第8期")
    buffer = io.BytesIO()
    self_evaluation_workbook(sheet_data(plan_progress(plan=eighth), sheet_layout(plan=eighth))).save(buffer)
    draft = plan_sheet_parse(plan_sheet_read(buffer.getvalue()), layouts=plan_sheet_layouts())

    plan = plan_sheet_import(draft=draft, plan_name="第8期（取込）", by=admin).plan

    assert plan.layout_id == eighth.layout_id is not None
    assert _deadlines(plan) == {2021: date(2022, 5, 31), 2022: date(2023, 5, 31), 2023: date(2024, 5, 31)}
    item = Item.objects.get(area__plan=plan, area__number=7, number=1)
    assert _figure(_approved_cell(plan, item, 2021)) == (Decimal(144), Decimal("94.1"), "概ね達成")
    _reopen(plan, item, 2021, admin)
    assert _figure(_approved_cell(plan, item, 2021)) == (Decimal(144), Decimal("94.1"), "概ね達成")


def test_the_admin_creates_a_period_with_the_predecessors_layout_and_reporting_years(client, admin):
    client.force_login(admin)
    response = client.post(
        reverse("admin:programs_planperiod_add"),
        {"name": "第12期", "ordinal": 12, "title": "", "first_fiscal_year": 2033, "last_fiscal_year": 2035},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    plan = PlanPeriod.objects.get(name="第12期")
    assert plan.layout_id == PlanPeriod.objects.get(name="第9期").layout_id is not None
    assert _deadlines(plan) == {2033: date(2034, 5, 31), 2034: date(2035, 5, 31), 2035: date(2036, 5, 31)}


def test_loading_the_files_again_writes_no_second_snapshot(admin):
    # Loading the same files again writes nothing: no second snapshot, no history row.
    from django.core.management import call_command

    before = list(ApprovedResult.objects.order_by("id").values_list("id", "value"))
    call_command("load_tokyo_plan", verbosity=0)
    assert list(ApprovedResult.objects.order_by("id").values_list("id", "value")) == before


# -- the data migration: snapshots for records approved by a loader before the writer kept them ------------

BEFORE = [("evaluations", "0006_approved_result")]
AFTER = [("evaluations", "0007_approved_result_for_loaded_records")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_snapshots_records_a_loader_approved_without_one():
    plan = factories.plan_period(name="第8期", ordinal=8, first_fiscal_year=2021, last_fiscal_year=2023)
    item = factories.item(area=factories.policy_area(plan=plan))
    indicator = factories.indicator(item_=item)
    factories.yearly_result(indicator_=indicator, fiscal_year=2021, value=Decimal(144), actual_text="144人")
    factories.yearly_result(indicator_=indicator, fiscal_year=2022, value=Decimal(150), actual_text="150人")
    factories.yearly_result(indicator_=indicator, fiscal_year=2023, value=Decimal(160), actual_text="160人")
    approved_at = "2022-05-01T10:00:00+09:00"
    for year, status in ((2021, "approved"), (2022, "approved"), (2023, "submitted")):
        SelfEvaluation.objects.create(item=item, fiscal_year=year, status=status, approved_at=approved_at)
    # 2022 was approved through the service: its snapshot (an older figure) must stay as it is.
    ApprovedResult.objects.create(indicator=indicator, fiscal_year=2022, value=Decimal(149), actual_text="149人")
    try:
        _migrate(BEFORE)
        apps = _migrate(AFTER)
        snapshots = apps.get_model("evaluations", "ApprovedResult").objects.order_by("fiscal_year")
        assert list(snapshots.values_list("fiscal_year", "value", "actual_text")) == [
            (2021, Decimal(144), "144人"),
            (2022, Decimal(149), "149人"),
        ]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
