"""Managers' views count approved figures; newer ones are shown labelled 下書き or 未承認 (issue 12 §2).

The issue's example: a staff member's draft 20人 for 令和5年度 became the dashboard headline
「20人 令和5年度 13.1% 未達成」, a submitted 150人 showed unmarked, item pages printed draft years
as final. Each step of the workflow is checked on the dashboard, the item page, the table, the
API and the summary workbook, reading the world's 講師養成研修 (153人 each year).
"""

import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import SelfEvaluation
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation

pytestmark = pytest.mark.django_db

NARRATIVES = {"activities": "研修を実施", "self_assessment": "概ね達成した", "next_steps": "継続する"}


def _client(world, role: str) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


@pytest.fixture
def approved_2021(world):
    """令和3年度: 144人, approved (94.1 %, 概ね達成) — the headline managers should keep seeing."""
    factories.yearly_result(indicator_=world.own_item.indicators.get(), fiscal_year=2021, value=Decimal(144))
    evaluation(world.own_item, 2021, SelfEvaluation.Status.APPROVED)
    return world


def _save(world, value: int, *, submit: bool = False) -> SelfEvaluation:
    record = SelfEvaluation.objects.filter(item=world.own_item, fiscal_year=OPEN_YEAR).first()
    saved = services.item_entry_commit(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        user=world.users["staff_own"],
        submit=submit,
        values={world.indicator_id: Decimal(value)},
        actual_texts={world.indicator_id: f"{value}人"},
        evaluation=NARRATIVES,
        expected_version=record.version if record else 0,
        change_reason="修正" if record and record.submitted_at else "",
    )
    return saved.record


def _approve(world) -> None:
    record = SelfEvaluation.objects.get(item=world.own_item, fiscal_year=OPEN_YEAR)
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"])


def _dashboard(world, **params) -> str:
    response = _client(world, "manager").get(reverse("reports:dashboard"), {"plan": "第8期", **params})
    assert response.status_code == 200
    return response.content.decode()


def _headline_cell(html: str) -> str:
    """Return the dashboard row of 受講者数 (its headline figure, rate and status)."""
    start = html.index('<th scope="row" class="ind-name">受講者数')
    return html[start : html.index("</tr>", start)]


def _api_year(world, fiscal_year: int, **params) -> dict:
    response = _client(world, "manager").get(reverse("reports:api_progress"), {"plan": "第8期", **params})
    indicator = response.json()["areas"][0]["items"][0]["indicators"][0]
    return next(year for year in indicator["years"] if year["fiscal_year"] == fiscal_year)


def _item_page(world) -> str:
    return _client(world, "manager").get(reverse("reports:item", args=[world.own_item.id])).content.decode()


def _table(world, **params) -> str:
    params = {"plan": "第8期", "fiscal_year": OPEN_YEAR, **params}
    return _client(world, "manager").get(reverse("reports:table"), params).content.decode()


