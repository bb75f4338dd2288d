"""Who may see and change an item-year's evidence files and thread, as plain functions returning a reason.

Seeing follows ownership, stricter than the entry screen: the files are the section's
working papers, so only staff of the owning section, managers and administrators see them.
Changing follows the entry rule for the item-year, decided once in ``evaluations.policies.can_edit``:
the files are the 参考資料 of the entry, so they are read-only exactly when its figures are
(the year is locked, the entry is approved, or it is submitted and under review). Reopening
the entry is the way to change an approved year's files, as it is for its figures.

The thread (やり取り) is read by the same people as the files. Owning staff, managers and
administrators write to it; on a locked year only managers and administrators do: the entry
can no longer change, so staff have nothing to answer with, while a manager may still need
to record why a figure stands (a correction for next year, a question from the ministry).
"""

from accounts.permissions import is_manager, is_reviewer, is_staff_member, is_system_admin, owned_section_ids, owns_item
from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from evaluations.models import ReportingYear, SelfEvaluation
from evaluations.policies import can_edit, can_view
from programs.fiscal_years import era_label
from programs.models import Item

REASON_NOT_OWNER_VIEW = "この事項の別紙は、所管課の担当者と管理職のみが閲覧できます。"
REASON_NOT_OWNER_CHANGE = "別紙の登録・削除は、この事項を所管する課の担当者のみが行えます。"
REASON_NOT_IN_PLAN = "{year}はこの計画期間の年度ではありません。"
REASON_ENTRY_CLOSED = "別紙を登録・削除できません。{reason}"


def can_see_attachments(user, item: Item) -> str | None:
    if reason := can_view(user):
        return reason
    if is_reviewer(user):
        return None
    if is_staff_member(user) and owns_item(user, item):
        return None
    return REASON_NOT_OWNER_VIEW


def can_change_attachments(
    user,
    item: Item,
    fiscal_year: int,
    reporting_year: ReportingYear | None,
    evaluation: SelfEvaluation | None,
) -> str | None:
    """Owning staff (or an administrator) change the files while the entry's figures may change.

    Who may is said here in the files' words; when is not re-decided: the entry rule
    (``evaluations.policies.can_edit``: locked year, approved, submitted) answers, and its
    reason is shown after 「別紙を登録・削除できません。」.
    """
    if reason := can_view(user):
        return reason
    if not item.area.plan.contains(fiscal_year):
        return REASON_NOT_IN_PLAN.format(year=era_label(fiscal_year))
    if not is_system_admin(user) and not (is_staff_member(user) and owns_item(user, item)):
        return REASON_NOT_OWNER_CHANGE
    if reason := can_edit(user, item, fiscal_year, evaluation, reporting_year):
        return REASON_ENTRY_CLOSED.format(reason=reason)
    return None


REASON_NOT_OWNER_THREAD = "この事項のやり取りは、所管課の担当者と管理職のみが閲覧できます。"
REASON_NOT_OWNER_COMMENT = "この事項のやり取りに書き込めるのは、所管課の担当者と管理職です。"
REASON_THREAD_LOCKED = "{year}は確定されているため、担当者は書き込めません（管理職は書き込めます）。"


def _owner_or_reviewer(user, item: Item) -> bool:
    return is_reviewer(user) or (is_staff_member(user) and owns_item(user, item))


ALL_SECTIONS = None


def thread_reader_sections(user) -> frozenset[int] | None:
    """Return the sections whose item threads the user may read: ``ALL_SECTIONS`` (None) for every item.

    The one decision behind ``can_read_thread`` (an item at a time) and the notices (a query
    filter for the list and the header count): a notice quotes the thread, so whoever may no
    longer read the thread (moved to another section, role taken away) no longer sees it.
    """
    if can_view(user):
        return frozenset()
    if is_reviewer(user):
        return ALL_SECTIONS
    return frozenset(owned_section_ids(user)) if is_staff_member(user) else frozenset()


def can_read_thread(user, item: Item) -> str | None:
    if reason := can_view(user):
        return reason
    sections = thread_reader_sections(user)
    if sections is ALL_SECTIONS or (item.section_id is not None and item.section_id in sections):
        return None
    return REASON_NOT_OWNER_THREAD


def can_comment(user, item: Item, fiscal_year: int, reporting_year: ReportingYear | None) -> str | None:
    if reason := can_view(user):
        return reason
    if not item.area.plan.contains(fiscal_year):
        return REASON_NOT_IN_PLAN.format(year=era_label(fiscal_year))
    if not _owner_or_reviewer(user, item):
        return REASON_NOT_OWNER_COMMENT
    if reporting_year is not None and reporting_year.is_locked and not is_reviewer(user):
        return REASON_THREAD_LOCKED.format(year=era_label(fiscal_year))
    return None


def comment_role(user, item: Item, *, reviewing: bool = False) -> str:
    """Return the role a user writes in: 担当者, 管理職 or システム管理者.

    Administrators are shown as such whatever else they hold; a return or approval is a
    manager's act; a remark by someone who is both staff of the owning section and a manager
    counts as the section's (they are answering for their own item).
    """
    if is_system_admin(user):
        return SYSTEM_ADMIN
    if reviewing:
        return MANAGER
    if is_staff_member(user) and owns_item(user, item):
        return STAFF
    return MANAGER if is_manager(user) else STAFF
