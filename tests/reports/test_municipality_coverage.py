"""Coverage shows the municipalities (issue 23 items 2, 3 and 6): entry marks, the item page's
tile map and lists, the period figure counting each municipality once, the municipality page,
approved figures only for managers, and fixed query counts at 62 and 1,741 municipalities."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from evaluations import services
from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.progress import plan_progress
from programs.models import GrantIndicator, GrantScore, Item, Municipality, PlanPeriod, Target
from programs.municipality_codes import check_digit
from programs.services import grant_samples_create
from tests.reports.conftest import count_queries
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation

pytestmark = pytest.mark.django_db


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _ids(*names) -> list[int]:
    return [Municipality.objects.get(name=name).id for name in names]


@pytest.fixture
def covered(world):
    """A coverage indicator reached by 千代田区・中央区 (R3), 中央区・港区 (R4), both approved."""
    indicator = world.own_item.indicators.create(key="covered", name="実施区市町村数", unit="区市町村", order=2)
    Target.objects.create(
        indicator=indicator, kind=Target.Kind.COVERAGE, value=62, target_text="62区市町村で各１人以上"
    )
    for fiscal_year, names in ((2021, ("千代田区", "中央区")), (2022, ("中央区", "港区"))):
        trainees = YearlyResult.objects.create(indicator_id=world.indicator_id, fiscal_year=fiscal_year, value=150)
        assert trainees
        result = YearlyResult.objects.create(indicator=indicator, fiscal_year=fiscal_year)
        result.municipalities.set(_ids(*names))
        record = evaluation(world.own_item, fiscal_year, SelfEvaluation.Status.APPROVED)
        services.approved_results_record(evaluation=record)
    return indicator


def _enter_and_submit(world, indicator, names):
    staff = _client(world, "staff_own")
    url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    response = staff.post(
        url,
        {
            f"value_{world.indicator_id}": "150",
            f"value_{indicator.id}": str(len(names)),
            f"municipalities_{indicator.id}": _ids(*names),
            "activities": "研修を実施",
            "self_assessment": "順調",
            "next_steps": "継続",
            "confirm_far": "on",  # 2 of 62 is under a tenth of the target
            "action": "save",
        },
    )
    assert response.status_code == 302
    return services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])


def _item_page(world, role="manager", **params) -> str:
    response = _client(world, role).get(reverse("reports:item", args=[world.own_item.id]), params)
    assert response.status_code == 200
    return response.content.decode()


def _section(html: str, heading: str) -> str:
    """Return the text from a heading to the next heading (the list under it)."""
    start = html.index(heading)
    end = html.find("<h3", start + 1)
    return html[start:end]


def test_the_entry_screen_groups_the_62_by_region_with_a_search_box_and_a_tile_map(world, covered):
    html = _client(world, "staff_own").get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content
    html = html.decode()
    legends = re.findall(r"<legend>(区部|多摩|島しょ)（(\d+)）</legend>", html)
    assert legends == [("区部", "23"), ("多摩", "30"), ("島しょ", "9")]
    assert html.count(f'name="municipalities_{covered.id}"') == 62
    assert "data-picker-search" in html and "js/municipalities.js" in html  # shown by the script only
    assert html.count('<g class="tile') == 62


def test_a_municipality_reached_in_two_years_counts_once_over_the_period(world, covered):
    record = _enter_and_submit(world, covered, ["港区", "新宿区"])
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])
    row = plan_progress(plan=world.plan).items[0].indicators[1]
    assert [cell.covered for cell in row.years] == [2, 2, 2]
    assert row.period_coverage.named and row.period_coverage.covered == Decimal(4)  # 千代田・中央・港・新宿
    assert row.period_coverage.rate == Decimal("6.5")  # 4 ÷ 62
    html = _item_page(world)
    assert "各年度の区市町村名から数えた数" in html and "期間累計（重複なし）" in html
    never = _section(html, "一度も到達していない区市町村（58）")
    assert "八王子市" in never and "千代田区" not in never and "新宿区" not in never
    reached = _section(html, "到達した区市町村（4）")
    assert re.search(r"中央区</a> <span class=\"muted\">R3・R4</span>", reached)


def test_the_tile_map_and_the_lists_name_the_same_municipalities(world, covered):
    html = _item_page(world)
    marked = set(re.findall(r'<g class="tile marked" data-municipality="\d+"><a href="[^"]+">\s*<title>(\S+?)（', html))
    reached = set(re.findall(r"<li><a href=\"/municipalities/\d+/\">(\S+?)</a>", _section(html, "到達した区市町村（")))
    assert marked == reached == {"千代田区", "中央区", "港区"}
    assert html.count("未到達</text>") == 59
    assert '<a href="/municipalities/131016/">' in html


def test_managers_see_approved_marks_only_and_the_newer_ones_labelled_on_request(world, covered):
    _enter_and_submit(world, covered, ["港区", "新宿区"])
    assert "新宿区" in _section(_item_page(world), "一度も到達していない区市町村（59）")
    with_unapproved = _item_page(world, unapproved="on")
    assert "新宿区" in _section(with_unapproved, "到達した区市町村（4）")
    page = _client(world, "manager").get(reverse("reports:municipality", args=["131041"])).content.decode()
    assert "講師養成研修" not in page  # 新宿区: reached only by the figure awaiting approval
    page = _client(world, "manager").get(reverse("reports:municipality", args=["131041"]), {"unapproved": "on"})
    assert "令和5年度（未承認）" in page.content.decode()


def test_the_municipality_page_lists_every_item_that_reached_it_with_years(world, covered):
    html = _client(world, "manager").get(reverse("reports:municipality", args=["131024"])).content.decode()  # 中央区
    assert "<h1>中央区</h1>" in html
    assert "都の取組が到達した事項（1）" in html
    assert "令和3年度、令和4年度" in html
    assert reverse("reports:item", args=[world.own_item.id]) in html


def test_an_unknown_or_forged_code_is_a_404(world):
    client = _client(world, "manager")
    for code in ["999999", "13101<script>", "%00", "1" * 500]:
        assert client.get(f"/municipalities/{code}/").status_code == 404


def test_past_years_holding_only_a_count_stay_counts_and_say_so(tokyo_data, manager_client):
    item = Item.objects.get(area__plan__name="第7期", area__number=2, area__sub_number=2, number=2)
    html = manager_client.get(reverse("reports:item", args=[item.id])).content.decode()
    assert "数のみの年度: 平成30年度 24区市町村、令和元年度 28区市町村、令和2年度 26区市町村" in html
    assert "区市町村名の記録がありません" in html
    assert "シートに記載された累計" in html  # 29区市町 stands as stated
    page = manager_client.get(reverse("reports:municipality", args=["131016"])).content.decode()
    assert "数のみで、到達したか分からない年度" in page and "2（2）介護予防 › 事項2" in page


def _grow_to_national_scale():
    """Add municipalities up to Japan's 1,741 (valid codes outside Tokyo)."""
    existing = Municipality.objects.count()
    rows = []
    for n in range(1741 - existing):
        first_five = f"{1 + n // 500:02d}{100 + n % 500:03d}"
        rows.append(
            Municipality(code=first_five + check_digit(first_five), name=f"架空市{n}", kind="city", region="全国")
        )
    Municipality.objects.bulk_create(rows)
    assert Municipality.objects.current().count() == 1741


