"""Every write to results, self-evaluations and their workflow goes through these functions.

Each is atomic, checks the same policy the views use (``policies``), refuses a stale edit
through the record's version (a conditional UPDATE, which works on SQLite and PostgreSQL
alike), and saves through the model so that django-simple-history records who changed what
and why. ``QuerySet.update()`` is used only to bump the version, never to change content.
"""

import datetime
import re
from collections.abc import Collection
from dataclasses import asdict, dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone

from programs.fiscal_years import era_label
from programs.models import Item, PlanPeriod, SheetLayout, Target
from programs.periods import (
    ERROR_NAME_CONFUSABLE,
    ORDINAL_MAX,
    ORDINAL_MIN,
    confusable_name,
    normalised_name,
    period_problems,
)
from programs.quantities import ERROR_WHOLE_NUMBER, QuantityError, breaks_whole_number_unit
from programs.selectors import layout_of_predecessor

from . import policies, selectors, workflow_events
from .changes import (
    MUNICIPALITIES,
    RATING,
    TEXT_FIELDS,
    FieldChange,
    ItemYearChange,
    ItemYearState,
    StoredTarget,
    Submission,
    item_year_change,
    state_change,
)
from .completeness import submission_gaps
from .due import reporting_deadline_of
from .models import NO_RECORD_VERSION, ApprovedResult, Rating, ReportingYear, SelfEvaluation, Verdict, YearlyResult
from .quantity_input import indicator_quantity, next_target_label

ERROR_REASON_REQUIRED = "一度承認された記録を変更するには、変更理由を入力してください。"
# A returned record corrected without a reason of its own: the manager's return is the reason.
REASON_AFTER_RETURN = "差戻し後の修正"
ERROR_RETURN_COMMENT_REQUIRED = "差戻しの理由（コメント）を入力してください。"
ERROR_REOPEN_REASON_REQUIRED = "承認を取り消す理由を入力してください。"
ERROR_UNLOCK_REASON_REQUIRED = "確定を解除する理由を入力してください。"
ERROR_SELF_APPROVAL_REASON_REQUIRED = (
    "ご自身が提出した記録を承認するには、理由を入力してください（変更履歴に残ります）。"
)
ERROR_NEGATIVE = "{label}: マイナスの値は入力できません。"
ERROR_VERDICT_TEXT_REQUIRED = "達成の判断には、その根拠となる自己評価の文を入力してください。"
ERROR_TARGET_MISMATCH = "{label}: 「{wording}」は入力された数値と一致しません。"
ERROR_NOTHING_TO_COPY = "前年度（{year}）の自己評価がないため、写す内容がありません。"

REASON_SUBMITTED = "提出"
REASON_APPROVED = "承認"
REASON_SELF_APPROVED = "承認（本人提出・システム管理者）: {reason}"
REASON_RETURNED = "差戻し: {comment}"
REASON_REOPENED = "承認取消（システム管理者）: {reason}"
REASON_COPIED_FORWARD = "前年度の内容を下書きに複写"


class EditConflict(Exception):
    """Someone saved the record after the editor loaded it; ``changes`` says what they changed."""

    def __init__(self, *, changes: list[FieldChange], changed_by: str, changed_at: datetime.datetime | None):
        super().__init__("他の利用者が先に保存しました。")
        self.changes = changes
        self.changed_by = changed_by
        self.changed_at = changed_at


def reporting_year_for(plan: PlanPeriod, fiscal_year: int) -> ReportingYear | None:
    return ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year)


def _deny_if(reason: str | None) -> None:
    if reason:
        raise PermissionDenied(reason)


def _stamp(instance, user, reason: str) -> None:
    """Tell django-simple-history who made the change and why (also outside a request)."""
    instance._history_user = user
    instance._change_reason = reason


def _bump_version(evaluation: SelfEvaluation, expected_version: int | None) -> None:
    """Claim the next version, or raise EditConflict if someone saved in between."""
    expected = evaluation.version if expected_version is None else expected_version
    claimed = SelfEvaluation.objects.filter(pk=evaluation.pk, version=expected).update(version=F("version") + 1)
    if not claimed:
        evaluation.refresh_from_db()
        raise _conflict(evaluation, expected)
    evaluation.version = expected + 1


