"""The self-evaluation sheet: structure, figures, merges, print settings and formula-injection defence."""

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import SelfEvaluation
from evaluations.progress import plan_progress
from programs.models import PlanPeriod, PolicyArea
from sheets.exports.self_evaluation import (
    HEADER_ACTIVITIES,
    HEADER_ASSESSMENT,
    HEADER_RATING,
    NOTES_TITLE,
    SHEET_TITLE,
    self_evaluation_workbook,
    sheet_data,
)
from tests import factories


def _sheet(plan_name: str, **filters):
    plan = PlanPeriod.objects.get(name=plan_name)
    workbook = self_evaluation_workbook(sheet_data(plan_progress(plan=plan, **filters)))
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


@pytest.mark.django_db
def test_the_first_worksheet_is_the_sheet_with_header_rows_and_era_years(tokyo_data):
    workbook = _sheet("第8期")
    assert workbook.sheetnames == [SHEET_TITLE, NOTES_TITLE]
    sheet = workbook.worksheets[0]
    assert sheet["A1"].value == "保険者機能強化に向けた都道府県の取組に係る自己評価シート"
    assert sheet["A2"].value == "第8期（令和3年度～令和5年度）"
    assert [sheet.cell(row=3, column=c).value for c in range(1, 5)] == [
        "事項",
        "目標",
        "目標設定するに至った現状と課題",
        "令和5年度までに目指すべきビジョン",
    ]
    # Per fiscal year: activities, self-assessment and (on the 8th plan) 評定, under the era year.
    assert [sheet.cell(row=3, column=c).value for c in (5, 8, 11)] == ["令和3年度", "令和4年度", "令和5年度"]
    assert [sheet.cell(row=4, column=c).value for c in range(5, 8)] == [
        HEADER_ACTIVITIES,
        HEADER_ASSESSMENT,
        HEADER_RATING,
    ]
    assert sheet.cell(row=3, column=14).value == "参考資料"
    assert sheet.max_column == 14
    assert _merged(sheet, "E3") == "E3:G3"
    assert _merged(sheet, "A3") == "A3:A4"
    assert sheet["A1"].font.name == "ＭＳ ゴシック"


@pytest.mark.django_db
def test_the_8th_plan_area_7_item_1_shows_its_target_and_figures(tokyo_data):
    sheet = _sheet("第8期").worksheets[0]
    row = _row_of(sheet, "事項１\n自立支援・介護予防に向けた地域ケア会議の実践者養成研修")
    assert sheet.cell(row=row - 3, column=1).value == "７　地域ケア会議の推進"
    assert sheet.cell(row=row, column=2).value == "153人（各年度）"
    activities = sheet.cell(row=row, column=5).value
    assert "・講師養成研修を３コース実施し、合計で144人が受講した。" in activities
    assert "・講師養成研修の受講者数：144人（目標153人、達成率94.1%）" in activities
    assessment = sheet.cell(row=row, column=6).value
    assert assessment.startswith("＜自己評価＞\n・講師養成研修を３コース実施し")
    assert "＜今後の課題・対応策＞\n・引き続き研修を実施し" in assessment
    assert sheet.cell(row=row, column=14).value == "別紙7-12"
    # The area's 現状と課題 stands beside both items, merged over them.
    assert sheet.cell(row=row, column=3).value.startswith("○　要支援者等が")
    assert _merged(sheet, f"C{row}") == f"C{row}:C{row + 1}"
    assert sheet.cell(row=row, column=5).alignment.wrap_text is True
    assert sheet.cell(row=row, column=5).border.left.style == "thin"
    assert sheet.row_dimensions[row].height >= 100


@pytest.mark.django_db
def test_the_7th_plan_shows_the_cumulative_total_and_has_no_rating_column(tokyo_data):
    sheet = _sheet("第7期").worksheets[0]
    assert [sheet.cell(row=3, column=c).value for c in (5, 7, 9)] == ["平成30年度", "令和元年度", "令和2年度"]
    assert HEADER_RATING not in [sheet.cell(row=4, column=c).value for c in range(1, sheet.max_column + 1)]
    row = _row_of(sheet, "２（１）")
    item_row = row + 1
    fy2020 = sheet.cell(row=item_row, column=9).value
    assert "419人（累計1,199人／目標1,350人、達成率88.8%）" in fy2020


@pytest.mark.django_db
def test_print_setup_is_a3_landscape_fit_to_width_with_header_rows_and_a_break_per_area(tokyo_data):
    sheet = _sheet("第7期").worksheets[0]
    assert sheet.page_setup.paperSize == 8  # A3
    assert sheet.page_setup.orientation == "landscape"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    assert sheet.page_setup.fitToWidth == 1
    assert sheet.page_setup.fitToHeight == 0
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.freeze_panes == "B5"
    area_rows = sorted(cell.row for cell in sheet["A"][4:] if cell.font.sz == 11 and cell.font.b)
    area_count = PolicyArea.objects.filter(plan__name="第7期", items__isnull=False).distinct().count()
    assert len(area_rows) == area_count == 9
    assert sheet.cell(row=area_rows[1], column=1).value == "２（１）地域ケア会議"
    assert [brk.id for brk in sheet.row_breaks.brk] == [row - 1 for row in area_rows[1:]]


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
    SelfEvaluation.objects.filter(item=item, fiscal_year=2021).update(
        self_assessment="=1+1", next_steps="@SUM(A1)", activities="-2+3"
    )
    item.title = "+cmd|' /C calc'!A0"
    item.save()
    sheet = _sheet("第8期").worksheets[0]
    row = _row_of(sheet, "=1+1")
    cells = [sheet.cell(row=row, column=c) for c in (1, 5, 6)]
    assert all(cell.data_type == "s" for cell in cells)
    assert sheet.cell(row=row, column=6).value == "＜自己評価＞\n=1+1\n\n＜今後の課題・対応策＞\n@SUM(A1)"
    assert sheet.cell(row=row, column=5).value.startswith("-2+3")
    assert sheet.cell(row=row, column=5).quotePrefix is True
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
