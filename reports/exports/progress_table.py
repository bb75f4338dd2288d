"""The comparison table as a plain Excel workbook, in three layers.

Declared columns (header, how to read the row, number format, width); a pure function from
rows to a ``Workbook`` written through the one Excel home (``sheets.exports.layout``); and the
view that streams it. Numbers are written as numbers: a rate of 94.1 % is the cell value 0.941
with the format ``0.0%``.
"""

import io
from collections.abc import Iterable, Mapping, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from evaluations.coverage import CoverageSheetRow
from evaluations.progress import PlanProgress, progress_derived
from programs.fiscal_years import era_label
from sheets.exports.layout import (
    A4,
    NUMBER,
    PERCENT,
    TEXT,
    CellStyle,
    Column,
    add_sheet,
    append_header,
    append_municipality_year_sheet,
    append_row,
    append_values,
    excel_fraction,
    freeze,
    new_workbook,
    print_setup,
    set_autofilter,
)

from ..selectors import NO_TARGET, NO_TARGET_LABEL, TableRow

SHEET_TITLE = "進捗一覧"
TITLE_ROW = 1
HEADER_ROW = 2
TITLE_STYLE = CellStyle(font=Font(bold=True, size=13))
HEADER_STYLE = CellStyle(
    font=Font(bold=True),
    fill=PatternFill("solid", fgColor="DDE3EA"),
    alignment=Alignment(vertical="center", wrap_text=True),
)


def table_columns(labels: Mapping[str, str]) -> tuple[Column[TableRow], ...]:
    """Declare the table's columns; 状況 shows the administrator's label of each status."""
    return (
        Column("計画期間・取組分野", lambda row: row.area_label, TEXT, 34),
        Column("事項", lambda row: row.item_number, "0", 6),
        Column("事項名", lambda row: row.item_title, TEXT, 44),
        Column("担当課", lambda row: row.section_name, TEXT, 16),
        Column("指標", lambda row: row.indicator_label, TEXT, 44),
        Column("年度", lambda row: era_label(row.fiscal_year), TEXT, 12),
        Column("目標（原文）", lambda row: row.target_text, TEXT, 28),
        Column("目標値", lambda row: row.target, NUMBER, 12),
        Column("実績値", lambda row: row.actual, NUMBER, 12),
        Column("単位", lambda row: row.unit, TEXT, 8),
        Column("達成率", lambda row: excel_fraction(row.rate), PERCENT, 10),
        Column("状況", lambda row: labels.get(row.status, NO_TARGET_LABEL), TEXT, 12),
        # 実績値 is approved unless the table was filtered to include the rest: then this says which is not.
        Column("実績の状態", lambda row: row.state_label or ("承認済" if row.state else ""), TEXT, 10),
        Column("承認待ちの実績", lambda row: row.pending_note, TEXT, 26),
    )


def progress_workbook(
    rows: Iterable[TableRow],
    *,
    labels: Mapping[str, str],
    title: str,
    coverage: Sequence[CoverageSheetRow] = (),
    fiscal_years: Sequence[int] = (),
) -> Workbook:
    """Return a workbook with a title, a header row and one row per table row, in the order given.

    Streamed (write-only): the table of a national plan runs to thousands of rows. ``coverage``
    rows, where an indicator names municipalities, go on a 区市町村×年度 sheet after it.
    """
    columns = table_columns({**labels, NO_TARGET: NO_TARGET_LABEL})
    workbook = new_workbook(streaming=True)
    sheet = add_sheet(workbook, SHEET_TITLE)
    freeze(sheet, row=HEADER_ROW + 1, column=1)
    print_setup(sheet, paper=A4, title_rows=(HEADER_ROW, HEADER_ROW))
    append_values(sheet, [title], style=TITLE_STYLE)  # TITLE_ROW
    append_header(sheet, columns, style=HEADER_STYLE)  # HEADER_ROW
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007  (the count is read after the loop)
        append_row(sheet, columns, row)
    set_autofilter(sheet, header_row=HEADER_ROW, last_row=HEADER_ROW + count, last_column=len(columns))
    if coverage:
        append_municipality_year_sheet(workbook, name=SHEET_TITLE, rows=coverage, fiscal_years=fiscal_years)
    return workbook


# Workbooks kept per plan (a national plan's runs to megabytes): the last few filters and sorts downloaded.
WORKBOOKS_KEPT = 8


def progress_workbook_bytes(
    rows: Sequence[TableRow],
    *,
    progress: PlanProgress,
    ordering: tuple,
    labels: Mapping[str, str],
    title: str,
    coverage: Sequence[CoverageSheetRow] = (),
    fiscal_years: Sequence[int] = (),
) -> bytes:
    """Return ``progress_workbook`` saved as bytes, written once per data change for the same rows and choices.

    ``rows`` come from ``progress`` (``reports.selectors.progress_table_rows``), which hands out
    the same object until the next write; the bytes are kept beside ``progress`` with them
    (``progress_derived``), so a repeated download of a national plan's table is not written again.
    """

    def written() -> tuple[Sequence[TableRow], bytes]:
        buffer = io.BytesIO()
        progress_workbook(rows, labels=labels, title=title, coverage=coverage, fiscal_years=fiscal_years).save(buffer)
        return rows, buffer.getvalue()

    key = (id(rows), ordering, tuple(labels.items()), title, tuple(coverage))
    kept_rows, content = progress_derived(progress, "progress_workbook", key, written, kept=WORKBOOKS_KEPT)
    # The id is only the rows' while they live: rows kept beside the plan do; others are written afresh.
    return content if kept_rows is rows else written()[1]