@transaction.atomic
def item_entry_save(
    *,
    item: Item,
    fiscal_year: int,
    user,
    values: dict[int, Decimal | None],
    actual_texts: dict[int, str] | None = None,
    wordings: dict[int, str] | None = None,
    municipalities: dict[int, list[int]] | None = None,
    next_targets: dict[int, tuple[Decimal, str] | None] | None = None,
    evaluation: dict[str, Any] | None = None,
    verdicts: dict[int, tuple[str, str]] | None = None,
    expected_version: int | None = None,
    expected_change: str = "",
    change_reason: str = "",
) -> SelfEvaluation | None:
    """Save an item's figures and self-evaluation for a fiscal year; write nothing if nothing changed.

    ``values`` maps indicator id → value (None clears it); ``actual_texts`` the 実績（原文） typed
    beside it and ``wordings`` how the figure itself was typed (see ``changes`` for how they word
    a figure); ``municipalities`` maps a coverage indicator's id → municipality ids;
    ``next_targets`` maps indicator id → (value, wording) of the target stated for the next
    fiscal year; ``evaluation`` holds the narratives, reference and rating (a Rating or None);
    ``verdicts`` maps indicator id → (verdict, the sentence it rests on) for targets judged in words.
    ``expected_version`` is the version the editor loaded, ``NO_RECORD_VERSION`` (0) if there
    was no record; for an existing record anything else (None included) raises EditConflict.
    ``expected_change``, the digest of a change previewed earlier, raises EditConflict unless
    the change computed now is that one.
    """
    plan = item.area.plan
    reporting_year = reporting_year_for(plan, fiscal_year)
    record = SelfEvaluation.objects.filter(item=item, fiscal_year=fiscal_year).first()
    _deny_if(policies.can_edit(user, item, fiscal_year, record, reporting_year))
    # "No record yet" is version 0. An editor who sends no version, or another one, has not
    # seen what is saved now: overwriting it would lose someone's work without them knowing.
    if record is not None and expected_version != record.version:
        raise _conflict(record, expected_version or NO_RECORD_VERSION)

    stored = selectors.item_year_states(item_ids=[item.id], fiscal_year=fiscal_year)[item.id]
    submission = _submission(
        stored,
        values=values,
        actual_texts=actual_texts or {},
        wordings=wordings or {},
        municipalities=municipalities or {},
        next_targets=next_targets or {},
        evaluation=evaluation or {},
        verdicts=verdicts or {},
    )
    change = item_year_change(stored, submission)
    if expected_change and change.digest() != expected_change:
        # Written outside the entry workflow since the preview (the version did not move).
        raise EditConflict(changes=[], changed_by="不明", changed_at=None)
    if not change:
        return record

    if not change_reason.strip() and policies.change_needs_reason(record):
        raise ValidationError(ERROR_REASON_REQUIRED)
    reason = change_reason.strip() or (REASON_AFTER_RETURN if record is not None and record.submitted_at else "入力")
    record = _write_evaluation(item, fiscal_year, record, change.evaluation_writes(), user, reason)
    _write_results(fiscal_year, change.result_writes(), user, reason)
    _write_targets(fiscal_year, change.target_writes(), user, reason)
    return record


def _submission(
    stored: ItemYearState, *, values, actual_texts, wordings, municipalities, next_targets, evaluation, verdicts
):
    """Check what the editor sent against the item and return it as a Submission."""
    known = {facts.id: facts for facts in stored.indicators}
    for indicator_id, value in values.items():
        facts = known.get(indicator_id)
        if facts is None:
            raise PermissionDenied("この事項の指標ではありません。")
        if value is not None and value < 0:
            raise ValidationError({f"value_{indicator_id}": ERROR_NEGATIVE.format(label=facts.label)})
        if breaks_whole_number_unit(value, facts.unit):
            message = ERROR_WHOLE_NUMBER.format(label=f"{facts.label} 実績", unit=facts.unit)
            raise ValidationError({f"value_{indicator_id}": message})
    stated = {}
    for indicator_id, target in next_targets.items():
        if target is not None:
            value, wording = target
            _check_target_wording(known[indicator_id], value, wording)
            stated[indicator_id] = value
    for indicator_id, (verdict, sentence) in verdicts.items():
        if indicator_id not in known or verdict not in ("", *Verdict.values):
            raise PermissionDenied("この事項の指標ではありません。")
        if verdict and not sentence.strip():
            raise ValidationError({f"verdict_text_{indicator_id}": ERROR_VERDICT_TEXT_REQUIRED})
    wanted = {name: text for name, text in evaluation.items() if name in TEXT_FIELDS}
    if RATING in evaluation:
        wanted[RATING] = evaluation[RATING].id if evaluation[RATING] is not None else None
    return Submission(
        values=values,
        actual_texts=actual_texts,
        wordings=wordings,
        municipalities=municipalities,
        next_targets=stated,
        evaluation=wanted,
        verdicts=verdicts,
    )


