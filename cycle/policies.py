"""Who may see and change an item-year's evidence files, as plain functions returning a reason.

Seeing follows ownership, stricter than the entry screen: the files are the section's
working papers, so only staff of the owning section, managers and administrators see them.
Changing follows the entry rule for the year: staff of the owning section (or an
administrator) while the reporting year is not locked.
"""

from accounts.permissions import is_manager, is_staff_member, is_system_admin, owns_item
from evaluations.models import ReportingYear
from evaluations.policies import can_view
from programs.fiscal_years import era_label
from programs.models import Item

REASON_NOT_OWNER_VIEW = "この事項の別紙は、所管課の担当者と管理職のみが閲覧できます。"
REASON_NOT_OWNER_CHANGE = "別紙の登録・削除は、この事項を所管する課の担当者のみが行えます。"
REASON_NOT_IN_PLAN = "{year}はこの計画期間の年度ではありません。"
REASON_YEAR_LOCKED = "{year}は確定（ロック）されているため、別紙を登録・削除できません。"


def can_see_attachments(user, item: Item) -> str | None:
    if reason := can_view(user):
        return reason
    if is_manager(user) or is_system_admin(user):
        return None
    if is_staff_member(user) and owns_item(user, item):
        return None
    return REASON_NOT_OWNER_VIEW


def can_change_attachments(user, item: Item, fiscal_year: int, reporting_year: ReportingYear | None) -> str | None:
    if reason := can_view(user):
        return reason
    if not item.area.plan.contains(fiscal_year):
        return REASON_NOT_IN_PLAN.format(year=era_label(fiscal_year))
    if not is_system_admin(user) and not (is_staff_member(user) and owns_item(user, item)):
        return REASON_NOT_OWNER_CHANGE
    if reporting_year is not None and reporting_year.is_locked:
        return REASON_YEAR_LOCKED.format(year=era_label(fiscal_year))
    return None
