"""Issue 12 items 7 and 8 on the report pages: the 要対応 list, several statuses at once, empty periods."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.forms import MESSAGE_EMPTY_PERIOD
from programs.models import Item

pytestmark = pytest.mark.django_db


def _html(client, url, params=None) -> str:
    response = client.get(url, params or {})
    assert response.status_code == 200
    return response.content.decode()


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _attention(html: str) -> str:
    return html.split('<section class="attention"')[1].split("</section>")[0]


def test_seventh_plan_lists_what_is_behind_at_the_top_most_behind_first(manager_client, tokyo_data):
    html = _html(manager_client, reverse("reports:dashboard"), {"plan": "第7期"})
    attention = _attention(html)
    assert html.index('<section class="attention"') < html.index("取組分野ごとの進捗")
    # 12: 4 事項2 「62区市町村対象」 is a scope, not a target behind (issue 21 item 11; 13 before).
    assert '<h2 id="attention-heading">要対応 <span class="attention-count">12件</span></h2>' in attention
    assert '<th scope="col">区分</th>' in attention  # a real table, with the kind in words
    rows = attention.split("<tbody>")[1].split("<tr>")[1:]
    assert len(rows) == 12
    rehab = Item.objects.get(area__plan__name="第7期", area__number=4, number=1)
    assert f'<a href="/items/{rehab.id}/" title="' in rows[0]
    assert ">4 リハビリテーション専門職等の職能団体等と連携した支援 › 事項1</a>" in rows[0]
    assert "数値なし（職員の判断により未達成）" in rows[0]
    cumulative = next(row for row in rows if "2（1）地域ケア会議 › 事項1" in row)
    assert "達成率 88.8%（累計 1,199人／1,350人）・目標まで11.2ポイント" in _text(cumulative)
    assert '<span class="status status-not_achieved">未達成</span>' in cumulative
    assert '<span class="status status-decreased">減少</span>' in rows[-1]
    assert "267所 → 253所・前の値から5.2%減" in _text(rows[-1])


def test_eighth_plan_lists_the_items_not_entered_past_the_deadline(manager_client, tokyo_data):
    attention = _attention(_html(manager_client, reverse("reports:dashboard"), {"plan": "第8期"}))
    days = (timezone.localdate() - ReportingYear.objects.get(plan__name="第8期", fiscal_year=2022).deadline).days
    assert "要対応 <span" in attention and "4件" in attention
    assert "未入力（期限超過）" in attention
    assert f"未入力・期限 令和5年5月31日（{days}日超過）" in _text(attention)
    assert '<th scope="col">事項・指標</th>' in attention
    # The oldest deadline first: 令和4年度's two items before 令和5年度's.
    assert attention.index("令和4年度") < attention.index("令和5年度")


def test_nothing_behind_says_so(manager_client, tokyo_data):
    ReportingYear.objects.filter(plan__name="第8期").update(is_locked=True)
    attention = _attention(_html(manager_client, reverse("reports:dashboard"), {"plan": "第8期"}))
    assert "要対応 <span" in attention and "0件" in attention
    assert "<p>要対応の事項はありません。</p>" in attention
    assert "<table" not in attention


def test_the_list_follows_the_area_chosen(manager_client, tokyo_data):
    area = Item.objects.get(area__plan__name="第7期", area__number=5, number=1).area
    attention = _attention(_html(manager_client, reverse("reports:dashboard"), {"plan": "第7期", "area": area.id}))
    # 5 事項1: two seminars' figures; 5 事項2: 入退院時連携強化研修 and the fall of 退院支援 clinics.
    assert '<span class="attention-count">4件</span>' in attention
    assert "4 リハビリテーション" not in attention


def test_the_status_filter_takes_several_statuses(manager_client, tokyo_data):
    url = reverse("reports:dashboard")
    html = _html(manager_client, url, {"plan": "第7期", "status": ["not_achieved", "decreased"]})
    cards = html.split("取組分野ごとの進捗")[1]
    assert "88.8%" in cards  # 2（1）事項1, 未達成
    assert "退院支援を実施している診療所数・病院数" in cards  # 5 事項2, 減少
    assert "200.0%" not in cards  # 1 事項1, 達成
    assert cards.count('<span class="status status-achieved">') == 0
    for value in ("not_achieved", "decreased"):
        assert re.search(rf'<input type="checkbox" name="status" value="{value}" id="id_status_\d" checked>', html)
    assert not re.search(r'value="achieved" id="id_status_\d" checked', html)
    assert "<legend>状況" in html


def test_the_table_takes_several_statuses_and_its_excel_link_carries_them(manager_client, tokyo_data):
    params = {"plan": "第8期", "status": ["mostly_achieved", "no_target"]}
    html = _html(manager_client, reverse("reports:table"), params)
    body = html.split("<tbody")[1].split("</tbody>")[0]
    assert "概ね達成" in body and "実績（参考）" in body
    assert "未入力" not in body
    assert "status=mostly_achieved&amp;status=no_target" in html  # the Excel download, same rows


@pytest.mark.parametrize("page", ["reports:dashboard", "reports:table", "reports:table_xlsx"])
def test_an_unknown_status_is_a_japanese_400_with_the_value_escaped(manager_client, tokyo_data, page):
    response = manager_client.get(reverse(page), {"plan": "第7期", "status": ["not_achieved", "<b>bad</b>"]})
    assert response.status_code == 400
    body = response.content.decode()
    assert "状況「&lt;b&gt;bad&lt;/b&gt;」はありません。" in body
    assert "<b>bad</b>" not in body


def test_plan_choices_put_the_default_first_and_the_empty_period_last_and_marked(manager_client, tokyo_data):
    html = _html(manager_client, reverse("reports:dashboard"))
    tabs = html.split('aria-label="計画期間の切り替え"')[1].split("</nav>")[0]
    assert re.findall(r"<a [^>]*>([^<]+)</a>", tabs) == [
        "第8期（令和3年度～令和5年度）",
        "第7期（平成30年度～令和2年度）",
        "第9期（令和6年度～令和8年度）（事項なし）",
    ]


@pytest.mark.parametrize("page", ["reports:dashboard", "reports:table"])
def test_an_empty_period_says_it_has_no_items(manager_client, tokyo_data, page):
    html = _html(manager_client, reverse(page), {"plan": "第9期"})
    assert MESSAGE_EMPTY_PERIOD == "この計画期間には事項が登録されていません。"
    assert f'<p class="empty-period" role="status">{MESSAGE_EMPTY_PERIOD}</p>' in html
    assert "担当課の設定" not in html
    assert "要対応" not in html.split("<main")[1]


def test_a_draft_figure_is_never_listed_as_a_result_and_is_labelled_when_unapproved_ones_are_counted(
    manager_client, tokyo_data
):
    """要対応 lists approved figures; with 「未承認の実績を含める」 a 下書き figure says so, as everywhere else."""
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    SelfEvaluation.objects.create(item=item, fiscal_year=2022, status=SelfEvaluation.Status.DRAFT)
    YearlyResult.objects.create(
        indicator=item.indicators.get(key="trainees"), fiscal_year=2022, value=10, actual_text="10人"
    )
    url = reverse("reports:dashboard")

    approved_only = _text(_attention(_html(manager_client, url, {"plan": "第8期"})))
    assert "10人" not in approved_only

    counted = _attention(_html(manager_client, url, {"plan": "第8期", "unapproved": "on"}))
    row = next(row for row in counted.split("<tr>") if "10人" in row)
    assert "下書き" in _text(row)