def _write_evaluation(item, fiscal_year, record, fields, user, reason) -> SelfEvaluation:
    """Create the record, or claim its next version and update it; any save goes through the version."""
    if record is None:
        record = SelfEvaluation(item=item, fiscal_year=fiscal_year, **fields)
        _stamp(record, user, reason)
        record.full_clean()
        try:
            with transaction.atomic():
                record.save()
        except IntegrityError:
            # Someone created the record between our read and our write.
            raise _conflict(SelfEvaluation.objects.get(item=item, fiscal_year=fiscal_year), NO_RECORD_VERSION) from None
        return record
    _bump_version(record, record.version)
    for name, value in fields.items():
        setattr(record, name, value)
    if record.status == SelfEvaluation.Status.RETURNED:
        record.status = SelfEvaluation.Status.DRAFT
    _stamp(record, user, reason)
    record.full_clean()
    record.save(update_fields=[*(name.removesuffix("_id") for name in fields), "version", "status"])
    return record


def _write_results(fiscal_year: int, writes: dict[int, dict[str, Any]], user, reason: str) -> None:
    existing = YearlyResult.objects.filter(indicator_id__in=writes, fiscal_year=fiscal_year) if writes else []
    results = {result.indicator_id: result for result in existing}
    for indicator_id, fields in writes.items():
        result = results.get(indicator_id) or YearlyResult(indicator_id=indicator_id, fiscal_year=fiscal_year)
        municipality_ids = fields.pop(MUNICIPALITIES, None)
        for name, value in fields.items():
            setattr(result, name, value)
        _stamp(result, user, reason)
        _full_clean(result, prefix="value", indicator_id=indicator_id)
        result.save()
        if municipality_ids is not None:
            _stamp(result, user, reason)
            result.municipalities.set(municipality_ids)


def _write_targets(fiscal_year: int, writes: dict[int, StoredTarget], user, reason: str) -> None:
    """Write the next year's targets the evaluation states, reading the existing ones in one query."""
    existing = Target.objects.filter(indicator_id__in=writes, fiscal_year=fiscal_year + 1) if writes else []
    targets = {target.indicator_id: target for target in existing}
    for indicator_id, stated in writes.items():
        target = targets.get(indicator_id) or Target(indicator_id=indicator_id, fiscal_year=fiscal_year + 1)
        for name, value in asdict(stated).items():
            setattr(target, name, value)
        _stamp(target, user, reason)
        _full_clean(target, prefix="next_target", indicator_id=indicator_id)
        target.save()


def _full_clean(instance, *, prefix: str, indicator_id: int) -> None:
    """Validate a result or target, naming the entry's field (``value_12``) rather than the model's.

    The same model field exists once per indicator on the entry screen: an error keyed
    ``value`` could not say which input it is about.
    """
    try:
        instance.full_clean()
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            raise
        raise ValidationError(
            {f"{prefix}_{indicator_id}" if key == "value" else key: errors for key, errors in error.error_dict.items()}
        ) from None


def _check_target_wording(indicator, value: Decimal, wording: str) -> None:
    """Refuse a stated target whose wording is not the same number with the indicator's unit."""
    name = f"next_target_{indicator.id}"
    label = next_target_label(indicator)
    if value is None or value < 0:
        raise ValidationError({name: ERROR_NEGATIVE.format(label=label)})
    if not wording:
        return
    try:
        typed = indicator_quantity(wording, unit=indicator.unit)
    except QuantityError as error:
        raise ValidationError({name: f"{label}: {error}"}) from None
    if typed != value:
        raise ValidationError({name: ERROR_TARGET_MISMATCH.format(label=label, wording=wording)})


