"""No query parameter can make any page answer 500 (issue 18 item 6).

``?plan=%00`` reached ``PlanPeriod.objects.get(name=...)`` on the sheet downloads, and
PostgreSQL cannot hold a NUL in a text literal: 500. The walk resolves every route of the
URLconf with real ids from Tokyo's data and, for the staff member, the manager and the
administrator, sends a NUL, control characters, markup and a 20-digit number in every
parameter the view reads. It first asks each page once with harmless values and records
which parameters the view (its forms, filters, tables and context processors) looked at, so
the hostile values go exactly where they are read. Run it on SQLite and on PostgreSQL
(``DATABASE_URL=postgres://…``): the NUL fails only on PostgreSQL.

The walk of the project's own views runs without the safety net
(``kaigo_plan.middleware.ControlCharacterMiddleware``), so a lookup that still takes raw text
fails here; the admin, whose changelist turns any parameter into a lookup, is walked with it.
"""

import os
import re
import threading
import time

import pytest
from django.conf import settings
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF
from cycle.models import Comment
from evaluations.forms import PreviewForm
from evaluations.models import SelfEvaluation
from programs.forms import PlanYearForm
from programs.models import Item, PlanPeriod
from reports.filters import ProgressFilter
from reports.forms import ComparisonForm, TablePageForm
from sheets.forms import ERROR_AREA_NOT_NUMBER, ERROR_ITEM_NOT_NUMBER
from tests.test_reflected_markup import PARAMETERS as MARKUP_PARAMETERS
from tests.urlconf import route_paths
from tests.workflow_world import OPEN_YEAR, make_user

SAFETY_NET = "kaigo_plan.middleware.ControlCharacterMiddleware"
PAYLOADS = {
    # NUL (the PostgreSQL 500) with the other C0 controls, DEL and a C1 control.
    "nul_and_controls": "第8期\x00\x01\x08\x1b[31m\x7f\x9f",
    "markup": '<b onmouseover="x">第8期</b>',
    "twenty_digits": "12345678901234567890",
    "digit_not_a_number": "²",  # "²".isdigit() is true; int("²") fails
}
NAMED = ("plan", "year", "fiscal_year", "status", "section", "item", "q", "page", "sort", "unapproved", "format")
FORM_FIELDS = {
    *ProgressFilter.base_filters,
    *PlanYearForm.base_fields,
    *ComparisonForm.base_fields,
    *TablePageForm.base_fields,
    *PreviewForm.base_fields,
}
PARAMETERS = sorted({*NAMED, *MARKUP_PARAMETERS, *FORM_FIELDS})
HARMLESS = "1"
# Names the admin's changelist turns into lookups on the plan periods it lists.
ADMIN_LOOKUPS = ("name", "name__icontains", "ordinal", "first_fiscal_year__gte")
VALID = {"plan": "第8期", "fiscal_year": "2022"}

_read = threading.local()


class RecordingQueryDict(QueryDict):
    """A query string that remembers every name a view asked it for by name (copies included).

    Passing the whole query on (a copy, ``urlencode``, axes logging it) reads no name; the
    admin, which makes every name it is given a lookup, is sent ``ADMIN_LOOKUPS`` as well.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._recording = True  # parsing the query string asks ``key in self`` of every name

    def _note(self, key):
        names = getattr(_read, "names", None)
        if names is not None and getattr(self, "_recording", False):
            names.add(key)

    def __getitem__(self, key):
        self._note(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        self._note(key)
        return super().__contains__(key)

    def get(self, key, default=None):
        self._note(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        self._note(key)
        return super().getlist(key, default)


class RecordingMiddleware:
    """Test-only, first in the stack: swap ``request.GET`` for the recording query string."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.GET = RecordingQueryDict(request.META.get("QUERY_STRING", ""))
        return self.get_response(request)


@pytest.fixture
def users(tokyo_data):
    plan = PlanPeriod.objects.get(name="第8期")
    item = Item.objects.filter(area__plan=plan, section__isnull=False).first()
    return {
        "staff": make_user("staff", role=STAFF, section=item.section),
        "manager": make_user("manager", role=MANAGER),
        "admin": make_user("admin", superuser=True),
    }


