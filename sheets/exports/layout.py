"""What every export shares: declared columns, safe cell writing, fonts, borders and print setup.

A column is declared once (header, how to read the value from a row, number format, width),
so writers place cells by the column's position in the tuple and no coordinate is typed by hand.
"""

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Generic, TypeVar

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

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

THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
AREA_FILL = PatternFill("solid", fgColor="F2F2F2")
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
WRAP_CENTER = Alignment(wrap_text=True, horizontal="center", vertical="center")
CENTER = Alignment(horizontal="center", vertical="top", wrap_text=True)


def font(*, size: float = 9, bold: bool = False) -> Font:
    return Font(name=FONT_NAME, size=size, bold=bold)


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


def column_letter(columns: Sequence[Column], column: Column) -> str:
    return get_column_letter(columns.index(column) + 1)


def set_widths(worksheet: Worksheet, columns: Sequence[Column]) -> None:
    for index, column in enumerate(columns, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = column.width


def write_cell(cell: Cell, value: Any, *, number_format: str | None = None) -> Cell:
    """Write a value so that text always stays text: never a formula, whatever it begins with."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_CELL_CHARACTERS]
        cell.value = text
        cell.data_type = "s"  # openpyxl would store "=…" as a formula
        if text.startswith(FORMULA_PREFIXES):
            cell.quotePrefix = True  # Excel and LibreOffice keep it text even when the cell is edited
    elif isinstance(value, Decimal):
        cell.value = int(value) if value == value.to_integral_value() else value
    else:
        cell.value = value
    if number_format:
        cell.number_format = number_format
    return cell


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