def edit_conflict_since(*, record: SelfEvaluation, expected_version: int) -> EditConflict:
    """Return what was changed in the record since ``expected_version`` (for a stale workbook's preview)."""
    return _conflict(record, expected_version)


def _conflict(record: SelfEvaluation, expected_version: int) -> EditConflict:
    """Describe what changed since the version the editor loaded, from the audit history, in fixed queries."""
    history = list(record.history.select_related("history_user").order_by("history_date", "history_id"))
    base = next((h for h in reversed(history) if h.version == expected_version), None)
    # The editor saw everything recorded before the first save past their version.
    first_newer = next((h for h in history if h.version > expected_version), None)
    until = first_newer.history_date if first_newer else None
    current = selectors.item_year_states(item_ids=[record.item_id], fiscal_year=record.fiscal_year)[record.item_id]
    results, targets = {}, {}
    if until is not None:
        for audited in YearlyResult.history.filter(
            indicator__item_id=record.item_id, fiscal_year=record.fiscal_year, history_date__lt=until
        ).order_by("history_date", "history_id"):
            results[audited.indicator_id] = audited
        for audited in Target.history.filter(
            indicator__item_id=record.item_id, fiscal_year=record.fiscal_year + 1, history_date__lt=until
        ).order_by("history_date", "history_id"):
            targets[audited.indicator_id] = audited
    seen = replace(
        current,
        results={key: selectors.stored_result(h, audited=True) for key, h in results.items() if h.history_type != "-"},
        next_targets={
            key: StoredTarget(h.kind, h.value, h.unit, h.target_text, h.source)
            for key, h in targets.items()
            if h.history_type != "-"
        },
        evaluation=selectors.stored_evaluation(base),
        status=base.status if base else None,
    )
    latest = history[-1] if history else None
    user = latest.history_user if latest else None
    return EditConflict(
        changes=list(state_change(seen, current).fields),
        changed_by=(user.get_full_name() or user.get_username()) if user else "不明",
        changed_at=latest.history_date if latest else None,
    )


def _evaluation_for_update(item: Item, fiscal_year: int) -> SelfEvaluation | None:
    return SelfEvaluation.objects.select_related("item__area__plan").filter(item=item, fiscal_year=fiscal_year).first()


@transaction.atomic
def self_evaluation_submit(
    *,
    item: Item,
    fiscal_year: int,
    user,
    expected_version: int | None = None,
    required_narratives: Collection[str] = SelfEvaluation.NARRATIVE_FIELDS,
) -> SelfEvaluation:
    """Send the year's entry to the managers for approval (入力中/差戻し → 提出済).

    Refuse (ValidationError keyed by the entry form's fields) an entry that lacks a targeted
    indicator's figure or one of ``required_narratives``, the narratives the screen shows.
    """
    record = _evaluation_for_update(item, fiscal_year)
    _deny_if(policies.can_submit(user, item, fiscal_year, record, reporting_year_for(item.area.plan, fiscal_year)))
    _bump_version(record, expected_version)  # a stale submission is a conflict first (rolled back if refused)
    stored = selectors.item_year_states(item_ids=[item.id], fiscal_year=fiscal_year)[item.id]
    if gaps := submission_gaps(stored, required_narratives=required_narratives):
        raise ValidationError({name: [message] for name, message in gaps.items()})
    record.status = SelfEvaluation.Status.SUBMITTED
    record.submitted_at = timezone.now()
    record.submitted_by = user
    _stamp(record, user, REASON_SUBMITTED)
    record.save(update_fields=["status", "submitted_at", "submitted_by", "version"])
    workflow_events.publish(workflow_events.WorkflowEvent(workflow_events.Transition.SUBMITTED, record, user))
    return record


