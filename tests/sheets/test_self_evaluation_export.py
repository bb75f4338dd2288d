"""The self-evaluation sheet: structure, figures, merges, print settings and formula-injection defence."""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.progress import plan_progress
from programs.models import PlanPeriod, PolicyArea
from programs.selectors import sheet_layout
from sheets.exports.layout import line_count
from sheets.exports.self_evaluation import (
    NOTES_TITLE,
    PROGRESS_TITLE,
    SHEET_TITLE,
    self_evaluation_workbook,
    sheet_data,
)
from tests import factories


def _sheet(plan_name: str, **filters):
    plan = PlanPeriod.objects.get(name=plan_name)
    workbook = self_evaluation_workbook(sheet_data(plan_progress(plan=plan, **filters), sheet_layout(plan=plan)))
    buffer = io.BytesIO()
    workbook.save(buffer)  # read back what a client would read, not the objects in memory
    return load_workbook(io.BytesIO(buffer.getvalue()))


def _row_of(worksheet, text: str) -> int:
    for row in worksheet.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and text in cell.value:
                return cell.row
    raise AssertionError(f"{text!r} not found")


def _merged(worksheet, cell: str) -> str | None:
    return next((str(r) for r in worksheet.merged_cells.ranges if cell in r), None)


def _texts(worksheet) -> list[str]:
    return [cell.value for row in worksheet.iter_rows() for cell in row if isinstance(cell.value, str)]


@pytest.mark.django_db
def test_the_8th_plan_prints_its_own_layout_with_the_seed_headings(tokyo_data):
    workbook = _sheet("第8期")
    assert workbook.sheetnames == [SHEET_TITLE, PROGRESS_TITLE, NOTES_TITLE]
    sheet = workbook.worksheets[0]
    # Seed 000 has no title line: the header comes first.
    assert [sheet.cell(row=1, column=c).value for c in range(1, 6)] == [
        "目標設定するに至った現状と課題",
        "ビジョン・目標",
        "参考指標（アウトカム指標）",
        "目標に向けた取組",
        "指標(プロセス指標)",
    ]
    assert [sheet.cell(row=1, column=c).value for c in (6, 8, 10)] == ["令和３年度", "令和４年度", "令和５年度"]
    assert [sheet.cell(row=2, column=c).value for c in range(6, 13)] == [
        "実績",
        "自己評価と今後の課題・対応策",
        "実績",
        "自己評価と今後の課題・対応策",
        "実績",
        "評定",
        "自己評価と評定のポイント",
    ]
    assert sheet.cell(row=1, column=13).value == "参考資料"
    assert sheet.max_column == 13
    assert _merged(sheet, "F1") == "F1:G1"
    assert _merged(sheet, "J1") == "J1:L1"  # one 評定, at the period's end
    assert _merged(sheet, "A1") == "A1:A2"
    # Each area's page prints its own header above its items, not print titles (issue 21 item 7).
    assert sheet.print_title_rows is None
    assert sheet.cell(row=1, column=1).font.name == "ＭＳ ゴシック"


@pytest.mark.django_db
def test_the_7th_plan_prints_its_own_layout_title_and_note(tokyo_data):
    sheet = _sheet("第7期").worksheets[0]
    assert sheet["A1"].value == "自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定"
    assert sheet["A2"].value == "《参考》第７期東京都高齢者保健福祉計画（平成30年度～平成32年度）ｐ378～380"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 5)] == [
        "事項",
        "目標",
        "目標設定するに至った現状と課題（区市町村ニーズ）",
        "令和２年度までに目指すべきビジョン",
    ]
    assert [sheet.cell(row=3, column=c).value for c in (5, 7, 9)] == ["30年度", "令和元年度", "令和２年度"]
    assert [sheet.cell(row=4, column=c).value for c in (5, 6)] == [
        "取組の実施内容・実績",
        "自己評価と今後の課題・対応策",
    ]
    assert sheet.cell(row=3, column=11).value == "参考資料"
    assert sheet.max_column == 11
    assert "評定" not in [sheet.cell(row=4, column=c).value for c in range(1, 12)]


