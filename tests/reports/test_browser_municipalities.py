"""Issue 23's journey in a real Chromium: a manager opens 第7期 2（2）事項2, sees which
municipalities were never reached, opens one of them and sees its 評価指標 chart."""

import os

import pytest

from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.services import approved_results_record
from programs.models import Municipality
from programs.services import grant_samples_create

from .conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _name_the_municipalities_of_2_2_item_2():
    """Name the municipalities the sheet only counted (24, 28, 26; 29 over the period) and re-approve."""
    codes = list(Municipality.objects.order_by("code").values_list("id", flat=True))
    named = {2018: codes[0:24], 2019: codes[1:29], 2020: codes[3:29]}
    for fiscal_year, ids in named.items():
        result = YearlyResult.objects.get(
            indicator__item__area__plan__name="第7期",
            indicator__item__area__number=2,
            indicator__item__area__sub_number=2,
            indicator__item__number=2,
            indicator__key="municipalities",
            fiscal_year=fiscal_year,
        )
        result.municipalities.set(ids)
        evaluation = SelfEvaluation.objects.get(item=result.indicator.item, fiscal_year=fiscal_year)
        assert evaluation.status == SelfEvaluation.Status.APPROVED
        approved_results_record(evaluation=evaluation)
    return result.indicator.item


def test_a_manager_sees_the_municipalities_never_reached_and_opens_ones_chart(
    page, live_server, tokyo_data, manager, artifacts_dir
):
    item = _name_the_municipalities_of_2_2_item_2()
    grant_samples_create(fiscal_year=2023)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("manager")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()

    page.goto(f"{live_server.url}/items/{item.id}/")
    assert page.get_by_role("heading", level=1).inner_text() == "第7期 2（2）介護予防 › 事項2"
    assert "29区市町村" in page.get_by_text("期間累計（重複なし）").inner_text()  # each counted once
    never = page.get_by_role("heading", name="一度も到達していない区市町村（33）")
    never.scroll_into_view_if_needed()
    tile_map = page.get_by_role(
        "group", name="介護予防による地域づくり推進員を配置した区市町村数の区市町村別の到達状況"
    )
    assert tile_map.is_visible()
    page.screenshot(path=str(artifacts_dir / "municipalities_never_reached.png"), full_page=True)

    lists = page.locator(".coverage-lists")
    lists.get_by_role("link", name="昭島市").click()
    assert page.get_by_role("heading", level=1).inner_text() == "昭島市"
    assert page.get_by_text("都の取組が到達した事項（0）").is_visible()
    chart = page.get_by_role("img", name="昭島市の分野別得点率と都平均（サンプル・架空の値）").first
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert page.get_by_role(
        "table", name="保険者機能強化推進交付金（令和5年度）分野別の得点（サンプル・架空の値）"
    ).is_visible()
    page.screenshot(path=str(artifacts_dir / "municipality_grant_chart.png"), full_page=True)

    # The tile map opens a municipality too, by keyboard: the tiles are links.
    page.go_back()
    tile = page.locator('svg.tile-map a[href="/municipalities/131016/"]')
    tile.focus()
    page.keyboard.press("Enter")
    assert page.get_by_role("heading", level=1).inner_text() == "千代田区"
    assert page.get_by_text("都の取組が到達した事項（1）").is_visible()
