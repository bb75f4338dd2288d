"""A plan with more graded indicators than the dashboard shows as cards lists one row per area."""

import pytest
from django.urls import reverse

from programs.models import PolicyArea
from reports import selectors

pytestmark = pytest.mark.django_db


def test_a_large_plan_shows_area_summaries_that_open_the_area(manager_client, tokyo_data, monkeypatch):
    monkeypatch.setattr(selectors, "DASHBOARD_CARD_LIMIT", 1)
    html = manager_client.get(reverse("reports:dashboard"), {"plan": "第7期"}).content.decode()
    assert 'class="area-summary stack-table"' in html
    assert 'class="card area-card"' not in html
    area = PolicyArea.objects.get(plan__name="第7期", number=2, sub_number=1)
    link = f"{reverse('reports:dashboard')}?plan=%E7%AC%AC7%E6%9C%9F&amp;area={area.id}"
    assert link in html
    assert '<span class="status status-achieved">達成</span>' in html  # the area's counts, in words

    opened = manager_client.get(reverse("reports:dashboard"), {"plan": "第7期", "area": area.id}).content.decode()
    assert 'class="area-summary stack-table"' not in opened  # a chosen area always shows its cards
    assert f'id="area-{area.id}"' in opened


def test_a_small_plan_shows_every_card(manager_client, tokyo_data):
    html = manager_client.get(reverse("reports:dashboard"), {"plan": "第8期"}).content.decode()
    assert 'class="area-summary stack-table"' not in html
    assert 'class="card area-card"' in html
