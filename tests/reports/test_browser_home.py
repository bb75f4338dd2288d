"""Issue 20's journey in real Chromium: a manager approves from the 承認待ち queue after the confirmation."""

import os
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Item
from tests.browser import demo_users, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_a_manager_approves_from_the_queue_after_seeing_the_figures(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    trainees = item.indicators.get(key="trainees")
    staff = get_user_model().objects.get(username="demo-staff-a")
    YearlyResult.objects.update_or_create(
        indicator=trainees, fiscal_year=2022, defaults={"value": 150, "actual_text": "150人"}
    )
    SelfEvaluation.objects.update_or_create(
        item=item,
        fiscal_year=2022,
        defaults={
            "status": SelfEvaluation.Status.SUBMITTED,
            "self_assessment": "講師養成研修を3コース実施し、150人が受講した。",
            "next_steps": "受講者の少ない地域に周知する。",
            "submitted_by": staff,
            "submitted_at": "2026-11-30T10:00:00+09:00",
        },
    )

    login(page, live_server, "demo-manager")
    # The home page is the manager's queue.
    queue = page.locator("section", has=page.get_by_role("heading", name=re.compile("^承認待ち")))
    expect(queue.get_by_role("heading")).to_contain_text("1件")
    page.screenshot(path=str(artifacts_dir / "home_manager_queue.png"), full_page=True)
    queue.get_by_role("link", name=re.compile("事項1")).click()
    # The queue opens the entry page at the figures, not the thread below them.
    assert page.url.endswith(f"/entry/items/{item.id}/2022/#figures")
    # An error is inside <main>, announced and focused (差し戻す needs a comment).
    page.get_by_role("button", name="差し戻す").click()
    error = page.locator("main .messages [role=alert]")
    expect(error).to_be_visible()
    expect(error).to_be_focused()
    assert SelfEvaluation.objects.get(item=item, fiscal_year=2022).status == SelfEvaluation.Status.SUBMITTED
    page.get_by_label("コメント（差戻しの場合は必須）").fill("受講者数を確認しました。")
    page.get_by_role("button", name="承認する").click()

    # Asked once, with the figures: nothing is approved yet.
    expect(page.locator("h1")).to_have_text("承認の確認")
    figures = page.locator("table.confirm-figures")
    expect(figures).to_contain_text("150人")
    expect(figures).to_contain_text("98.0%")
    assert SelfEvaluation.objects.get(item=item, fiscal_year=2022).status == SelfEvaluation.Status.SUBMITTED
    page.screenshot(path=str(artifacts_dir / "home_manager_confirm.png"), full_page=True)
    page.get_by_role("button", name="この内容で承認する").click()

    expect(page.locator("main .messages")).to_contain_text("承認しました")
    record = SelfEvaluation.objects.get(item=item, fiscal_year=2022)
    assert (record.status, record.manager_comment) == (SelfEvaluation.Status.APPROVED, "受講者数を確認しました。")
    page.get_by_role("link", name="ホーム").click()
    expect(page.locator("main")).to_contain_text("承認待ちの提出はありません。")
