"""A new administrator sets 第7期 up from Tokyo's sheet as typed, in a browser, in a fresh installation (issue 19)."""

import os
import time

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

from programs.models import Item, PlanPeriod
from programs.shipped_layouts import shipped_layouts_install

from ..test_browser_accessibility import _axe
from . import official_workbooks as official

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "first-admin-pw-2026"


@pytest.fixture
def page(browser, browser_context_args, live_server):
    shipped_layouts_install(apps)  # what migrate installs; an earlier transactional test's flush removed it
    get_user_model().objects.create_superuser("first-admin", password=PASSWORD)
    context = browser.new_context(**{**browser_context_args, "bypass_csp": True})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("first-admin")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(f"{live_server.url}/")
    yield page
    context.close()


def _choose(page, live_server, path, plan_name: str) -> None:
    page.goto(f"{live_server.url}{reverse('sheets:plan_sheet_upload')}")
    page.get_by_label("作成する計画期間の名称").fill(plan_name)
    page.get_by_label("自己評価シート（.xlsx）").set_input_files(str(path))
    with page.expect_navigation():
        page.get_by_role("button", name="内容を確認する").click()


def test_the_typed_seventh_sheet_becomes_a_plan_through_the_pages(page, live_server, tmp_path):
    assert not PlanPeriod.objects.exists()  # migrate only
    path = tmp_path / "第7期_自己評価シート.xlsx"
    path.write_bytes(official.seventh_per_page())
    started = time.monotonic()
    _choose(page, live_server, path, "第7期")
    assert page.get_by_text("読み取ったシート（9枚）").is_visible()
    assert _axe(page) == []
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で作成する").click()
    elapsed = time.monotonic() - started
    assert Item.objects.filter(area__plan__name="第7期").count() == 20
    print(f"第7期 from the typed workbook through the pages: {elapsed:.1f} s")


def test_a_refused_name_is_corrected_on_the_page_without_choosing_the_file_again(page, live_server, tmp_path):
    path = tmp_path / "取組分野７.xlsx"
    path.write_bytes(official.eighth_area_7())
    # Typed before any file is chosen: the name is answered at once.
    page.goto(f"{live_server.url}{reverse('sheets:plan_sheet_upload')}")
    page.get_by_label("作成する計画期間の名称").fill("第８期\u200b")
    page.get_by_label("最初の年度（西暦・任意）").focus()
    page.locator("#plan-name-check").get_by_text("見えない文字").wait_for()
    assert _axe(page) == []
    _choose(page, live_server, path, "第８期\u200b")  # an invisible character: refused at the name field
    assert page.get_by_text("選び直す必要はありません").first.is_visible()
    assert _axe(page) == []
    page.get_by_label("作成する計画期間の名称").fill("第8期")
    with page.expect_navigation():
        page.get_by_role("button", name="内容を確認する").click()
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で作成する").click()
    assert Item.objects.filter(area__plan__name="第8期").count() == 2
    # The same sheet again as a trial period: its years overlap 第8期's, a warning confirmed on the page.
    _choose(page, live_server, path, "第8期（取込検証）")
    assert page.get_by_text("年度が重なる計画期間があります").is_visible()
    assert _axe(page) == []
    page.get_by_label("既存の計画期間と年度が重なることを確認しました（このまま作成します）").check()
    with page.expect_navigation():
        page.get_by_role("button", name="内容を確認する").click()
    with page.expect_navigation():
        page.get_by_role("button", name="この内容で作成する").click()
    assert Item.objects.filter(area__plan__name="第8期（取込検証）").count() == 2
