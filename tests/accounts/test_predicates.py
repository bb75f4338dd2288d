"""One module of role predicates and one gate for system administrators (issue 22 item 2).

"Manager or administrator" and "staff or administrator" were spelled out in seven and three
places, and the administrator's gate lived in four places with four messages.
"""

import ast
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from accounts.decorators import system_admin_required
from accounts.permissions import REASON_NOT_SYSTEM_ADMIN, is_entrant, is_reviewer, system_admin_refusal
from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "programs", "evaluations", "reports", "sheets", "cycle", "jobs", "kaigo_plan")


def make_user(username: str, *, roles: list[str]) -> User:
    user = User.objects.create_user(username, password="x")
    user.groups.set(Group.objects.filter(name__in=roles))
    return user


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("roles", "reviewer", "entrant", "admin"),
    [
        ([STAFF], False, True, False),
        ([MANAGER], True, False, False),
        ([SYSTEM_ADMIN], True, True, True),
        ([], False, False, False),
    ],
)
def test_each_role_answers_the_predicates(roles, reviewer, entrant, admin):
    user = make_user("someone", roles=roles)
    assert (is_reviewer(user), is_entrant(user), system_admin_refusal(user) is None) == (reviewer, entrant, admin)


def test_an_anonymous_visitor_is_no_role():
    visitor = AnonymousUser()
    assert (is_reviewer(visitor), is_entrant(visitor), system_admin_refusal(visitor)) == (
        False,
        False,
        REASON_NOT_SYSTEM_ADMIN,
    )


@pytest.mark.django_db
def test_the_gate_refuses_a_manager_with_the_one_reason():
    @system_admin_required
    def view(request):
        raise AssertionError("the view ran")

    request = RequestFactory().get("/")
    request.user = make_user("boss", roles=[MANAGER])
    with pytest.raises(PermissionDenied) as refused:
        view(request)
    assert str(refused.value) == REASON_NOT_SYSTEM_ADMIN


def _or_pairs(path: Path) -> list[str]:
    """Return the places that spell out 「A or system administrator」 instead of asking the predicate."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            called = {
                value.func.id
                for value in node.values
                if isinstance(value, ast.Call) and isinstance(value.func, ast.Name)
            }
            if "is_system_admin" in called and called & {"is_manager", "is_staff_member"}:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_no_module_spells_out_a_role_pair():
    modules = [path for app in APPS for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts]
    spelled = [place for path in modules if path.name != "permissions.py" for place in _or_pairs(path)]
    assert spelled == []
