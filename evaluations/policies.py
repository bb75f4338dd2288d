"""What each role may do with an item's entry for a fiscal year, as plain functions.

Each function returns None when the action is allowed, else the Japanese reason shown to
the user. Views use them to decide what to render; services call them again before writing,
so a hand-made POST meets the same rule as the button.
"""

from accounts.permissions import (  # noqa: F401  (can_view and its reasons are re-exported)
    REASON_NO_ROLE,
    REASON_NOT_LOGGED_IN,
    can_view,
    is_manager,
    is_reviewer,
    is_staff_member,
    is_system_admin,
    owns_item,
    system_admin_refusal,
)
from programs.fiscal_years import era_label

from .models import ReportingYear, SelfEvaluation

REASON_NOT_STAFF = "実績の入力は担当者のみが行えます（管理職は数値を編集できません）。"
REASON_NOT_OWNER = "この事項は他の課の所管です。所管課の担当者のみが入力できます。"
REASON_YEAR_LOCKED = "{year}は確定されているため変更できません。"
REASON_APPROVED = "承認済みのため変更できません。修正が必要な場合はシステム管理者に差戻しを依頼してください。"
REASON_SUBMITTED = "提出済みです。修正が必要な場合は管理職に差戻しを依頼してください。"
REASON_NOT_IN_PLAN = "{year}はこの計画期間の年度ではありません。"
REASON_SUBMIT_STATE = "入力中または差戻しの記録のみ提出できます。"
REASON_NOT_MANAGER = "承認・差戻しは管理職のみが行えます。"
REASON_REVIEW_STATE = "提出済みの記録のみ承認・差戻しできます。"
REASON_REOPEN_STATE = "承認済みの記録のみ差し戻せます。"
REASON_LOCK_ROLE = "年度の確定は管理職またはシステム管理者が行えます。"
REASON_ALREADY_LOCKED = "{year}はすでに確定されています。"
REASON_NOT_LOCKED = "{year}は確定されていません。"
REASON_SELF_APPROVAL = "ご自身が提出した記録は承認できません。他の管理職に承認を依頼してください。"
REASON_NOTHING_TO_APPROVE = "{year}には承認する事項がないため確定できません（この計画期間に事項が登録されていません）。"
REASON_NOT_ALL_APPROVED = "未承認の事項が{count}件あるため確定できません。すべての事項を承認してから確定してください。"


def can_edit_item(user, item, fiscal_year: int) -> str | None:
    """Staff of the owning section (or an administrator) may edit the item's years of its plan.

    This is the part of ``can_edit`` that does not change while someone types: a refusal here
    means the user never could save, whereas a locked year or an approval may have arrived
    after they opened the screen.
    """
    if reason := can_view(user):
        return reason
    plan = item.area.plan
    if not plan.contains(fiscal_year):
        return REASON_NOT_IN_PLAN.format(year=era_label(fiscal_year))
    if not is_system_admin(user):
        if not is_staff_member(user):
            return REASON_NOT_STAFF
        if not owns_item(user, item):
            return REASON_NOT_OWNER
    return None


def year_locked_refusal(reporting_year: ReportingYear | None, fiscal_year: int) -> str | None:
    """Refuse any change to a 確定 (locked) year's records, whoever asks."""
    if reporting_year is not None and reporting_year.is_locked:
        return REASON_YEAR_LOCKED.format(year=era_label(fiscal_year))
    return None


def can_edit(
    user, item, fiscal_year: int, evaluation: SelfEvaluation | None, reporting_year: ReportingYear | None
) -> str | None:
    """Staff of the owning section (or an administrator) may edit an unlocked, unapproved year.

    Once submitted the entry is the managers' to approve or return: staff wait for a return
    rather than change what is being reviewed (an administrator may still correct it, with a reason).
    """
    if reason := can_edit_item(user, item, fiscal_year):
        return reason
    if reason := year_locked_refusal(reporting_year, fiscal_year):
        return reason
    if evaluation is not None and evaluation.status == SelfEvaluation.Status.APPROVED:
        return REASON_APPROVED
    if evaluation is not None and evaluation.status == SelfEvaluation.Status.SUBMITTED and not is_system_admin(user):
        return REASON_SUBMITTED
    return None


