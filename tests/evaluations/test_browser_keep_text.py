"""Issue 20 item 4 in real Chromium: the session runs out mid-entry and nothing typed is lost."""

import os

import pytest
from django.contrib.sessions.models import Session
from playwright.sync_api import expect

from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Item
from tests.browser import demo_users, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FIELD = "講師養成研修の受講者数 実績（人）"
LONG_TEXT = ("講師養成研修を3コース実施し、地域ケア会議の運営に関わる職員が受講した。" * 10)[:300]


def _saved(item):
    records = SelfEvaluation.objects.filter(item=item, fiscal_year=2022).values_list("version", "self_assessment")
    results = YearlyResult.objects.filter(indicator__item=item, fiscal_year=2022).values_list("indicator", "value")
    return list(records), sorted(results)


def _open_entry(page, live_server, item):
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    page.wait_for_load_state()  # the scripts are deferred: typing before they run would go unseen


def test_text_typed_when_the_session_ran_out_comes_back_after_logging_in(
    page, live_server, tokyo_data, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    login(page, live_server, "demo-staff-a")
    _open_entry(page, live_server, item)
    page.get_by_label(FIELD).fill("150")
    page.locator("#id_self_assessment").fill(LONG_TEXT)
    before = _saved(item)

    Session.objects.all().delete()  # the idle limit ends the session while the user writes
    page.get_by_role("button", name="保存（下書き）").click()

    # The login page says why it is shown; nothing was written.
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    assert "一定時間操作がなかったため、ログアウトしました" in page.locator("main").inner_text()
    assert _saved(item) == before

    page.get_by_label("ユーザー名").fill("demo-staff-a")
    page.get_by_label("パスワード").fill("kaigo-demo-2026")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    # Back on the entry screen (the login's next), the saved (empty) form and the offer.
    assert page.get_by_label(FIELD).input_value() == ""
    offer = page.get_by_role("region", name="保存されていない入力があります。復元しますか？")
    expect(offer).to_be_visible()
    page.get_by_role("button", name="復元する").click()
    assert page.get_by_label(FIELD).input_value() == "150"
    assert page.locator("#id_self_assessment").input_value() == LONG_TEXT
    expect(offer).to_be_hidden()

    page.get_by_role("button", name="保存（下書き）").click()
    assert "令和4年度の入力内容を保存しました" in page.locator(".messages").inner_text()
    record = SelfEvaluation.objects.get(item=item, fiscal_year=2022)
    assert record.self_assessment == LONG_TEXT
    # Saved: the kept copy is gone, so coming back offers nothing.
    _open_entry(page, live_server, item)
    expect(page.locator("#draft-offer")).to_be_hidden()
    assert page.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('entry-draft')).length") == 0


def test_leaving_for_another_page_and_coming_back_offers_the_unsaved_edit(
    page, live_server, tokyo_data, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    login(page, live_server, "demo-staff-a")
    _open_entry(page, live_server, item)
    page.locator("#id_self_assessment").fill("書きかけの自己評価")
    asked = []

    def answer(dialog):
        asked.append(dialog.type)
        dialog.accept()  # 「このサイトを離れますか？」: leave

    page.on("dialog", answer)
    page.get_by_role("link", name="別紙の一覧・登録").click()
    expect(page.get_by_role("button", name="登録する")).to_be_visible()
    assert asked == ["beforeunload"]
    _open_entry(page, live_server, item)
    expect(page.locator("#draft-offer")).to_be_visible()
    page.get_by_role("button", name="破棄する").click()
    assert page.locator("#id_self_assessment").input_value() == ""
    _open_entry(page, live_server, item)
    expect(page.locator("#draft-offer")).to_be_hidden()


def test_the_screen_warns_before_the_idle_limit_and_extends_the_session(
    page, live_server, tokyo_data, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    login(page, live_server, "demo-staff-a")
    settings.SESSION_COOKIE_AGE = 15  # the warning comes 5 s before the end (a third of the limit)
    _open_entry(page, live_server, item)
    page.locator("#id_self_assessment").fill("書きかけ")
    dialog = page.get_by_role("dialog", name="まもなくログインの有効期限が切れます")
    expect(dialog).to_be_visible(timeout=14_000)
    before = Session.objects.get().expire_date
    dialog.get_by_role("button", name="延長する").click()
    expect(dialog).to_be_hidden()
    assert Session.objects.get().expire_date > before
    # Still logged in: saving works and keeps the text.
    page.get_by_role("button", name="保存（下書き）").click()
    assert "保存しました" in page.locator(".messages").inner_text()


def test_when_the_session_has_ended_the_dialog_says_so_and_leads_to_the_login(
    page, live_server, tokyo_data, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    login(page, live_server, "demo-staff-a")
    settings.SESSION_COOKIE_AGE = 15
    _open_entry(page, live_server, item)
    page.locator("#id_self_assessment").fill("書きかけ")
    dialog = page.get_by_role("dialog", name="まもなくログインの有効期限が切れます")
    expect(dialog).to_be_visible(timeout=14_000)
    Session.objects.all().delete()  # ended meanwhile (an administrator, or the limit on another tab)
    dialog.get_by_role("button", name="延長する").click()
    ended = page.get_by_role("dialog", name="ログインの有効期限が切れました")
    expect(ended).to_be_visible()
    assert not Session.objects.exists()  # 延長 did not revive it
    ended.get_by_role("link", name="ログイン画面へ").click()
    assert "一定時間操作がなかったため、ログアウトしました" in page.locator("main").inner_text()
    settings.SESSION_COOKIE_AGE = 1800
    page.get_by_label("ユーザー名").fill("demo-staff-a")
    page.get_by_label("パスワード").fill("kaigo-demo-2026")
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_load_state()
    page.get_by_role("button", name="復元する").click()
    assert page.locator("#id_self_assessment").input_value() == "書きかけ"
