import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import RequestFactory

from accounts.roles import MANAGER, STAFF
from programs.models import Item

pytestmark = pytest.mark.django_db
DEMO_NAMES = ["demo-admin", "demo-manager", "demo-staff-a", "demo-staff-b"]


@pytest.fixture(autouse=True)
def development_mode(settings):
    # pytest-django runs with DEBUG off; demo accounts exist only in development mode.
    settings.DEBUG = True


def test_demo_users_get_the_password_from_the_environment(tokyo_data, monkeypatch, capsys):
    monkeypatch.setenv("DEMO_PASSWORD", "kaigo-demo-2026")
    call_command("create_demo_users")
    out = capsys.readouterr().out
    assert "【デモ用】" in out
    assert "kaigo-demo-2026" not in out
    for name in DEMO_NAMES:
        assert (
            authenticate(RequestFactory().post("/accounts/login/"), username=name, password="kaigo-demo-2026")
            is not None
        )
    users = {user.username: user for user in get_user_model().objects.all()}
    assert users["demo-admin"].is_superuser
    assert not users["demo-manager"].is_superuser
    assert list(users["demo-manager"].groups.values_list("name", flat=True)) == [MANAGER]
    assert list(users["demo-staff-a"].groups.values_list("name", flat=True)) == [STAFF]


def test_staff_a_owns_the_eighth_plan_area_7_items_and_staff_b_does_not(tokyo_data, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "kaigo-demo-2026")
    call_command("create_demo_users")
    users = {user.username: user for user in get_user_model().objects.all()}
    area_7 = Item.objects.filter(area__plan__name="第8期", area__number=7)
    assert area_7.count() == 2
    assert all(item.section.members.filter(pk=users["demo-staff-a"].pk).exists() for item in area_7)
    assert not any(item.section.members.filter(pk=users["demo-staff-b"].pk).exists() for item in area_7)
    assert users["demo-staff-b"].sections.exists()


def test_generated_password_is_printed_once_and_works(tokyo_data, monkeypatch, capsys):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    call_command("create_demo_users")
    line = next(line for line in capsys.readouterr().out.splitlines() if "パスワード" in line)
    password = line.split(":", 1)[1].split()[0]
    assert len(password) >= 12
    assert (
        authenticate(RequestFactory().post("/accounts/login/"), username="demo-staff-a", password=password) is not None
    )


def test_running_twice_keeps_four_accounts(tokyo_data, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "kaigo-demo-2026")
    call_command("create_demo_users")
    call_command("create_demo_users")
    assert get_user_model().objects.filter(username__in=DEMO_NAMES).count() == 4


def test_demo_users_are_refused_outside_development(settings, db):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="開発モード"):
        call_command("create_demo_users")
    assert not get_user_model().objects.exists()
