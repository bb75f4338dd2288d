"""The reporting cycle end to end in real Chromium (issue 14, Done when).

A manager returns an item with a comment; staff see the お知らせ count, open the notice, reply,
attach a PDF titled 「別紙7-13」 and resubmit; the manager approves and downloads the published
PDF from the dashboard, whose 参考資料 column lists the attachment's title.
"""

import os
import re
import shutil
import subprocess

import pytest
from playwright.sync_api import expect

from cycle.models import Attachment, Comment
from programs.models import Item
from tests.browser import demo_users, login

from . import samples

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
REASON = "研修の受講者名簿を別紙で添付してください。"
REPLY = "受講者名簿を別紙7-13として添付しました。"
TITLE = "別紙7-13"  # the item's stored reference is 別紙7-12: the new title must come from the file


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def _logout(page):
    page.get_by_role("button", name="ログアウト").click()


def _open_the_newest_notice(page, expected: str, unread_count: int = 1):
    """Read the header count, open the list (reading changes nothing) and open the newest notice.

    Opening is a POST that marks the item-year's notices read, so the count clears when all
    the unread ones are about that item-year.
    """
    expect(page.locator("#notice-count")).to_have_text(f"{unread_count}件の未読")
    page.get_by_role("link", name="お知らせ").click()
    unread = page.locator(".notice-unread")
    expect(unread).to_have_count(unread_count)
    expect(unread.first).to_contain_text(expected)
    expect(page.locator("#notice-count")).to_have_text(f"{unread_count}件の未読")  # a GET marks nothing read
    unread.first.get_by_role("button").click()
    expect(page.locator("#notice-count")).to_have_count(0)


def test_return_reply_attach_resubmit_approve_and_the_pdf_lists_the_attachment(
    page, live_server, tokyo_data, soffice, artifacts_dir, settings, monkeypatch, tmp_path
):
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is required (apt-get install poppler-utils)"
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    entry_url = f"{live_server.url}/entry/items/{item.id}/2022/"

    # Staff submit the year; the manager is told and returns it with a reason.
    login(page, live_server, "demo-staff-a")
    page.goto(entry_url)
    page.locator("#id_self_assessment").fill("講師養成研修を3コース実施し、150人が受講した。")
    page.get_by_label("講師養成研修の受講者数 実績（人）").fill("150")
    page.get_by_label("今後の課題・対応策").fill("受講者の少ない地域に周知する。")
    page.get_by_role("button", name="保存して提出").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")
    _logout(page)

    login(page, live_server, "demo-manager")
    _open_the_newest_notice(page, "提出されました")
    page.get_by_label("コメント（差戻しの場合は必須）").fill(REASON)
    page.get_by_role("button", name="差し戻す").click()
    expect(page.locator(".messages")).to_contain_text("差し戻しました")
    _logout(page)

    # Staff see the notice, reply in the thread and attach the file the manager asked for.
    login(page, live_server, "demo-staff-a")
    _open_the_newest_notice(page, "差し戻されました")
    expect(page.locator("#thread .thread-returned .thread-body")).to_have_text(REASON)
    page.get_by_label("コメントを書く").fill(REPLY)
    page.get_by_role("button", name="コメントする").click()
    expect(page.locator(".messages")).to_contain_text("コメントを書き込みました")
    page.get_by_role("link", name="別紙の一覧・登録").click()
    page.get_by_label("表題（必須）").fill(TITLE)
    pdf = tmp_path / "受講者名簿.pdf"
    pdf.write_bytes(samples.PDF)
    page.get_by_label("ファイル（必須）").set_input_files(str(pdf))
    page.get_by_role("button", name="登録する").click()
    expect(page.locator(".messages")).to_contain_text(f"別紙「{TITLE}」を登録しました。")
    expect(page.get_by_role("link", name=TITLE)).to_be_visible()

    page.goto(entry_url)
    expect(page.locator(".attachments-summary")).to_contain_text(TITLE)
    entries = page.locator("#thread .thread-entry")
    expect(entries).to_have_count(4)  # submitted, returned, the reply, the file: newest last
    expect(entries.nth(2)).to_contain_text(REPLY)
    expect(entries.nth(3)).to_contain_text(f"別紙「{TITLE}」（受講者名簿.pdf）を登録しました。")
    page.locator("#thread").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts_dir / "thread_with_attachment.png"), full_page=True)
    page.locator("#id_self_assessment").fill("講師養成研修を3コース実施し、150人が受講した（受講者名簿は別紙7-13）。")
    # The return is the reason (issue 20 item 4): resubmitting asks for no 変更理由.
    expect(page.get_by_label("変更理由（必須）")).to_have_count(0)
    page.get_by_role("button", name="保存して提出").click()
    expect(page.locator(".messages")).to_contain_text("提出しました")
    _logout(page)

    # The manager approves and downloads the published PDF from the dashboard.
    login(page, live_server, "demo-manager")
    # Told of the file as of the resubmission (issue 18 item 4): both notices are this item-year's.
    _open_the_newest_notice(page, "提出されました", unread_count=2)
    expect(page.locator("#thread .thread-entry").nth(2)).to_contain_text(REPLY)
    page.get_by_label("コメント（差戻しの場合は必須）").fill("別紙を確認しました。")
    page.get_by_role("button", name="承認する").click()
    page.get_by_role("button", name="この内容で承認する").click()  # issue 20 item 5: asked once
    expect(page.locator(".messages")).to_contain_text("承認しました")
    page.goto(f"{live_server.url}/dashboard/?plan=第8期")
    # The PDF is built by the worker (issue 18 item 7): the link opens its status page, which
    # offers the file once it is ready.
    page.get_by_role("link", name=re.compile(r"^PDF\s*（自己評価シート）$")).click()
    ready = page.get_by_role("link", name=re.compile(r"\.pdf をダウンロードする$"))
    expect(ready).to_be_visible(timeout=180_000)
    with page.expect_download(timeout=60_000) as download_info:
        ready.click()
    download = download_info.value
    assert re.fullmatch(r"自己評価シート_第8期_\d{8}\.pdf", download.suggested_filename)
    path = artifacts_dir / "sheet_with_attachment.pdf"
    download.save_as(path)
    text = subprocess.run([pdftotext, str(path), "-"], check=True, capture_output=True, text=True).stdout
    compact = "".join(text.split())  # the narrow 参考資料 column may wrap a title
    assert TITLE in compact
    assert "別紙7-12" in compact  # the stored reference stays

    assert list(Attachment.objects.filter(item=item, fiscal_year=2022).values_list("title", flat=True)) == [TITLE]
    kinds = list(Comment.objects.filter(item=item, fiscal_year=2022).values_list("kind", flat=True))
    assert kinds == ["submitted", "returned", "comment", "attached", "submitted", "approved"]
