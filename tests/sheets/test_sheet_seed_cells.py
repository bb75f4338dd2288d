"""Cells an official would otherwise still edit by hand, pinned against the seed's own text (issue 21 items 1–9).

Each expected text quotes seed 003 (第7期's sheet) or seed 000 (第8期's area 7), with the seed line.
"""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import load_workbook

from programs.models import Item, PlanPeriod, PolicyArea
from programs.selectors import sheet_layout
from programs.sheet_layouts import Source, full_width
from sheets.exports.self_evaluation import reference_lines


def _export(plan_name: str, path):
    call_command("export_sheet", "--plan", plan_name, "--output", str(path), stdout=io.StringIO())
    return load_workbook(path).worksheets[0]


def _item_rows(sheet, plan_name: str) -> dict[tuple[int, int | None, int], int]:
    """Return the sheet row of each item, keyed (area number, sub-area number, item number)."""
    plan = PlanPeriod.objects.get(name=plan_name)
    placed = sheet_layout(plan=plan).placed(plan.fiscal_years)
    item_column = next(index for index, column in enumerate(placed, start=1) if column.source == Source.ITEM)
    rows = {}
    for item in Item.objects.filter(area__plan=plan).select_related("area"):
        heading = f"事項{full_width(item.number)}\n{item.title}"
        rows[(item.area.number, item.area.sub_number, item.number)] = next(
            row
            for row in range(1, sheet.max_row + 1)
            if str(sheet.cell(row=row, column=item_column).value or "").startswith(heading)
        )
    return rows


def _column(plan_name: str, source: str, fiscal_year: int | None = None) -> int:
    plan = PlanPeriod.objects.get(name=plan_name)
    placed = sheet_layout(plan=plan).placed(plan.fiscal_years)
    return next(
        index
        for index, column in enumerate(placed, start=1)
        if column.source == source and (fiscal_year is None or column.fiscal_year == fiscal_year)
    )


# (area, sub-area, item) → the 参考資料 cell as seed 003 prints it.
SEED_REFERENCES = {
    # 「別紙3」「別紙5」 (lines 485, 486): one document a line (item 3).
    (2, 2, 1): "別紙3\n別紙5",
    # 「別紙4」「別紙5」 (lines 549, 550).
    (2, 2, 2): "別紙4\n別紙5",
    # 「-」 (lines 1597 and 1605), after the 令和２年度 self-assessments of 6 事項1 and 事項3 (item 4).
    (6, None, 1): "-",
    (6, None, 3): "-",
    # 「資料５」 (line 277) is the handout number at the top of page 1, not 1 事項2's reference (item 6).
    (1, None, 2): None,
    # 「別紙1」 (line 133) stays 1 事項1's.
    (1, None, 1): "別紙1",
}


@pytest.mark.django_db
def test_reference_cells_print_what_seed_003_prints(tokyo_data, tmp_path):
    sheet = _export("第7期", tmp_path / "sheet07.xlsx")
    rows = _item_rows(sheet, "第7期")
    column = _column("第7期", Source.REFERENCE)
    printed = {key: sheet.cell(row=rows[key], column=column).value for key in SEED_REFERENCES}
    assert printed == SEED_REFERENCES


def test_a_reference_listing_documents_prints_one_document_a_line():
    assert reference_lines("別紙3、別紙5") == ["別紙3", "別紙5"]
    assert reference_lines("別紙７－１２，資料2") == ["別紙７－１２", "資料2"]
    # Anything that is not a list of document numbers stays as entered.
    assert reference_lines("-") == ["-"]
    assert reference_lines("別紙3（研修資料、名簿）") == ["別紙3（研修資料、名簿）"]
    assert reference_lines("") == []


@pytest.mark.django_db
def test_target_cell_prints_the_plans_wording_as_written(tokyo_data, tmp_path):
    """Item 2: seed 003 lines 828-834 print 「540人 (初任者) 180人 (現任者) （H30～ 32）」: one period for both."""
    sheet = _export("第7期", tmp_path / "sheet07.xlsx")
    rows = _item_rows(sheet, "第7期")
    column = _column("第7期", Source.TARGET)
    assert sheet.cell(row=rows[(3, None, 1)], column=column).value == "540人(初任者)\n180人(現任者)（H30～32）"
    # An item with no wording of its own still prints its indicators' wording: 「62区市町村対象」.
    assert sheet.cell(row=rows[(4, None, 2)], column=column).value == "62区市町村対象"


