"""The journey from the issue, in real Chromium: staff enters 150, sees 98.0 %, submits; the manager approves."""

import os

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from programs.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "kaigo-demo-2026"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def test_staff_enters_submits_manager_approves_form_becomes_read_only(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    settings.DEBUG = True  # demo accounts are a development-mode feature
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("create_demo_users", verbosity=0)
    settings.DEBUG = False
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)

    _login(page, live_server, "demo-staff-a")
    page.get_by_role("link", name="入力状況").click()
    page.get_by_role("link", name="7 地域ケア会議の推進 事項1を入力する").click()
    assert "第8期 › 7 › 事項1　令和4年度" in page.locator("h1").inner_text()
    field = page.get_by_label("講師養成研修の受講者数 実績（人）")
    trainees = item.indicators.get(key="trainees")
    assert page.locator(f"#rate-{trainees.id}").inner_text() == "－"
    field.fill("１５０")
    # Live, before saving: the server measures the typed value by the same rule.
    expect(page.locator(f"#rate-{trainees.id}")).to_have_text("98.0%")
    expect(page.locator(f"#status-{trainees.id}")).to_have_text("概ね達成（未保存）")
    page.get_by_label("取組の実施内容・実績").fill("講師養成研修を3コース実施し、150人が受講した。")
    # Submitting needs every narrative the screen shows (issue 12 item 3).
    page.locator("#id_self_assessment").fill("概ね目標を達成した。")
    page.get_by_label("今後の課題・対応策").fill("受講者の少ない地域に周知する。")
    page.get_by_role("button", name="保存（下書き）").click()
    assert "令和4年度の入力内容を保存しました" in page.locator(".messages").inner_text()
    assert page.locator(f"#rate-{trainees.id}").inner_text() == "98.0%"
    page.screenshot(path=str(artifacts_dir / "entry_staff_fy2022.png"), full_page=True)
    page.get_by_role("button", name="保存して提出").click()
    assert "提出しました" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="ログアウト").click()

    _login(page, live_server, "demo-manager")
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    page.get_by_role("button", name="承認する").click()
    assert "承認しました" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="ログアウト").click()

    _login(page, live_server, "demo-staff-a")
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    assert "承認済みのため変更できません" in page.locator(".denied").inner_text()
    assert page.get_by_label("講師養成研修の受講者数 実績（人）").count() == 0
    assert page.get_by_role("button", name="保存（下書き）").count() == 0
    page.screenshot(path=str(artifacts_dir / "entry_staff_fy2022_approved.png"), full_page=True)
