"""Which figure counts in the read model (issue 12 §2): approved ones, the last approved while a newer awaits."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evaluations import services
from evaluations.models import ApprovedResult, SelfEvaluation
from evaluations.progress import plan_progress
from programs.kinds import Status
from programs.models import Municipality, Target
from tests import factories
from tests.workflow_world import OPEN_YEAR, complete_evaluation, evaluation


def _indicator(world, key="trainees", **fields):
    progress = plan_progress(plan=world.plan, item_ids=[world.own_item.id], **fields)
    return next(indicator for indicator in progress.items[0].indicators if indicator.key == key)


def _cell(world, fiscal_year, key="trainees", **fields):
    return _indicator(world, key, **fields).years[world.plan.fiscal_years.index(fiscal_year)]


@pytest.mark.django_db
def test_a_result_without_a_workflow_record_is_a_draft_and_counts_nowhere(world):
    # Written outside the entry workflow (the admin, a loader): nobody approved it.
    factories.yearly_result(indicator_=world.own_item.indicators.get(), fiscal_year=OPEN_YEAR, value=Decimal(20))
    cell = _cell(world, OPEN_YEAR)
    assert (cell.actual, cell.rate, cell.status, cell.state) == (None, None, Status.NOT_ENTERED, None)
    assert (cell.pending.actual, cell.pending.state, cell.pending.state_label) == (Decimal(20), "draft", "下書き")
    indicator = _indicator(world)
    assert indicator.headline.actual is None and indicator.headline.pending == cell.pending
    # The entry status the pages show already called it 入力中: both readings agree.
    assert plan_progress(plan=world.plan).items[0].entry_status(OPEN_YEAR, world.plan.fiscal_years) == "draft"
    counted = _cell(world, OPEN_YEAR, include_unapproved=True)
    assert (counted.actual, counted.rate, counted.state_label, counted.pending) == (
        Decimal(20),
        Decimal("13.1"),
        "下書き",
        None,
    )


@pytest.mark.django_db
def test_a_baseline_before_the_plan_counts_as_recorded(world):
    indicator = factories.indicator(item_=world.own_item, key="visits", name="訪問件数", unit="件")
    factories.target(
        indicator_=indicator, kind=Target.Kind.DIRECTION, value=None, direction="increase", target_text="増加"
    )
    factories.yearly_result(indicator_=indicator, fiscal_year=2020, value=Decimal(10), actual_text="10件")
    factories.yearly_result(indicator_=indicator, fiscal_year=2021, value=Decimal(12), actual_text="12件")
    evaluation(world.own_item, 2021, SelfEvaluation.Status.APPROVED)
    cell = _cell(world, 2021, "visits")
    assert (cell.actual, cell.status, cell.state) == (Decimal(12), Status.INCREASED, "approved")


@pytest.mark.django_db
def test_a_submitted_figure_is_labelled_unapproved_and_graded_nowhere(world):
    complete_evaluation(world.own_item, OPEN_YEAR, SelfEvaluation.Status.SUBMITTED)
    cell = _cell(world, OPEN_YEAR)
    assert (cell.actual, cell.status, cell.pending.state_label) == (None, Status.NOT_ENTERED, "未承認")
    assert cell.pending.note("人") == "未承認: 1人（令和5年度）"


@pytest.mark.django_db
def test_approval_keeps_the_figures_it_approved_and_they_count_after_a_reopen(world):
    indicator = world.own_item.indicators.get()
    record = complete_evaluation(world.own_item, OPEN_YEAR, SelfEvaluation.Status.SUBMITTED)
    result = indicator.results.get(fiscal_year=OPEN_YEAR)
    result.municipalities.set([Municipality.objects.get(code="131016")])  # 千代田区, there after migrate
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])
    snapshot = ApprovedResult.objects.get(indicator=indicator, fiscal_year=OPEN_YEAR)
    assert (snapshot.value, snapshot.actual_text, snapshot.municipality_count) == (Decimal(1), "1", 1)
    assert snapshot.approved_at == SelfEvaluation.objects.get(pk=record.pk).approved_at

    record.refresh_from_db()
    services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="訂正")
    result.value, result.actual_text = Decimal(5), "5人"
    result.save()
    cell = _cell(world, OPEN_YEAR)
    assert (cell.actual, cell.actual_text, cell.state) == (Decimal(1), "1", "approved")
    assert (cell.pending.actual, cell.pending.state_label) == (Decimal(5), "下書き")
    # Reopened but not yet edited: nothing newer to show.
    result.value, result.actual_text = Decimal(1), "1"
    result.save()
    assert _cell(world, OPEN_YEAR).pending is None


BEFORE = [("evaluations", "0005_verdict_and_period_coverage")]
AFTER = [("evaluations", "0006_approved_result")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_snapshots_the_records_approved_before_it(world):
    indicator = world.own_item.indicators.get()
    factories.yearly_result(indicator_=indicator, fiscal_year=2021, value=Decimal(144), actual_text="144人")
    factories.yearly_result(indicator_=indicator, fiscal_year=2022, value=Decimal(150), actual_text="150人")
    evaluation(world.own_item, 2021, SelfEvaluation.Status.APPROVED, approved_at="2022-05-01T10:00:00+09:00")
    evaluation(world.own_item, 2022, SelfEvaluation.Status.SUBMITTED)
    try:
        _migrate(BEFORE)
        apps = _migrate(AFTER)
        snapshots = apps.get_model("evaluations", "ApprovedResult").objects.values_list(
            "fiscal_year", "value", "actual_text"
        )
        assert list(snapshots) == [(2021, Decimal(144), "144人")]
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