@transaction.atomic
def self_evaluation_approve(
    *, evaluation: SelfEvaluation, user, comment: str = "", expected_version: int | None = None, reason: str = ""
) -> SelfEvaluation:
    """Approve a submitted entry (提出済 → 承認済); it becomes read-only.

    Nobody approves their own submission, except an administrator giving ``reason``, which the
    history keeps.
    """
    _deny_if(
        policies.can_approve(user, evaluation, reporting_year_for(evaluation.item.area.plan, evaluation.fiscal_year))
    )
    if policies.approval_needs_reason(user, evaluation):
        if not reason.strip():
            raise ValidationError(ERROR_SELF_APPROVAL_REASON_REQUIRED)
        history_reason = REASON_SELF_APPROVED.format(reason=reason.strip())
    else:
        history_reason = REASON_APPROVED + (f": {comment.strip()}" if comment.strip() else "")
    _bump_version(evaluation, expected_version)
    evaluation.status = SelfEvaluation.Status.APPROVED
    evaluation.approved_at = timezone.now()
    evaluation.approved_by = user
    evaluation.manager_comment = comment.strip()
    _stamp(evaluation, user, history_reason)
    evaluation.save(update_fields=["status", "approved_at", "approved_by", "manager_comment", "version"])
    approved_results_record(evaluation=evaluation)
    workflow_events.publish(
        workflow_events.WorkflowEvent(workflow_events.Transition.APPROVED, evaluation, user, comment.strip())
    )
    return evaluation


def approved_results_record(*, evaluation: SelfEvaluation) -> None:
    """Keep the item-year's figures as approved, for the reports while a later edit awaits approval.

    The one writer of approved figures: the approval above, and every loader that stores a
    record as already approved (the sheet import, the YAML loader), call it after the figures.

    A snapshot rather than reading the history as of ``approved_at``: the read model reads it
    in one plain query of one row per indicator-year (evaluations.progress), where the history
    would need a per-row "latest before" subquery over every change ever made.
    """
    results = list(
        YearlyResult.objects.filter(
            indicator__item_id=evaluation.item_id, fiscal_year=evaluation.fiscal_year
        ).prefetch_related("municipalities")
    )
    ApprovedResult.objects.filter(indicator__item_id=evaluation.item_id, fiscal_year=evaluation.fiscal_year).delete()
    ApprovedResult.objects.bulk_create(
        ApprovedResult(
            indicator_id=result.indicator_id,
            fiscal_year=result.fiscal_year,
            value=result.value,
            actual_text=result.actual_text,
            municipality_count=result.covered_count,
            municipality_codes=sorted(municipality.code for municipality in result.municipalities.all()),
            verdict=result.verdict,
            verdict_text=result.verdict_text,
            period_municipality_count=result.period_municipality_count,
            approved_at=evaluation.approved_at,
        )
        for result in results
    )


@transaction.atomic
def approved_figures_correct(*, evaluation: SelfEvaluation, change: ItemYearChange, user, reason: str) -> None:
    """Write an approved item-year's figures as an administrator, keeping the approval (「実績の一括入力」).

    For figures the approved record never held (an imported sheet without a 実績 column): the
    results are saved with their history and ``reason``, the approved snapshot is rewritten by
    its one writer, and the record's version moves on so that an editor holding it sees a conflict.
    """
    _deny_if(
        policies.can_correct_approved_figures(
            user, evaluation, reporting_year_for(evaluation.item.area.plan, evaluation.fiscal_year)
        )
    )
    _bump_version(evaluation, None)
    _write_results(evaluation.fiscal_year, change.result_writes(), user, reason)
    approved_results_record(evaluation=evaluation)


@transaction.atomic
def self_evaluation_return(
    *, evaluation: SelfEvaluation, user, comment: str, expected_version: int | None = None
) -> SelfEvaluation:
    """Return a submitted entry to its section with the manager's comment (提出済 → 差戻し)."""
    _deny_if(
        policies.can_review(user, evaluation, reporting_year_for(evaluation.item.area.plan, evaluation.fiscal_year))
    )
    if not comment.strip():
        raise ValidationError(ERROR_RETURN_COMMENT_REQUIRED)
    _bump_version(evaluation, expected_version)
    evaluation.status = SelfEvaluation.Status.RETURNED
    evaluation.manager_comment = comment.strip()
    _stamp(evaluation, user, REASON_RETURNED.format(comment=comment.strip()))
    evaluation.save(update_fields=["status", "manager_comment", "version"])
    workflow_events.publish(
        workflow_events.WorkflowEvent(workflow_events.Transition.RETURNED, evaluation, user, comment.strip())
    )
    return evaluation