@pytest.mark.django_db
def test_area_2_prints_its_title_with_its_sub_headings(tokyo_data, tmp_path):
    """Item 1: seed 003 prints 「２　地域ケア会議及び介護予防の効果的な実施に向けた支援」 on both of area 2's
    pages (lines 302, 510), with 「【（１）地域ケア会議】」 (line 278) and 「【（２）介護予防】」 (line 469)."""
    sheet = _export("第7期", tmp_path / "sheet07.xlsx")
    headings = [
        sheet.cell(row=row, column=1).value
        for row in range(1, sheet.max_row + 1)
        if str(sheet.cell(row=row, column=1).value or "")[:1] in {"１", "２", "３", "【"}
    ]
    assert headings == [
        "１\u3000保険者による地域分析及び事業計画の策定等への支援",
        "２\u3000地域ケア会議及び介護予防の効果的な実施に向けた支援",
        "【（１）地域ケア会議】",
        "２\u3000地域ケア会議及び介護予防の効果的な実施に向けた支援",
        "【（２）介護予防】",
        "３\u3000生活支援体制整備に向けた支援",
    ]


@pytest.mark.django_db
def test_the_sheet_import_reads_area_2_back_under_its_parent(tokyo_data):
    from programs.models import PolicyArea
    from sheets.services import plan_sheet_import

    from .test_plan_sheet_import import draft_of, export_bytes

    draft = draft_of(export_bytes("第7期"))
    assert draft.problems == ()
    plan = plan_sheet_import(draft=draft, plan_name="第7期（取込）").plan
    areas = {(a.number, a.sub_number): a for a in PolicyArea.objects.filter(plan=plan).select_related("parent")}
    assert areas[(2, 1)].title == "地域ケア会議"
    assert areas[(2, 2)].parent.title == "地域ケア会議及び介護予防の効果的な実施に向けた支援"
    assert areas[(2, 1)].parent == areas[(2, 2)].parent == areas[(2, None)]


def _merged_over(sheet, column: int, rows: list[int]):
    return next(
        (
            merged
            for merged in sheet.merged_cells.ranges
            if merged.min_col == merged.max_col == column
            and merged.min_row <= min(rows)
            and max(rows) <= merged.max_row
        ),
        None,
    )


# Texts seed 003 prints once beside two items: (first item, second item, column, fiscal year, seed line).
SEED_SHARED = [
    ((2, 1, 1), (2, 1, 2), Source.REFERENCE, None, "別紙2"),  # line 300, the page's only 参考資料
    ((3, None, 1), (3, None, 2), Source.REFERENCE, None, "別紙6"),  # line 711
    ((3, None, 1), (3, None, 2), Source.ITEM_VISION, None, "すべての区市町村で生活支援コーディネーター"),  # 790-794
    ((3, None, 1), (3, None, 2), Source.ASSESSMENT, 2018, None),  # area 3's 平成30年度 自己評価
]


@pytest.mark.django_db
def test_a_text_shared_by_two_items_is_one_merged_cell(tokyo_data, tmp_path):
    """Item 5: area 3's ビジョン, its 平成30年度 自己評価, 別紙2 and 別紙6 are one merged cell each."""
    sheet = _export("第7期", tmp_path / "sheet07.xlsx")
    rows = _item_rows(sheet, "第7期")
    for first, second, source, fiscal_year, starts in SEED_SHARED:
        column = _column("第7期", source, fiscal_year)
        text = sheet.cell(row=rows[first], column=column).value
        assert text and (starts is None or text.startswith(starts)), (first, source)
        assert _merged_over(sheet, column, [rows[first], rows[second]]) is not None, (first, source, fiscal_year)
    # Each item's own 「-」 stays its own cell (6 事項1, 事項3 are not adjacent anyway; 1 事項2's 「-」 ビジョン).
    column = _column("第7期", Source.REFERENCE)
    assert _merged_over(sheet, column, [rows[(1, None, 1)], rows[(1, None, 2)]]) is None


