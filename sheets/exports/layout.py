"""The one home for writing workbooks: declared columns, the safe cell writer, sheet titles, print set-up.

Every export (the self-evaluation sheet, the summary, the entry workbook, the comparison table)
writes through this module. A column is declared once (header, how to read the value from a row,
number format, width) and placed by its position in the tuple; rows and columns are numbers, and
only ``cell_ref`` and ``cell_range`` turn them into Excel's letters, so no coordinate is typed by
hand. Text always goes through ``write_cell``, which never lets it become a formula, and worksheet
titles through ``add_sheet``, which makes any plan name a valid, unique title.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, WriteOnlyCell
from openpyxl.styles import Alignment, Border, Fill, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from programs.fiscal_years import era_label

Row = TypeVar("Row")

# MS Gothic is what the prefecture's PCs print with; LibreOffice substitutes a CJK gothic (Noto Sans CJK JP).
FONT_NAME = "ＭＳ ゴシック"
TEXT = "@"
INTEGER = "#,##0"
NUMBER = "#,##0.##"
PERCENT = "0.0%"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Text that a spreadsheet would take for a formula (OWASP "CSV injection"): = + - @, and the
# tab / carriage return tricks that hide one.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARACTERS = 32767  # Excel's limit per cell

# Excel refuses these in a worksheet title; the full-width forms read the same to a Japanese user.
TITLE_REPLACEMENTS = str.maketrans(":\\/?*[]", "：＼／？＊［］")
MAX_TITLE_LENGTH = 31  # Excel's limit, counted in UTF-16 code units
RESERVED_TITLES = {"history"}  # Excel keeps "History" for its change tracking
EMPTY_TITLE = "シート"

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
AREA_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)
TOP = Alignment(vertical="top")

A3 = Worksheet.PAPERSIZE_A3
A4 = Worksheet.PAPERSIZE_A4


def font(*, size: float = 9, bold: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold)


@dataclass(frozen=True)
class CellStyle:
    """How a cell looks; ``None`` leaves openpyxl's default."""

    font: Font | None = None
    fill: Fill | None = None
    border: Border | None = None
    alignment: Alignment | None = None


HEADER_STYLE = CellStyle(font=font(bold=True), fill=HEADER_FILL, border=BORDER, alignment=WRAP_CENTER)


@dataclass(frozen=True)
class Column(Generic[Row]):
    """One declared column: its header, how to read its value from a row, format and width."""

    header: str
    value: Callable[[Row], Any]
    number_format: str = TEXT
    width: float = 12
    group: str = ""  # an upper header spanning the neighbouring columns of the same group (a fiscal year)
    alignment: Alignment = WRAP_TOP

    @property
    def is_text(self) -> bool:
        return self.number_format == TEXT


# -- Coordinates: the only place numbers become Excel's letters ------------------------------


def position(columns: Sequence[Column], header: str) -> int:
    """Return the 1-based position of the column with this header."""
    return next(index for index, column in enumerate(columns, start=1) if column.header == header)


def column_letter(columns: Sequence[Column], column: Column | str) -> str:
    """Return the letter of a declared column (given itself or its header)."""
    index = position(columns, column) if isinstance(column, str) else columns.index(column) + 1
    return get_column_letter(index)


def cell_ref(*, row: int, column: int) -> str:
    """Return "B5" for row 5, column 2 (for the few openpyxl settings that want a reference)."""
    return f"{get_column_letter(column)}{row}"


def cell_range(*, first_row: int, first_column: int, last_row: int, last_column: int) -> str:
    return f"{cell_ref(row=first_row, column=first_column)}:{cell_ref(row=last_row, column=last_column)}"


def set_widths(worksheet: Worksheet, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        set_width(worksheet, index, column.width)


def set_width(worksheet: Worksheet, column: int, width: float, *, hidden: bool = False) -> None:
    dimension = worksheet.column_dimensions[get_column_letter(column)]
    dimension.width = width
    dimension.hidden = hidden


# -- Values ----------------------------------------------------------------------------------


def excel_fraction(rate: Decimal | None) -> Decimal | None:
    """Turn a rate in percent from the achievement rules (94.1) into what a 0.0% cell holds (0.941).

    ``scaleb`` shifts the decimal point: exact, no rounding, no float.
    """
    return None if rate is None else rate.scaleb(-2)


def write_cell(cell: Cell, value: Any, *, number_format: str | None = None, style: CellStyle | None = None) -> Cell:
    """Write a value so that text always stays text: never a formula, whatever it begins with.

    openpyxl stores any str beginning with "=" as a formula, so the type is forced back to a
    string after assignment; text beginning with = + - @ or a tab / CR also gets Excel's quote
    prefix, so Excel and LibreOffice keep it text even when the user edits the cell. The user
    sees the literal text.
    """
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARACTERS]
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() else value
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    if style is not None:
        apply_style(cell, style)
    return cell


