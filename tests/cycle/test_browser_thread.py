"""The conversation journey in real Chromium: a return with a reason, a notice, a reply, a resubmission, approval."""

import os
import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cycle.models import Comment
from programs.models import Item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
PASSWORD = "kaigo-demo-2026"
REASON = "受講者数の内訳（総論編・実践編）を記入してください。"
REPLY = "内訳を追記しました。ご確認をお願いします。"


def _login(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()


def _logout(page):
    page.get_by_role("button", name="ログアウト").click()


def _open_the_only_notice(page, expected: str):
    """Read the header count, open the list (reading changes nothing) and open the notice (a POST that clears it)."""
    expect(page.locator("#notice-count")).to_have_text("1件の未読")
    page.get_by_role("link", name="お知らせ").click()
    unread = page.locator(".notice-unread")  # older notices stay listed, marked read
    expect(unread).to_have_count(1)
    expect(unread).to_contain_text(expected)
    expect(page.locator(".notice-entry").first).to_have_class(re.compile(r"\bnotice-unread\b"))  # newest first
    expect(page.locator("#notice-count")).to_have_text("1件の未読")  # a GET marks nothing read
    unread.get_by_role("button").click()
    expect(page.locator("#notice-count")).to_have_count(0)


def test_manager_returns_with_a_reason_staff_reply_and_resubmit_manager_approves(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    settings.DEBUG = True  # demo accounts are a development-mode feature
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("create_demo_users", verbosity=0)
    settings.DEBUG = False
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    entry_url = f"{live_server.url}/entry/items/{item.id}/2022/"

    _login(page, live_server, "demo-staff-a")
    page.goto(entry_url)
    # The 第8期 sheet has no 取組の実施内容 per year: the screen asks for the ＜自己評価＞ part of the cell.
    page.locator("#id_self_assessment").fill("講師養成研修を3コース実施し、150人が受講した。")
    # Submitting needs the targeted figure and every narrative the screen shows (issue 12 item 3).
    page.get_by_label("講師養成研修の受講者数 実績（人）").fill("150")
    page.get_by_label("今後の課題・対応策").fill("受講者の少ない地域に周知する。")
    page.get_by_role("button", name="保存して提出").click()
    assert "提出しました" in page.locator(".messages").inner_text()
    _logout(page)

    _login(page, live_server, "demo-manager")
    _open_the_only_notice(page, "提出されました")
    assert "事項1" in page.locator("h1").inner_text()
    page.get_by_label("コメント（差戻しの場合は必須）").fill(REASON)
    page.get_by_role("button", name="差し戻す").click()
    assert "差し戻しました" in page.locator(".messages").inner_text()
    thread = page.locator("#thread")
    expect(thread.locator(".thread-returned")).to_contain_text(REASON)
    expect(thread.locator(".thread-returned")).to_contain_text("（管理職）")
    _logout(page)

    _login(page, live_server, "demo-staff-a")
    _open_the_only_notice(page, "差し戻されました")
    expect(page.locator(".thread-returned .thread-body")).to_have_text(REASON)
    page.get_by_label("コメントを書く").fill(REPLY)
    page.get_by_role("button", name="コメントする").click()
    assert "コメントを書き込みました" in page.locator(".messages").inner_text()
    entries = page.locator("#thread .thread-entry")
    expect(entries).to_have_count(3)  # newest last: submitted, returned, the reply
    expect(entries.nth(2)).to_contain_text(REPLY)
    expect(entries.nth(2)).to_contain_text("デモ 担当者A（担当者）")
    expect(entries.nth(2).locator("time")).to_contain_text("令和")
    page.screenshot(path=str(artifacts_dir / "thread_staff_reply.png"), full_page=True)
    page.locator("#id_self_assessment").fill("講師養成研修を3コース実施し、150人が受講した（総論編90人、実践編60人）。")
    # The return is the reason (issue 20 item 4): resubmitting asks for no 変更理由.
    expect(page.get_by_label("変更理由（必須）")).to_have_count(0)
    page.get_by_role("button", name="保存して提出").click()
    assert "提出しました" in page.locator(".messages").inner_text()
    _logout(page)

    _login(page, live_server, "demo-manager")
    _open_the_only_notice(page, "提出されました")
    expect(page.locator("#thread .thread-entry").nth(2)).to_contain_text(REPLY)
    page.get_by_label("コメント（差戻しの場合は必須）").fill("内訳を確認しました。")
    page.get_by_role("button", name="承認する").click()
    page.get_by_role("button", name="この内容で承認する").click()  # issue 20 item 5: asked once
    assert "承認しました" in page.locator(".messages").inner_text()
    expect(page.locator("#thread .thread-approved")).to_contain_text("内訳を確認しました。")
    page.screenshot(path=str(artifacts_dir / "thread_manager_approved.png"), full_page=True)
    _logout(page)

    _login(page, live_server, "demo-staff-a")
    _open_the_only_notice(page, "承認されました")
    kinds = list(Comment.objects.filter(item=item, fiscal_year=2022).values_list("kind", flat=True))
    assert kinds == ["submitted", "returned", "comment", "submitted", "approved"]
