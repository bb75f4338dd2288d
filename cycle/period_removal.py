"""Undo a period set up by a sheet import or a rollover, while nothing has been entered into it (issue 19 item 7).

A mistaken import (「第7期（取込検証）」 overlapping 第7期's years) could only be removed by the
admin's delete, which cascades through everything without a word. Here a システム管理者 sees
what would be removed, gives a reason and removes it in one transaction; the period's own
history (django-simple-history) keeps a deletion record with the reason, the counts and who did
it, which outlives the period.

**Entered** means anything recorded for the period after the import or rollover finished
(``PlanPeriod.set_up_at``): a result or a self-evaluation written, changed or deleted (their
status changes included: submitted, approved, returned), a target set, a reporting year locked or
its deadline changed, or any attachment or comment on its items. Any of these and the removal is
refused: someone's work would go with it. This module lives in ``cycle`` because it must see the
attachments and comments, which the floors below do not know.
"""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.permissions import system_admin_refusal
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target

from .models import Attachment, Comment

ERROR_NOT_UNDOABLE = (
    "{plan}は自己評価シートの取込や次期計画の作成で作られた計画期間ではないため、画面からは取り消せません。"
)
ERROR_ENTERED = "{plan}には作成の後に入力された内容があるため取り消せません（何も削除していません）: {what}。"
ERROR_REASON_REQUIRED = "取り消す理由を入力してください。"
ERROR_REASON_TOO_LONG = "取り消す理由は{limit}文字以内で入力してください。"
REASON_LIMIT = 500
HISTORY_REASON = "計画期間の取消（{origin}で作成）: {reason}［{counts}］"

# What the confirm page counts, in the order it lists them.
COUNTED = (
    ("areas", "取組分野"),
    ("items", "事項"),
    ("indicators", "指標"),
    ("targets", "目標"),
    ("results", "実績"),
    ("evaluations", "自己評価"),
    ("reporting_years", "報告年度"),
)


@dataclass(frozen=True)
class PeriodRemoval:
    """What removing a period would remove, and why it may not be removed ("" when it may)."""

    plan: PlanPeriod
    counts: dict[str, int]
    refusal: str

    @property
    def rows(self) -> list[tuple[str, int]]:
        return [(label, self.counts[key]) for key, label in COUNTED]

    @property
    def summary(self) -> str:
        """Return 「取組分野 9件・事項 39件・…」, how the history records what went."""
        return "・".join(f"{label} {count:,}件" for label, count in self.rows)


def period_removal_read(*, plan: PlanPeriod) -> PeriodRemoval:
    """Return what removing ``plan`` would remove and whether it may be (a fixed number of queries)."""
    counts = {
        "areas": PolicyArea.objects.filter(plan=plan).count(),
        "items": Item.objects.filter(area__plan=plan).count(),
        "indicators": Indicator.objects.filter(item__area__plan=plan).count(),
        "targets": Target.objects.filter(indicator__item__area__plan=plan).count(),
        "results": YearlyResult.objects.filter(indicator__item__area__plan=plan).count(),
        "evaluations": SelfEvaluation.objects.filter(item__area__plan=plan).count(),
        "reporting_years": ReportingYear.objects.filter(plan=plan).count(),
    }
    return PeriodRemoval(plan=plan, counts=counts, refusal=_refusal(plan))


def _refusal(plan: PlanPeriod) -> str:
    if not plan.origin or plan.set_up_at is None:
        return ERROR_NOT_UNDOABLE.format(plan=plan.name)
    if entered := entered_since_set_up(plan):
        return ERROR_ENTERED.format(plan=plan.name, what="・".join(entered))
    return ""


def entered_since_set_up(plan: PlanPeriod) -> list[str]:
    """Name each kind of thing entered into ``plan`` after it was set up (the definition in the module docstring)."""
    since = plan.set_up_at
    checks = (
        ("実績", YearlyResult.history.filter(indicator__item__area__plan=plan, history_date__gt=since)),
        ("自己評価・その状態", SelfEvaluation.history.filter(item__area__plan=plan, history_date__gt=since)),
        ("目標", Target.history.filter(indicator__item__area__plan=plan, history_date__gt=since)),
        ("報告年度の確定・期限", ReportingYear.history.filter(plan=plan, history_date__gt=since)),
        ("別紙", Attachment.objects.filter(item__area__plan=plan)),
        ("コメント", Comment.objects.filter(item__area__plan=plan)),
    )
    return [label for label, records in checks if records.exists()]


@transaction.atomic
def plan_period_remove(*, plan: PlanPeriod, user, reason: str) -> PeriodRemoval:
    """Remove ``plan`` and everything in it, recording the reason in its history; refuse (removing nothing) otherwise.

    Raises PermissionDenied for a user who is not a system administrator, ValidationError (in
    Japanese) for a period not set up by an import or rollover, one with anything entered since,
    or a missing reason. The period's row is locked first, so an entry saved meanwhile is seen.
    """
    if refused := system_admin_refusal(user):
        raise PermissionDenied(refused)
    reason = reason.strip()
    if not reason:
        raise ValidationError(ERROR_REASON_REQUIRED)
    if len(reason) > REASON_LIMIT:
        raise ValidationError(ERROR_REASON_TOO_LONG.format(limit=REASON_LIMIT))
    plan = PlanPeriod.objects.select_for_update().get(pk=plan.pk)
    removal = period_removal_read(plan=plan)
    if removal.refusal:
        raise ValidationError(removal.refusal)
    plan._history_user = user
    plan._change_reason = HISTORY_REASON.format(origin=plan.get_origin_display(), reason=reason, counts=removal.summary)
    plan.delete()
    return removal
