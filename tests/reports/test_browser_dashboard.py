"""A manager logs in and reads 第8期 › 7 › 事項1 at 94.1 % on the dashboard, in a real Chromium."""

import os

import pytest

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_manager_sees_area_7_item_1_at_94_1_percent_and_who_is_late(
    page, live_server, tokyo_data, manager, artifacts_dir
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("manager")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    card = page.get_by_role("region", name="7 地域ケア会議の推進")
    row = card.get_by_role("row", name="講師養成研修の受講者数")
    assert row.get_by_role("cell").nth(1).inner_text() == "144人\n令和3年度"
    assert row.get_by_role("cell").nth(2).inner_text() == "94.1%"
    assert row.get_by_role("cell").nth(3).inner_text() == "概ね達成"
    assert row.is_visible()
    box = row.bounding_box()
    assert box["y"] + box["height"] <= 768, "the figure must show without scrolling at 1366×768"

    entry = page.get_by_role("region", name="令和4年度の入力状況")
    assert "在宅支援課" in entry.inner_text()
    page.screenshot(path=str(artifacts_dir / "reports_dashboard_8th_plan.png"))

    page.get_by_role("link", name="第7期（平成30年度～令和2年度）").click()
    page.get_by_label("状況", exact=True).select_option(label="未達成")
    page.get_by_role("button", name="表示").click()
    assert "status=not_achieved" in page.url
    assert page.get_by_label("状況", exact=True).input_value() == "not_achieved"
    assert page.get_by_role("region", name="2（1）地域ケア会議").get_by_text("88.8%").first.is_visible()
    page.screenshot(path=str(artifacts_dir / "reports_dashboard_7th_plan_behind.png"), full_page=True)
