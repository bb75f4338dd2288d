"""Statuses the officials would sign: each pinned against the seed's own words (issue 21 items 10–15).

The seed lines quoted here are from /work/shared/seeds/003 (第7期's sheet) and 000 (第8期's area 7);
fixtures/tokyo/READINGS.md records each reading. The last test walks every item-year of both
periods: a verdict the fixture records from the seed that the dashboard's status contradicts
must be flagged 「判断と不一致」.
"""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from evaluations.attention import attention_entries
from evaluations.calculations import VERDICT_ACHIEVED
from evaluations.progress import BASIS_PACE, BASIS_YEAR_PLAN, plan_progress
from programs.kinds import Kind, Status
from programs.models import Item, PlanPeriod

pytestmark = pytest.mark.django_db

D = Decimal


def _progress(plan: str):
    return plan_progress(plan=PlanPeriod.objects.get(name=plan))


def _item_row(progress, area: int, sub: int | None, number: int):
    area_row = next(a for a in progress.areas if a.number == area and a.sub_number == sub)
    return next(i for i in area_row.items if i.number == number)


def _indicator(progress, area: int, sub: int | None, number: int, key: str):
    return next(i for i in _item_row(progress, area, sub, number).indicators if i.key == key)


def _html(client, url, **params) -> str:
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def _card_row(html: str, label: str) -> str:
    """Return the dashboard card row of the indicator labelled ``label``."""
    start = html.index(f'<th scope="row" class="ind-name">{label}')
    return html[start : html.index("</tr>", start)]


# -- item 10: a period total is graded against the yearly plans the sheet states, else by pace ----------


def test_a_year_with_a_stated_plan_is_graded_against_it(tokyo_data):
    # 2（1）事項2 「9区市町村」. 平成30年度: 「・２市支援（平成31年度）」; 令和元年度: 「・１市支援（令和2年度）」;
    # supported 「２市を支援」 (令和元年度) and 「１市を支援」 (令和２年度): both planned years are met.
    model = _indicator(_progress("第7期"), 2, 1, 2, "model_municipalities")
    fy2018, fy2019, fy2020 = model.years
    assert (fy2019.target, fy2019.actual, fy2019.rate, fy2019.status) == (D(2), D(2), D("100.0"), Status.ACHIEVED)
    assert (fy2020.target, fy2020.actual, fy2020.rate, fy2020.status) == (D(1), D(1), D("100.0"), Status.ACHIEVED)
    assert fy2019.target_text == "・２市支援（平成31年度）"
    assert (fy2019.basis, fy2020.basis) == (BASIS_YEAR_PLAN, BASIS_YEAR_PLAN)
    # 平成30年度 states no plan of its own: by pace, 2 of the 3 due by then (9 × 1/3), never 2 of an
    # invented share; the period's 【平成30～令和２年度累計】・５市を支援 stands against the 9.
    assert (fy2018.basis, fy2018.target, fy2018.compared, fy2018.rate) == (BASIS_PACE, D(3), D(2), D("66.7"))
    assert (model.cumulative.actual, model.cumulative.rate) == (D(5), D("55.6"))


def test_a_period_total_without_yearly_plans_is_graded_by_pace_never_by_an_equal_share(tokyo_data):
    progress = _progress("第7期")
    # 2（2）事項1 「600人(総論編)」: ・総論編：119人 (平成30年度), 119人 (令和元年度), 204人 (令和２年度),
    # 【平成30～令和２年度累計】・総論編：442人. No yearly plan is stated, so each year is the running
    # total against the target to date: 119/200, 238/400, 442/600.
    general = _indicator(progress, 2, 2, 1, "general_course")
    assert [(c.basis, c.compared, c.target, c.rate, c.status) for c in general.years] == [
        (BASIS_PACE, D(119), D(200), D("59.5"), Status.NOT_ACHIEVED),
        (BASIS_PACE, D(238), D(400), D("59.5"), Status.NOT_ACHIEVED),
        # The equal share made 令和２年度 「204/200 = 102 % 達成」 while the period ends at 442 of 600.
        (BASIS_PACE, D(442), D(600), D("73.7"), Status.NOT_ACHIEVED),
    ]
    # 3 事項1 「540人(初任者)（H30～32）」: 初任者研修 172名, 171名, 155名 → 172/180, 343/360, 498/540.
    beginners = _indicator(progress, 3, None, 1, "beginners")
    assert [c.rate for c in beginners.years] == [D("95.6"), D("95.3"), D("92.2")]
    # No cumulative year anywhere is measured against a share nobody stated.
    cumulative_cells = [
        cell
        for item in progress.items
        for indicator in item.indicators
        if indicator.target_kind == Kind.CUMULATIVE
        for cell in indicator.years
    ]
    stated = {(t.fiscal_year, t.value) for item in progress.items for i in item.indicators for t in i.targets}
    for cell in cumulative_cells:
        if cell.basis == BASIS_YEAR_PLAN:
            assert (cell.fiscal_year, cell.target) in stated


