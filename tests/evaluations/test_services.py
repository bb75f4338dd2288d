"""Workflow transitions, allowed and forbidden, and the audit rows they leave."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from evaluations import services
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.models import Target
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR, evaluation

pytestmark = pytest.mark.django_db
Status = SelfEvaluation.Status


def _save(world, user="staff_own", item=None, year=OPEN_YEAR, **entry):
    entry.setdefault("values", {world.indicator_id: Decimal(150)})
    return services.item_entry_save(item=item or world.own_item, fiscal_year=year, user=world.users[user], **entry)


def test_staff_saves_a_result_and_the_history_says_who(world):
    record = _save(world, evaluation={"activities": "講師養成研修を実施"})
    result = YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR)
    assert (result.value, result.actual_text) == (Decimal(150), "150人")
    assert (record.status, record.version, record.activities) == (Status.DRAFT, 1, "講師養成研修を実施")
    history = result.history.get()
    assert history.history_user == world.users["staff_own"]
    assert record.history.get().history_user == world.users["staff_own"]


def test_saving_the_same_values_twice_writes_nothing_the_second_time(world):
    record = _save(world, evaluation={"activities": "講師養成研修を実施"})
    again = _save(world, evaluation={"activities": "講師養成研修を実施"}, expected_version=record.version)
    assert again.version == record.version
    assert record.history.count() == 1
    assert YearlyResult.history.count() == 1


COMPLETE = {"activities": "研修を実施", "self_assessment": "概ね達成", "next_steps": "継続する"}


def test_full_cycle_submit_approve_and_audit(world):
    record = _save(world, evaluation=COMPLETE)
    services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"], comment="確認しました")
    record.refresh_from_db()
    assert (record.status, record.approved_by, record.version) == (Status.APPROVED, world.users["manager"], 3)
    reasons = list(record.history.order_by("history_date").values_list("status", "history_change_reason"))
    assert reasons == [("draft", "入力"), ("submitted", "提出"), ("approved", "承認: 確認しました")]


def test_return_needs_a_comment_then_editing_puts_it_back_to_draft_without_a_reason(world):
    # Issue 20 item 4: the return is the reason; asking staff for another one refused their correction.
    record = _save(world, evaluation=COMPLETE)
    services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record.refresh_from_db()
    with pytest.raises(ValidationError):
        services.self_evaluation_return(evaluation=record, user=world.users["manager"], comment=" ")
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED
    services.self_evaluation_return(evaluation=record, user=world.users["manager"], comment="数値を確認してください")
    record.refresh_from_db()
    assert (record.status, record.manager_comment) == (Status.RETURNED, "数値を確認してください")
    _save(world, values={world.indicator_id: Decimal(151)}, expected_version=record.version)
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR).value == Decimal(151)
    assert record.history.first().history_change_reason == "差戻し後の修正"
    # Saved as a draft once, it is still the returned record's correction: resubmitting asks nothing.
    _save(world, values={world.indicator_id: Decimal(152)}, expected_version=record.version)
    services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record.refresh_from_db()
    assert record.status == Status.SUBMITTED


def test_a_returned_record_that_was_approved_before_still_needs_a_reason(world):
    record = _save(world, evaluation=COMPLETE)
    services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record.refresh_from_db()
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"], comment="確認しました")
    record.refresh_from_db()
    services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="誤記の訂正")
    record.refresh_from_db()
    services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record.refresh_from_db()
    services.self_evaluation_return(evaluation=record, user=world.users["manager"], comment="再確認を")
    record.refresh_from_db()
    with pytest.raises(ValidationError, match="変更理由"):
        _save(world, values={world.indicator_id: Decimal(151)}, expected_version=record.version)
    assert YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR).value == Decimal(150)
    record.refresh_from_db()
    assert record.status == Status.RETURNED
    _save(world, values={world.indicator_id: Decimal(151)}, expected_version=record.version, change_reason="集計漏れ")
    assert record.history.first().history_change_reason == "集計漏れ"


@pytest.mark.parametrize(
    ("user", "message"),
    [("staff_other", "他の課"), ("manager", "担当者のみ"), ("no_role", "権限")],
)
def test_forbidden_editors_write_nothing(world, user, message):
    with pytest.raises(PermissionDenied, match=message):
        _save(world, user=user)
    assert not SelfEvaluation.objects.exists()
    assert not YearlyResult.objects.exists()
    assert not YearlyResult.history.exists()


def test_locked_year_is_read_only_even_for_an_administrator(world):
    with pytest.raises(PermissionDenied, match="確定"):
        _save(world, user="admin", year=LOCKED_YEAR)
    assert not YearlyResult.objects.exists()


def test_approved_record_is_read_only_until_an_administrator_reopens_it(world):
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.APPROVED)
    with pytest.raises(PermissionDenied, match="承認済み"):
        _save(world)
    with pytest.raises(PermissionDenied):
        services.self_evaluation_reopen(evaluation=record, user=world.users["manager"], reason="修正")
    with pytest.raises(ValidationError):
        services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="")
    services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="誤記の訂正")
    record.refresh_from_db()
    assert record.status == Status.DRAFT
    assert record.history.first().history_change_reason == "承認取消（システム管理者）: 誤記の訂正"
    with pytest.raises(ValidationError):
        _save(world, expected_version=record.version)  # was submitted once: a reason is required
    _save(world, expected_version=record.version, change_reason="誤記の訂正")


@pytest.mark.parametrize(
    ("status", "action", "user"),
    [
        (Status.DRAFT, "approve", "manager"),
        (Status.APPROVED, "approve", "manager"),
        (Status.SUBMITTED, "approve", "staff_own"),
        (Status.SUBMITTED, "submit", "staff_own"),
        (Status.APPROVED, "submit", "staff_own"),
        (Status.DRAFT, "return", "manager"),
    ],
)
def test_forbidden_transitions_leave_the_record_unchanged(world, status, action, user):
    record = evaluation(world.own_item, OPEN_YEAR, status=status)
    with pytest.raises(PermissionDenied):
        if action == "submit":
            services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users[user])
        elif action == "approve":
            services.self_evaluation_approve(evaluation=record, user=world.users[user])
        else:
            services.self_evaluation_return(evaluation=record, user=world.users[user], comment="x")
    record.refresh_from_db()
    assert (record.status, record.version) == (status, 1)
    assert record.history.count() == 1  # the row the test created, nothing from the refused action


def test_stale_version_is_refused_and_names_what_the_other_person_changed(world):
    record = _save(world, evaluation={"activities": "当初の内容"})
    loaded_version = record.version
    services.item_entry_save(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        user=world.users["admin"],
        values={world.indicator_id: Decimal(160)},
        evaluation={"activities": "管理者が修正"},
        expected_version=loaded_version,
    )
    with pytest.raises(services.EditConflict) as conflict:
        _save(world, values={world.indicator_id: Decimal(155)}, expected_version=loaded_version)
    changes = {change.label: (change.before, change.after) for change in conflict.value.changes}
    assert changes["取組の実施内容・実績"] == ("当初の内容", "管理者が修正")
    assert changes["受講者数"] == ("150人", "160人")
    assert conflict.value.changed_by == "admin"
    assert YearlyResult.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR).value == Decimal(160)


def test_next_year_target_stated_in_the_evaluation_becomes_a_target(world):
    _save(world, year=OPEN_YEAR - 0, next_targets={world.indicator_id: (Decimal(160), "160人")})
    target = Target.objects.get(indicator_id=world.indicator_id, fiscal_year=OPEN_YEAR + 1)
    assert (target.value, target.source, target.kind) == (Decimal(160), Target.Source.EVALUATION, Target.Kind.PER_YEAR)
    assert target.history.get().history_user == world.users["staff_own"]


def test_copy_forward_fills_only_empty_fields(world):
    evaluation(
        world.own_item, LOCKED_YEAR, status=Status.APPROVED, self_assessment="前年の評価", next_steps="前年の方針"
    )
    _save(world, evaluation={"activities": "今年の取組"})
    services.self_evaluation_copy_forward(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    record = SelfEvaluation.objects.get(item=world.own_item, fiscal_year=OPEN_YEAR)
    assert (record.activities, record.self_assessment, record.next_steps) == ("今年の取組", "前年の評価", "前年の方針")


def test_lock_needs_everything_approved_and_unlock_needs_an_administrator(world):
    year = ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR)
    evaluation(world.own_item, OPEN_YEAR, status=Status.APPROVED)
    with pytest.raises(PermissionDenied, match="未承認の事項が1件"):
        services.reporting_year_lock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["manager"])
    evaluation(world.other_item, OPEN_YEAR, status=Status.APPROVED)
    with pytest.raises(PermissionDenied):
        services.reporting_year_lock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    services.reporting_year_lock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["manager"])
    year.refresh_from_db()
    assert year.is_locked
    with pytest.raises(PermissionDenied):
        services.reporting_year_unlock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["manager"], reason="x")
    services.reporting_year_unlock(plan=world.plan, fiscal_year=OPEN_YEAR, user=world.users["admin"], reason="訂正")
    year.refresh_from_db()
    assert not year.is_locked
    assert year.history.first().history_change_reason == "確定を解除: 訂正"


def test_every_write_to_audited_models_goes_through_history(world):
    """Bulk writes bypass django-simple-history; the services never use them for content."""
    _save(world, evaluation={"activities": "a"}, next_targets={world.indicator_id: (Decimal(1), "1人")})
    for model in (SelfEvaluation, YearlyResult, Target):
        for instance in model.objects.all():
            assert instance.history.exists(), f"{model.__name__} {instance.pk} was written without history"
