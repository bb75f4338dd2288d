"""What keeps people out where they do not belong, on every URL the project has."""

import contextlib
import datetime
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import DatabaseError, connection
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from evaluations.models import SelfEvaluation, YearlyResult
from tests.urlconf import url_routes
from tests.workflow_world import OPEN_YEAR, PASSWORD

ROOT = Path(__file__).resolve().parent.parent
# Reachable without logging in on purpose (logout only answers POST, and logging out is harmless).
PUBLIC = {"login", "logout", "healthz"}
XSS = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


def _sample_path(route: str) -> str:
    """Turn a route such as items/<int:item_id>/<int:fiscal_year>/ into a concrete path."""
    path = re.sub(r"<int:[^>]+>", "1", route)
    path = re.sub(r"<uuid:[^>]+>", "00000000-0000-4000-8000-000000000000", path)
    path = re.sub(r"<(?:str|slug|path):[^>]+>|<[^>]+>", "x", path)
    path = path.replace("^", "").replace("$", "").replace("\\Z", "")
    return "/" + path


def _project_urls():
    for name, route, _ in url_routes():
        if name.startswith("admin:") or name in PUBLIC or "(?P<" in route:
            continue
        yield name, _sample_path(route)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "path"), list(_project_urls()), ids=lambda value: str(value))
def test_unauthenticated_access_to_every_url_redirects_to_login(client, name, path):
    response = client.get(path)
    if name.startswith("reports:api") or path.startswith("/api/"):
        assert response.status_code in (401, 403), name
        return
    assert response.status_code == 302, f"{name} {path} answered {response.status_code}"
    assert response["Location"].startswith(reverse("login")), name


@pytest.mark.django_db
def test_the_admin_is_closed_to_staff_and_managers(world):
    for role in ("staff_own", "manager"):
        client = Client()
        client.login(username=world.users[role].username, password=PASSWORD)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_staff_cannot_write_another_sections_indicator_through_their_own_form(world):
    client = Client()
    client.login(username=world.users["staff_own"].username, password=PASSWORD)
    other_indicator = world.other_item.indicators.get()
    response = client.post(
        reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]),
        {f"value_{world.indicator_id}": "150", f"value_{other_indicator.id}": "99", "action": "save"},
    )
    assert response.status_code == 302
    assert not YearlyResult.objects.filter(indicator=other_indicator).exists()
    assert YearlyResult.objects.get(indicator_id=world.indicator_id).value == 150


@pytest.mark.django_db
def test_state_changing_requests_need_post_and_csrf(world):
    client = Client(enforce_csrf_checks=True)
    client.login(username=world.users["staff_own"].username, password=PASSWORD)
    entry = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    response = client.post(entry, {f"value_{world.indicator_id}": "150", "action": "save"})
    assert response.status_code == 403
    assert not YearlyResult.objects.exists()
    for name, args in [
        ("evaluations:submit", [world.own_item.id, OPEN_YEAR]),
        ("evaluations:copy_forward", [world.own_item.id, OPEN_YEAR]),
        ("evaluations:lock_year", [world.plan.id, OPEN_YEAR]),
        ("evaluations:unlock_year", [world.plan.id, OPEN_YEAR]),
        ("evaluations:review", [1]),
        ("evaluations:reopen", [1]),
        ("cycle:notice_open", [1]),
        ("cycle:notices_mark_read", []),
        ("cycle:attachment_delete", [1]),
        ("cycle:comment_post", [world.own_item.id]),
        ("cycle:reminders_send", []),
        ("cycle:mail_retry", [1]),
    ]:
        assert client.get(reverse(name, args=args)).status_code == 405, name
    assert client.get(reverse("logout")).status_code == 405


@pytest.mark.django_db
def test_html_typed_into_every_text_field_comes_back_escaped(world):
    client = Client()
    client.login(username=world.users["staff_own"].username, password=PASSWORD)
    entry = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    response = client.post(
        entry,
        {
            f"value_{world.indicator_id}": "150",
            "activities": XSS,
            "self_assessment": XSS,
            "next_steps": XSS,
            "reference": XSS,
            "action": "submit",
        },
    )
    assert response.status_code == 302
    record = SelfEvaluation.objects.get()
    manager = Client()
    manager.login(username=world.users["manager"].username, password=PASSWORD)
    manager.post(
        reverse("evaluations:review", args=[record.id]), {"action": "return", "comment": XSS, "version": record.version}
    )
    pages = [entry, reverse("evaluations:item_history", args=[world.own_item.id]), reverse("evaluations:my_work")]
    for name, args in [("reports:dashboard", []), ("reports:item", [world.own_item.id])]:
        with contextlib.suppress(NoReverseMatch):
            pages.append(reverse(name, args=args) + f"?plan={world.plan.name}")
    for page in pages:
        html = client.get(page).content.decode()
        assert XSS not in html, page
    entry_html = client.get(entry).content.decode()
    assert entry_html.count(ESCAPED) >= 4  # activities, self-assessment, next steps, reference (+ the comment)


@pytest.mark.django_db
def test_every_page_sends_a_content_security_policy_without_inline_script(world):
    admin_client = Client()
    admin_client.login(username=world.users["admin"].username, password=PASSWORD)
    pages = [path for _, path in _project_urls()] + [reverse("login"), reverse("admin:index")]
    checked = 0
    for path in pages:
        response = admin_client.get(path)
        if response.status_code >= 400 and response.status_code != 403:
            continue
        policy = response.headers.get("Content-Security-Policy", "")
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path
        assert "frame-ancestors 'none'" in policy, path
        checked += 1
    assert checked >= 5


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(world):
    client = Client()
    login = reverse("login")
    for _ in range(4):
        response = client.post(login, {"username": "staff-own", "password": "wrong"})
        assert response.status_code == 200
        assert "正しくありません" in response.content.decode()
    assert client.post(login, {"username": "staff-own", "password": "wrong"}).status_code == 429
    # Locked out now, even with the right password.
    response = client.post(login, {"username": "staff-own", "password": PASSWORD})
    assert response.status_code == 429
    assert "ログインを一時停止しています" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sessions_expire_after_thirty_idle_minutes(world):
    client = Client()
    client.login(username="staff-own", password=PASSWORD)
    assert client.get(reverse("evaluations:my_work")).status_code == 200
    session = Session.objects.get(session_key=client.session.session_key)
    remaining = session.expire_date - timezone.now()
    assert datetime.timedelta(minutes=29) < remaining <= datetime.timedelta(minutes=30)
    # Every request pushes the expiry forward; after 30 idle minutes the session is gone.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = client.get(reverse("evaluations:my_work"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_healthz_answers_200_with_the_database_and_503_without(client, monkeypatch):
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}

    def broken_cursor(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "unavailable"


def test_check_deploy_is_clean_in_production_mode():
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "DATABASE_URL"))}
    env.update(
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY="k" * 20 + "-production-secret-" + "q" * 30,
        DJANGO_ALLOWED_HOSTS="kaigo.example.lg.jp",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_a_database_outage_answers_503_please_retry_instead_of_500(world, monkeypatch):
    from django.db import OperationalError

    from evaluations import services

    def outage(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services, "item_entry_save", outage)
    client = Client(raise_request_exception=False)
    client.login(username="staff-own", password=PASSWORD)
    response = client.post(
        reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]),
        {f"value_{world.indicator_id}": "150", "action": "save"},
    )
    assert response.status_code == 503
    assert response["Retry-After"] == "10"
    assert "入力内容は保存されていません" in response.content.decode()