def test_the_item_page_says_a_year_has_no_plan_and_shows_the_running_total_it_grades(manager_client, tokyo_data):
    item = Item.objects.get(area__plan__name="第7期", area__number=2, area__sub_number=2, number=1)
    html = _html(manager_client, reverse("reports:item", args=[item.id]))
    assert "年度の計画なし" in html
    assert "累計 238人／按分 400人" in html
    assert "102.0%" not in html  # 204 of an invented share of 200


# -- item 11: 「62区市町村対象」 is who may take part, not a coverage target ------------------------------


def test_who_may_take_part_is_context_for_an_observed_count_never_graded(tokyo_data):
    # 4 事項2, 目標 「62区市町村対象」; 実績 「11区市　40件」「６区市　51件」「４区市　46件」.
    progress = _progress("第7期")
    dispatched = _indicator(progress, 4, None, 2, "municipalities_dispatched")
    assert dispatched.target_kind == Kind.SCOPE
    assert dispatched.has_target is False
    assert dispatched.scope_text == "62区市町村対象"
    assert [(c.actual, c.rate, c.graded_status) for c in dispatched.years] == [
        (D(11), None, None),
        (D(6), None, None),
        (D(4), None, None),
    ]
    item = _item_row(progress, 4, None, 2)
    entries = attention_entries(progress, reporting_years=[], today=datetime.date(2021, 6, 1))
    assert [e for e in entries if e.item_id == item.id] == []  # no longer third in 要対応


def test_the_item_page_shows_the_scope_as_context_without_a_rate(manager_client, tokyo_data):
    item = Item.objects.get(area__plan__name="第7期", area__number=4, number=2)
    html = _html(manager_client, reverse("reports:item", args=[item.id]))
    assert "対象: <strong>62区市町村対象</strong>" in html
    for rate in ("17.7%", "9.7%", "6.5%"):
        assert rate not in html
    dashboard = _html(manager_client, reverse("reports:dashboard"), plan="第7期")
    assert "対象: 62区市町村対象（参加できる範囲で、目標ではありません" in dashboard
    assert "17.7%" not in dashboard


# -- item 12: a year that repeats earlier figures has no trend ------------------------------------------


def test_a_year_repeating_the_earlier_figures_has_no_trend(tokyo_data):
    # 8 事項2 「介護福祉士増加」. 平成30年度 and 令和元年度 both print 「（28年10月）58,589人　⇒（29年10月）61,792人」;
    # 令和２年度 「（29年10月）61,792人⇒（30年10月）74,484人」.
    workers = _indicator(_progress("第7期"), 8, None, 2, "care_workers")
    fy2018, fy2019, fy2020 = workers.years
    assert (fy2018.actual, fy2018.status) == (D(61792), Status.INCREASED)
    assert fy2019.actual is None and "（29年10月）61,792人" in fy2019.actual_text
    assert fy2019.graded_status is None  # neither 横ばい nor 未入力
    assert (fy2020.actual, fy2020.achievement.previous, fy2020.status) == (D(74484), D(61792), Status.INCREASED)


# -- items 13 and 14: a card pairs a year's target with the same year's figure; no 300 % ----------------


def test_a_dashboard_card_shows_the_target_of_the_year_of_its_figure(manager_client, tokyo_data):
    html = _html(manager_client, reverse("reports:dashboard"), plan="第7期")
    # 5 事項1: 令和２年度 「（1回開催(オンライン)、計137名参加）」, target 「・令和２年度目標：セミナー2回、計160名」.
    participants = _card_row(html, "在宅医療参入促進セミナーの参加者数")
    assert "137名" in participants and "令和２年度目標：セミナー2回、計160名" in participants
    assert "平成31年度目標" not in participants
    # 7 事項2: 令和２年度 「（研修実績なし）」 against 【令和2年度の目標数値】…3回:
    # 0.0 % of that 3回, never beside 「年１回以上」.
    sessions = _card_row(html, "東京都介護認定審査会運営適正化研修の開催回数")
    assert "0.0%" in sessions and "【令和2年度の目標数値】" in sessions
    assert "年１回以上" not in sessions


