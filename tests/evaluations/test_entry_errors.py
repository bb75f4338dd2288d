"""Requests that used to answer 500: a non-numeric indicator in the live preview, and no plans at all."""

import pytest
from django.test import Client
from django.urls import reverse

from evaluations.views import MESSAGE_NO_PLANS
from programs.models import PlanPeriod
from tests.workflow_world import OPEN_YEAR, PASSWORD, make_user

pytestmark = pytest.mark.django_db


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.mark.parametrize("indicator", ["abc", "", "1.5", "1e3"])
def test_a_live_preview_with_a_malformed_indicator_is_a_japanese_bad_request(world, indicator):
    client = _client(world.users["staff_own"])
    url = reverse("evaluations:preview", args=[world.own_item.id, OPEN_YEAR])
    response = client.get(url, {"indicator": indicator, "value": "150"})
    assert response.status_code == 400
    assert "リクエストの内容が正しくありません" in response.content.decode()


def test_a_live_preview_of_another_items_indicator_is_not_found(world):
    client = _client(world.users["staff_own"])
    other = world.other_item.indicators.get()
    url = reverse("evaluations:preview", args=[world.own_item.id, OPEN_YEAR])
    assert client.get(url, {"indicator": other.id, "value": "1"}).status_code == 404


def test_the_entry_list_without_any_plan_shows_an_empty_state(db):
    from accounts.roles import STAFF

    client = _client(make_user("lonely", role=STAFF))
    assert not PlanPeriod.objects.exists()
    response = client.get(reverse("evaluations:my_work"))
    assert response.status_code == 200
    assert MESSAGE_NO_PLANS == "計画期間が登録されていません"
    assert MESSAGE_NO_PLANS in response.content.decode()