def test_the_pdf_copy_breaks_before_a_bracket_group_that_would_wrap():
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from sheets.exports.layout import keep_brackets_whole

    sheet = Workbook().active
    sheet.column_dimensions["A"].width = 10
    sheet["A1"], sheet["A2"], sheet["A3"] = "153人（各年度）", "１回（各年度）", "指標(プロセス指標)"
    sheet["A4"] = "・地域ケア会議の推進に係る研修（講師養成研修、実務者研修）を実施"  # the group is longer than a line
    for row in range(1, 5):
        sheet[f"A{row}"].font = Font(size=9)  # the sheet's body font
    keep_brackets_whole(sheet)
    assert [sheet[f"A{row}"].value for row in range(1, 5)] == [
        "153人\n（各年度）",  # seed 000 breaks before （各年度）
        "１回（各年度）",  # fits: unchanged
        "指標\n(プロセス指標)",
        "・地域ケア会議の推進に係る研修（講師養成研修、実務者研修）を実施",
    ]


@pytest.mark.django_db
def test_the_8th_plans_pdf_never_breaks_inside_a_bracket(tokyo_data, soffice, tmp_path):
    """Item 8: the PDF printed 「153人（各年度」 and a lone 「）」, and broke 「参考指標（アウトカム指標）」 and
    「指標(プロセス指標)」 mid-word; seed 000 prints 「153人」 over 「（各年度）」."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    pdf = tmp_path / "sheet08.pdf"
    call_command("export_sheet", "--plan", "第8期", "--output", str(pdf), stdout=io.StringIO())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    lines = [line.strip() for line in text.splitlines()]
    assert "）" not in lines and ")" not in lines
    assert "（アウトカム指標）" in text and "(プロセス指標)" in text and "（各年度）" in text
    assert "153人（各年度" not in text and "参考指標（アウトカム指標\n" not in text
    # The workbook itself keeps the stored text: the break is the PDF's only.
    sheet = _export("第8期", tmp_path / "sheet08.xlsx")
    assert "153人（各年度）" in [cell.value for row in sheet.iter_rows() for cell in row]


# The year heading over 平成30年度's columns on each page of seed 003, by area: (area, sub-area) → heading.
SEED_YEAR_HEADINGS = {
    (1, None): "30年度",  # line 101
    (2, 1): "平成30年度",  # line 313
    (2, 2): "平成30年度",  # line 491
    (3, None): "平成30年度",  # line 772
    (4, None): "平成30年度",  # line 883
    (5, None): "平成30年度",  # line 1170
    (6, None): "平成30年度",  # line 1641
    (7, None): "30年度",  # line 2001
    (8, None): "30年度",  # line 2167
}


def _area_header_headings(sheet) -> list[tuple[str, str]]:
    """Return (the area's first heading, the year headings of the header above it) for each area's page."""
    pages = []
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == "事項":
            years = [sheet.cell(row=row, column=c).value for c in range(1, sheet.max_column + 1)]
            years = [text for text in years if text and str(text).endswith("年度")]
            titles = [str(sheet.cell(row=row + offset, column=1).value or "") for offset in (2, 3)]
            pages.append(("\n".join(titles), years))
    return pages


@pytest.mark.django_db
def test_each_area_prints_the_year_headings_of_its_seed_page(tokyo_data, tmp_path):
    """Item 7: seed 003 prints 「平成30年度」 on six of its nine pages and 「30年度」 on areas 1, 7 and 8's."""
    sheet = _export("第7期", tmp_path / "sheet07.xlsx")
    pages = _area_header_headings(sheet)
    assert len(pages) == len(SEED_YEAR_HEADINGS) == 9
    for (heading, years), ((number, sub), first) in zip(pages, SEED_YEAR_HEADINGS.items(), strict=True):
        assert heading.startswith(full_width(number)), (heading, number, sub)
        assert sub is None or f"\n【（{full_width(sub)}）" in heading, (heading, number, sub)
        assert years == [first, "令和元年度", "令和２年度"], (number, sub)


@pytest.mark.django_db
def test_the_8th_plans_single_page_keeps_its_automatic_year_headings(tokyo_data, tmp_path):
    sheet = _export("第8期", tmp_path / "sheet08.xlsx")
    assert [years for _, years in _area_header_headings(sheet)] == []  # its first column is 現状と課題
    assert [sheet.cell(row=1, column=c).value for c in (6, 8, 10)] == ["令和３年度", "令和４年度", "令和５年度"]


def test_a_layouts_area_headings_are_read_and_refused_with_a_japanese_message():
    from programs.models import SheetLayout
    from programs.sheet_layouts import ColumnSpec, parse_area_year_headings

    assert parse_area_year_headings("1: 30年度 令和元年度\n2-1：平成30年度　令和元年度") == (
        ("1", ("30年度", "令和元年度")),
        ("2-1", ("平成30年度", "令和元年度")),
    )
    for text, message in (
        ("30年度 令和元年度", "1行目「30年度 令和元年度」は「1: 30年度 令和元年度 令和２年度」の形で書いてください。"),
        ("1:", "1行目「1:」は"),
        ("一: 30年度", "1行目「一: 30年度」は"),
        ("1: 30年度\n1: 平成30年度", "分野「1」が2回書かれています。"),
    ):
        with pytest.raises(ValueError, match=message):
            parse_area_year_headings(text)
    layout = SheetLayout(name="x", area_year_headings="1 30年度")
    with pytest.raises(ValidationError) as error:
        layout.clean()
    assert "area_year_headings" in error.value.message_dict
    # A stored text the parser refuses never breaks the sheet: every page prints the layout's own headings.
    spec = layout.as_spec((ColumnSpec("取組", Source.ACTIVITIES, "each"),))
    assert spec.area_year_headings == () and spec.year_headings_of(1, None) == ()


@pytest.mark.django_db
@pytest.mark.libreoffice
def test_the_pdf_prints_each_pages_year_headings(tokyo_data, soffice, tmp_path):
    """Item 7, the PDF: page by page, the heading over 平成30年度's columns is the seed page's."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    pdf = tmp_path / "sheet07.pdf"
    call_command("export_sheet", "--plan", "第7期", "--output", str(pdf), stdout=io.StringIO())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, check=True, text=True).stdout
    # One page an area, as seed 003 prints: no area runs onto a page without its header.
    pages = [page for page in text.split("\f") if page.strip()]
    assert len(pages) == 9
    headers = []
    for page in pages:
        line = next(line for line in page.splitlines() if "令和元年度" in line and "令和２年度" in line)
        headers.append(line.split()[0])
    assert headers == list(SEED_YEAR_HEADINGS.values())


@pytest.mark.django_db
def test_the_sheet_import_reads_past_each_pages_header_and_still_reports_a_stray_year(tokyo_data):
    """The header above each area's page is no item; a year typed alone in a stray cell is still named."""
    from .test_plan_sheet_import import draft_of, export_bytes

    data = export_bytes("第7期")
    draft = draft_of(data)
    assert draft.problems == ()
    stored = [
        area.items.count()
        for area in PolicyArea.objects.filter(plan__name="第7期", items__isnull=False)
        .distinct()
        .order_by("number", "sub_number")
    ]
    assert [len(area.items) for area in draft.areas] == stored and len(stored) == 9
    assert draft.fiscal_years == (2018, 2019, 2020)

    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.worksheets[0]
    last = sheet.max_row + 1
    sheet.cell(row=last, column=5).value = "令和元年度"
    buffer = io.BytesIO()
    workbook.save(buffer)
    problems = draft_of(buffer.getvalue()).problems
    # Named at its cell (the reader's wording says what it read the row as; issue 19 item 6).
    assert [(p.row, p.column) for p in problems] == [(last, 5)], problems
    assert "令和元年度" in problems[0].message or "事項" in problems[0].message


@pytest.mark.django_db
def test_a_layout_file_with_an_unreadable_area_heading_line_is_refused_in_japanese(tokyo_data, tmp_path):
    import shutil

    import yaml
    from django.conf import settings

    from programs.imports.layout_yaml import LayoutDataError, layout_data_load

    directory = tmp_path / "tokyo"
    shutil.copytree(settings.BASE_DIR / "fixtures" / "tokyo", directory)
    data = yaml.safe_load((directory / "layouts.yaml").read_text(encoding="utf-8"))
    # A layout the file defines itself (with its columns; the shipped ones are only linked there).
    data["layouts"].append(
        {
            "name": "県独自様式",
            "columns": [{"heading": "事項", "source": "item"}, {"heading": "目標", "source": "target"}],
            "area_year_headings": {"一": ["30年度"]},
        }
    )
    (directory / "layouts.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(LayoutDataError, match="県独自様式: area_year_headings: 1行目「一: 30年度」"):
        layout_data_load(directory=directory)
