"""The admin's permission lists (roles and users) read in Japanese, not 「Can add log entry」."""

import re

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.admin import permission_label
from accounts.roles import STAFF
from accounts.services import roles_ensure

pytestmark = pytest.mark.django_db


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="\d+"[^>]*>([^<]+)</option>', html)


def test_the_group_form_lists_every_permission_in_japanese(admin_client):
    roles_ensure()
    group = Group.objects.get(name=STAFF)
    response = admin_client.get(reverse("admin:auth_group_change", args=[group.id]))
    options = _options(response.content.decode())
    assert len(options) == Permission.objects.count()
    assert "管理 | ログエントリー | 追加" in options
    assert "報告サイクル（督促・別紙・やり取り） | 督促予定（既定） | 変更" in options
    assert not [option for option in options if "Can " in option]


def test_the_user_form_lists_them_in_japanese_too(admin_client, django_user_model):
    user = django_user_model.objects.create_user(username="someone")
    html = admin_client.get(reverse("admin:auth_user_change", args=[user.id])).content.decode()
    assert "Can add" not in html and "ログエントリー | 閲覧" in html


def test_a_custom_permission_keeps_its_own_name():
    permission = Permission.objects.filter(codename__startswith="view_").select_related("content_type").first()
    custom = Permission(codename="export_sheet", name="シートを書き出す", content_type=permission.content_type)
    assert permission_label(custom).endswith("| シートを書き出す")
