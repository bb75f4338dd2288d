"""Writes on the plan's side that involve users: the demo accounts and the sections they belong to.

They live here rather than in ``accounts`` because they need ``Section``, and ``accounts``
imports nothing from the plan (STYLE.md, "Which way the imports run").
"""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from accounts.services import roles_ensure

from .models import Section

ERROR_DEMO_USERS_OUTSIDE_DEBUG = "デモ用アカウントは開発モード（DJANGO_DEBUG=true）でのみ作成できます。"
DEMO_STAFF_A_SECTION = "在宅支援課"  # owns 第8期 7 地域ケア会議の推進
DEMO_STAFF_B_SECTION = "介護保険課"


class DemoUsersRefused(RuntimeError):
    pass


@transaction.atomic
def demo_users_create(*, password: str | None = None) -> tuple[str, list[str]]:
    """Create the clearly-marked demo accounts; return the password and the names created or reset.

    Refused outside development mode: demo passwords must never reach a production server.
    """
    if not settings.DEBUG:
        raise DemoUsersRefused(ERROR_DEMO_USERS_OUTSIDE_DEBUG)
    groups = roles_ensure()
    password = password or secrets.token_urlsafe(12)
    user_model = get_user_model()
    specs = [
        ("demo-admin", "デモ システム管理者", SYSTEM_ADMIN, None),
        ("demo-manager", "デモ 管理職", MANAGER, None),
        ("demo-staff-a", "デモ 担当者A", STAFF, DEMO_STAFF_A_SECTION),
        ("demo-staff-b", "デモ 担当者B", STAFF, DEMO_STAFF_B_SECTION),
    ]
    names = []
    for username, display_name, role, section_name in specs:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = display_name, ""
        # An address on a reserved domain, so reminders and workflow mails show on the console backend.
        user.email = user.email or f"{username}@example.com"
        # Only the system administrator reaches the Django admin; everyone else uses the application.
        user.is_staff = user.is_superuser = role == SYSTEM_ADMIN
        user.set_password(password)
        user.save()
        user.groups.set([groups[role]])
        if section_name:
            section, _ = Section.objects.get_or_create(name=section_name)
            section.members.add(user)
        names.append(username)
    return password, names
