"""A database outage anywhere on the request path answers the Japanese 503 page, never a 500.

Issue 9 item 15: during a PostgreSQL restart some requests answered Django's 500 because the
outage surfaced outside the view (loading the session or the user in a middleware, saving the
session after the view). Each test lets the database "go away" for one layer only, through
Django's query instrumentation (``connection.execute_wrapper``), and expects the 503 page.
"""

import re
import sys

import pytest
from django.contrib.auth import views as auth_views
from django.db import InterfaceError, OperationalError, connection
from django.test import Client, RequestFactory
from django.urls import reverse

from kaigo_plan.errors import server_error
from tests.workflow_world import OPEN_YEAR, PASSWORD

RETRY_TEXT = "しばらく（10秒ほど）待ってから"
NOT_SAVED = "入力内容は保存されていません"
OUTCOME_UNKNOWN = "処理が完了したかどうかを確認できませんでした"


def _failing(pattern: str, error: type[Exception] = OperationalError):
    """Return an execute wrapper that fails every query whose SQL matches ``pattern``."""
    regex = re.compile(pattern, re.IGNORECASE)

    def wrapper(execute, sql, params, many, context):
        if regex.search(sql):
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    return wrapper


def _assert_retry_page(response, *, wording: str = NOT_SAVED) -> None:
    assert response.status_code == 503, response.content.decode()[:500]
    assert response["Retry-After"] == "10"
    html = response.content.decode()
    assert "一時的に利用できません（503）" in html
    assert wording in html
    assert RETRY_TEXT in html


@pytest.fixture
def staff_client(world) -> Client:
    client = Client(raise_request_exception=False)
    assert client.login(username="staff-own", password=PASSWORD)
    return client


@pytest.fixture
def entry_url(world) -> str:
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


def _post_entry(client: Client, world, url: str):
    return client.post(url, {f"value_{world.indicator_id}": "150", "action": "save"})


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    ("layer", "pattern"),
    [
        ("session load", r'^SELECT .* FROM "django_session"'),
        ("authentication", r'^SELECT .* FROM "auth_user"'),
        ("view", r'"evaluations_|"programs_'),
        ("everything", r"."),
    ],
)
def test_an_outage_while_loading_the_entry_screen_answers_503(world, staff_client, entry_url, method, layer, pattern):
    with connection.execute_wrapper(_failing(pattern)):
        response = staff_client.get(entry_url) if method == "get" else _post_entry(staff_client, world, entry_url)
    _assert_retry_page(response)


@pytest.mark.django_db
def test_a_lost_connection_interface_error_answers_503_as_well(world, staff_client, entry_url):
    with connection.execute_wrapper(_failing(r'FROM "django_session"', InterfaceError)):
        response = staff_client.get(entry_url)
    _assert_retry_page(response)


@pytest.mark.django_db
def test_an_outage_while_rendering_the_page_answers_503(world, staff_client):
    # The navigation (base.html) lists the user's sections and asks for their role; the view
    # itself has already succeeded when these queries run.
    with connection.execute_wrapper(_failing(r'"auth_group"|"accounts_|"programs_section')):
        response = staff_client.get(reverse("evaluations:my_work"))
    _assert_retry_page(response)


@pytest.mark.django_db
def test_an_outage_while_saving_the_session_answers_503_and_says_the_outcome_is_unknown(world, staff_client):
    # The view answered; then the session middleware's UPDATE (every request renews the idle
    # expiry) fails. Django's store would turn this into a 400 "session deleted" page.
    with connection.execute_wrapper(_failing(r'^UPDATE "django_session"')):
        response = staff_client.get(reverse("evaluations:my_work"))
    _assert_retry_page(response, wording=OUTCOME_UNKNOWN)


@pytest.mark.django_db
def test_an_outage_while_logging_in_answers_503(world):
    client = Client(raise_request_exception=False)
    with connection.execute_wrapper(_failing(r'^INSERT INTO "django_session"')):
        response = client.post(reverse("login"), {"username": "staff-own", "password": PASSWORD})
    _assert_retry_page(response)
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_503_page_renders_without_touching_the_database(world, staff_client, entry_url, django_assert_num_queries):
    request = RequestFactory().get(entry_url)
    try:
        raise OperationalError("server closed the connection unexpectedly")
    except OperationalError:
        with django_assert_num_queries(0):
            response = server_error(request)
    _assert_retry_page(response)


@pytest.mark.django_db
def test_a_wrapped_outage_is_still_an_outage(rf):
    try:
        try:
            raise OperationalError("connection refused")
        except OperationalError as outage:
            raise RuntimeError("while building the page") from outage
    except RuntimeError:
        response = server_error(rf.get("/"))
    assert response.status_code == 503


# -- The Japanese 500 page (issue 9 item 2) ------------------------------------------------


@pytest.mark.django_db
def test_an_unexpected_error_renders_the_japanese_500_page(monkeypatch, settings):
    assert settings.DEBUG is False

    def broken(self, request, *args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(auth_views.LoginView, "get", broken)
    response = Client(raise_request_exception=False).get(reverse("login"))
    assert response.status_code == 500
    html = response.content.decode()
    assert '<html lang="ja">' in html
    assert "エラーが発生しました（500）" in html
    assert "システム管理者に連絡してください" in html
    assert "Server Error" not in html
    assert "a bug" not in html  # nothing from the exception leaks


def test_the_500_page_renders_without_a_request_or_the_database(rf):
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        assert sys.exc_info()[0] is RuntimeError
        response = server_error(rf.get("/"))
    assert response.status_code == 500
    assert "エラーが発生しました（500）" in response.content.decode()