def test_the_municipality_pages_answer_in_a_fixed_number_of_queries_at_62_and_1741(world, covered):
    client = _client(world, "manager")
    grant_samples_create(fiscal_year=2023)
    GrantIndicator.objects.get(grant="promotion", number="サンプル2").items.add(world.own_item)
    urls = [
        reverse("reports:municipality", args=["131024"]),
        reverse("reports:municipalities"),
        reverse("reports:item", args=[world.own_item.id]),
        reverse("reports:grant_scores"),
    ]
    for url in urls:
        count_queries(client, url)  # the read model computed once
    ping, _ = count_queries(client, reverse("reports:ping"))  # session and user
    small = [count_queries(client, url) for url in urls]
    _grow_to_national_scale()
    assert grant_samples_create(fiscal_year=2023) == (1741 - 62) * 12  # 6 sample indicators of each grant
    result = YearlyResult.objects.get(indicator=covered, fiscal_year=2021)
    assert result
    for url in urls:
        count_queries(client, url)  # new municipalities change the progress token: computed once more
    large = [count_queries(client, url) for url in urls]
    for url, (s, _), (n, sql) in zip(urls, small, large, strict=True):
        assert n == s, f"{url}: {s} queries at 62, {n} at 1,741\n" + "\n".join(sql)
    assert [s - ping for s, _ in small] == [
        MUNICIPALITY_PAGE_QUERIES,
        MUNICIPALITY_INDEX_QUERIES,
        ITEM_PAGE_QUERIES,
        GRANT_TABLE_QUERIES,
    ]


