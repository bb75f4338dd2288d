"""Reading the upload within the entry import's defences: the worksheets' rows, merged ranges and formulas."""

from dataclasses import dataclass

from sheets.exports.self_evaluation import PROGRESS_TITLE, SHEET_TITLE

from ..reader import BoundedWorkbook, Bounds

# Any text Excel holds in a cell is read (the assessment cell alone holds two narratives); the fields'
# limits are then checked cell by cell, and the reader bounds the sheet's text in all.
SHEET_BOUNDS = Bounds(rows=3000, columns=80)
PROGRESS_BOUNDS = Bounds(rows=20000, columns=40)  # its 取込用 cells (targets as JSON) may be long: Excel's limit
# Worksheets read from one workbook (Tokyo's 第7期 sheet printed on 9 pages), and their text in all:
# twice what one sheet may hold, so a workbook of many full sheets costs what two do.
MAX_WORKSHEETS = 40
MAX_WORKBOOK_TEXT = 20_000_000
# Rows read before another worksheet is opened: openpyxl yields every row padded to the bounds' columns,
# so rows bound the work whatever the cells hold. One full sheet's worth, so a workbook costs at most
# about two full sheets (Tokyo's 第7期, 9 pages, is ~100 rows; a 3-sheet workbook of 3,000 rows each
# took 23 s to read and 15 s to parse here).
MAX_WORKBOOK_ROWS = SHEET_BOUNDS.rows
REASON_TOO_MANY_SHEETS = "シートが{limit}枚を超えるため読みませんでした"
REASON_TOO_MANY_ROWS = "ブック全体の行数が上限（{limit:,}行）を超えるため読みませんでした"
REASON_TOO_MUCH_TEXT = "ブック全体の文字数が上限（{limit:,}文字）を超えるため読みませんでした"


@dataclass(frozen=True)
class SheetRows:
    name: str
    rows: tuple[tuple, ...]
    merged: tuple[str, ...] = ()
    formulas: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSheetRows:
    sheet: SheetRows | None
    progress: SheetRows | None = None
    # The workbook's other worksheets in order (a sheet typed one printed page per worksheet), and
    # those not read at all with the reason, which the preview names.
    others: tuple[SheetRows, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


def plan_sheet_read(data: bytes) -> PlanSheetRows:
    """Open an uploaded sheet within bounds; raise UploadRejected with the user's message if it cannot be read.

    Every worksheet is read (「自己評価シート」 first where there is one), up to ``MAX_WORKSHEETS`` and
    ``MAX_WORKBOOK_TEXT`` characters in all; a worksheet beyond either is named as skipped.
    """
    with BoundedWorkbook(data) as workbook:
        if not workbook.sheetnames:
            return PlanSheetRows(sheet=None)
        name = SHEET_TITLE if SHEET_TITLE in workbook.sheetnames else workbook.sheetnames[0]
        sheet = _sheet_rows(workbook, name, SHEET_BOUNDS)
        progress = None
        if PROGRESS_TITLE in workbook.sheetnames and name != PROGRESS_TITLE:
            progress = _sheet_rows(workbook, PROGRESS_TITLE, PROGRESS_BOUNDS)
        others: list[SheetRows] = []
        skipped: list[tuple[str, str]] = []
        for other in workbook.sheetnames:
            if other in (name, PROGRESS_TITLE):
                continue
            if len(others) + 1 >= MAX_WORKSHEETS:
                skipped.append((other, REASON_TOO_MANY_SHEETS.format(limit=MAX_WORKSHEETS)))
            elif workbook.text_read > MAX_WORKBOOK_TEXT:
                skipped.append((other, REASON_TOO_MUCH_TEXT.format(limit=MAX_WORKBOOK_TEXT)))
            elif len(sheet.rows) + sum(len(rows.rows) for rows in others) >= MAX_WORKBOOK_ROWS:
                skipped.append((other, REASON_TOO_MANY_ROWS.format(limit=MAX_WORKBOOK_ROWS)))
            else:
                others.append(_sheet_rows(workbook, other, SHEET_BOUNDS))
        return PlanSheetRows(sheet=sheet, progress=progress, others=tuple(others), skipped=tuple(skipped))


def _sheet_rows(workbook: BoundedWorkbook, name: str, bounds: Bounds) -> SheetRows:
    rows = workbook.rows(name, bounds)
    return SheetRows(name, rows, workbook.merged_ranges.get(name, ()), workbook.formula_cells.get(name, ()))