def put(worksheet: Worksheet, *, row: int, column: int, value: Any = None, **options) -> Cell:
    """Write a value at a row and column through ``write_cell`` (``value=None`` only styles the cell)."""
    cell = worksheet.cell(row=row, column=column)
    if value is None:
        if options.get("style"):
            apply_style(cell, options["style"])
        return cell
    return write_cell(cell, value, **options)


def apply_style(cell: Cell, style: CellStyle) -> None:
    if style.font is not None:
        cell.font = style.font
    if style.fill is not None:
        cell.fill = style.fill
    if style.border is not None:
        cell.border = style.border
    if style.alignment is not None:
        cell.alignment = style.alignment


def write_header(worksheet: Worksheet, columns: Sequence[Column], *, row: int, style: CellStyle = HEADER_STYLE) -> None:
    """Write each column's header on one row and set the column widths."""
    for index, column in enumerate(columns, start=1):
        put(worksheet, row=row, column=index, value=column.header, style=style)
    set_widths(worksheet, columns)


def write_row(
    worksheet: Worksheet,
    columns: Sequence[Column[Row]],
    record: Row,
    *,
    row: int,
    style: Callable[[int, Column], CellStyle] | CellStyle | None = None,
) -> int:
    """Write one record across the declared columns; return how many lines its longest text wraps to."""
    lines = 1
    for index, column in enumerate(columns, start=1):
        value = column.value(record)
        cell_style = style(index, column) if callable(style) else style
        write_cell(worksheet.cell(row=row, column=index), value, number_format=column.number_format, style=cell_style)
        if isinstance(value, str):
            lines = max(lines, line_count(value, column.width))
    return lines


# -- Streaming: long lists written row by row (openpyxl's write-only mode) ---------------------
# A streaming worksheet keeps no cells: rows are appended in order and every cell still goes
# through ``write_cell``, so text stays text exactly as on an ordinary worksheet.


def streamed_cell(worksheet: Worksheet, value: Any = None, **options) -> Cell:
    """Return a cell for ``append_cells``, written through ``write_cell`` (``value=None`` only styles it)."""
    cell = WriteOnlyCell(worksheet)
    if value is None:
        if options.get("number_format"):
            cell.number_format = options["number_format"]
        if options.get("style"):
            apply_style(cell, options["style"])
        return cell
    return write_cell(cell, value, **options)


def append_values(worksheet: Worksheet, values: Sequence[Any], *, style: CellStyle | None = None) -> None:
    """Append values (a title line, say) as the next row of a streaming worksheet."""
    worksheet.append([streamed_cell(worksheet, value, style=style) for value in values])


def append_header(worksheet: Worksheet, columns: Sequence[Column], *, style: CellStyle = HEADER_STYLE) -> None:
    """Append each column's header as the next row of a streaming worksheet and set the column widths."""
    set_widths(worksheet, columns)
    worksheet.append([streamed_cell(worksheet, column.header, style=style) for column in columns])


def append_row(worksheet: Worksheet, columns: Sequence[Column[Row]], record: Row) -> None:
    """Append one record across the declared columns as the next row of a streaming worksheet."""
    worksheet.append(
        [streamed_cell(worksheet, column.value(record), number_format=column.number_format) for column in columns]
    )


def merge(worksheet: Worksheet, *, first_row: int, first_column: int, last_row: int, last_column: int) -> None:
    if last_row > first_row or last_column > first_column:
        worksheet.merge_cells(start_row=first_row, start_column=first_column, end_row=last_row, end_column=last_column)


def set_autofilter(worksheet: Worksheet, *, header_row: int, last_row: int, last_column: int) -> None:
    worksheet.auto_filter.ref = cell_range(
        first_row=header_row, first_column=1, last_row=max(last_row, header_row + 1), last_column=last_column
    )


