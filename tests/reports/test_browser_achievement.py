"""The plan at a glance reflows at 320 px: the SVG scales with its box, nothing scrolls sideways (issue 20 item 8)."""

import os

import pytest

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_the_chart_fits_320_px_and_keeps_its_figures(page, live_server, tokyo_data, manager, artifacts_dir):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("manager")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    for plan in ("第8期", "第7期"):
        page.goto(f"{live_server.url}/dashboard/?plan={plan}")
        chart = page.get_by_role("img", name="取組分野・年度別の達成状況")
        box = chart.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 320, (plan, box)
        section = page.locator("section.achievement")
        assert section.evaluate("element => element.scrollWidth <= element.clientWidth"), plan
        # The year-over-year table scrolls inside its own focusable region, never the page.
        region = page.get_by_role("region", name="年度ごとの達成と前年度からの変化")
        assert region.get_attribute("tabindex") == "0"
        assert section.evaluate("element => element.getBoundingClientRect().right") <= 320
    page.goto(f"{live_server.url}/dashboard/?plan=第8期")
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.screenshot(path=str(artifacts_dir / "reports_dashboard_chart_320.png"), full_page=True)