@pytest.fixture
def paths(users) -> list[str]:
    plan = PlanPeriod.objects.get(name="第8期")
    item = Item.objects.filter(area__plan=plan, section__isnull=False).first()
    ids = {
        "item_id": str(item.pk),
        "fiscal_year": "2022",
        "evaluation_id": str(SelfEvaluation.objects.filter(item__area__plan=plan).first().pk),
        "plan_id": str(plan.pk),
        "object_id": str(plan.pk),
        "id": str(users["admin"].pk),
    }
    return route_paths(ids, app_label="programs")


@pytest.fixture
def no_libreoffice(monkeypatch):
    # The PDF reads its parameters exactly as the workbook does; converting is not what is tested.
    monkeypatch.setattr("sheets.tasks.sheet_pdf", lambda workbook: b"%PDF-1.4\n%%EOF\n")


def _read_names(client: Client, path: str) -> set[str]:
    """Return the parameters the page reads, asked once with every name set to a harmless value."""
    _read.names = set()
    try:
        client.get(path, {**dict.fromkeys(PARAMETERS, HARMLESS), **VALID})
        client.get(path, VALID)
        return set(_read.names)
    finally:
        _read.names = None


def _walk(users, paths, *, admin: bool) -> dict:
    """Send every payload in every parameter each page reads; return what answered 500."""
    failures = {}
    asked = 0
    timings: dict[str, float] = {}
    for role, user in users.items():
        client = Client(raise_request_exception=False)
        client.force_login(user)
        for path in paths:
            if path.startswith(f"/{settings.ADMIN_PATH}") != admin:
                continue
            if admin and role != "admin":
                continue  # the admin sends anyone else to its login page
            names = _read_names(client, path) | (set(ADMIN_LOOKUPS) if admin else set())
            for kind, payload in PAYLOADS.items():
                queries = [{**VALID, **dict.fromkeys(names, payload)}]
                queries += [{**VALID, name: payload} for name in sorted(names)]
                for query in queries:
                    started = time.perf_counter()
                    response = client.get(path, query)
                    asked += 1
                    timings[path] = timings.get(path, 0) + time.perf_counter() - started
                    if response.status_code >= 500:
                        failures[(role, path, kind, tuple(sorted(query)))] = response.status_code
    if os.environ.get("WALK_TIMINGS"):
        for path, seconds in sorted(timings.items(), key=lambda item: -item[1])[:15]:
            print(f"{seconds:7.1f}s {path}")
        print("asked", asked)
    assert asked > 500, asked  # the walk reached the pages and their parameters
    return failures


@pytest.mark.django_db
def test_no_parameter_of_any_project_page_answers_500_even_without_the_safety_net(
    settings, users, paths, no_libreoffice
):
    settings.MIDDLEWARE = ["tests.test_query_parameters.RecordingMiddleware"] + [
        name for name in settings.MIDDLEWARE if name != SAFETY_NET
    ]
    assert len(paths) > 40
    assert _walk(users, paths, admin=False) == {}


def _admin_sample(paths: list[str]) -> list[str]:
    """Keep every changelist (its filters and lookups are each model's own) and the rest of one model's pages.

    A model's add, change, delete and history pages read the same few names through Django's own
    code (``_changelist_filters``, ``_to_field``, ``_popup``); walking them for every model made this
    one test take 16 minutes for nothing the plan period's pages do not show.
    """
    prefix = f"/{settings.ADMIN_PATH}"
    model_page = re.compile(rf"^{re.escape(prefix)}[a-z_]+/[a-z_]+/.+")
    kept = [path for path in paths if not model_page.match(path) or "/programs/planperiod/" in path]
    return kept


@pytest.mark.django_db
def test_no_parameter_of_any_admin_page_answers_500(settings, users, paths):
    settings.MIDDLEWARE = ["tests.test_query_parameters.RecordingMiddleware", *settings.MIDDLEWARE]
    sample = _admin_sample(paths)
    changelists = [path for path in sample if re.fullmatch(rf"/{re.escape(settings.ADMIN_PATH)}[a-z_]+/[a-z_]+/", path)]
    assert len(changelists) > 20  # every registered model's list is still walked
    assert _walk(users, sample, admin=True) == {}


DOWNLOADS = ("sheets:self_evaluation_sheet", "sheets:self_evaluation_pdf", "sheets:summary", "sheets:entry_template")


