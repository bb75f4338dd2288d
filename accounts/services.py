from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

from .roles import ROLES

ERROR_UNKNOWN_PERMISSION = "権限 {name} が見つかりません（migrate を実行してください）。"


@transaction.atomic
def roles_ensure() -> dict[str, Group]:
    """Create or update the role groups with exactly their permissions (one query for all permissions)."""
    wanted = {dotted for role in ROLES for dotted in role.permissions}
    query = Q(pk__in=[])
    for dotted in wanted:
        app_label, codename = dotted.split(".")
        query |= Q(content_type__app_label=app_label, codename=codename)
    found = {
        f"{permission.content_type.app_label}.{permission.codename}": permission
        for permission in Permission.objects.filter(query).select_related("content_type")
    }
    if missing := sorted(wanted - set(found)):
        raise Permission.DoesNotExist(ERROR_UNKNOWN_PERMISSION.format(name=missing[0]))
    groups = {}
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role.name)
        group.permissions.set([found[dotted] for dotted in role.permissions])
        groups[role.name] = group
    return groups