@transaction.atomic
def self_evaluation_reopen(*, evaluation: SelfEvaluation, user, reason: str) -> SelfEvaluation:
    """Let an administrator reopen an approved entry (承認済 → 入力中), with the reason recorded."""
    _deny_if(
        policies.can_reopen(user, evaluation, reporting_year_for(evaluation.item.area.plan, evaluation.fiscal_year))
    )
    if not reason.strip():
        raise ValidationError(ERROR_REOPEN_REASON_REQUIRED)
    _bump_version(evaluation, None)
    evaluation.status = SelfEvaluation.Status.DRAFT
    evaluation.approved_at = None
    evaluation.approved_by = None
    _stamp(evaluation, user, REASON_REOPENED.format(reason=reason.strip()))
    evaluation.save(update_fields=["status", "approved_at", "approved_by", "version"])
    return evaluation


@transaction.atomic
def self_evaluation_copy_forward(*, item: Item, fiscal_year: int, user) -> SelfEvaluation | None:
    """Start the year's draft from last year's narrative and next steps (only fields still empty)."""
    previous = SelfEvaluation.objects.filter(item=item, fiscal_year=fiscal_year - 1).first()
    if previous is None:
        raise ValidationError(ERROR_NOTHING_TO_COPY.format(year=era_label(fiscal_year - 1)))
    record = SelfEvaluation.objects.filter(item=item, fiscal_year=fiscal_year).first()
    wanted = {
        field: getattr(previous, field)
        for field in ("activities", "self_assessment", "next_steps")
        if record is None or not getattr(record, field)
    }
    return item_entry_save(
        item=item,
        fiscal_year=fiscal_year,
        user=user,
        values={},
        evaluation=wanted,
        expected_version=record.version if record else NO_RECORD_VERSION,
        change_reason="" if policies.change_needs_reason(record) else REASON_COPIED_FORWARD,
    )


def approval_counts(plan: PlanPeriod, fiscal_year: int) -> tuple[int, int]:
    """Return (the plan's item count, how many of them are not approved for the year)."""
    approved = SelfEvaluation.objects.filter(
        item__area__plan=plan, fiscal_year=fiscal_year, status=SelfEvaluation.Status.APPROVED
    ).count()
    items = Item.objects.filter(area__plan=plan).count()
    return items, items - approved


@transaction.atomic
def reporting_year_lock(*, plan: PlanPeriod, fiscal_year: int, user) -> ReportingYear:
    """Freeze a fiscal year of a plan once every item is approved (a year with no items is refused)."""
    year, _ = ReportingYear.objects.select_for_update().get_or_create(plan=plan, fiscal_year=fiscal_year)
    items, unapproved = approval_counts(plan, fiscal_year)
    _deny_if(policies.can_lock(user, year, unapproved, items))
    year.is_locked = True
    year.locked_at = timezone.now()
    year.locked_by = user
    _stamp(year, user, "年度を確定")
    year.save(update_fields=["is_locked", "locked_at", "locked_by"])
    return year


@transaction.atomic
def reporting_year_unlock(*, plan: PlanPeriod, fiscal_year: int, user, reason: str) -> ReportingYear:
    year = ReportingYear.objects.select_for_update().get(plan=plan, fiscal_year=fiscal_year)
    _deny_if(policies.can_unlock(user, year))
    if not reason.strip():
        raise ValidationError(ERROR_UNLOCK_REASON_REQUIRED)
    year.is_locked = False
    year.locked_at = None
    year.locked_by = None
    _stamp(year, user, f"確定を解除: {reason.strip()}")
    year.save(update_fields=["is_locked", "locked_at", "locked_by"])
    return year


def default_ratings() -> list[Rating]:
    return list(Rating.objects.filter(scale__is_default=True).order_by("order"))


@dataclass(frozen=True)
class EntrySaved:
    """What saving the entry screen did: whether anything was written, and whether it was submitted."""

    record: SelfEvaluation | None
    changed: bool
    submitted: bool