@pytest.mark.django_db
def test_the_8th_plan_area_7_item_1_prints_the_official_text_only(tokyo_data):
    sheet = _sheet("第8期").worksheets[0]
    row = _row_of(sheet, "事項１\n自立支援・介護予防に向けた地域ケア会議の実践者養成研修")
    assert sheet.cell(row=row - 1, column=1).value == "７　地域ケア会議の推進"
    assert sheet.cell(row=row, column=4).value == (
        "事項１\n自立支援・介護予防に向けた地域ケア会議の実践者養成研修の講師を育成するための研修を実施\n"
        "（関連する取組）\n・自立支援・介護予防に向けた地域ケア会議推進事業"
    )
    assert sheet.cell(row=row, column=5).value == "153人（各年度）"
    assert sheet.cell(row=row, column=6).value == "144人"  # the figure as written, not narrative
    assert sheet.cell(row=row, column=7).value == (
        "＜自己評価＞\n・講師養成研修を３コース実施し、合計で144人が受講した。\n"
        "・研修はオンラインで実施し、コロナ禍においても受講できる機会を確保した。\n\n"
        "＜今後の取組方針＞\n・引き続き研修を実施し、各区市町村が地域ケア会議を有効に活用できるよう支援する。"
    )
    assert sheet.cell(row=row, column=13).value == "別紙7-12"
    # The area's 現状と課題, vision and outcome indicator stand beside both items, merged over them.
    assert sheet.cell(row=row, column=1).value.startswith("○　要支援者等が")
    assert sheet.cell(row=row, column=2).value == "②安心して暮らし続けられる\n　【②－３】地域で支え合える"
    assert sheet.cell(row=row, column=3).value.startswith("・高齢者の自立支援・介護予防に向け")
    assert _merged(sheet, f"A{row}") == f"A{row}:A{row + 1}"
    assert _merged(sheet, f"B{row}") == f"B{row}:B{row + 1}"
    assert sheet.cell(row=row + 1, column=6).value == "1回"
    assert sheet.cell(row=row, column=7).alignment.wrap_text is True
    assert sheet.cell(row=row, column=7).border.left.style == "thin"
    assert sheet.row_dimensions[row].height >= 100


@pytest.mark.django_db
def test_no_official_cell_holds_generated_figures_labels_or_normalised_units(tokyo_data):
    # The old export appended 「【実績】\n・<indicator>：<figure>（目標…、達成率…）」 to every activities cell.
    generated = re.compile(r"：[^\n]*（(?:目標|累計|達成率)[^\n]*）")
    for plan in ("第7期", "第8期"):
        texts = _texts(_sheet(plan).worksheets[0])
        assert not [text for text in texts if generated.search(text) or "達成率" in text], plan
    sheet = _sheet("第7期").worksheets[0]
    assert not [text for text in _texts(sheet) if text.startswith("＜自己評価＞")]
    row = _row_of(sheet, "事項２\n地域ケア会議を開催し")
    assert "2区市町村" not in "".join(str(sheet.cell(row=row, column=c).value) for c in range(1, 12))
    assert sheet.cell(row=row, column=7).value.startswith("・有識者等による会議体を組織し、２市を支援")


@pytest.mark.django_db
def test_the_target_column_holds_the_plan_wording_only(tokyo_data):
    sheet = _sheet("第7期").worksheets[0]
    column = {cell.value: cell.column for cell in sheet[4] if cell.value} | {
        cell.value: cell.column for cell in sheet[3] if cell.value
    }
    targets = [
        sheet.cell(row=row, column=column["目標"]).value
        for row in range(5, sheet.max_row + 1)
        if isinstance(sheet.cell(row=row, column=1).value, str)
        and sheet.cell(row=row, column=1).value.startswith("事項")
    ]
    assert "年１回以上" in targets
    assert "増加" in targets
    assert "介護福祉士増加" in targets
    assert "600人(総論編)\n180人(実践編)" in targets
    assert not [t for t in targets if t and ("目標数値" in t or "：" in t)]


@pytest.mark.django_db
def test_the_reference_column_prints_one_attachment_a_line(tokyo_data):
    # Seed 003 lines 2063-2064: 「別紙15」「別紙16」 on lines of their own (issue 21 item 3; before,
    # this test pinned 「別紙15、別紙16」 on one line).
    sheet = _sheet("第7期").worksheets[0]
    width = sheet.column_dimensions["K"].width
    assert line_count("別紙15", width) == 1
    assert "別紙15\n別紙16" in _texts(sheet)


