"""Excel一括入力 opens on the shared default and says when a period has no items (issue 12 item 8)."""

import re

import pytest
from django.urls import reverse

from programs.forms import MESSAGE_EMPTY_PERIOD

from .conftest import STAFF, _user

pytestmark = pytest.mark.django_db


def _page(client, **params) -> str:
    response = client.get(reverse("sheets:import_upload"), params)
    assert response.status_code == 200
    return response.content.decode()


def _options(html: str, select_id: str) -> list[tuple[str, str, bool]]:
    select = html.split(f'id="{select_id}">')[1].split("</select>")[0]
    return [
        (value, label, bool(selected))
        for value, selected, label in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def test_the_template_form_opens_on_the_open_year_of_the_latest_period_with_items(client, staff_user):
    client.force_login(staff_user)
    html = _page(client)
    assert _options(html, "id_template_plan") == [
        ("第8期", "第8期（令和3年度～令和5年度）", True),
        ("第7期", "第7期（平成30年度～令和2年度）", False),
        ("第9期", "第9期（令和6年度～令和8年度）（事項なし）", False),
    ]
    years = _options(html, "id_template_year")
    # Issue 20 item 2: the round due next, the latest overdue (令和5年度), not 平成30年度 nor the first open year.
    assert [value for value, _label, selected in years if selected] == ["2023"]
    assert ("2023", "令和5年度", True) in years
    assert MESSAGE_EMPTY_PERIOD not in html


def test_a_plan_in_the_query_string_is_chosen_with_its_default_year(client, staff_user):
    client.force_login(staff_user)
    html = _page(client, plan="第7期")
    assert [label for _value, label, selected in _options(html, "id_template_plan") if selected] == [
        "第7期（平成30年度～令和2年度）"
    ]
    assert [value for value, _label, selected in _options(html, "id_template_year") if selected] == ["2020"]


def test_the_empty_period_says_it_has_no_items(client, staff_user):
    client.force_login(staff_user)
    html = _page(client, plan="第9期")
    assert f'<p class="empty-period" role="status">第9期（令和6年度～令和8年度）: {MESSAGE_EMPTY_PERIOD}</p>' in html


@pytest.mark.parametrize("sections", [["在宅支援課"], []])
def test_a_template_for_the_empty_period_returns_to_the_page_that_says_why(client, tokyo_data, sections):
    # Also for a member without a section: the empty period is the reason, not the 担当課 setting.
    client.force_login(_user("staff-new", STAFF, sections=sections))
    response = client.get(reverse("sheets:entry_template"), {"plan": "第9期", "fiscal_year": "2024"}, follow=True)
    assert response.redirect_chain[0][1] == 302
    html = response.content.decode()
    assert MESSAGE_EMPTY_PERIOD in html
    assert "システム管理者に確認してください" not in html
