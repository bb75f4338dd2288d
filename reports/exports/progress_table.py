"""The comparison table as a plain Excel workbook, in three layers.

Declared columns (header, how to read the row, number format, width); a pure function from
rows to a ``Workbook`` that only appends; and the view that streams it. Numbers are written
as numbers: a rate of 94.1 % is the cell value 0.941 with the format ``0.0%``.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from programs.fiscal_years import era_label

from ..selectors import NO_TARGET, NO_TARGET_LABEL, TableRow

PERCENT = "0.0%"
NUMBER = "#,##0.##"
TEXT = "@"


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[TableRow, Mapping[str, str]], Any]
    number_format: str
    width: float


def _fraction(rate: Decimal | None) -> Decimal | None:
    # A rate is stored in percent; Excel's percent format wants the fraction. scaleb shifts the
    # decimal point, so 94.1 becomes exactly 0.941 (no rounding, no float).
    return None if rate is None else rate.scaleb(-2)


COLUMNS: tuple[Column, ...] = (
    Column("計画期間・取組分野", lambda row, _: row.area_label, TEXT, 34),
    Column("事項", lambda row, _: row.item_number, "0", 6),
    Column("事項名", lambda row, _: row.item_title, TEXT, 44),
    Column("担当課", lambda row, _: row.section_name, TEXT, 16),
    Column("指標", lambda row, _: row.indicator_label, TEXT, 44),
    Column("年度", lambda row, _: era_label(row.fiscal_year), TEXT, 12),
    Column("目標（原文）", lambda row, _: row.target_text, TEXT, 28),
    Column("目標値", lambda row, _: row.target, NUMBER, 12),
    Column("実績値", lambda row, _: row.actual, NUMBER, 12),
    Column("単位", lambda row, _: row.unit, TEXT, 8),
    Column("達成率", lambda row, _: _fraction(row.rate), PERCENT, 10),
    Column("状況", lambda row, labels: labels.get(row.status, NO_TARGET_LABEL), TEXT, 12),
)


def progress_workbook(
    rows: Iterable[TableRow], *, labels: Mapping[str, str], title: str, columns: tuple[Column, ...] = COLUMNS
) -> Workbook:
    """Return a workbook with a header row and one row per table row, in the order given."""
    labels = {**labels, NO_TARGET: NO_TARGET_LABEL}
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "進捗一覧"
    sheet.append([title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([column.header for column in columns])
    header_fill = PatternFill("solid", fgColor="DDE3EA")
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center", wrap_text=True)
    for row in rows:
        sheet.append([column.value(row, labels) for column in columns])
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        for (cell,) in sheet.iter_rows(min_row=3, min_col=index, max_col=index):
            cell.number_format = column.number_format
    sheet.freeze_panes = "A3"
    sheet.auto_filter.ref = f"A2:{get_column_letter(len(columns))}{sheet.max_row}"
    sheet.print_title_rows = "2:2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    return workbook
