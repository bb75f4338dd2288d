"""An administrator previews and sends reminders in real Chromium; the mails arrive (locmem backend)."""

import datetime
import os

import pytest
from django.core import mail
from django.core.management import call_command
from playwright.sync_api import expect

from cycle.models import OutgoingMail
from tests.browser import demo_users, login
from tests.test_browser_accessibility import _axe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
TODAY = datetime.date(2026, 12, 7)  # make run's data is 令和8年度: 第9期 in progress, two years overdue


@pytest.fixture
def browser_context_args(browser_context_args):
    return {**browser_context_args, "bypass_csp": True}  # axe-core is injected as a script


def test_an_administrator_previews_and_sends_reminders_once_and_sees_the_results(
    page, live_server, tokyo_data, settings, monkeypatch
):
    call_command("rollover_plan", "--from", "第8期", "--to", "第9期", "--skip-if-filled", verbosity=0)
    demo_users(settings, monkeypatch)
    monkeypatch.setattr("cycle.views.today_in_tokyo", lambda: TODAY)

    login(page, live_server, "demo-admin")
    page.get_by_role("link", name="督促メール").click()
    expect(page.locator("h1")).to_have_text("督促メール")
    expect(page.locator("#default-heading + p")).to_contain_text("期限の14日前・3日前・当日、期限後は7日ごと")
    preview = page.locator(".reminder-preview").first
    expect(preview).to_contain_text("デモ 担当者A")
    expect(preview).to_contain_text("在宅支援課: 未提出 2件")
    preview.locator("summary").first.click()  # the mail itself, as it will be sent
    expect(preview.locator(".mail-body").first).to_contain_text("第9期 令和6年度の実績・自己評価の入力期限は")
    assert mail.outbox == []  # previewing sends nothing

    # axe-core finds nothing at 1280 or 320 px, and at 320 px nothing scrolls sideways (mail bodies included).
    assert _axe(page) == []
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert _axe(page) == []
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_role("button", name="4件の督促メールを今すぐ送信する").dblclick()  # an impatient double click
    expect(page.locator(".messages")).to_contain_text("督促メール 4件を送信処理に渡しました")
    assert sorted(message.to[0] for message in mail.outbox) == [
        "demo-manager@example.com",
        "demo-manager@example.com",
        "demo-staff-a@example.com",
        "demo-staff-a@example.com",
    ]
    staff_mail = next(message for message in mail.outbox if message.to == ["demo-staff-a@example.com"])
    assert staff_mail.subject.startswith("【督促】第9期 令和6年度の実績・自己評価")
    expect(page.locator(".mail-log li")).to_have_count(4)
    expect(page.locator(".mail-log li").first).to_contain_text("送信済み")
    expect(page.locator(".mail-log li").first).to_contain_text("デモ システム管理者")
    expect(page.get_by_text("この段階の督促はすべて送信済みです。").first).to_be_visible()
    assert OutgoingMail.objects.filter(status=OutgoingMail.Status.SENT).count() == 4
    assert _axe(page) == []  # with the messages and the results listed