# -- Worksheets ------------------------------------------------------------------------------


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _shorten(text: str, length: int) -> str:
    while _utf16_length(text) > length:
        text = text[:-1]
    return text


def sheet_title(name: str, *, suffix: str = "", taken: Iterable[str] = ()) -> str:
    """Return a valid, unused worksheet title for a name typed by a user (a plan name, say).

    Replace the characters Excel forbids (: \\ / ? * [ ]) with their full-width forms, drop
    apostrophes at either end, keep the suffix whole within 31 characters, and number the title
    「（2）」, 「（3）」… when it is taken (Excel compares titles without regard to case).
    """
    base = ILLEGAL_CHARACTERS_RE.sub("", name).translate(TITLE_REPLACEMENTS).strip().strip("'") or EMPTY_TITLE
    used = {title.casefold() for title in taken} | RESERVED_TITLES
    number = 1
    while True:
        marker = f"（{number}）" if number > 1 else ""
        room = MAX_TITLE_LENGTH - _utf16_length(marker + suffix)
        title = (_shorten(base, room).rstrip().rstrip("'") or EMPTY_TITLE) + marker + suffix
        if title.casefold() not in used:
            return title
        number += 1


def new_workbook(*, streaming: bool = False) -> Workbook:
    """Return a workbook without worksheets: every one is added through ``add_sheet``.

    ``streaming`` opens openpyxl's write-only mode, for a long list written with
    ``append_header`` and ``append_row`` (a national plan's table: a fraction of the time).
    """
    if streaming:
        return Workbook(write_only=True)
    workbook = Workbook()
    workbook.remove(workbook.active)
    return workbook


def add_sheet(workbook: Workbook, name: str, *, suffix: str = "") -> Worksheet:
    """Add a worksheet whose title is ``name`` made valid and unique in the workbook."""
    return workbook.create_sheet(sheet_title(name, suffix=suffix, taken=workbook.sheetnames))


def freeze(worksheet: Worksheet, *, row: int, column: int) -> None:
    """Keep the rows above ``row`` and the columns left of ``column`` in view while scrolling."""
    worksheet.freeze_panes = cell_ref(row=row, column=column)  # worksheet.cell() would create an empty cell


def header_footer_text(text: str) -> str:
    """Escape "&", which starts a code (page number, font…) in a print header or footer."""
    return text.replace("&", "&&")


def print_setup(
    worksheet: Worksheet,
    *,
    paper: int,
    fit_height: int = 0,
    title_rows: tuple[int, int] | None = None,
    centered: bool = False,
    margins: tuple[float, float, float] | None = None,
    header_right: str = "",
    page_numbers: bool = False,
) -> None:
    """Print landscape on the paper given, one page wide (and ``fit_height`` pages tall, 0 = as many as needed).

    ``title_rows`` repeat on every page; ``margins`` are (left and right, top and bottom, header
    and footer) in inches; ``header_right`` is printed top right as plain text.
    """
    worksheet.page_setup.paperSize = paper
    worksheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = fit_height
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
    if centered:
        worksheet.print_options.horizontalCentered = True
    if margins:
        sides, top_bottom, header_footer = margins
        worksheet.page_margins.left = worksheet.page_margins.right = sides
        worksheet.page_margins.top = worksheet.page_margins.bottom = top_bottom
        worksheet.page_margins.header = worksheet.page_margins.footer = header_footer
    if title_rows:
        worksheet.print_title_rows = f"{title_rows[0]}:{title_rows[1]}"
    if header_right:
        worksheet.oddHeader.right.text = header_footer_text(header_right)
    if page_numbers:
        worksheet.oddFooter.center.text = "&P / &N"


# -- Text measures ---------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Count a full-width (CJK) character as two columns and any other as one."""
    return sum(2 if unicodedata.east_asian_width(char) in "WFA" else 1 for char in text)


