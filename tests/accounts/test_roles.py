import pytest
from django.contrib.auth.models import Group

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN

pytestmark = pytest.mark.django_db


def test_migrate_creates_the_three_roles_with_their_permissions():
    groups = {group.name: group for group in Group.objects.prefetch_related("permissions")}
    assert set(groups) >= {STAFF, MANAGER, SYSTEM_ADMIN}
    staff = {p.codename for p in groups[STAFF].permissions.all()}
    manager = {p.codename for p in groups[MANAGER].permissions.all()}
    assert {"change_yearlyresult", "change_selfevaluation", "view_item"} <= staff
    assert "view_yearlyresult" in manager
    assert not any(codename.startswith(("add_", "change_", "delete_")) for codename in manager)


def test_roles_are_created_with_one_permission_lookup_for_all_permissions():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts.services import roles_ensure

    with CaptureQueriesContext(connection) as context:
        groups = roles_ensure()
    lookups = [q["sql"] for q in context.captured_queries if '"auth_permission"."codename" = ' in q["sql"]]
    assert len(lookups) == 1, lookups
    assert groups[STAFF].permissions.filter(codename="change_yearlyresult").exists()