@pytest.mark.django_db
def test_a_control_character_in_a_downloads_plan_is_the_japanese_400_even_without_the_safety_net(
    settings, users, no_libreoffice
):
    settings.MIDDLEWARE = [middleware for middleware in settings.MIDDLEWARE if middleware != SAFETY_NET]
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    for name in DOWNLOADS:
        for payload in ("\x00", "第8期\x00", "\x1b[2J", "第8期\x7f"):
            response = client.get(reverse(name), {"plan": payload, "fiscal_year": "2022"})
            assert response.status_code == 400, (name, payload)
            assert "制御文字（NUL など）を含む指定は受け付けられません。" in response.content.decode()


@pytest.mark.django_db
def test_ids_in_a_downloads_query_are_bounded_ascii_whole_numbers(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    for name, query, message in [
        ("sheets:self_evaluation_sheet", {"plan": "第8期", "area": "²"}, ERROR_AREA_NOT_NUMBER),
        ("sheets:self_evaluation_sheet", {"plan": "第8期", "area": "1" * 20}, ERROR_AREA_NOT_NUMBER),
        ("sheets:summary", {"plan": "第8期", "item": ["1", "²"]}, ERROR_ITEM_NOT_NUMBER),
        ("sheets:summary", {"plan": "第8期", "item": "1" * 20}, ERROR_ITEM_NOT_NUMBER),
    ]:
        response = client.get(reverse(name), query)
        assert response.status_code == 400, (name, query)
        assert message in response.content.decode()


@pytest.mark.django_db
def test_the_safety_net_refuses_control_characters_in_any_name_or_value_and_writes_nothing(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.users["staff_own"])
    comment_url = reverse("cycle:comment_post", args=[world.own_item.id])
    refused = [
        client.get(reverse("reports:table"), {"q": "\x00"}),
        client.get(reverse("reports:table"), {"\x00": "1"}),
        client.get(f"/{settings.ADMIN_PATH}programs/planperiod/", {"q": "第8期\x00"}),
        client.post(comment_url, {"fiscal_year": OPEN_YEAR, "body": "確認\x00します"}),
        client.post(comment_url, {"fiscal_year": OPEN_YEAR, "body": "確認\x1bします"}),
        client.post(comment_url, {"fiscal_year": OPEN_YEAR, "body\x01": "確認します"}),
    ]
    for response in refused:
        assert response.status_code == 400
        assert "制御文字（NUL など）を含む指定は受け付けられません。" in response.content.decode()
    assert not Comment.objects.exists()
    # The tab and line breaks a textarea sends are text, not controls.
    response = client.post(comment_url, {"fiscal_year": OPEN_YEAR, "body": "確認します。\r\n\t次年度も継続"})
    assert response.status_code == 302
    assert Comment.objects.get().body == "確認します。\n\t次年度も継続"  # the form keeps one line break


@pytest.mark.django_db
def test_the_admins_year_filter_takes_only_the_years_it_offers(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    for model in ("selfevaluation", "yearlyresult", "reportingyear"):
        url = f"/{settings.ADMIN_PATH}evaluations/{model}/"
        for value in ("²", "<b>2022</b>", "99999"):
            response = client.get(url, {"fiscal_year": value})
            assert response.status_code == 302, (model, value)  # the admin's "wrong filter" page, ?e=1
            assert response["Location"].endswith("?e=1")
        # A number no database integer holds is refused before any lookup (kaigo_plan.middleware).
        assert client.get(url, {"fiscal_year": "12345678901234567890"}).status_code == 400
    # A year the filter offers still filters.
    year = SelfEvaluation.objects.order_by("fiscal_year").values_list("fiscal_year", flat=True).first()
    response = client.get(f"/{settings.ADMIN_PATH}evaluations/selfevaluation/", {"fiscal_year": str(year)})
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_number_no_database_integer_holds_is_the_japanese_400_on_the_admins_lists(users):
    # ?plan=12345678901234567890 on 年度（報告） made the changelist's count overflow SQLite (a 500).
    client = Client(raise_request_exception=False)
    client.force_login(users["admin"])
    response = client.get(reverse("admin:evaluations_reportingyear_changelist"), {"plan": "12345678901234567890"})
    assert response.status_code == 400
    assert "指定された数値が大きすぎます" in response.content.decode()
    assert client.get(reverse("admin:evaluations_reportingyear_changelist"), {"plan": "9" * 19}).status_code != 500
