"""The Japanese admin: every model has a list, the rates show, and lists do not grow queries with data."""

import re
from decimal import Decimal

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

OUR_APPS = {"programs", "evaluations"}
REGISTERED = [model for model in admin.site._registry if model._meta.app_label in OUR_APPS]


def _changelist(model) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def test_every_model_of_the_plan_and_evaluations_is_in_the_admin():
    from django.apps import apps

    models = {model for app in OUR_APPS for model in apps.get_app_config(app).get_models()}
    history_models = {model for model in models if model.__name__.startswith("Historical")}
    through_models = {model for model in models if model._meta.auto_created}
    assert models - history_models - through_models == set(REGISTERED)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model.__name__)
def test_admin_lists_and_forms_open_in_japanese(admin_client, tokyo_data, model):
    response = admin_client.get(_changelist(model))
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "ja"
    assert str(model._meta.verbose_name_plural) in response.content.decode()
    first = model.objects.first()
    if first is not None:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[first.pk])
        assert admin_client.get(url).status_code == 200


def test_result_list_shows_target_actual_rate_and_status(admin_client, tokyo_data):
    from evaluations.models import YearlyResult

    response = admin_client.get(_changelist(YearlyResult), {"q": "講師養成研修の受講者数"})
    html = response.content.decode()
    assert "令和3年度" in html
    assert "144人" in html
    assert "153人" in html
    assert "94.1%" in html
    assert "概ね達成" in html


def test_item_page_shows_indicators_and_self_evaluations_inline(admin_client, tokyo_data):
    from programs.models import Item

    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    html = admin_client.get(reverse("admin:programs_item_change", args=[item.pk])).content.decode()
    assert "講師養成研修の受講者数" in html
    assert "講師養成研修を３コース実施" in html


def test_filters_by_plan_area_section_and_fiscal_year(admin_client, tokyo_data):
    from evaluations.models import YearlyResult

    html = admin_client.get(_changelist(YearlyResult)).content.decode()
    for label in ("計画期間", "年度", "取組分野", "担当課"):
        assert f"{label} 別" in html or label in html
    filtered = admin_client.get(_changelist(YearlyResult), {"fiscal_year": "2021"}).content.decode()
    table = filtered.split('id="result_list"')[1].split("</table>")[0]
    assert "令和3年度" in table
    assert "平成30年度" not in table


def _grow(times: int) -> None:
    """Add synthetic plans, each with areas, items, indicators of every kind, targets and results."""
    from programs.models import Target

    for _ in range(times):
        plan = factories.plan_period(first_fiscal_year=2021, last_fiscal_year=2023)
        section = factories.section()
        for _area in range(2):
            area = factories.policy_area(plan=plan)
            for _item in range(2):
                item = factories.item(area=area, section=section)
                factories.self_evaluation(item_=item)
                for kind in (Target.Kind.PER_YEAR, Target.Kind.CUMULATIVE, Target.Kind.COVERAGE):
                    indicator = factories.indicator(item_=item)
                    factories.target(indicator_=indicator, kind=kind)
                    for year in (2021, 2022):
                        factories.yearly_result(indicator_=indicator, fiscal_year=year, value=Decimal(10))


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model.__name__)
def test_admin_lists_run_a_fixed_number_of_queries(admin_client, model):
    url = _changelist(model) + "?all="
    _grow(1)
    small = _queries(admin_client, url)
    _grow(4)
    large = _queries(admin_client, url)
    assert large == small, f"{model.__name__}: {small} queries with little data, {large} with five times more"


def test_the_user_list_names_people_and_the_user_form_sets_their_section(admin_client):
    # Issue 20 item 6: users were listed by login ID and a 担当課 could not be set on the user form.
    from django.contrib.auth.models import User

    from programs.models import Section

    section = Section.objects.create(name="在宅支援課")
    user = User.objects.create_user("k-tanaka", first_name="花子", last_name="田中", password="x-long-password-1")
    listing = admin_client.get(reverse("admin:auth_user_changelist")).content.decode()
    assert "田中 花子" in listing or "花子 田中" in listing
    assert "氏名" in listing and "担当課" in listing
    url = reverse("admin:auth_user_change", args=[user.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="sections"' in form
    response = admin_client.post(
        url,
        {
            "username": "k-tanaka",
            "first_name": "花子",
            "last_name": "田中",
            "email": "",
            "is_active": "on",
            "sections": [section.pk],
            "date_joined_0": "2026-04-01",
            "date_joined_1": "09:00:00",
            "initial-date_joined_0": "2026-04-01",
            "initial-date_joined_1": "09:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(user.sections.all()) == [section]


def test_a_system_administrator_sees_japanese_app_names_and_no_raw_permission_list(client):
    # Issue 20 item 6: the admin index said 「AXES」 and the user form listed 「Can add log entry」.
    from django.contrib.auth.models import Permission, User

    administrator = User.objects.create_user("sys-admin", password="x-long-password-1", is_staff=True)
    administrator.user_permissions.set(
        Permission.objects.filter(codename__in=["view_user", "change_user", "view_accessattempt"])
    )
    client.force_login(administrator)
    index = client.get(reverse("admin:index")).content.decode()
    assert "ログイン試行の記録" in index
    visible = re.sub(r"<[^>]+>", " ", index)
    assert "axes" not in visible.lower()
    form = client.get(reverse("admin:auth_user_change", args=[administrator.pk])).content.decode()
    assert "Can add log entry" not in form
    assert 'name="user_permissions"' not in form
    assert 'name="sections"' in form


def test_the_result_list_grades_every_indicator_year_as_the_dashboard_does(admin_client, tokyo_data):
    """The admin's 状況 column reads the read model (issue 22 item 2): 8 of 第7期's differed when it graded alone.

    A figure of a year before the period (the baseline 平成29年度) has no cell and no status: 「－」.
    """
    from evaluations.models import YearlyResult
    from evaluations.progress import NO_TARGET_LABEL, plan_progress
    from programs.models import PlanPeriod

    plan = PlanPeriod.objects.get(name="第7期")
    progress = plan_progress(plan=plan)
    shown = {
        (indicator.id, cell.fiscal_year): progress.labels.get(cell.status, NO_TARGET_LABEL)
        if cell.status
        else NO_TARGET_LABEL
        for item in progress.items
        for indicator in item.indicators
        for cell in indicator.years
    }
    response = admin_client.get(_changelist(YearlyResult), {"indicator__item__area__plan__id__exact": plan.pk})
    assert "目標を達成" in response.content.decode() or "達成" in response.content.decode()
    model_admin = response.context["cl"].model_admin
    model_admin.get_queryset(response.wsgi_request)
    results = YearlyResult.objects.filter(indicator__item__area__plan=plan).select_related(
        "indicator__item__area__plan"
    )
    differing = [
        (result.indicator_id, result.fiscal_year, model_admin.status(result))
        for result in results
        if model_admin.status(result) != shown.get((result.indicator_id, result.fiscal_year), "－")
    ]
    assert results.count() > 50
    assert differing == []