# Beyond what every page runs (ping): the municipality, the plans, the progress token (the plans'
# progress from the cache), its 評価指標 points by 分野, the maxima and the means, notices and header sections.
MUNICIPALITY_PAGE_QUERIES = 8
MUNICIPALITY_INDEX_QUERIES = 3  # the municipalities, notices, header sections
# The item page's own (tests/reports/test_query_counts.py, no programme here) with the municipalities,
# the linked 評価指標 and their scores (the thread panel reads no item of its own: issue 22 item 3).
ITEM_PAGE_QUERIES = 12
# the grants and years with scores, the maxima, the points by municipality and 分野, the municipalities,
# notices and header sections
GRANT_TABLE_QUERIES = 6


def test_a_fresh_installation_shows_the_municipalities_without_any_plan(admin_client):
    html = admin_client.get(reverse("reports:municipalities")).content.decode()
    assert "区部（23）" in html and "多摩（30）" in html and "島しょ（9）" in html
    assert PlanPeriod.objects.count() == 0
    page = admin_client.get(reverse("reports:municipality", args=["134210"])).content.decode()
    assert "小笠原村" in page and "都の取組が到達した事項（0）" in page


def test_the_api_lists_the_codes_of_each_year_and_of_the_period(world, covered):
    record = _enter_and_submit(world, covered, ["港区", "新宿区"])
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])
    data = _client(world, "manager").get(reverse("reports:api_progress"), {"plan": "第8期"}).json()
    indicator = data["areas"][0]["items"][0]["indicators"][1]
    assert [year["municipalities"] for year in indicator["years"]] == [
        ["131016", "131024"],
        ["131024", "131032"],
        ["131032", "131041"],
    ]
    assert indicator["period_coverage"]["basis"] == "names"
    assert indicator["period_coverage"]["covered"] == 4
    assert indicator["period_coverage"]["municipalities"] == ["131016", "131024", "131032", "131041"]


def _workbook(response):
    from io import BytesIO

    from openpyxl import load_workbook

    assert response.status_code == 200, response.content[:300]
    return load_workbook(BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))


def test_the_table_and_summary_workbooks_gain_a_municipality_by_year_sheet(world, covered):
    client = _client(world, "manager")
    for workbook, title in [
        (_workbook(client.get(reverse("reports:table_xlsx"), {"plan": "第8期"})), "進捗一覧_区市町村"),
        (_workbook(client.get(reverse("sheets:summary"), {"plan": "第8期"})), "第8期_区市町村"),
    ]:
        sheet = workbook[title]
        rows = list(sheet.iter_rows(values_only=True))
        assert rows[1][:8] == ("事項", "指標", "団体コード", "区市町村", "地域", "令和3年度", "令和4年度", "令和5年度")
        by_name = {row[3]: row for row in rows[2:]}
        assert len(by_name) == 62
        assert by_name["中央区"][5:] == ("●", "●", None, 2)  # R5 has no figure yet: blank, not 「到達なし」
        assert by_name["港区"][5:] == ("－", "●", None, 1)
        assert by_name["八王子市"][5:] == ("－", "－", None, 0)