def can_submit(user, item, fiscal_year, evaluation, reporting_year) -> str | None:
    if reason := can_edit(user, item, fiscal_year, evaluation, reporting_year):
        return reason
    if evaluation is None or evaluation.status not in (SelfEvaluation.Status.DRAFT, SelfEvaluation.Status.RETURNED):
        return REASON_SUBMIT_STATE
    return None


def can_review(user, evaluation: SelfEvaluation | None, reporting_year: ReportingYear | None) -> str | None:
    """Managers (and administrators) approve or return a submitted record of an unlocked year."""
    if reason := can_view(user):
        return reason
    if not is_reviewer(user):
        return REASON_NOT_MANAGER
    if evaluation is None or evaluation.status != SelfEvaluation.Status.SUBMITTED:
        return REASON_REVIEW_STATE
    return year_locked_refusal(reporting_year, evaluation.fiscal_year)


def is_own_submission(user, evaluation: SelfEvaluation | None) -> bool:
    return evaluation is not None and evaluation.submitted_by_id is not None and evaluation.submitted_by_id == user.pk


def can_approve(user, evaluation: SelfEvaluation | None, reporting_year: ReportingYear | None) -> str | None:
    """A reviewer approves someone else's submission; only an administrator may approve their own.

    Holding both 担当者 and 管理職 must not let one person enter and approve alone; an
    administrator who does so gives a reason (``approval_needs_reason``), kept in the history.
    """
    if reason := can_review(user, evaluation, reporting_year):
        return reason
    if is_own_submission(user, evaluation) and not is_system_admin(user):
        return REASON_SELF_APPROVAL
    return None


def approval_needs_reason(user, evaluation: SelfEvaluation | None) -> bool:
    return is_own_submission(user, evaluation)


def change_needs_reason(evaluation: SelfEvaluation | None) -> bool:
    """Return whether changing this record needs a 変更理由: only once it has been approved.

    A record never submitted is a draft of its author's; one returned (差戻し) and not approved
    since is being corrected because the manager asked, and the return's comment is the reason
    (the history already holds it). A record approved at least once (now reopened, or returned
    after a later resubmission) changes figures the reports once showed as final, so the editor
    says why. The entry form, the service and the copy-forward all ask this one function.
    """
    if evaluation is None or evaluation.submitted_at is None:
        return False
    if evaluation.approved_at is not None:
        return True
    # Reopening clears approved_at; the history remembers the approval.
    return evaluation.history.filter(status=SelfEvaluation.Status.APPROVED).exists()


def can_reopen(user, evaluation: SelfEvaluation | None, reporting_year: ReportingYear | None) -> str | None:
    if refused := system_admin_refusal(user):
        return refused
    if evaluation is None or evaluation.status != SelfEvaluation.Status.APPROVED:
        return REASON_REOPEN_STATE
    return year_locked_refusal(reporting_year, evaluation.fiscal_year)


def can_lock(user, reporting_year: ReportingYear, unapproved_count: int, item_count: int) -> str | None:
    """Managers lock a year once every one of its items is approved, and only if it has items."""
    if not is_reviewer(user):
        return REASON_LOCK_ROLE
    if reporting_year.is_locked:
        return REASON_ALREADY_LOCKED.format(year=era_label(reporting_year.fiscal_year))
    if not item_count:
        return REASON_NOTHING_TO_APPROVE.format(year=era_label(reporting_year.fiscal_year))
    if unapproved_count:
        return REASON_NOT_ALL_APPROVED.format(count=unapproved_count)
    return None


def can_unlock(user, reporting_year: ReportingYear) -> str | None:
    if refused := system_admin_refusal(user):
        return refused
    if not reporting_year.is_locked:
        return REASON_NOT_LOCKED.format(year=era_label(reporting_year.fiscal_year))
    return None


def can_correct_approved_figures(
    user, evaluation: SelfEvaluation | None, reporting_year: ReportingYear | None
) -> str | None:
    """An administrator may record the figures of an approved, unlocked item-year (an imported sheet's past years).

    The conditions are a reopen's (an administrator, an approved record, an unlocked year), with its reasons.
    """
    return can_reopen(user, evaluation, reporting_year)
