"""Workbooks built to exhaust the reader (issue 18 items 2 and 3, and their class): refused in bounded time and memory.

Each workbook is written here from raw XML, as an attacker would: a merged range over every column,
one long shared string shown in thousands of cells, a huge string table, deep nesting, rows out of
order, a worksheet inflating to 100 MB. Each is run under an address-space limit (so a regression
fails with MemoryError instead of taking the machine down) and measured with tracemalloc; the
refusals are timed in CPU seconds of this process (the machine is shared, wall time is not ours).
"""

import io
import random
import resource
import string
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl.utils import get_column_letter

from programs.models import PlanPeriod
from sheets.exports.entry_template import RESULTS_SHEET
from sheets.forms import PlanSheetUploadForm
from sheets.imports import plan_sheet, reader
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.imports.upload import UploadRejected
from sheets.services import plan_sheet_layouts

from .helpers import rezip
from .test_hostile_workbooks import RESULTS_PART, _assert_refused, _next_row
from .test_hostile_workbooks import template as template

MB = 1024 * 1024
MEMORY_LIMIT = 100 * MB
CPU_LIMIT = 1.0  # seconds
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
SHEET = "自己評価シート"
SHARED_PART = "xl/sharedStrings.xml"


# -- Building workbooks from raw XML ------------------------------------------------------------------


def xlsx(worksheet: str, *, shared: str | None = None, sheet_name: str = SHEET) -> bytes:
    """Return the smallest package openpyxl and Excel open: one worksheet, optionally a shared-string table."""
    shared_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
    types = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        + (f'<Override PartName="/{SHARED_PART}" ContentType="{shared_type}"/>' if shared is not None else "")
        + "</Types>"
    )
    package_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{R}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    workbook = (
        f'<workbook xmlns="{NS}" xmlns:r="{R}"><sheets>'
        f'<sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    workbook_rels = (
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{R}/worksheet" Target="worksheets/sheet1.xml"/>'
        + (f'<Relationship Id="rId2" Type="{R}/sharedStrings" Target="sharedStrings.xml"/>' if shared else "")
        + "</Relationships>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", types)
        package.writestr("_rels/.rels", package_rels)
        package.writestr("xl/workbook.xml", workbook)
        package.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        package.writestr("xl/worksheets/sheet1.xml", worksheet)
        if shared is not None:
            package.writestr(SHARED_PART, shared)
    return buffer.getvalue()


def worksheet(rows: str, *, after: str = "", dimension: str = "A1") -> str:
    return f'<worksheet xmlns="{NS}"><dimension ref="{dimension}"/><sheetData>{rows}</sheetData>{after}</worksheet>'


def shared_table(*texts: str, count: str | None = None) -> str:
    counted = f' count="{count}" uniqueCount="{count}"' if count else ""
    return f'<sst xmlns="{NS}"{counted}>' + "".join(f"<si><t>{text}</t></si>" for text in texts) + "</sst>"


