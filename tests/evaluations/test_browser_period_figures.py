"""The figures screen in real Chromium: an administrator fills a past figure from its narrative's suggestion."""

import os
import time
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.progress import plan_progress
from programs.models import Indicator
from sheets.services import plan_sheet_import
from tests.browser import demo_users, login
from tests.evaluations.test_period_figures import clear_figures
from tests.sheets.test_plan_sheet_import import draft_of, export_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def test_admin_clicks_a_suggestion_saves_and_the_dashboard_counts_the_figure(
    page, live_server, tokyo_data, artifacts_dir, settings, monkeypatch
):
    demo_users(settings, monkeypatch)
    admin = get_user_model().objects.get(username="demo-admin")
    plan = plan_sheet_import(draft=draft_of(export_bytes("第7期")), plan_name="第7期（取込検証）", by=admin).plan
    clear_figures(plan)
    # 2（1）事項1's trainees, 平成30年度: the narrative says 「・修了者352人（募集規模360人）」.
    record = SelfEvaluation.objects.get(item__area__plan=plan, fiscal_year=2018, activities__contains="修了者352人")
    indicator = Indicator.objects.filter(item=record.item, unit="人").first()
    name = f"value_{indicator.id}_2018"

    login(page, live_server, "demo-admin")
    started = time.monotonic()
    page.goto(f"{live_server.url}/entry/periods/{plan.pk}/figures/")
    expect(page.locator("h1")).to_contain_text("実績の一括入力：第7期（取込検証）")
    field = page.locator(f"#id_{name}")
    expect(field).to_have_value("")  # suggested, not filled
    page.locator(f'button.suggestion[data-fill="id_{name}"]', has_text="修了者352人 → 352").click()
    expect(field).to_have_value("352")
    assert not YearlyResult.objects.filter(indicator=indicator, fiscal_year=2018).exclude(value=None).exists()
    page.screenshot(path=str(artifacts_dir / "period_figures.png"), full_page=False)
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".messages")).to_contain_text("第7期（取込検証）の実績を保存しました（承認済の年度1件")
    print(f"figures screen: open, suggestion, save in {time.monotonic() - started:.1f} s")

    result = YearlyResult.objects.get(indicator=indicator, fiscal_year=2018)
    assert (result.value, result.actual_text) == (Decimal(352), "352人")
    cell = next(
        cell
        for area in plan_progress(plan=plan).areas
        for item in area.items
        for row in item.indicators
        if row.id == indicator.id
        for cell in row.years
        if cell.fiscal_year == 2018
    )
    assert cell.actual == 352 and cell.state == "approved"
    expect(page.locator(f"#id_{name}")).to_have_value("352")

    # Something was entered: the period can no longer be undone from the screens.
    page.get_by_role("link", name="この計画期間を取り消す（取込・次期計画の作成の取消）").click()
    expect(page.get_by_role("alert")).to_contain_text("作成の後に入力された内容があるため取り消せません")


def test_every_seventh_figure_entered_in_the_browser_gives_the_sheets_statuses(
    page, live_server, tokyo_data, settings, monkeypatch
):
    """The whole 第7期 typed again on the page: suggestions clicked where they hold the figure, else typed."""
    from evaluations.models import ReportingYear
    from programs.models import PlanPeriod
    from programs.quantities import format_quantity
    from tests.evaluations.test_period_figures import results_in_plan, statuses

    demo_users(settings, monkeypatch)
    plan = PlanPeriod.objects.get(name="第7期")
    recorded = list(results_in_plan(plan).select_related("indicator"))
    before = statuses(plan)
    clear_figures(plan)
    assert ReportingYear.objects.filter(plan=plan, is_locked=True).count() == 0

    login(page, live_server, "demo-admin")
    started = time.monotonic()
    page.goto(f"{live_server.url}/entry/periods/{plan.pk}/figures/")
    clicks = typed = 0
    for result in recorded:
        name = f"id_value_{result.indicator_id}_{result.fiscal_year}"
        if result.value is not None:
            shown = format_quantity(result.value)
            button = page.locator(f'button.suggestion[data-fill="{name}"][data-value="{shown}"]')
            if button.count():
                button.first.click()
                clicks += 1
            else:
                page.locator(f"#{name}").fill(shown)
                typed += 1
        if result.verdict:
            page.locator(f"#id_verdict_{result.indicator_id}_{result.fiscal_year}").select_option(result.verdict)
            text_id = f"id_verdict_text_{result.indicator_id}_{result.fiscal_year}"
            sentence = page.locator(f'button.suggestion[data-fill="{text_id}"]', has_text=result.verdict_text[:20])
            if result.verdict_text and sentence.count():
                sentence.first.click()
            else:
                page.locator(f"#{text_id}").fill(result.verdict_text)
    page.get_by_role("button", name="保存する").click()
    expect(page.locator(".messages")).to_contain_text("第7期の実績を保存しました")
    print(f"第7期 in the browser: {clicks} suggestions clicked, {typed} typed, {time.monotonic() - started:.0f} s")
    assert clicks >= 100
    assert statuses(plan) == before
