"""No answer echoes markup from the query string unescaped: every URL, every parameter, any status.

The walk sends a ``<meta http-equiv="refresh">`` (the tag that redirected Chromium off-site from the
entry-template 400) in every query parameter any view reads, as a manager and as an administrator.
An HTML answer may show the text only escaped; a 400 renders the Japanese 400 template.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from accounts.roles import MANAGER
from accounts.services import roles_ensure
from evaluations.models import SelfEvaluation
from programs.models import Item, PlanPeriod
from tests.urlconf import route_paths

PAYLOAD = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'
RAW = '<meta http-equiv="refresh"'
# Every query parameter a view reads (request.GET, the filter forms, django-tables2, the admin).
PARAMETERS = (
    "plan",
    "fiscal_year",
    "area",
    "section",
    "status",
    "sort",
    "page",
    "per_page",
    "item",
    "indicator",
    "value",
    "format",
    "q",
    "year",
    "o",
    "p",
    "e",
    "next",
    "token",
    "_popup",
    "_to_field",
    "_changelist_filters",
)
VALID = {"plan": "第8期", "fiscal_year": "2022"}
PLAIN_TYPES = ("application/json", "text/plain", "application/vnd.openxmlformats")


def _queries(path: str) -> list[dict[str, str]]:
    """All parameters at once, with and without a valid plan and year; then one at a time (not in the admin)."""
    everything = dict.fromkeys(PARAMETERS, PAYLOAD)
    queries = [everything, {**everything, **VALID}]
    if not path.startswith(f"/{settings.ADMIN_PATH}"):
        queries += [{**VALID, name: PAYLOAD} for name in PARAMETERS]
    return queries


def _client(user) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_entry_template_400_is_the_japanese_page_with_the_tag_escaped(tokyo_data):
    admin = get_user_model().objects.create_user("admin", is_superuser=True)
    response = _client(admin).get("/sheets/entry-template.xlsx", {"plan": "第8期", "fiscal_year": PAYLOAD})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert RAW not in html
    assert "&lt;meta http-equiv=&quot;refresh&quot;" in html
    assert "リクエストの内容が正しくありません（400）" in html


@pytest.mark.django_db
def test_no_url_echoes_markup_from_any_query_parameter_unescaped(tokyo_data, monkeypatch):
    # The PDF's job reads its parameters as the workbook does; what a conversion prints is not what
    # this walk checks, and a real one per query made this test a fifth of the suite's time.
    monkeypatch.setattr("sheets.tasks.sheet_pdf", lambda workbook: b"%PDF-1.4\n%%EOF\n")
    groups = roles_ensure()
    manager = get_user_model().objects.create_user("manager")
    manager.groups.set([groups[MANAGER]])
    admin = get_user_model().objects.create_user("admin", is_superuser=True, is_staff=True)
    plan = PlanPeriod.objects.get(name="第8期")
    ids = {
        "item_id": str(Item.objects.filter(area__plan=plan).first().pk),
        "fiscal_year": "2022",
        "evaluation_id": str(SelfEvaluation.objects.filter(item__area__plan=plan).first().pk),
        "plan_id": str(plan.pk),
        "object_id": str(plan.pk),
        "id": str(admin.pk),
    }
    paths = route_paths(ids, app_label="programs")
    assert len(paths) > 40  # the project's own views and the admin
    statuses: dict[int, int] = {}
    for user in (manager, admin):
        client = _client(user)
        for path in paths:
            if user is manager and path.startswith(f"/{settings.ADMIN_PATH}"):
                continue  # the admin sends a manager to its login page, whatever the query
            for query in _queries(path):
                response = client.get(path, query)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                content_type = response.get("Content-Type", "")
                if response.streaming or content_type.startswith(PLAIN_TYPES):
                    continue
                body = response.content.decode(errors="replace")
                assert RAW not in body, (user.username, path, query, response.status_code)
                if response.status_code == 400:
                    assert "リクエストの内容が正しくありません（400）" in body, (path, query)
    assert statuses.get(400), statuses  # the walk reached the views that refuse bad input
