"""Production defaults (issue 18 item 14): the admin's path, cache headers, Japanese error pages, body size.

The admin path is decided at start-up, so those tests boot the settings in a subprocess, as
``tests/test_settings_env.py`` does; the rest run against the test settings (development
mode at import, so the admin stays at /admin/ for the other tests).
"""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.urls import reverse

from cycle.models import Comment
from reports.services import api_token_create
from tests.test_settings_env import HOST, SECRET, _clean_environment
from tests.workflow_world import OPEN_YEAR, PASSWORD

ROOT = Path(__file__).resolve().parent.parent
NGINX = ROOT / "docs" / "deploy" / "nginx.conf"
JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")

ADMIN_PROBE = """
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.urls import Resolver404, resolve, reverse
from io import StringIO
out = StringIO()
call_command("admin_url", stdout=out)
def app_at(path):
    try:
        return resolve(path).app_name
    except Resolver404:
        return None
json.dump({
    "index": reverse("admin:index"),
    "printed": out.getvalue().strip(),
    "old_path": app_at("/admin/"),
    "new_path": app_at(reverse("admin:login")),
}, sys.stdout)
"""


def _admin_probe(**env: str) -> dict:
    environment = {**_clean_environment(), "DJANGO_DEBUG": "false", "DJANGO_ALLOWED_HOSTS": HOST, **env}
    environment["DATABASE_URL"] = "sqlite:///:memory:"
    result = subprocess.run(
        [sys.executable, "-c", ADMIN_PROBE, HOST],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


# -- The admin's path -------------------------------------------------------------------------


def test_production_without_an_admin_path_hides_the_admin_at_a_path_derived_from_the_secret_and_says_where():
    first = _admin_probe(DJANGO_SECRET_KEY=SECRET)
    assert first["index"].startswith("/kanri-") and len(first["index"]) > len("/kanri-") + 16
    assert first["old_path"] is None  # nothing answers at the path every scanner tries
    assert first["new_path"] == "admin"
    assert first["printed"] == first["index"]  # `manage.py admin_url` (and `make serve`) say where it is
    # The same in every worker and after a restart; another secret, another path.
    assert _admin_probe(DJANGO_SECRET_KEY=SECRET)["index"] == first["index"]
    assert _admin_probe(DJANGO_SECRET_KEY=SECRET.replace("k", "z"))["index"] != first["index"]


def test_a_configured_admin_path_is_used_in_production():
    probe = _admin_probe(DJANGO_SECRET_KEY=SECRET, DJANGO_ADMIN_PATH="/kanri-office/")
    assert probe["index"] == probe["printed"] == "/kanri-office/"
    assert probe["old_path"] is None


def test_development_and_the_tests_keep_the_admin_at_admin(settings):
    assert settings.ADMIN_PATH == "admin/"
    assert reverse("admin:index") == "/admin/"


# -- Cache-Control on signed-in pages -----------------------------------------------------------


@pytest.mark.django_db
def test_every_signed_in_page_and_download_says_no_store(world):
    client = Client()
    client.login(username="manager", password=PASSWORD)
    for url in (
        reverse("reports:dashboard"),
        reverse("reports:table"),
        reverse("reports:item", args=[world.own_item.id]),
        f"{reverse('reports:table_xlsx')}?plan=第8期",
        f"{reverse('sheets:summary')}?plan=第8期",
        reverse("cycle:notices"),
        "/no-such-page/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 404), url
        assert "no-store" in response["Cache-Control"], url
        assert "private" in response["Cache-Control"], url


@pytest.mark.django_db
def test_the_api_answer_to_a_token_says_no_store(world):
    _, key = api_token_create(user=world.users["manager"], name="bi")
    response = Client().get(reverse("reports:api_progress"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_anonymous_answers_keep_their_own_caching(world):
    # Nobody is signed in: nothing private to keep from the next user of the PC.
    response = Client().get("/no-such-page/")
    assert response.status_code in (302, 404)
    assert "no-store" not in response.get("Cache-Control", "")


# -- Japanese error pages: CSRF failure and 405 --------------------------------------------------


@pytest.mark.django_db
def test_a_refused_csrf_check_is_the_japanese_page_in_the_sites_layout_and_writes_nothing(world):
    client = Client(enforce_csrf_checks=True)
    client.login(username="staff-own", password=PASSWORD)
    response = client.post(
        reverse("cycle:comment_post", args=[world.own_item.id]), {"fiscal_year": OPEN_YEAR, "body": "確認します"}
    )
    assert response.status_code == 403
    html = response.content.decode()
    assert "画面の有効期限が切れたため、送信できませんでした（403）" in html
    assert "CSRF verification failed" not in html and "Forbidden" not in html
    assert 'class="site-header"' in html and "メインメニュー" in html  # the site's layout, with the menu
    assert not Comment.objects.exists()


@pytest.mark.django_db
def test_a_get_on_a_post_only_view_is_the_japanese_405_page_keeping_allow(world):
    client = Client()
    client.login(username="staff-own", password=PASSWORD)
    response = client.get(reverse("evaluations:submit", args=[world.own_item.id, OPEN_YEAR]))
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    html = response.content.decode()
    assert "この方法では操作できません（405）" in html
    assert 'class="site-header"' in html
    # Anonymous too (the logout form's URL opened as a link).
    response = Client().get(reverse("logout"))
    assert response.status_code == 405
    assert "この方法では操作できません（405）" in response.content.decode()


# -- A worker timeout behind nginx ------------------------------------------------------------------


def test_nginx_shows_the_static_japanese_page_when_the_application_cannot_answer(settings):
    found = finders.find("errors/50x.html")  # what collectstatic copies into STATIC_ROOT/errors/
    assert found, "static/errors/50x.html is missing"
    page = Path(found).read_text(encoding="utf-8")
    assert '<html lang="ja">' in page and '<meta charset="utf-8">' in page
    assert "ただいま処理できません" in page
    visible = re.sub(r"<[^>]+>|<!--.*?-->", "", page, flags=re.S)
    assert len(JAPANESE.findall(visible)) > 100
    assert not re.search(r"\b(Bad Gateway|Internal Server Error|Service Unavailable)\b", page)
    assert "{%" not in page and "{{" not in page  # served by nginx as is, never rendered
    conf = NGINX.read_text()
    assert re.search(r"^\s*proxy_intercept_errors\s+on;", conf, re.M)
    codes = re.search(r"^\s*error_page\s+([\d\s]+)\s/50x\.html;", conf, re.M)
    assert codes and {"500", "502", "503", "504"} <= set(codes.group(1).split())
    location = re.search(r"location\s*=\s*/50x\.html\s*\{(.*?)\}", conf, re.S)
    assert location and re.search(r"^\s*internal;", location.group(1), re.M)
    root = re.search(r"^\s*root\s+(\S+);", location.group(1), re.M).group(1)
    # The default STATIC_ROOT (var/staticfiles) under the documented /opt/kaigo-plan, plus errors/.
    relative = Path(settings.STATIC_ROOT).relative_to(ROOT)
    assert root == f"/opt/kaigo-plan/{relative}/errors"


# -- The request-size limit ----------------------------------------------------------------------


def test_the_application_limit_is_the_documented_nginx_client_max_body_size(settings):
    sizes = re.findall(r"^\s*client_max_body_size\s+(\d+)m;", NGINX.read_text(), re.M)
    assert sizes == [str(settings.REQUEST_MAX_MB)]
    assert settings.REQUEST_MAX_BYTES == settings.REQUEST_MAX_MB * 1024 * 1024
    assert settings.REQUEST_MAX_BYTES > settings.ATTACHMENT_MAX_BYTES  # room for the largest evidence file


@pytest.mark.django_db
def test_a_body_over_the_limit_is_the_japanese_413_page_and_nothing_is_written(world, settings):
    client = Client()
    client.login(username="staff-own", password=PASSWORD)
    url = reverse("cycle:comment_post", args=[world.own_item.id])
    response = client.post(
        url, {"fiscal_year": OPEN_YEAR, "body": "確認します"}, CONTENT_LENGTH=str(settings.REQUEST_MAX_BYTES + 1)
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert "送信データが大きすぎます（413）" in html
    assert f"上限 {settings.REQUEST_MAX_MB} MB" in html
    assert not Comment.objects.exists()
    # At the limit the request goes through.
    assert client.post(url, {"fiscal_year": OPEN_YEAR, "body": "確認します"}).status_code == 302
    assert Comment.objects.count() == 1


def test_a_request_limit_not_above_the_evidence_file_limit_refuses_to_start():
    env = {**_clean_environment(), "DJANGO_ATTACHMENT_MAX_MB": "10", "DJANGO_REQUEST_MAX_MB": "10"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "DJANGO_REQUEST_MAX_MB (10) must be larger than DJANGO_ATTACHMENT_MAX_MB (10)" in result.stderr
