"""The issue's journey in real Chromium: an administrator rolls 第8期 over, staff enter the new period."""

import os

import pytest
from playwright.sync_api import expect

from programs.models import Indicator, Item, Target
from tests.browser import demo_users, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_admin_rolls_8_over_changes_a_target_ends_an_item_staff_enter_the_new_period(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    trainees = Indicator.objects.get(item__area__plan__name="第8期", key="trainees")
    meetings_item = Item.objects.get(area__plan__name="第8期", area__number=7, number=2)

    login(page, live_server, "demo-admin")
    page.get_by_role("link", name="次期計画の作成").click()
    page.get_by_label("作成元の計画期間").select_option("第8期")
    page.get_by_label("新しい計画期間の名称").fill("第9期")
    page.get_by_label("期", exact=True).fill("9")
    page.get_by_label("開始年度").select_option(label="令和6年度")  # 和暦, as everywhere (issue 20 item 6)
    page.get_by_label("終了年度").select_option(label="令和8年度")
    page.get_by_role("button", name="内容を確認する").click()
    expect(page.locator("h1")).to_contain_text("第8期 → 第9期")

    page.get_by_label("講師養成研修の受講者数の扱い").select_option("change")
    page.get_by_label("講師養成研修の受講者数の変更後の目標の文言").fill("160人（各年度）")
    page.locator(f"#choice-item-{meetings_item.id}").select_option("end")
    page.get_by_role("button", name="確認を更新").click()
    expect(page.get_by_text("期間の目標「160人（各年度）」（各年度、変更後の文言）")).to_be_visible()
    assert Item.objects.filter(area__plan__name="第9期").count() == 0  # nothing written before confirm
    page.screenshot(path=str(artifacts_dir / "rollover_preview.png"), full_page=True)
    page.get_by_role("button", name="この内容で作成する").click()
    expect(page.locator(".messages")).to_contain_text("第9期（令和6年度～令和8年度）を第8期から作成しました")
    new_items = Item.objects.filter(area__plan__name="第9期")
    assert new_items.count() == 1
    target = Target.objects.get(indicator__item__in=new_items, indicator__key="trainees")
    assert (target.value, target.target_text) == (160, "160人（各年度）")
    assert trainees.targets.get().value == 153  # the old period keeps its target
    page.get_by_role("button", name="ログアウト").click()

    login(page, live_server, "demo-staff-a")
    page.goto(f"{live_server.url}/entry/?plan=第9期&fiscal_year=2024")
    expect(page.locator("h1")).to_contain_text("第9期")
    page.get_by_role("link", name="7 地域ケア会議の推進 事項1を入力する").click()
    page.get_by_label("講師養成研修の受講者数 実績（人）").fill("150")
    page.get_by_role("button", name="保存（下書き）").click()
    expect(page.locator(".messages")).to_contain_text("令和6年度の入力内容を保存しました")
    new_trainees = Indicator.objects.get(item__in=new_items, key="trainees")
    assert page.locator(f"#rate-{new_trainees.id}").inner_text() == "93.8%"
    page.screenshot(path=str(artifacts_dir / "rollover_staff_entry.png"), full_page=True)