@pytest.mark.django_db
def test_computed_figures_go_on_the_progress_worksheet(tokyo_data):
    progress = _sheet("第7期")[PROGRESS_TITLE]
    header = [cell.value for cell in progress[1]]
    # The computed figures first; then, marked 取込用, what the sheet import reads back (issue 13 §3).
    assert header[15:] == [
        "指標キー（取込用）",
        "指標名（取込用）",
        "構成要素（取込用）",
        "指標の種別（取込用）",
        "登録目標（取込用）",
        "実施区市町村数（取込用）",
        "期間累計の実施区市町村数（取込用）",
        "達成の判断（取込用）",
        "判断の根拠（取込用）",
        "担当課（取込用）",
        "関連事業（取込用）",
        "期間外の実績（取込用）",
        "目標の記載（取込用）",
    ]
    assert header[:15] == [
        "分野",
        "事項",
        "指標",
        "年度",
        "目標（原文）",
        "目標",
        "実績（原文）",
        "実績",
        "単位",
        "達成率",
        "期間累計",
        "期間目標",
        "累計達成率",
        "状況",
        "承認待ちの実績",  # issue 12: a newer figure than the approved one, labelled 下書き/未承認
    ]
    rows = [[cell.value for cell in row] for row in progress.iter_rows(min_row=2)]
    fy2020 = next(r for r in rows if r[0] == "2（1）地域ケア会議" and r[1] == "事項1" and r[3] == "令和2年度")
    record = dict(zip(header, fy2020, strict=True))
    # The year against its share (募集規模540人), the running total against the period's 1,350 beside it.
    assert (record["目標"], record["実績"], record["達成率"]) == (540, 419, 0.776)
    assert (record["期間累計"], record["期間目標"], record["累計達成率"]) == (1199, 1350, 0.888)
    assert record["実績（原文）"] == "・修了者419人（募集規模540人）"
    eighth = _sheet("第8期")[PROGRESS_TITLE]
    rows = [[cell.value for cell in row] for row in eighth.iter_rows(min_row=2)]
    trainees = next(r for r in rows if r[2] == "講師養成研修の受講者数" and r[3] == "令和3年度")
    # 承認待ちの実績 (issue 12) is empty: every Tokyo figure is approved.
    assert trainees[4:15] == ["153人（各年度）", 153, "144人", 144, "人", 0.941, None, None, None, "概ね達成", None]
    courses = next(r for r in rows if r[2] == "講師養成研修の実施コース数" and r[3] == "令和3年度")
    assert courses[header.index("状況")] == "実績（参考）"


@pytest.mark.django_db
def test_print_setup_is_a3_landscape_fit_to_width_with_header_rows_and_a_break_per_area(tokyo_data):
    sheet = _sheet("第7期").worksheets[0]
    assert sheet.page_setup.paperSize == 8  # A3
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    # The header stands above each area's items, with that page's year headings (issue 21 item 7):
    # no print titles, which would print one area's headings on every page.
    assert sheet.print_title_rows is None
    assert sheet.freeze_panes == "B5"
    heading_rows = sorted(cell.row for cell in sheet["A"][4:] if cell.font.sz == 11 and cell.font.b)
    # Area 2's sub-areas print under their parent's title (issue 21 item 1): one area, two heading rows.
    area_rows = [row for row in heading_rows if row - 1 not in heading_rows]
    area_count = PolicyArea.objects.filter(plan__name="第7期", items__isnull=False).distinct().count()
    assert len(area_rows) == area_count == 9
    assert sheet.cell(row=area_rows[1], column=1).value == "２　地域ケア会議及び介護予防の効果的な実施に向けた支援"
    assert sheet.cell(row=area_rows[1] + 1, column=1).value == "【（１）地域ケア会議】"
    # Each page break falls before the two header rows that open the next area's page.
    assert [brk.id for brk in sheet.row_breaks.brk] == [row - 3 for row in area_rows[1:]]
    assert all(sheet.cell(row=row - 2, column=1).value == "事項" for row in area_rows)