def item_entry_commit(
    *,
    item: Item,
    fiscal_year: int,
    user,
    submit: bool,
    required_narratives: Collection[str] = SelfEvaluation.NARRATIVE_FIELDS,
    **entry,
) -> EntrySaved:
    """Save the entry screen's form (``entry`` as for ``item_entry_save``), and submit it when asked."""
    if submit:
        record = item_entry_save_and_submit(
            item=item, fiscal_year=fiscal_year, user=user, required_narratives=required_narratives, **entry
        )
        return EntrySaved(record=record, changed=True, submitted=True)
    record = item_entry_save(item=item, fiscal_year=fiscal_year, user=user, **entry)
    # The save checked that an existing record was at the expected version, and claims the next on any write.
    changed = record is not None and record.version != entry.get("expected_version")
    return EntrySaved(record=record, changed=changed, submitted=False)


@transaction.atomic
def item_entry_save_and_submit(
    *,
    item: Item,
    fiscal_year: int,
    user,
    required_narratives: Collection[str] = SelfEvaluation.NARRATIVE_FIELDS,
    **entry,
) -> SelfEvaluation:
    """Save the entry and submit it in one transaction: a refused submission keeps nothing half-done."""
    record = item_entry_save(item=item, fiscal_year=fiscal_year, user=user, **entry)
    # Nothing typed on a blank record leaves no record: the submission policy then says why.
    version = record.version if record is not None else NO_RECORD_VERSION
    return self_evaluation_submit(
        item=item,
        fiscal_year=fiscal_year,
        user=user,
        expected_version=version,
        required_narratives=required_narratives,
    )


# -- a plan period's structure: the one writer ----------------------------------------------------

ERROR_PERIOD_YEARS_DIFFER = "{name}はすでに{existing}として登録されています。年度を合わせてください。"
ERROR_PERIOD_ORDINAL_TAKEN = "第{ordinal}期の番号はすでに{other}が使っています。"
ERROR_PERIOD_MEANWHILE = (
    "{name}（またはその期の番号）はたった今ほかの操作で登録されました（何も変更していません）。"
    "内容を確かめてもう一度操作してください。"
)
ERROR_PERIOD_FIELD = "計画期間: {messages}"


class PeriodRefused(ValueError):
    """The period cannot be created as asked; the message says why in Japanese. Nothing was written."""


@dataclass(frozen=True)
class PeriodCreated:
    plan: PlanPeriod
    created: bool  # False: an existing period without items was completed
    reporting_years_created: int


def ordinal_for(name: str) -> int:
    """Return the number 「第9期」 names if no period uses it, else the next number after every period's."""
    digits = re.fullmatch(r"第\s*(\d+)\s*期", normalised_name(name))
    # A number the rule refuses (「第99999期」) is not taken from the name either: the name is kept as typed.
    if (
        digits
        and ORDINAL_MIN <= int(digits.group(1)) <= ORDINAL_MAX
        and not PlanPeriod.objects.filter(ordinal=int(digits.group(1))).exists()
    ):
        return int(digits.group(1))
    return (PlanPeriod.objects.aggregate(last=Max("ordinal"))["last"] or 0) + 1


def plan_period_problems(*, name: str, ordinal: int | None, first_fiscal_year: int, last_fiscal_year: int) -> list[str]:
    """Return every reason (Japanese) the period cannot be created or completed; empty if it can.

    The previews (rollover, sheet import), the commands and the writer below read this one check:
    the rule of ``programs.periods`` and what only the database knows (a look-alike name, a taken
    number, an existing period with other years). ``ordinal`` None: ``ordinal_for`` picks it.
    """
    problems = list(
        period_problems(
            name=name, ordinal=ordinal, first_fiscal_year=first_fiscal_year, last_fiscal_year=last_fiscal_year
        ).values()
    )
    if problems:
        return problems
    stored = normalised_name(name)
    existing = PlanPeriod.objects.filter(name=stored).first()
    if existing is not None:
        if (existing.first_fiscal_year, existing.last_fiscal_year) != (first_fiscal_year, last_fiscal_year):
            problems.append(ERROR_PERIOD_YEARS_DIFFER.format(name=stored, existing=existing))
        return problems
    if other := confusable_name(stored, PlanPeriod.objects.values_list("name", flat=True)):
        problems.append(ERROR_NAME_CONFUSABLE.format(name=stored, existing=other))
    if ordinal is not None and (taken := PlanPeriod.objects.filter(ordinal=ordinal).first()) is not None:
        problems.append(ERROR_PERIOD_ORDINAL_TAKEN.format(ordinal=ordinal, other=taken.name))
    return problems