# -- 評価指標 (items 4 and 5) --------------------------------------------------------------------------


def test_the_municipality_page_charts_its_points_per_field_against_the_mean_marked_as_sample(world):
    grant_samples_create(fiscal_year=2023)
    html = _client(world, "manager").get(reverse("reports:municipality", args=["131016"])).content.decode()
    assert "保険者機能強化推進交付金（令和5年度）" in html and "介護保険保険者努力支援交付金（令和5年度）" in html
    assert html.count('class="bar-value"') == 12  # six 分野 of each grant
    assert html.count("サンプル（架空の値）") >= 4  # both headings and both tables say so
    table = html[html.index("<caption>保険者機能強化推進交付金（令和5年度）分野別の得点") :]
    points = GrantScore.objects.get(
        municipality__code="131016", indicator__grant="promotion", indicator__field="地域ケア会議"
    ).points
    assert f'<th scope="row">地域ケア会議</th><td class="num">{points}</td><td class="num">30.0</td>' in table


def test_the_score_table_lists_the_lowest_first_filters_by_region_and_refuses_forged_filters(world):
    grant_samples_create(fiscal_year=2023)
    client = _client(world, "manager")
    html = client.get(reverse("reports:grant_scores"), {"grant_year": "effort:2023"}).content.decode()
    assert "サンプル（架空の値）" in html
    totals = [float(t) for t in re.findall(r'<td class="num">([0-9.]+)%</td></tr>', html)]
    assert len(totals) == 62 and totals == sorted(totals)
    islands = client.get(reverse("reports:grant_scores"), {"grant_year": "effort:2023", "region": "島しょ"})
    assert islands.content.decode().count("</a></th><td>島しょ</td>") == 9
    for forged in [
        {"grant_year": "x:1"},
        {"grant_year": "effort:2023\x00"},
        {"region": "<script>"},
        {"region": "a" * 50},
    ]:
        assert client.get(reverse("reports:grant_scores"), forged).status_code == 400


def test_the_item_page_shows_the_linked_indicator_with_reached_and_not_reached_means(world, covered):
    grant_samples_create(fiscal_year=2023)
    indicator = GrantIndicator.objects.get(grant="promotion", number="サンプル2")
    indicator.items.add(world.own_item)
    html = _item_page(world)
    assert "この事項が支える評価指標" in html and "保険者機能強化推進交付金 令和5年度 サンプル2" in html
    assert "サンプル（架空の値）" in html
    scores = {s.municipality.name: s.points for s in indicator.scores.select_related("municipality")}
    reached = [scores[name] for name in ("千代田区", "中央区", "港区")]
    mean = (sum(reached) / 3).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert f'<td class="num">{mean}</td>' in html


def test_an_administrator_removes_every_sample_in_one_action(world, admin_client):
    grant_samples_create(fiscal_year=2023)
    real = GrantIndicator.objects.create(
        grant="effort", fiscal_year=2023, number="1", field="地域ケア会議", max_points=10
    )
    GrantScore.objects.create(indicator=real, municipality=Municipality.objects.get(code="131016"), points=7)
    response = admin_client.post(
        reverse("admin:programs_grantscore_changelist"),
        {"action": "delete_all_samples", "_selected_action": [GrantScore.objects.first().pk]},
        follow=True,
    )
    assert "744件 削除しました" in response.content.decode()  # 62 × 12
    assert list(GrantScore.objects.values_list("points", flat=True)) == [Decimal(7)]
    assert not GrantIndicator.objects.filter(is_sample=True).exists()
    html = _client(world, "manager").get(reverse("reports:municipality", args=["131016"])).content.decode()
    assert "サンプル" not in html and "介護保険保険者努力支援交付金（令和5年度）" in html


def test_the_entry_screen_says_when_a_year_holds_only_a_count(world, covered):
    YearlyResult.objects.create(indicator=covered, fiscal_year=OPEN_YEAR, municipality_count=24)
    url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    html = _client(world, "staff_own").get(url).content.decode()
    assert "この年度は区市町村の数（24）だけが記録されています" in html
