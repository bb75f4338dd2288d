"""Who may do what: roles (groups) and ownership by section, checked on the server by every view and service."""

from django.contrib.auth.models import AnonymousUser, User

from .roles import MANAGER, STAFF, SYSTEM_ADMIN

REASON_NOT_LOGGED_IN = "ログインしてください。"
REASON_NO_ROLE = "この画面を利用する権限（担当者・管理職・システム管理者）が設定されていません。"
# The one refusal of every system administrator's screen and service (import, rollover, reopen, ...).
REASON_NOT_SYSTEM_ADMIN = "この操作はシステム管理者のみが行えます。"


def has_role(user: User | AnonymousUser, role: str) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # Group names are cached on the user object so that a page asking many times costs one query.
    if not hasattr(user, "_role_names"):
        user._role_names = set(user.groups.values_list("name", flat=True))
    return role in user._role_names


def is_system_admin(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or has_role(user, SYSTEM_ADMIN)))


def is_manager(user) -> bool:
    return has_role(user, MANAGER)


def is_staff_member(user) -> bool:
    return has_role(user, STAFF)


def is_reviewer(user) -> bool:
    """A 管理職 or システム管理者: reviews submissions, locks years and sees every section's work."""
    return is_manager(user) or is_system_admin(user)


def is_entrant(user) -> bool:
    """A 担当者 or システム管理者: enters yearly results (staff for their sections, administrators for all)."""
    return is_staff_member(user) or is_system_admin(user)


def system_admin_refusal(user) -> str | None:
    """Return None for a system administrator, else the one reason every administrator's action gives."""
    return None if is_system_admin(user) else REASON_NOT_SYSTEM_ADMIN


def owned_section_ids(user) -> set[int]:
    """Return the ids of the sections the user belongs to (cached on the user)."""
    if not user.is_authenticated:
        return set()
    if not hasattr(user, "_section_ids"):
        user._section_ids = set(user.sections.values_list("id", flat=True))
    return user._section_ids


def owns_item(user, item) -> bool:
    return item.section_id is not None and item.section_id in owned_section_ids(user)


def can_view(user) -> str | None:
    """Return None when the user may see the application (any of its roles), else the reason."""
    if not user.is_authenticated:
        return REASON_NOT_LOGGED_IN
    if not (is_entrant(user) or is_manager(user)):
        return REASON_NO_ROLE
    return None