@transaction.atomic
def plan_period_create(
    *,
    name: str,
    first_fiscal_year: int,
    last_fiscal_year: int,
    reason: str,
    ordinal: int | None = None,
    title: str = "",
    uses_rating: bool | None = None,
    layout: SheetLayout | None = None,
    deadlines: dict[int, datetime.date | None] | None = None,
    origin: str = PlanPeriod.Origin.OTHER,
) -> PeriodCreated:
    """Create a plan period's structure, or complete an existing one that has the same years, in one transaction.

    The rollover, the sheet import, the YAML loader and the admin all create periods here:
    the name is checked by ``plan_period_problems`` (a look-alike of another period's is refused);
    without ``layout`` a new period takes its predecessor's; every fiscal year gets its reporting
    year, with ``deadlines[year]`` when given, else ``reporting_deadline_of`` (an existing year
    without a deadline gets that one). Refused (PeriodRefused, nothing written) on any problem,
    including a period or number committed by someone else since the check.
    ``origin`` (an import, a rollover) is recorded on the period whose structure this call sets
    up; the caller marks the end with ``plan_period_set_up``, so that it can later be undone.
    """
    problems = plan_period_problems(
        name=name, ordinal=ordinal, first_fiscal_year=first_fiscal_year, last_fiscal_year=last_fiscal_year
    )
    if problems:
        raise PeriodRefused("\n".join(problems))
    stored = normalised_name(name)
    plan = PlanPeriod.objects.select_for_update().filter(name=stored).first()
    created = plan is None
    if plan is None:
        ordinal = ordinal if ordinal is not None else ordinal_for(stored)
        plan = PlanPeriod(
            name=stored,
            ordinal=ordinal,
            title=title,
            first_fiscal_year=first_fiscal_year,
            last_fiscal_year=last_fiscal_year,
            uses_rating=bool(uses_rating),
            layout=layout or layout_of_predecessor(ordinal=ordinal),
            origin=origin,
        )
        plan._change_reason = reason
        try:
            plan.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as error:
            raise PeriodRefused(ERROR_PERIOD_FIELD.format(messages=" ".join(error.messages))) from error
        try:
            with transaction.atomic():
                plan.save()
        except IntegrityError as error:  # the same name, number or a look-alike committed since the check
            raise PeriodRefused(ERROR_PERIOD_MEANWHILE.format(name=stored)) from error
    else:
        changed = []
        wanted_layout = layout or (plan.layout or layout_of_predecessor(ordinal=plan.ordinal))
        if wanted_layout is not None and plan.layout_id != wanted_layout.id:
            plan.layout = wanted_layout
            changed.append("layout")
        if uses_rating is not None and plan.uses_rating != uses_rating:
            plan.uses_rating = uses_rating
            changed.append("uses_rating")
        if origin and plan.origin != origin:
            # An empty period completed by an import or a rollover: its whole structure comes from that.
            plan.origin = origin
            changed.append("origin")
        if changed:
            plan._change_reason = reason
            plan.save(update_fields=changed)
    return PeriodCreated(plan=plan, created=created, reporting_years_created=_reporting_years(plan, deadlines, reason))


def plan_period_set_up(*, plan: PlanPeriod, reason: str) -> None:
    """Record that the import or rollover creating ``plan`` has written everything (call it last, in its transaction).

    Whatever the history records for the period after this moment was entered into it later.
    """
    plan.set_up_at = timezone.now()
    plan._change_reason = reason
    plan.save(update_fields=["set_up_at"])


def _reporting_years(plan: PlanPeriod, deadlines: dict[int, datetime.date | None] | None, reason: str) -> int:
    existing = {year.fiscal_year: year for year in ReportingYear.objects.filter(plan=plan)}
    created = 0
    for fiscal_year in plan.fiscal_years:
        deadline = (deadlines or {}).get(fiscal_year, reporting_deadline_of(fiscal_year))
        year = existing.get(fiscal_year)
        if year is None:
            year = ReportingYear(plan=plan, fiscal_year=fiscal_year, deadline=deadline)
            year._change_reason = reason
            year.full_clean(validate_unique=False, validate_constraints=False)
            year.save()
            created += 1
        elif year.deadline is None and deadline is not None:
            year.deadline = deadline
            year._change_reason = reason
            year.save(update_fields=["deadline"])
    return created
