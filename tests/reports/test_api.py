"""The progress API: the issue's JSON shape, the dashboard's numbers, session or token."""

import pytest
from django.urls import reverse

from reports.models import ApiToken
from reports.services import api_token_create, api_token_revoke

pytestmark = pytest.mark.django_db
URL = reverse("reports:api_progress")


def _area(data, number, section):
    return next(a for a in data["areas"] if a["number"] == number and a["section"] == section)


def test_eighth_plan_json_has_the_issue_shape_and_figures(manager_client, tokyo_data):
    response = manager_client.get(URL, {"plan": "第8期"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    data = response.json()
    assert data["plan"] == "第8期"
    assert data["fiscal_years"] == [2021, 2022, 2023]
    area = _area(data, 7, None)
    assert area["title"] == "地域ケア会議の推進"
    item = area["items"][0]
    assert item["number"] == 1
    assert item["title"] == "自立支援・介護予防に向けた地域ケア会議の実践者養成研修の講師を育成するための研修を実施"
    assert item["indicators"][0] == {
        "name": "講師養成研修の受講者数",
        "unit": "人",
        "target_kind": "per_year",
        "target_text": "153人（各年度）",
        # Each figure states its workflow state, and any newer one awaiting approval (issue 12).
        "years": [
            {
                "fiscal_year": 2021,
                "target": 153,
                "target_text": "153人（各年度）",
                "actual": 144,
                "achievement_rate": 94.1,
                "basis": None,
                "compared": None,
                "status": "mostly_achieved",
                "state": "approved",
                "pending": None,
                "municipalities": [],
                "municipality_count": None,
            },
            {
                "fiscal_year": 2022,
                "target": 153,
                "target_text": "153人（各年度）",
                "actual": None,
                "achievement_rate": None,
                "basis": None,
                "compared": None,
                "status": "not_entered",
                "state": None,
                "pending": None,
                "municipalities": [],
                "municipality_count": None,
            },
            {
                "fiscal_year": 2023,
                "target": 153,
                "target_text": "153人（各年度）",
                "actual": None,
                "achievement_rate": None,
                "basis": None,
                "compared": None,
                "status": "not_entered",
                "state": None,
                "pending": None,
                "municipalities": [],
                "municipality_count": None,
            },
        ],
        "cumulative": None,
        "period_coverage": None,
    }
    assert '"achievement_rate": 94.1' in response.content.decode()
    assert set(data) == {"plan", "fiscal_years", "includes_unapproved", "areas"}
    assert data["includes_unapproved"] is False
    assert set(area) == {"number", "section", "title", "items"}
    assert set(item) == {"number", "title", "indicators"}


def test_default_plan_is_the_latest_with_results(manager_client, tokyo_data):
    assert manager_client.get(URL).json()["plan"] == "第8期"


def test_sub_area_and_cumulative_object(manager_client, tokyo_data):
    data = manager_client.get(URL, {"plan": "第7期"}).json()
    area = _area(data, 2, 1)
    assert area["title"] == "地域ケア会議"
    indicator = area["items"][0]["indicators"][0]
    assert indicator["target_kind"] == "cumulative"
    assert indicator["cumulative"] == {
        "fiscal_year": 2020,
        "target": 1350,
        "actual": 1199,
        "achievement_rate": 88.8,
        "target_to_date": 1350,
        "pace_rate": 88.8,
        "needed_per_remaining_year": None,
        "status": "not_achieved",
    }
    assert [y["actual"] for y in indicator["years"]] == [352, 428, 419]
    # Each year against its own share (募集規模 360, 450, 540), never the running total's rate.
    assert [y["achievement_rate"] for y in indicator["years"]] == [97.8, 95.1, 77.6]


def test_token_authentication(client, manager, tokyo_data):
    token, key = api_token_create(user=manager, name="BI")
    assert ApiToken.objects.get().key_digest == ApiToken.digest(key)
    assert key not in ApiToken.objects.get().key_digest
    response = client.get(URL, {"plan": "第8期"}, HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200
    assert response.json()["plan"] == "第8期"
    api_token_revoke(token=token)
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_refusals(client, tokyo_data, django_user_model):
    response = client.get(URL)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert client.get(URL, HTTP_AUTHORIZATION="Token wrong").status_code == 401
    nobody = django_user_model.objects.create_user("nobody", password="x-kaigo-2026")
    _token, key = api_token_create(user=nobody, name="no role")
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 403


def test_unknown_plan(manager_client, tokyo_data):
    response = manager_client.get(URL, {"plan": "第99期"})
    assert response.status_code == 404
    assert response.json() == {"detail": "計画期間「第99期」はありません。"}


def test_create_api_token_command_prints_a_working_key(client, manager, tokyo_data):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("create_api_token", "manager", "BIツール", stdout=out)
    key = out.getvalue().strip()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Token {key}").status_code == 200
