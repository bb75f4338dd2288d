"""A newcomer's first look, in a real Chromium: the demo admin finds 第8期 › 7 › 事項1 at 94.1 %."""

import os

import pytest
from django.contrib.auth import get_user_model

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_demo_admin_sees_the_eighth_plan_area_7_item_1_at_94_1_percent(page, live_server, tokyo_data, artifacts_dir):
    get_user_model().objects.create_superuser("demo-admin", password="kaigo-demo-2026")

    page.goto(f"{live_server.url}/admin/")
    page.get_by_label("ユーザー名").fill("demo-admin")
    page.get_by_label("パスワード").fill("kaigo-demo-2026")
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("link", name="実績", exact=True).click()

    page.get_by_role("link", name="第8期 7 地域ケア会議の推進").first.click()
    page.get_by_role("link", name="令和3年度", exact=True).click()
    row = page.locator("#result_list tr", has_text="講師養成研修の受講者数")
    assert row.locator("td.field-actual").inner_text() == "144人"
    assert row.locator("td.field-target").inner_text() == "153人"
    assert row.locator("td.field-achievement_rate").inner_text() == "94.1%"
    assert row.locator("td.field-status").inner_text() == "概ね達成"
    page.screenshot(path=str(artifacts_dir / "admin_results_8th_plan_fy2021.png"), full_page=True)
