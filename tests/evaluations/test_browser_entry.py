"""The journey from the issue, in real Chromium: staff enters 150, sees 98.0 %, submits; the manager approves."""

import os

import pytest
from playwright.sync_api import expect

from programs.models import Item
from tests.browser import demo_users, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_staff_enters_submits_manager_approves_form_becomes_read_only(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)

    login(page, live_server, "demo-staff-a")
    page.get_by_role("link", name="入力状況").click()
    # 入力状況 opens on the round due next (令和5年度, issue 20 item 2); this journey enters 令和4年度.
    page.get_by_label("年度", exact=True).select_option("2022")
    page.get_by_role("button", name="表示").click()
    page.get_by_role("link", name="7 地域ケア会議の推進 事項1を入力する").click()
    page.wait_for_load_state()  # entry.js is deferred: typing before it runs would go unseen
    assert "第8期 › 7 › 事項1　令和4年度" in page.locator("h1").inner_text()
    field = page.get_by_label("講師養成研修の受講者数 実績（人）")
    trainees = item.indicators.get(key="trainees")
    assert page.locator(f"#rate-{trainees.id}").inner_text() == "－"
    field.fill("１５０")
    # Live, before saving: the server measures the typed value by the same rule.
    # The preview is a request to a live server on a shared 2-core machine: allow it time.
    expect(page.locator(f"#rate-{trainees.id}")).to_have_text("98.0%", timeout=20_000)
    expect(page.locator(f"#status-{trainees.id}")).to_have_text("概ね達成（未保存）")
    # The 第8期 sheet has no 取組の実施内容 per year: the screen asks for the ＜自己評価＞ part of the cell.
    assert page.get_by_label("取組の実施内容・実績").count() == 0
    page.locator("#id_self_assessment").fill("講師養成研修を3コース実施し、150人が受講した。")
    # Submitting needs every narrative the screen shows (issue 12 item 3).
    page.get_by_label("今後の課題・対応策").fill("受講者の少ない地域に周知する。")
    page.get_by_role("button", name="保存（下書き）").click()
    assert "令和4年度の入力内容を保存しました" in page.locator(".messages").inner_text()
    assert page.locator(f"#rate-{trainees.id}").inner_text() == "98.0%"
    page.screenshot(path=str(artifacts_dir / "entry_staff_fy2022.png"), full_page=True)
    page.get_by_role("button", name="保存して提出").click()
    assert "提出しました" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="ログアウト").click()

    login(page, live_server, "demo-manager")
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    page.get_by_role("button", name="承認する").click()
    # Issue 20 item 5: approving asks once, showing the figures.
    expect(page.locator("main")).to_contain_text("150人")
    page.get_by_role("button", name="この内容で承認する").click()
    assert "承認しました" in page.locator(".messages").inner_text()
    page.get_by_role("button", name="ログアウト").click()

    login(page, live_server, "demo-staff-a")
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    assert "承認済みのため変更できません" in page.locator(".denied").inner_text()
    assert page.get_by_label("講師養成研修の受講者数 実績（人）").count() == 0
    assert page.get_by_role("button", name="保存（下書き）").count() == 0
    page.screenshot(path=str(artifacts_dir / "entry_staff_fy2022_approved.png"), full_page=True)


def test_a_failed_save_focuses_the_error_summary_whose_links_lead_to_the_fields(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    """Issue 12 item 4: errors announced, tied to their fields; the live display speaks one sentence per row."""
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    trainees = item.indicators.get(key="trainees")
    login(page, live_server, "demo-staff-a")
    page.goto(f"{live_server.url}/entry/items/{item.id}/2022/")
    field = page.locator(f"#id_value_{trainees.id}")

    # The live display: one polite sentence per row, the badge's class with its words.
    field.fill("150")
    expect(page.locator(f"#live-{trainees.id}")).to_have_text("達成率 98.0%、概ね達成（未保存）", timeout=20_000)
    assert page.locator(f"#live-{trainees.id}").get_attribute("aria-live") == "polite"
    expect(page.locator(f"#status-{trainees.id}")).to_have_class("status status-mostly_achieved")
    field.fill("abc")
    expect(page.locator(f"#hint-{trainees.id}")).to_contain_text("数値として読み取れません", timeout=20_000)
    expect(page.locator(f"#rate-{trainees.id}")).to_have_text("－")
    field.fill("99999999999")
    expect(page.locator(f"#rate-{trainees.id}")).to_have_text("9,999.9%超", timeout=20_000)

    # A failed save: the summary takes focus and lists each error as a link to its field.
    field.fill("1.123456")
    page.locator("#id_self_assessment").fill("途中まで")
    page.get_by_role("button", name="保存して提出").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert summary.get_attribute("role") == "alert"
    assert summary.get_attribute("tabindex") == "-1"
    heading = summary.locator("h2").inner_text()
    assert heading.startswith("入力内容を確認してください（") and heading.endswith("件）")
    hrefs = summary.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert f"#id_value_{trainees.id}" in hrefs
    for href in hrefs:
        assert page.locator(href).count() == 1  # each link names a field on the page
    field = page.locator(f"#id_value_{trainees.id}")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby")
    assert described == f"id_value_{trainees.id}-error"
    assert "エラー:" in page.locator(f"#{described}").inner_text()
    assert "整数部は12桁まで" in page.locator(f"#{described}").inner_text()
    assert field.input_value() == "1.123456"  # what was typed stays
    page.screenshot(path=str(artifacts_dir / "entry-error.png"), full_page=True)
    summary.locator(f'a[href="#id_value_{trainees.id}"]').click()
    assert page.evaluate("document.activeElement.id") == f"id_value_{trainees.id}"