def line_count(text: str, width: float, *, font_size: float = 9) -> int:
    """Estimate how many lines wrapped text takes in a column of the given width."""
    # A width unit is about 7 px; a half-width glyph of a 9 pt font is about 6 px.
    per_line = max(int(width * 7 / (font_size * 2 / 3) * 0.92), 4)
    lines = 0
    for paragraph in str(text).split("\n"):
        lines += max(1, -(-display_width(paragraph) // per_line))
    return lines


_BRACKET_GROUP = re.compile(r"[（(][^（）()\n]*[）)]$")
# LibreOffice fits about 1.4 times the characters ``line_count`` assumes (a cautious row-height
# estimate) on a line: measured on the 第8期 sheet, 「１回（各年度）」 (14) fits a 10-wide column, 15 wrap.
LIBREOFFICE_FILL = 1.4


def keep_brackets_whole(worksheet: Worksheet) -> None:
    """Break a cell's line before its closing bracket group where the line would wrap inside it.

    For the PDF, which LibreOffice wraps itself: 「153人（各年度）」 printed 「153人（各年度」 and a
    lone 「）」, 「参考指標（アウトカム指標）」 broke mid-word. Seed 000 breaks before 「（各年度）」. A line
    that would wrap in its column and ends in a bracket group that fits on a line of its own gets an
    explicit line break before the group; every other line, and the workbook's own breaks, stay.
    A group longer than a line is left to wrap (a narrative sentence in brackets).
    """
    spans = {
        (merged.min_row, merged.min_col): merged.max_col
        for merged in worksheet.merged_cells.ranges
        if merged.max_col > merged.min_col
    }
    for row in worksheet.iter_rows():
        for cell in row:
            if not isinstance(cell.value, str) or (cell.row, cell.column) in spans:
                continue
            width = worksheet.column_dimensions[get_column_letter(cell.column)].width or 8.43
            size = (cell.font.sz if cell.font and cell.font.sz else 9) or 9
            capacity = max(int(width * 7 / (size * 2 / 3) * 0.92), 4) * LIBREOFFICE_FILL
            lines = []
            for line in cell.value.split("\n"):
                group = _BRACKET_GROUP.search(line)
                if (
                    group
                    and group.start() > 0
                    and display_width(line) > capacity
                    and display_width(group.group()) <= capacity
                ):
                    lines.extend((line[: group.start()], group.group()))
                else:
                    lines.append(line)
            text = "\n".join(lines)
            if text != cell.value:
                cell.value = text


# -- The 区市町村×年度 sheet (issue 23), shared by the table and the summary workbooks -----------------

MUNICIPALITY_SHEET_SUFFIX = "_区市町村"
MUNICIPALITY_SHEET_NOTE = (
    "●: その年度に到達　－: 到達なし（その年度は区市町村名の記録あり）　？: 数のみの記録で不明　空欄: 実績なし"
)


def municipality_year_columns(fiscal_years: Sequence[int]) -> tuple[Column, ...]:
    """Return the sheet's columns: the item, the indicator, the municipality, one mark per year, the count."""
    return (
        Column("事項", lambda row: row.item, TEXT, 22),
        Column("指標", lambda row: row.indicator, TEXT, 30),
        Column("団体コード", lambda row: row.code, TEXT, 10),
        Column("区市町村", lambda row: row.name, TEXT, 12),
        Column("地域", lambda row: row.region, TEXT, 8),
        *(
            Column(era_label(year), lambda row, index=index: row.marks[index], TEXT, 10)
            for index, year in enumerate(fiscal_years)
        ),
        Column("到達した年度数", lambda row: row.reached_years, NUMBER, 10),
    )


def append_municipality_year_sheet(
    workbook: Workbook, *, name: str, rows: Sequence, fiscal_years: Sequence[int], mark: str = ""
) -> None:
    """Add the 区市町村×年度 sheet of a plan: a note line (and ``mark``, 「サンプル」), a header, a row each."""
    columns = municipality_year_columns(fiscal_years)
    sheet = add_sheet(workbook, name, suffix=MUNICIPALITY_SHEET_SUFFIX)
    freeze(sheet, row=3, column=5)  # before the rows: a streaming sheet writes its views first
    print_setup(sheet, paper=A4, title_rows=(2, 2))
    append_values(sheet, [" ".join(part for part in (mark, MUNICIPALITY_SHEET_NOTE) if part)])
    append_header(sheet, columns)
    for row in rows:
        append_row(sheet, columns, row)
    set_autofilter(sheet, header_row=2, last_row=2 + len(rows), last_column=len(columns))
