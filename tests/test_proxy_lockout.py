"""Login lockout keys on the real client, directly or behind the documented nginx (issue 9 item 11).

Behind nginx every connection comes from 127.0.0.1, so keying django-axes on REMOTE_ADDR let
anyone lock any account for everyone; trusting the whole X-Forwarded-For would let an
attacker choose a fresh key for every guess. Only the entries the configured number of
proxies appended are trusted (DJANGO_TRUSTED_PROXY_COUNT).
"""

import datetime
import re
from pathlib import Path

import pytest
from axes.models import AccessAttempt, AccessAttemptExpiration, AccessFailureLog
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from kaigo_plan.client_ip import client_ip_address
from tests.workflow_world import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 5  # LOGIN_FAILURE_LIMIT's default


def _login(remote_addr: str, forwarded_for: str | None = None, password: str = "wrong"):
    headers = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return Client().post(reverse("login"), {"username": "staff-own", "password": password}, **headers)


@pytest.mark.django_db
def test_direct_deployment_ignores_x_forwarded_for_so_spoofing_it_changes_nothing(world, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    # An attacker sends a new X-Forwarded-For with every guess; each still counts against their address.
    for guess in range(LIMIT - 1):
        assert _login("203.0.113.5", f"10.0.0.{guess}").status_code == 200
    assert _login("203.0.113.5", "10.9.9.9").status_code == 429
    assert _login("203.0.113.5", "198.51.100.7", password=PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # The owner of the account, from their own address, is not locked out.
    response = _login("198.51.100.7", password=PASSWORD)
    assert response.status_code == 302


@pytest.mark.django_db
def test_behind_one_proxy_the_address_nginx_appended_is_the_client(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # nginx ($proxy_add_x_forwarded_for) appends the attacker's address after whatever they sent.
    for guess in range(LIMIT - 1):
        assert _login("127.0.0.1", f"10.0.0.{guess}, 203.0.113.5").status_code == 200
    assert _login("127.0.0.1", "10.9.9.9, 203.0.113.5").status_code == 429
    assert _login("127.0.0.1", "203.0.113.5", password=PASSWORD).status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.5"}
    # Another user behind the same nginx (same REMOTE_ADDR) still logs in.
    assert _login("127.0.0.1", "198.51.100.7", password=PASSWORD).status_code == 302
    # Nor can the attacker borrow the victim's address by writing it in front of their own.
    assert _login("127.0.0.1", "198.51.100.7, 203.0.113.5", password=PASSWORD).status_code == 429


@pytest.mark.parametrize(
    ("count", "remote", "forwarded", "expected"),
    [
        (0, "203.0.113.5", "198.51.100.7", "203.0.113.5"),
        (1, "127.0.0.1", None, "127.0.0.1"),  # not through the proxy: the peer is all we know
        (1, "127.0.0.1", "", "127.0.0.1"),
        (1, "127.0.0.1", "1.1.1.1, 203.0.113.5", "203.0.113.5"),
        (1, "127.0.0.1", " 2001:db8::1 ", "2001:db8::1"),
        (1, "127.0.0.1", "1.1.1.1, not-an-address", "127.0.0.1"),
        (2, "127.0.0.1", "1.1.1.1, 203.0.113.5, 10.0.0.2", "203.0.113.5"),
        (2, "127.0.0.1", "203.0.113.5", "127.0.0.1"),  # fewer entries than proxies
    ],
)
def test_client_address_is_the_rightmost_one_no_trusted_proxy_vouches_for(settings, count, remote, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    assert client_ip_address(RequestFactory().get("/", **extra)) == expected


def test_axes_asks_the_project_for_the_client_address(settings):
    assert settings.AXES_CLIENT_IP_CALLABLE == "kaigo_plan.client_ip.client_ip_address"
    assert settings.TRUSTED_PROXY_COUNT == 0  # the default trusts no header


def test_the_documented_nginx_appends_the_client_address_and_says_which_count_to_set():
    conf = (ROOT / "docs" / "deploy" / "nginx.conf").read_text()
    headers = re.findall(r"^\s*proxy_set_header\s+X-Forwarded-For\s+(\S+);", conf, re.MULTILINE | re.IGNORECASE)
    # One proxy appending $remote_addr: the right-most entry is the client, as the count of 1 assumes.
    assert headers and set(headers) <= {"$proxy_add_x_forwarded_for", "$remote_addr"}
    assert re.search(r"^#\s+DJANGO_TRUSTED_PROXY_COUNT=1\b", conf, re.MULTILINE)
    assert "# DJANGO_TRUSTED_PROXY_COUNT=0" in (ROOT / ".env.example").read_text()


def _age_everything(by: datetime.timedelta) -> None:
    """Move every recorded failure back in time, as if the guesses had come that much earlier."""
    for attempt in AccessAttempt.objects.all():
        AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=attempt.attempt_time - by)
        AccessAttemptExpiration.objects.filter(access_attempt=attempt).update(expires_at=timezone.now() - by)
    for failure in AccessFailureLog.objects.all():
        AccessFailureLog.objects.filter(pk=failure.pk).update(attempt_time=failure.attempt_time - by)


@pytest.mark.django_db
def test_a_slow_guess_from_many_addresses_locks_the_account_for_everyone(world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    limit = settings.LOGIN_ACCOUNT_FAILURE_LIMIT
    assert limit > LIMIT
    # One guess every 20 minutes, each from a new address behind nginx: never LIMIT from one
    # address, and each address's failures are forgotten after the cool-off (15 minutes).
    for guess in range(limit - 1):
        assert _login("127.0.0.1", f"203.0.113.{guess}").status_code == 200
        _age_everything(datetime.timedelta(minutes=20))
    assert _login("127.0.0.1", "198.51.100.7", password=PASSWORD).status_code == 302  # not yet
    assert _login("127.0.0.1", "203.0.113.200").status_code == 200  # the limit-th failure
    # Now the account is locked for everyone, from any address, with the right password too.
    assert _login("127.0.0.1", "203.0.113.201", password=PASSWORD).status_code == 429
    assert _login("127.0.0.1", "198.51.100.7", password=PASSWORD).status_code == 429
    # Other accounts are untouched.
    response = Client().post(reverse("login"), {"username": "manager", "password": PASSWORD}, REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 302
    # Failures older than the window no longer count.
    _age_everything(settings.LOGIN_ACCOUNT_WINDOW)
    assert _login("127.0.0.1", "198.51.100.7", password=PASSWORD).status_code == 302


def test_the_account_limit_is_larger_than_the_per_address_one(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 20
    assert datetime.timedelta(hours=24) == settings.LOGIN_ACCOUNT_WINDOW


@pytest.mark.django_db
def test_a_user_name_longer_than_any_account_is_a_failed_login_not_a_500():
    # Red team, production mode: a 10,000-character user name reached authenticate, and axes'
    # record of the failure (a 255-character column) answered 500 on PostgreSQL.
    response = Client().post(reverse("login"), {"username": "x" * 10_000, "password": "y"})
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in response.content.decode()
    assert not AccessAttempt.objects.exists() and not AccessFailureLog.objects.exists()
