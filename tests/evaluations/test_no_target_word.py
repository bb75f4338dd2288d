"""A figure without a target is named with the one word 実績（参考） on the entry screen too
(its target column said 「（目標なし）」, the seeds and every other page say 実績（参考）)."""

import pytest
from django.test import Client
from django.urls import reverse

from evaluations.progress import NO_TARGET_LABEL
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db


def test_the_entry_screen_names_a_figure_without_a_target_with_the_one_word(world):
    factories.indicator(item_=world.own_item, key="courses", name="開催コース数", unit="コース")
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    page = client.get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content.decode()
    assert NO_TARGET_LABEL == "実績（参考）"
    assert "目標なし" not in page
    row = page[page.index("開催コース数") :]
    row = row[: row.index("</tr>")]
    # The target column and the status column both say it, muted (not a status badge).
    assert row.count(f'<span class="muted">{NO_TARGET_LABEL}</span>') == 2
    assert "153人（各年度）" in page  # a targeted figure keeps its target as worded