def shared_cells(cells: int, *, index: int = 0, columns: int = 80) -> str:
    """Return rows of cells all showing one shared string, ``columns`` to a row."""
    rows = []
    for row in range(1, cells // columns + 1):
        refs = "".join(f'<c r="{get_column_letter(c)}{row}" t="s"><v>{index}</v></c>' for c in range(1, columns + 1))
        rows.append(f'<row r="{row}">{refs}</row>')
    return "".join(rows)


def random_text(length: int) -> str:
    """Text that deflate cannot shrink much, so the file passes the zip-ratio check as the reported one did."""
    return "".join(random.Random(18).choices(string.ascii_letters + string.digits, k=length))


# -- Measuring ----------------------------------------------------------------------------------------


@contextmanager
def address_space_limit(extra: int = 1024 * MB):
    """Let this process map at most ``extra`` more bytes while inside: a regression raises MemoryError."""
    with open("/proc/self/status") as status:
        size = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    resource.setrlimit(resource.RLIMIT_AS, (size + extra, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _outcome(action: Callable[[], object]) -> object:
    with address_space_limit():
        try:
            return action()
        except UploadRejected as error:
            return error


def measured(action: Callable[[], object]) -> tuple[object, int, float]:
    """Run the action twice: timed in CPU seconds, then under tracemalloc (which slows it) for its peak.

    Return what it returned or raised, its peak traced memory and its CPU seconds.
    """
    started = time.process_time()
    outcome = _outcome(action)
    cpu = time.process_time() - started
    tracemalloc.start()
    try:
        _outcome(action)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, peak, cpu


def read_and_parse(data: bytes):
    """Do what the upload page and ``import_sheet`` do: read the workbook, then parse it into a draft."""
    return plan_sheet_parse(plan_sheet_read(data), layouts=plan_sheet_layouts())


def assert_refused_within_bounds(data: bytes, *fragments: str) -> str:
    outcome, peak, cpu = measured(lambda: read_and_parse(data))
    assert isinstance(outcome, UploadRejected), outcome
    message = str(outcome)
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    assert peak < MEMORY_LIMIT, f"peak {peak / MB:.0f} MB"
    assert cpu < CPU_LIMIT, f"{cpu:.2f} s"
    return message


def assert_the_form_and_the_command_refuse(data: bytes, tmp_path, fragment: str) -> None:
    """The upload form (システム管理者) and ``import_sheet`` give the same Japanese refusal; nothing is created."""
    form = PlanSheetUploadForm({"plan": "第9期（取込）"}, {"file": SimpleUploadedFile("シート.xlsx", data)})
    assert not form.is_valid()
    assert fragment in form.errors["file"][0]
    path = tmp_path / "シート.xlsx"
    path.write_bytes(data)
    with pytest.raises(CommandError, match=fragment):
        call_command("import_sheet", str(path), "--plan", "第9期（取込）")
    assert not PlanPeriod.objects.filter(name="第9期（取込）").exists()


# -- Item 2: a merged range over every column -----------------------------------------------------------


def merged_over_every_column(last_row: int = 3000) -> bytes:
    """The reported workbook: one merged range A1:XFD3000 and an empty cell at row 3000 (a few KB)."""
    rows = f'<row r="1">{_inline("A1", "見出し")}</row><row r="{last_row}"><c r="A{last_row}"/></row>'
    return xlsx(worksheet(rows, after=f'<mergeCells count="1"><mergeCell ref="A1:XFD{last_row}"/></mergeCells>'))


@pytest.mark.django_db
def test_a_merged_range_beyond_the_layouts_columns_is_refused_within_100_mb(tmp_path):
    data = merged_over_every_column()
    assert len(data) < 46_000
    limit = plan_sheet.SHEET_BOUNDS.label
    message = assert_refused_within_bounds(data, f"シート「{SHEET}」", "結合セル A1:XFD3000", limit)
    assert message.startswith(
        f"シート「{SHEET}」の結合セル A1:XFD3000 が取り込める範囲（CB列・3000行目まで）を超えています"
    )
    assert_the_form_and_the_command_refuse(data, tmp_path, "結合セル A1:XFD3000")


@pytest.mark.django_db
def test_a_merged_range_below_the_layouts_rows_is_refused():
    data = xlsx(worksheet('<row r="1"><c r="A1"/></row>', after='<mergeCells><mergeCell ref="A2:B3001"/></mergeCells>'))
    assert_refused_within_bounds(data, "結合セル A2:B3001", "3000行目まで")


@pytest.mark.django_db
def test_a_merged_range_inside_the_bounds_is_still_read():
    """The bound is the layout's: a sheet merging within 80 columns and 3,000 rows reads as before."""
    data = xlsx(
        worksheet(
            f'<row r="1">{_inline("A1", "７　地域ケア会議の推進")}</row><row r="3"><c r="A3"/></row>',
            after='<mergeCells><mergeCell ref="A1:CB3"/></mergeCells>',
        )
    )
    read = plan_sheet_read(data)
    assert read.sheet.merged == ("A1:CB3",)
    grid = plan_sheet._Grid(read.sheet)
    assert grid.value(3, 80) == "７　地域ケア会議の推進"
    assert grid.is_origin(1, 1) and not grid.is_origin(2, 80)
    assert grid.spans_to(1, 1) == 3


@pytest.mark.django_db
def test_thousands_of_tiny_merged_ranges_are_read_within_100_mb_and_a_second():
    """Every pair of cells in the bounds merged (120,000 ranges): bounded by the cells, not the ranges."""
    columns = plan_sheet.SHEET_BOUNDS.columns
    merges = "".join(
        f'<mergeCell ref="{get_column_letter(c)}{r}:{get_column_letter(c + 1)}{r}"/>'
        for r in range(1, plan_sheet.SHEET_BOUNDS.rows + 1)
        for c in range(1, columns + 1, 2)
    )
    data = xlsx(worksheet('<row r="1"><c r="A1"/></row>', after=f"<mergeCells>{merges}</mergeCells>"))
    outcome, peak, cpu = measured(lambda: read_and_parse(data))
    assert not isinstance(outcome, UploadRejected), outcome
    assert outcome.problems  # no header rows: the layout is not found, listed as a problem
    assert peak < MEMORY_LIMIT, f"peak {peak / MB:.0f} MB"
    assert cpu < 3 * CPU_LIMIT, f"{cpu:.2f} s"  # reads 120,000 ranges, refuses nothing


@pytest.mark.django_db
def test_merged_ranges_that_overlap_are_refused_at_the_second():
    """Overlapping ranges are what Excel calls a damaged file; repeated, they would multiply the work."""
    merges = '<mergeCell ref="A1:CB3000"/>' * 20_000
    data = xlsx(worksheet('<row r="1"><c r="A1"/></row>', after=f"<mergeCells>{merges}</mergeCells>"))
    assert_refused_within_bounds(data, "結合セル A1:CB3000 が別の結合セルと重なっています")


@pytest.mark.django_db
def test_the_entry_import_refuses_a_merged_range_beyond_its_columns(client, template):
    def merge(xml: str) -> str:
        return xml.replace("</sheetData>", '</sheetData><mergeCells><mergeCell ref="A6:XFD6"/></mergeCells>', 1)

    data = rezip(template, edit={RESULTS_PART: merge})
    _assert_refused(client, data, f"シート「{RESULTS_SHEET}」の結合セル A6:XFD6")


# -- Item 3: one long shared string shown in thousands of cells -----------------------------------------


@pytest.mark.django_db
def test_one_4_mb_shared_string_in_15600_cells_is_refused_in_under_a_second(tmp_path):
    data = xlsx(worksheet(shared_cells(15_600)), shared=shared_table(random_text(4 * MB)))
    assert 2.5 * MB < len(data) < 3.5 * MB  # the reported file was 3.1 MB
    assert_refused_within_bounds(data, SHARED_PART, "1 番目の文字列", "32,767文字")
    assert_the_form_and_the_command_refuse(data, tmp_path, "32,767文字")


@pytest.mark.django_db
def test_a_string_longer_than_the_sheets_cells_hold_is_refused_at_its_cell_before_it_is_read():
    limit = plan_sheet.SHEET_BOUNDS.text
    rows = "".join(f'<row r="{row}">{_inline(f"C{row}", random_text(limit + 1))}</row>' for row in range(1, 60))
    assert_refused_within_bounds(xlsx(worksheet(rows)), f"シート「{SHEET}」のセル C1 の文字数", f"{limit:,}文字")


@pytest.mark.django_db
def test_a_string_the_cells_hold_shown_in_every_cell_is_refused_by_the_sheets_total():
    """8,000 characters in 15,600 cells is 125 million to process: refused by the total, in a second."""
    data = xlsx(worksheet(shared_cells(15_600)), shared=shared_table(random_text(8000)))
    assert_refused_within_bounds(data, f"シート「{SHEET}」の文字数の合計", f"{reader.MAX_SHEET_TEXT:,}文字")


@pytest.mark.django_db
def test_a_huge_inline_string_is_refused_at_its_cell():
    text = random_text(3 * MB)
    data = xlsx(worksheet(f'<row r="1"><c r="B1" t="inlineStr"><is><t>{text}</t></is></c></row>'))
    assert_refused_within_bounds(data, "セル B1 の文字数")


@pytest.mark.django_db
def test_the_entry_import_refuses_a_long_text_before_reading_it(client, template):
    text = random_text(2 * MB)

    def long_cell(xml: str) -> str:
        row = _next_row(xml)
        return xml.replace(
            "</sheetData>", f'<row r="{row}"><c r="H{row}" t="inlineStr"><is><t>{text}</t></is></c></row></sheetData>'
        )

    started = time.process_time()
    _assert_refused(client, rezip(template, edit={RESULTS_PART: long_cell}), f"シート「{RESULTS_SHEET}」のセル H")
    assert time.process_time() - started < 5 * CPU_LIMIT  # the whole request, rendering and database included


# -- The class: other ways to make the reader work without bound ----------------------------------------


@pytest.mark.django_db
def test_a_shared_string_table_with_a_huge_count_attribute_is_read_by_what_it_holds():
    data = xlsx(
        worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'), shared=shared_table("見出し", count="4294967295")
    )
    outcome, peak, cpu = measured(lambda: plan_sheet_read(data))
    assert outcome.sheet.rows[0][0] == "見出し"
    assert peak < 20 * MB and cpu < CPU_LIMIT


@pytest.mark.django_db
def test_a_shared_string_table_holding_too_many_strings_is_refused_before_openpyxl_loads_it():
    texts = [format(number, "x") for number in range(reader.MAX_SHARED_STRINGS + 1)]
    data = xlsx(worksheet('<row r="1"><c r="A1"/></row>'), shared=shared_table(*texts))
    assert_refused_within_bounds(data, SHARED_PART, f"{reader.MAX_SHARED_STRINGS:,}個")


@pytest.mark.django_db
def test_a_dimension_reaching_xfd1048576_is_refused_unread():
    data = xlsx(worksheet('<row r="1"><c r="A1"/></row>', dimension="A1:XFD1048576"))
    assert_refused_within_bounds(data, "使用範囲（A1:XFD1048576）")


@pytest.mark.django_db
@pytest.mark.parametrize("part", ["sheet", "shared"])
def test_deeply_nested_elements_are_refused(part):
    nested = "<r>" * 5000 + "<t>x</t>" + "</r>" * 5000
    if part == "sheet":
        data = xlsx(worksheet(f'<row r="1"><c r="A1" t="inlineStr"><is>{nested}</is></c></row>'))
    else:
        data = xlsx(
            worksheet('<row r="1"><c r="A1" t="s"><v>0</v></c></row>'),
            shared=f'<sst xmlns="{NS}"><si>{nested}</si></sst>',
        )
    assert_refused_within_bounds(data, "入れ子が深すぎます")


def _inline(cell: str, text: str) -> str:
    return f'<c r="{cell}" t="inlineStr"><is><t>{text}</t></is></c>'


@pytest.mark.django_db
def test_a_row_listed_after_a_later_one_is_refused_not_dropped():
    """openpyxl drops a row listed after a later one: the item in it would vanish from the plan unsaid."""
    rows = f'<row r="5">{_inline("A5", "事項２")}</row><row r="3">{_inline("A3", "事項１")}</row>'
    assert_refused_within_bounds(xlsx(worksheet(rows)), "3 行目の記録が 5 行目の記録の後にあります")


@pytest.mark.django_db
def test_a_cell_filed_under_another_row_or_twice_in_a_column_is_refused():
    moved = f'<row r="3">{_inline("A7", "事項１")}</row>'
    assert_refused_within_bounds(xlsx(worksheet(moved)), "セル A7 の記録の位置が正しくありません")
    twice = f'<row r="3">{_inline("B3", "一")}{_inline("B3", "二")}</row>'
    assert_refused_within_bounds(xlsx(worksheet(twice)), "セル B3 の記録の位置が正しくありません")


@pytest.mark.django_db
def test_empty_cells_out_of_order_lose_nothing_and_are_read():
    rows = f'<row r="5">{_inline("A5", "見出し")}</row><row r="3"><c r="A3"/></row>'
    read = plan_sheet_read(xlsx(worksheet(rows)))
    assert read.sheet.rows[4][0] == "見出し"


@pytest.mark.django_db
def test_a_worksheet_inflating_to_100_mb_is_refused_before_it_is_inflated():
    cell = '<c r="A1" t="inlineStr"><is><t>あ</t></is></c>'
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(xlsx(worksheet(""))))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != "xl/worksheets/sheet1.xml":
                target.writestr(member, source.read(member))
        with target.open("xl/worksheets/sheet1.xml", "w") as part:  # written in chunks: never 100 MB at once here
            part.write(f'<worksheet xmlns="{NS}"><sheetData><row r="1">'.encode())
            chunk = (cell * 4096).encode()
            for _ in range(100 * MB // len(chunk) + 1):
                part.write(chunk)
            part.write(b"</row></sheetData></worksheet>")
    data = buffer.getvalue()
    assert len(data) < 5 * MB
    assert_refused_within_bounds(data, "圧縮爆弾の疑い")


def with_styles(data: bytes, styles: str) -> bytes:
    """Add a styles part, declared as Excel declares it."""
    styles_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
    return rezip(
        data,
        add={"xl/styles.xml": styles},
        edit={
            "[Content_Types].xml": lambda xml: xml.replace(
                "</Types>", f'<Override PartName="/xl/styles.xml" ContentType="{styles_type}"/></Types>'
            ),
            "xl/_rels/workbook.xml.rels": lambda xml: xml.replace(
                "</Relationships>", f'<Relationship Id="rId9" Type="{R}/styles" Target="styles.xml"/></Relationships>'
            ),
        },
    )


@pytest.mark.django_db
def test_a_styles_part_of_400000_elements_is_refused_before_openpyxl_builds_it():
    """openpyxl parses the styles whole: 400,000 number formats in a 3.5 MB file took 320 MB and 6 s."""
    rnd = random.Random(18)
    formats = "".join(
        f'<numFmt numFmtId="{200 + number}" formatCode="{"".join(rnd.choices(string.ascii_letters, k=6))}"/>'
        for number in range(400_000)
    )
    styles = f'<styleSheet xmlns="{NS}"><numFmts count="400000">{formats}</numFmts></styleSheet>'
    data = with_styles(xlsx(worksheet('<row r="1"><c r="A1"/></row>')), styles)
    assert len(data) < 5 * MB
    assert_refused_within_bounds(data, "xl/styles.xml", "要素が多すぎます")


@pytest.mark.django_db
def test_a_plain_styles_part_is_read():
    formats = '<numFmts count="1"><numFmt numFmtId="200" formatCode="0.0"/></numFmts>'
    styles = f'<styleSheet xmlns="{NS}">{formats}</styleSheet>'
    data = with_styles(xlsx(worksheet(f'<row r="1">{_inline("A1", "見出し")}</row>')), styles)
    assert plan_sheet_read(data).sheet.rows[0][0] == "見出し"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("rows", "fragment"),
    [
        ('<row r="²"><c r="A1"/></row>', "行番号「²」"),  # a digit to str.isdigit, not to int()
        (f'<row r="{"9" * 5000}"><c r="A1"/></row>', "行番号「99999"),  # past int()'s 4,300 digits
        ('<row r="1"><c r="A1" t="s"><v>²</v></c></row>', "文字列の番号"),
        (f'<row r="1"><c r="A1" t="s"><v>{"1" * 5000}</v></c></row>', "文字列の番号"),
    ],
)
def test_a_row_or_string_number_int_cannot_read_is_refused_not_a_500(rows, fragment):
    data = xlsx(worksheet(rows), shared=shared_table("見出し"))
    assert_refused_within_bounds(data, fragment)


ELEMENT_FLOODS = {
    # openpyxl keeps every element outside the rows in the sheet's tree until the sheet is read.
    "views_outside_the_rows": (
        worksheet('<row r="1"><c r="A1"/></row>').replace(
            "<sheetData>", "<sheetViews>" + "<selection/>" * 60_000 + "</sheetViews><sheetData>"
        ),
        "要素が多すぎます（50,000個まで）",
    ),
    # openpyxl builds each cell's elements as a tree: empty runs carry no text to count.
    "empty_runs_in_one_cell": (
        worksheet('<row r="1"><c r="A1" t="inlineStr"><is>' + "<r/>" * 100_000 + "</is></c></row>"),
        "セル A1 の要素が多すぎます",
    ),
    # Empty rows out of order lose nothing, but could repeat without end.
    "empty_rows_repeated": (worksheet('<row r="5"/>' + '<row r="1"/>' * 60_000), "同じ行の記録が繰り返されています"),
    "a_row_past_excels_last": (worksheet('<row r="1048577"><c r="A1"/></row>'), "行番号「1048577」"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(ELEMENT_FLOODS))
def test_a_flood_of_elements_in_a_worksheet_is_refused_within_bounds(case):
    sheet, fragment = ELEMENT_FLOODS[case]
    assert_refused_within_bounds(xlsx(sheet), fragment)
