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