def test_a_met_frequency_target_reads_as_the_count_against_at_least_n_never_a_percentage(manager_client, tokyo_data):
    progress = _progress("第7期")
    # 7 事項2 平成30年度: 「○平成30年度東京都介護認定審査会運営適正化研修（全3回、計203名）」 against 「年１回以上」.
    sessions = _indicator(progress, 7, None, 2, "sessions")
    fy2018 = sessions.years[0]
    assert (fy2018.actual, fy2018.rate, fy2018.status) == (D(3), None, Status.ACHIEVED)
    assert sessions.attainment(fy2018) == "3回（目標 年１回以上）"
    # 1 事項1 令和２年度: two sessions against 「年１回以上」 — 達成, not 200 %.
    trainings = _indicator(progress, 1, None, 1, "trainings")
    assert trainings.attainment(trainings.headline) == "2回（目標 年１回以上）"
    item = Item.objects.get(area__plan__name="第7期", area__number=7, number=2)
    html = _html(manager_client, reverse("reports:item", args=[item.id]))
    assert "3回（目標 年１回以上）" in html
    assert "300.0%" not in html
    dashboard = _html(manager_client, reverse("reports:dashboard"), plan="第7期")
    assert "200.0%" not in dashboard and "300.0%" not in dashboard
    assert "2回（目標 年１回以上）" in _card_row(dashboard, "区市町村職員向け研修（「見える化」システム操作講習会")


# -- item 15: every figure a page shows is in the API ----------------------------------------------------


def test_the_api_carries_the_period_coverage_the_pages_show(manager_client, tokyo_data):
    # 2（2）事項2 令和２年度: 「【平成30～令和２年度累計】 29区市町」 of 「62区市町村で各１人以上」.
    data = manager_client.get(reverse("reports:api_progress"), {"plan": "第7期"}).json()
    area = next(a for a in data["areas"] if a["number"] == 2 and a["section"] == 2)
    indicator = area["items"][1]["indicators"][0]
    assert indicator["period_coverage"] == {
        "fiscal_year": 2020,
        "covered": 29,
        "target": 62,
        "achievement_rate": 46.8,
        "status": "not_achieved",
        "basis": "stated",  # issue 23: the years only count, so the sheet's 29 stands
        "municipalities": [],
    }
    assert indicator["years"][0]["municipality_count"] == 24 and indicator["years"][0]["municipalities"] == []
    assert indicator["target_text"] == "62区市町村で各１人以上"
    # The pace the item page shows for a year without a plan: 2（2）事項1 総論編 令和元年度 238 of 400.
    general = next(a for a in data["areas"] if a["number"] == 2 and a["section"] == 2)["items"][0]["indicators"][0]
    assert (general["years"][1]["basis"], general["years"][1]["compared"], general["years"][1]["target"]) == (
        "pace",
        238,
        400,
    )
    assert general["cumulative"]["pace_rate"] == 73.7


# -- item 16 (part): the programmes' purpose, 成果 and budget are on the item page -------------------------


def test_the_item_page_shows_its_programmes_purpose_results_and_budget(manager_client, tokyo_data):
    # 第8期 7 事項1, 別紙7-12 (seed 000): 「R4予算額 15,640千円」,
    # 「平成３０年度～令和２年度の受講修了者数は、１，１９９名」.
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    html = _html(manager_client, reverse("reports:item", args=[item.id]))
    programme = html[html.index("<h2>関連事業</h2>") :]
    assert "自立支援・介護予防に向けた地域ケア会議推進事業" in programme
    assert "令和4年度 15,640千円" in programme
    assert "受講修了者数は、１，１９９名" in programme
    assert "地域ケア会議の実現のため、地域や組織の実情に合った独自の研修を行えるよう講師養成研修を実施する" in programme


# -- the walk: a verdict the seed states and the status contradicts is flagged ------------------------


@pytest.mark.parametrize("plan", ["第7期", "第8期"])
def test_every_item_year_agrees_with_the_seeds_verdict_or_is_flagged(tokyo_data, plan):
    progress = _progress(plan)
    assert progress.include_unapproved is False  # the dashboard's figures: approved only
    walked, unflagged = 0, []
    for item in progress.items:
        for indicator in item.indicators:
            for cell in indicator.years:
                walked += 1
                if not cell.verdict or cell.graded_status is None:
                    continue
                says_achieved = cell.verdict == VERDICT_ACHIEVED
                if says_achieved != (cell.status == Status.ACHIEVED) and not cell.verdict_disagrees:
                    unflagged.append((item.number, indicator.key, cell.fiscal_year, cell.verdict, cell.status))
        for year, evaluation in zip(progress.fiscal_years, item.evaluations, strict=True):
            # A 評定 the seed prints: ◎ 達成できた, × 全く達成できなかった (第8期様式). Tokyo's seeds print none yet.
            symbol = evaluation.rating_symbol if evaluation else ""
            if symbol not in ("◎", "×"):
                continue
            for indicator in item.targeted_indicators:
                cell = indicator.years[progress.fiscal_years.index(year)]
                contradicts = (symbol == "◎") != (cell.status == Status.ACHIEVED)
                if cell.graded_status is not None and contradicts and not cell.verdict_disagrees:
                    unflagged.append((item.number, indicator.key, year, symbol, cell.status))
    assert walked > 0
    assert unflagged == []