def _summary_row(world) -> dict:
    response = _client(world, "manager").get(reverse("sheets:summary"), {"plan": "第8期"})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)))["第8期"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    return next(row for row in rows if row["指標"] == "受講者数")


def test_a_draft_20_for_reiwa_5_does_not_become_the_headline(approved_2021):
    world = approved_2021
    _save(world, 20)

    headline = _headline_cell(_dashboard(world))
    assert "144人" in headline and "令和3年度" in headline and "94.1%" in headline
    assert "13.1%" not in headline
    assert "下書き: 20人（令和5年度）" in headline

    year = _api_year(world, OPEN_YEAR)
    assert (year["actual"], year["achievement_rate"], year["status"], year["state"]) == (
        None,
        None,
        "not_entered",
        None,
    )
    assert year["pending"] == {"actual": 20, "actual_text": "20人", "verdict": None, "state": "draft"}
    assert _api_year(world, 2021)["state"] == "approved"

    item = _item_page(world)
    assert "下書き: 20人（令和5年度）" in item
    assert "この年度の内容は承認されていません" in item
    assert "13.1%" not in item

    table = _table(world)
    assert "下書き: 20人（令和5年度）" in table and "13.1%" not in table

    summary = _summary_row(world)
    assert (summary["令和5年度 実績"], summary["令和5年度 達成率"], summary["令和5年度 状況"]) == (None, None, "未入力")
    assert summary["承認待ちの実績"] == "下書き: 20人（令和5年度）"
    assert summary["令和3年度 実績"] == 144


def test_a_submitted_150_is_labelled_unapproved_and_counts_once_approved(approved_2021):
    world = approved_2021
    _save(world, 150, submit=True)
    assert "未承認: 150人（令和5年度）" in _headline_cell(_dashboard(world))
    assert _api_year(world, OPEN_YEAR)["pending"]["state"] == "submitted"
    assert "未承認: 150人（令和5年度）" in _table(world)
    assert _summary_row(world)["承認待ちの実績"] == "未承認: 150人（令和5年度）"

    _approve(world)
    headline = _headline_cell(_dashboard(world))
    assert "150人" in headline and "令和5年度" in headline and "98.0%" in headline
    assert "未承認" not in headline and "下書き" not in headline
    year = _api_year(world, OPEN_YEAR)
    assert (year["actual"], year["achievement_rate"], year["state"], year["pending"]) == (150, 98.0, "approved", None)
    assert "この年度の内容は承認されていません" not in _item_page(world)
    summary = _summary_row(world)
    assert (summary["令和5年度 実績"], summary["承認待ちの実績"]) == (150, None)


def test_an_approved_figure_reopened_and_edited_still_counts_with_the_newer_one_labelled(approved_2021):
    world = approved_2021
    _save(world, 150, submit=True)
    _approve(world)
    record = SelfEvaluation.objects.get(item=world.own_item, fiscal_year=OPEN_YEAR)
    services.self_evaluation_reopen(evaluation=record, user=world.users["admin"], reason="数値の誤り")
    _save(world, 160)

    headline = _headline_cell(_dashboard(world))
    assert "150人" in headline and "98.0%" in headline
    assert "下書き: 160人（令和5年度）" in headline
    year = _api_year(world, OPEN_YEAR)
    assert (year["actual"], year["state"]) == (150, "approved")
    assert year["pending"]["actual"] == 160 and year["pending"]["state"] == "draft"
    item = _item_page(world)
    assert "150人" in item and "下書き: 160人（令和5年度）" in item
    summary = _summary_row(world)
    assert (summary["令和5年度 実績"], summary["承認待ちの実績"]) == (150, "下書き: 160人（令和5年度）")

    # Submitted again and approved: the new figure counts.
    _save(world, 160, submit=True)
    assert _api_year(world, OPEN_YEAR)["pending"]["state"] == "submitted"
    _approve(world)
    year = _api_year(world, OPEN_YEAR)
    assert (year["actual"], year["state"], year["pending"]) == (160, "approved", None)


def test_the_filter_includes_unapproved_figures_labelled(approved_2021):
    world = approved_2021
    _save(world, 20)
    html = _dashboard(world, unapproved="on")
    assert "未承認の実績を含める" in html and 'name="unapproved"' in html and "checked" in html
    headline = _headline_cell(html)
    assert "20人" in headline and "13.1%" in headline and "下書き" in headline

    year = _api_year(world, OPEN_YEAR, unapproved="on")
    assert (year["actual"], year["achievement_rate"], year["state"], year["pending"]) == (20, 13.1, "draft", None)
    table = _table(world, unapproved="on")
    assert "13.1%" in table and '<span class="figure-state">下書き</span>' in table
    # Without the filter the same pages count the approved figures only.
    assert "13.1%" not in _headline_cell(_dashboard(world))


def test_the_staff_entry_screen_keeps_showing_what_they_typed(approved_2021):
    world = approved_2021
    _save(world, 20)
    url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    html = _client(world, "staff_own").get(url).content.decode()
    assert 'value="20"' in html or 'value="20.00"' in html
    assert "13.1%" in html


def _workbook(world, name: str, **params):
    response = _client(world, "manager").get(reverse(name), {"plan": "第8期", **params})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return load_workbook(io.BytesIO(content))


def _texts(worksheet) -> list[str]:
    return [str(value) for row in worksheet.iter_rows(values_only=True) for value in row if value is not None]


def test_the_table_workbook_and_the_sheet_count_approved_figures_and_list_newer_ones(approved_2021):
    world = approved_2021
    _save(world, 20)

    table = _workbook(world, "reports:table_xlsx").active
    header = [cell.value for cell in table[2]]
    rows = [dict(zip(header, row, strict=True)) for row in table.iter_rows(min_row=3, values_only=True)]
    reiwa5 = next(row for row in rows if row["年度"] == "令和5年度")
    assert (reiwa5["実績値"], reiwa5["達成率"], reiwa5["実績の状態"]) == (None, None, None)
    assert reiwa5["承認待ちの実績"] == "下書き: 20人（令和5年度）"
    included = _workbook(world, "reports:table_xlsx", unapproved="on").active
    rows = [dict(zip(header, row, strict=True)) for row in included.iter_rows(min_row=3, values_only=True)]
    reiwa5 = next(row for row in rows if row["年度"] == "令和5年度")
    assert (reiwa5["実績値"], reiwa5["実績の状態"], reiwa5["承認待ちの実績"]) == (20, "下書き", None)

    # The official sheet prints approved text only: 令和5年度's draft narratives are left out and
    # named in the notes; its 達成状況 worksheet lists the draft figure, labelled.
    SelfEvaluation.objects.filter(item=world.own_item, fiscal_year=2021).update(activities="令和3年度に研修を実施")
    sheet = _workbook(world, "sheets:self_evaluation_sheet")
    official, progress, notes = sheet.worksheets
    assert "令和3年度に研修を実施" in _texts(official)
    assert not any(text in _texts(official) for text in NARRATIVES.values())
    assert "下書き: 20人（令和5年度）" in _texts(progress)
    assert any("事項1 令和5年度（下書き）" in text for text in _texts(notes))
