"""入力状況 for an empty period tells a manager it is empty, not to ask about 担当課 (issue 12 item 8)."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from accounts.roles import MANAGER, STAFF
from accounts.services import roles_ensure
from programs.forms import MESSAGE_EMPTY_PERIOD
from programs.models import Section

pytestmark = pytest.mark.django_db


def _client(client, role: str, sections=()):
    user = get_user_model().objects.create_user(f"user-{role}", password="pw-for-tests")
    user.groups.set([roles_ensure()[role]])
    for name in sections:
        Section.objects.get(name=name).members.add(user)
    client.force_login(user)
    return client


def _page(client, **params) -> str:
    response = client.get(reverse("evaluations:my_work"), params)
    assert response.status_code == 200
    return response.content.decode()


def test_a_manager_viewing_the_empty_period_is_told_it_has_no_items(client, tokyo_data):
    html = _page(_client(client, MANAGER), plan="第9期")
    assert f'<p class="empty-period" role="status">{MESSAGE_EMPTY_PERIOD}</p>' in html
    assert "担当課の設定はシステム管理者に確認してください" not in html


def test_staff_viewing_the_empty_period_are_told_the_same(client, tokyo_data):
    html = _page(_client(client, STAFF, sections=["在宅支援課"]), plan="第9期")
    assert MESSAGE_EMPTY_PERIOD in html
    assert "担当課の設定" not in html


def test_staff_without_items_of_their_own_in_a_filled_period_still_get_the_section_advice(client, tokyo_data):
    html = _page(_client(client, STAFF), plan="第8期")
    assert "担当課の設定はシステム管理者に確認してください" in html
    assert MESSAGE_EMPTY_PERIOD not in html


def test_the_plan_choice_opens_on_the_latest_period_with_items_and_lists_the_empty_one_last(client, tokyo_data):
    html = _page(_client(client, MANAGER))
    assert "入力状況　第8期　令和5年度" in html  # the round due next (issue 20 item 2; was 令和4年度)
    select = html.split('name="plan"')[1].split("</select>")[0]
    assert select.index("第8期") < select.index("第7期") < select.index("第9期（令和6年度～令和8年度）（事項なし）")