@pytest.mark.django_db
def test_one_area_only(tokyo_data):
    area = PolicyArea.objects.get(plan__name="第7期", number=1)
    sheet = _sheet("第7期", area_ids=[area.id]).worksheets[0]
    headings = [c.value for c in sheet["A"] if isinstance(c.value, str) and c.value.startswith(("１", "２"))]
    assert headings == ["１　保険者による地域分析及び事業計画の策定等への支援"]
    assert not sheet.row_breaks.brk


@pytest.mark.django_db
def test_text_that_looks_like_a_formula_is_written_as_text(tokyo_data):
    item = PlanPeriod.objects.get(name="第8期").areas.get(number=7).items.get(number=1)
    SelfEvaluation.objects.filter(item=item, fiscal_year=2021).update(self_assessment="=1+1", next_steps="@SUM(A1)")
    YearlyResult.objects.filter(indicator__item=item, indicator__key="trainees", fiscal_year=2021).update(
        actual_text="-2+3"
    )
    item.title = "+cmd|' /C calc'!A0"
    item.save()
    sheet = _sheet("第8期").worksheets[0]
    row = _row_of(sheet, "=1+1")
    cells = [sheet.cell(row=row, column=c) for c in (4, 6, 7)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sheet.cell(row=row, column=7).value == "＜自己評価＞\n=1+1\n\n＜今後の取組方針＞\n@SUM(A1)"
    assert sheet.cell(row=row, column=6).value == "-2+3"
    assert sheet.cell(row=row, column=6).quotePrefix is True
    formulas = [c for r in sheet.iter_rows() for c in r if c.data_type == "f"]
    assert formulas == []


@pytest.mark.django_db
def test_a_cell_that_is_only_a_formula_stays_text():
    from openpyxl import Workbook

    from sheets.exports.layout import write_cell

    sheet = Workbook().active
    for value in ("=1+1", "@SUM(A1)", "+1", "-1", '=HYPERLINK("http://x")'):
        cell = write_cell(sheet.cell(row=1, column=1), value)
        assert (cell.data_type, cell.value, cell.quotePrefix) == ("s", value, True)


@pytest.mark.django_db
def test_the_view_downloads_the_sheet_and_one_area(client, staff_user):
    client.force_login(staff_user)
    plan = PlanPeriod.objects.get(name="第8期")
    area = plan.areas.get(number=7)
    response = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期", "area": area.id})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "attachment" in response["Content-Disposition"]
    assert "filename*=utf-8''" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert workbook.worksheets[0].title == SHEET_TITLE
    other_plan_area = PolicyArea.objects.filter(plan__name="第7期").first()
    response = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期", "area": other_plan_area.id})
    assert response.status_code == 404
    assert client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第99期"}).status_code == 404


@pytest.mark.django_db
def test_the_view_needs_a_login_and_a_role(client, tokyo_data, django_user_model):
    url = reverse("sheets:self_evaluation_sheet")
    assert client.get(url, {"plan": "第8期"}).status_code == 302
    client.force_login(django_user_model.objects.create_user("no-role"))
    assert client.get(url, {"plan": "第8期"}).status_code == 403


@pytest.mark.django_db
def test_the_export_runs_a_fixed_number_of_queries_at_two_data_sizes(client, manager_user):
    client.force_login(manager_user)
    url = reverse("sheets:self_evaluation_sheet")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"plan": "第7期"})
            b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(queries)

    small = count()
    area = PlanPeriod.objects.get(name="第7期").areas.first()
    for number in range(50, 53):
        item = factories.item(area=area, number=number, title="追加事項")
        indicator = factories.indicator(item_=item)
        factories.target(indicator_=indicator)
        factories.yearly_result(indicator_=indicator, fiscal_year=2019, value=Decimal(5))
        factories.self_evaluation(item_=item, fiscal_year=2019)
    assert count() == small


@pytest.mark.django_db
def test_export_sheet_command_writes_the_file(tokyo_data, tmp_path):
    from django.core.management import call_command

    output = tmp_path / "sheet.xlsx"
    call_command("export_sheet", "--plan", "第8期", "--area", "7", "--output", str(output), stdout=io.StringIO())
    sheet = load_workbook(output).worksheets[0]
    assert _row_of(sheet, "153人（各年度）")
