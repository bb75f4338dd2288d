"""Issue 19 item 3 in real Chromium: a sheet in another prefecture's columns is mapped once, then recognised.

A fresh installation (migrate only): the administrator uploads the workbook typed from seed 000 in
other columns under other headings, sees its header rows, maps the columns with the keyboard on a
320 px screen, names the layout, imports; a second workbook of the same layout goes straight to the
preview. No JavaScript is needed: the page is driven with it switched off.
"""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from programs.models import Item, PlanPeriod, Section, SheetLayout
from programs.shipped_layouts import LAYOUTS
from tests.browser import PASSWORD, login

from .mapped_workbooks import ITEM_1, MAPPING, other_layout_workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _upload(page, live_server, path, plan: str):
    page.goto(f"{live_server.url}/sheets/plan-import/")
    page.get_by_label("自己評価シート（.xlsx）").set_input_files(str(path))
    page.get_by_label("作成する計画期間の名称").fill(plan)
    page.get_by_role("button", name="内容を確認する").click()


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_an_unknown_layout_is_mapped_in_the_browser_and_the_next_workbook_is_recognised(
    browser, browser_context_args, live_server, tmp_path, artifacts_dir
):
    context = browser.new_context(
        **{**browser_context_args, "viewport": {"width": 320, "height": 640}, "java_script_enabled": False}
    )
    page = context.new_page()
    get_user_model().objects.create_user("admin", password=PASSWORD, is_superuser=True)
    Section.objects.create(name="在宅支援課")
    first, second = tmp_path / "評価シート.xlsx", tmp_path / "評価シート（翌年）.xlsx"
    first.write_bytes(other_layout_workbook())
    second.write_bytes(other_layout_workbook(second_area=True))
    login(page, live_server, "admin")

    _upload(page, live_server, first, "第8期")
    expect(page).to_have_url(f"{live_server.url}/sheets/plan-import/map/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("シートの列の対応づけ")
    header = page.get_by_role("table", name="アップロードしたシートの見出しの行")
    expect(header).to_contain_text("取組項目")
    expect(header).to_contain_text("令和３年度")
    assert _fits(page), "the mapping page scrolls sideways at 320 px"
    page.screenshot(path=str(artifacts_dir / "layout-mapping-320.png"), full_page=True)

    # The keyboard alone: Tab from the name field through every column's select, in the sheet's order.
    page.get_by_label("様式の名称").focus()
    page.keyboard.type("〇〇県様式")
    for number in range(1, 12):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name")
        assert focused == f"column_{number}"
        page.select_option(f"[name=column_{number}]", MAPPING[focused])
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="様式を登録して取込を続ける")).to_be_focused()
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", level=1)).to_contain_text("自己評価シートから計画を作成（確認）")
    expect(page.get_by_text("様式「〇〇県様式」を登録しました")).to_be_visible()
    expect(page.get_by_text(ITEM_1[:20]).first).to_be_visible()
    page.get_by_label("担当課（取り込む事項すべての既定）").select_option(label="在宅支援課")
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > innerWidth + 1)"
        ".map(e => e.tagName + ' ' + e.textContent.slice(0, 20)).slice(0, 10)"
    )
    assert _fits(page), f"the preview scrolls sideways at 320 px: {wide}"
    page.get_by_role("button", name="この内容で作成する").click()
    expect(
        page.get_by_text(re.compile("^第8期（令和3年度～令和5年度）を自己評価シートから作成しました"))
    ).to_be_visible()
    plan = PlanPeriod.objects.get(name="第8期")
    assert plan.layout.name == "〇〇県様式"
    assert Item.objects.filter(area__plan=plan, section__name="在宅支援課").count() == 2

    # The same headings next time: straight to the preview, no mapping step.
    _upload(page, live_server, second, "第9期")
    expect(page).to_have_url(f"{live_server.url}/sheets/plan-import/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("自己評価シートから計画を作成（確認）")
    # Its years are 第8期's: the overlap is confirmed on the page, the file kept (issue 19 item 6).
    expect(page.get_by_role("heading", name="年度が重なる計画期間があります")).to_be_visible()
    page.locator("#id_confirm_overlap").check()
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.get_by_text("様式: 〇〇県様式")).to_be_visible()
    page.get_by_label("担当課（取り込む事項すべての既定）").select_option(label="在宅支援課")
    page.get_by_role("button", name="この内容で作成する").click()
    expect(page.get_by_text(re.compile("^第9期.*を自己評価シートから作成しました"))).to_be_visible()
    assert Item.objects.filter(area__plan__name="第9期").count() == 3
    assert SheetLayout.objects.filter(name="〇〇県様式").count() == 1 and SheetLayout.objects.count() == 1 + len(
        LAYOUTS
    )
    context.close()


def test_axe_finds_nothing_on_the_mapping_screen_its_errors_and_the_owners(
    browser, browser_context_args, live_server, tmp_path
):
    from tests.test_browser_accessibility import _axe

    context = browser.new_context(**{**browser_context_args, "bypass_csp": True})
    page = context.new_page()
    get_user_model().objects.create_user("admin", password=PASSWORD, is_superuser=True)
    Section.objects.create(name="在宅支援課")
    path = tmp_path / "評価シート.xlsx"
    path.write_bytes(other_layout_workbook())
    login(page, live_server, "admin")
    _upload(page, live_server, path, "第8期")
    assert _axe(page) == []
    page.get_by_role("button", name="様式を登録して取込を続ける").click()  # no name yet: refused
    expect(page.get_by_role("alert").first).to_be_visible()
    assert _axe(page) == []
    page.get_by_label("様式の名称").fill("〇〇県様式")
    page.get_by_role("button", name="様式を登録して取込を続ける").click()
    page.get_by_text("分野・事項ごとに担当課を選ぶ").click()
    assert _axe(page) == []
    context.close()
