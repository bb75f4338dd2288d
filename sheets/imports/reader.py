"""Open an uploaded workbook and read its sheets only within bounds the caller gives.

openpyxl's read-only reader pads every row to the sheet's declared width: a 62 KB workbook
holding one cell in column XFD on each of 5,000 rows became 82 million values and took a
worker from 82 MB to 1.3 GB. So before openpyxl reads a sheet, its declared dimension and the
position of every cell are checked against the bounds, streaming through the XML and building
nothing, and openpyxl is then asked for those columns and rows only. The same pass checks the
values openpyxl would fail on or misread: ``<v>NaN</v>`` raises inside openpyxl, ``1e999``
becomes infinity. Any other failure inside openpyxl is refused with the sheet's name.

Merged ranges and text are bounded the same way, before anything is expanded or processed. A
46 KB sheet merging ``A1:XFD3000`` made the plan-sheet reader fill 49 million grid entries (10 GB):
a merged range must lie within the bounds and overlap no other, so all of them together cover at
most the cells the bounds hold. One 4 MB shared string shown in 15,600 cells kept a worker busy for
60 s: the shared-string table is measured (count, nesting, each string's length) while streaming,
before openpyxl loads it, and every cell's text is measured from the raw XML (a shared string by
the table's length) against the bounds' per-cell limit and the sheet's total, so no reader ever
receives more text than it can process in well under a second. Rows and cells out of order,
which openpyxl silently drops or overwrites, are refused.
"""

import io
import itertools
import math
import posixpath
import re
import zipfile
from array import array
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string, coordinate_to_tuple, range_boundaries

from .upload import (
    CONTENT_TYPES_PART,
    MAX_DEPTH,
    MAX_PART_ELEMENTS,
    REASON_PART_TOO_LARGE,
    REASON_TOO_DEEP,
    SPREADSHEETML,
    UploadRejected,
    check_archive,
    load,
    parse_part,
    unreadable,
    xml_parser,
)

ROW_MARGIN = 200  # rows a user may insert between or below the template's rows
COLUMN_MARGIN = 10  # columns right of the template's that are read (and ignored) rather than refused
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"
SHARED_STRINGS_TYPE = SPREADSHEETML + "sharedStrings+xml"
# Excel's own limit for the text of one cell: no workbook Excel saves holds a longer string.
MAX_CELL_TEXT = 32_767
# Characters read from one sheet, a shared string counted at every cell that shows it: far above
# any real sheet (a 2,000-item export holds about 10 million), low enough to read in well under a second.
MAX_SHEET_TEXT = 20_000_000
# Strings in the shared table. openpyxl reads every one whatever the sheets read, at about 18 µs each
# (200,000 took 3.7 s here); a sheet holds one per distinct text (a 2,000-item export, estimated: 65,000).
MAX_SHARED_STRINGS = 100_000
MAX_ROW_NUMBER = 1_048_576  # Excel's last row
# Elements of one cell (a rich-text run is about ten); openpyxl builds each cell's elements as a tree.
MAX_CELL_ELEMENTS = 256
# Top-level sections openpyxl's read-only parser clears as it goes (rows one by one; merged ranges are
# bounded by the cells). Any other element stays in its tree until the sheet is done, so they are
# counted against the same limit as a part openpyxl parses whole.
CLEARED_SECTIONS = frozenset({"sheetData", "mergeCells"})

ERROR_DIMENSION = (
    "シート「{sheet}」の使用範囲（{ref}）が入力用ブックで使える範囲（{limit}）を超えています。"
    "範囲外のセルや行を削除するか、ダウンロードした入力用ブックに入力し直してください。"
)
ERROR_CELL_OUTSIDE = (
    "シート「{sheet}」のセル {cell} が入力用ブックで使える範囲（{limit}）の外にあります。"
    "範囲外のセルや行を削除するか、ダウンロードした入力用ブックに入力し直してください。"
)
ERROR_MERGED_OUTSIDE = (
    "シート「{sheet}」の結合セル {ref} が取り込める範囲（{limit}）を超えています。"
    "範囲外に及ぶセルの結合を解除するか、範囲外のセルや行を削除してください。"
)
ERROR_CELL_TOO_LONG = (
    "シート「{sheet}」のセル {cell} の文字数が、このシートのセルに入力できる上限（{limit:,}文字）を超えています。"
)
ERROR_SHEET_TOO_MUCH_TEXT = (
    "シート「{sheet}」の文字数の合計が上限（{limit:,}文字）を超えています。"
    "長い文字列を多くのセルに貼り付けていないか確認してください。"
)
REASON_PART_MISSING = "シート「{sheet}」の部品「{part}」がありません"
REASON_MERGED_OVERLAP = "シート「{sheet}」の結合セル {ref} が別の結合セルと重なっています"
REASON_ROW_ORDER = (
    "シート「{sheet}」の {row} 行目の記録が {previous} 行目の記録の後にあります（行の順序が正しくありません）"
)
REASON_CELL_ORDER = (
    "シート「{sheet}」のセル {cell} の記録の位置が正しくありません（{row} 行目の記録の中で順序が違います）"
)
REASON_TOO_MANY_CELLS = "シート「{sheet}」に同じ行の記録が繰り返されています"
REASON_CELL_TOO_LARGE = "シート「{sheet}」のセル {cell} の要素が多すぎます（{limit}個まで）"
REASON_SHARED_TOO_LONG = "部品「{part}」の {index} 番目の文字列が Excel の１セルの上限（{limit:,}文字）を超えています"
REASON_SHARED_TOO_MANY = "部品「{part}」の文字列の数が上限（{limit:,}個）を超えています"
REASON_VALUE = "シート「{sheet}」のセル {cell} の値「{value}」を{kind}として読み取れません"
REASON_SHEET = "シート「{sheet}」の内容を解釈できません"
REASON_CELL = "シート「{sheet}」のセル番地「{cell}」が正しくありません"
REASON_ROW_NUMBER = "シート「{sheet}」の行番号「{row}」が正しくありません"
KIND_NUMBER = "数値"
KIND_BOOLEAN = "TRUE/FALSE"
KIND_STRING_INDEX = "文字列の番号"


_RANGE = re.compile(r"([A-Z]{1,3})([0-9]{1,7})(?::([A-Z]{1,3})([0-9]{1,7}))?")


def range_of(ref: str) -> tuple[int, int, int, int] | None:
    """Return (first column, first row, last column, last row) of 「A5:C9」 or 「A5」; None if it is neither.

    A sheet may hold 120,000 merged ranges: this is openpyxl's ``range_boundaries`` for the one
    form a merged range takes, at a fraction of its cost.
    """
    match = _RANGE.fullmatch(ref.upper())
    if match is None:
        return None
    first_column, first_row, last_column, last_row = match.groups()
    try:
        columns = column_index_from_string(first_column), column_index_from_string(last_column or first_column)
    except ValueError:
        return None
    rows = int(first_row), int(last_row or first_row)
    if min(rows) < 1:
        return None
    return min(columns), min(rows), max(columns), max(rows)


@dataclass(frozen=True)
class Bounds:
    """The last row and column of a sheet that may hold a cell, and the longest text a cell may hold.

    ``text`` counts the raw characters of a cell as stored, before any processing: a reader whose
    fields allow N characters with a line break counted once passes 2 N, and checks N itself.
    """

    rows: int
    columns: int
    text: int = MAX_CELL_TEXT

    @property
    def label(self) -> str:
        return f"{get_column_letter(self.columns)}列・{self.rows}行目まで"


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1]


def _elements(archive: zipfile.ZipFile, part: str, local_name: str) -> list[dict[str, str]]:
    """Return the attributes of every element of one name in a part, without building its tree."""
    found: list[dict[str, str]] = []

    def start(name, attributes):
        if _local(name) == local_name:
            found.append(attributes)

    parse_part(archive, part, xml_parser(StartElementHandler=start))
    return found


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Map each sheet's name to its part, as the workbook and its relationships declare them."""
    targets = {
        relationship.get("Id", ""): relationship.get("Target", "")
        for relationship in _elements(archive, WORKBOOK_RELS, "Relationship")
    }
    names = set(archive.namelist())
    parts = {}
    for sheet in _elements(archive, WORKBOOK_PART, "sheet"):
        name = sheet.get("name", "")
        target = targets.get(sheet.get(RELATIONSHIP_ID, ""), "")
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        if not target or part not in names:
            raise UploadRejected(unreadable(REASON_PART_MISSING.format(sheet=name, part=part or "?")))
        parts[name] = part
    return parts


def _shared_strings_part(archive: zipfile.ZipFile) -> str | None:
    """Return the shared-string part openpyxl reads: the first override declaring the type, as it finds it."""
    for override in _elements(archive, CONTENT_TYPES_PART, "Override"):
        if override.get("ContentType") == SHARED_STRINGS_TYPE:
            return override.get("PartName", "").lstrip("/")
    return None


class _SharedStringScan:
    """Expat handlers measuring the shared-string table: how many strings, how deep, how long each is."""

    def __init__(self, part: str):
        self.part = part
        self.lengths = array("L")
        self.depth = 0
        self.in_string = False

    def start(self, name, attributes):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise UploadRejected(unreadable(REASON_TOO_DEEP.format(part=self.part, limit=MAX_DEPTH)))
        if self.depth == 2 and name.endswith("si") and _local(name) == "si":  # cheap test first: 200,000 calls
            if len(self.lengths) >= MAX_SHARED_STRINGS:
                raise UploadRejected(
                    unreadable(REASON_SHARED_TOO_MANY.format(part=self.part, limit=MAX_SHARED_STRINGS))
                )
            self.lengths.append(0)
            self.in_string = True

    def end(self, name):
        self.depth -= 1
        if self.depth == 1:
            self.in_string = False

    def text(self, data):
        # Every character inside a string counts, phonetic guides too: an over-count only errs safe.
        if self.in_string:
            length = self.lengths[-1] + len(data)
            if length > MAX_CELL_TEXT:
                reason = REASON_SHARED_TOO_LONG.format(part=self.part, index=len(self.lengths), limit=MAX_CELL_TEXT)
                raise UploadRejected(unreadable(reason))
            self.lengths[-1] = length


def _shared_string_lengths(archive: zipfile.ZipFile) -> array:
    """Return the length of every shared string, refusing a table openpyxl could not hold cheaply."""
    part = _shared_strings_part(archive)
    if part is None or part not in archive.namelist():
        return array("L")
    scan = _SharedStringScan(part)
    parse_part(
        archive,
        part,
        xml_parser(StartElementHandler=scan.start, EndElementHandler=scan.end, CharacterDataHandler=scan.text),
    )
    return scan.lengths


class _SheetScan:
    """Expat handlers refusing the first cell outside the bounds or holding a value openpyxl misreads.

    Also refused here, before openpyxl builds anything: a merged range outside the bounds or over
    another, a cell whose text (a shared string by its length in the table) is longer than the
    bounds allow, a sheet whose cells hold more text than ``MAX_SHEET_TEXT``, rows or cells out of
    order (openpyxl drops a row listed after a later one), and nesting deeper than ``MAX_DEPTH``.
    """

    def __init__(self, sheet: str, bounds: Bounds, shared_lengths: array, part: str = ""):
        self.sheet = sheet
        self.bounds = bounds
        self.shared_lengths = shared_lengths
        self.part = part
        self.row = 0  # the row of the current <row> element
        self.row_out_of_order: int | None = None  # the row read before the current one, if that was later
        self.misplaced: str | None = None  # why the current cell's value would be lost or moved
        self.first_misplaced: str | None = None  # refused after the scan: a cell outside the bounds says more
        self.cells = 0
        self.last_row = 0  # the last row openpyxl yields: it yields every row up to it, blank ones too
        self.column = 0
        self.cells_in_row = 0
        self.cell = ""
        self.cell_type = ""
        self.value: list[str] | None = None
        self.value_length = 0
        self.counting = False  # inside an inline string (<is>) or a formula (<f>): text openpyxl keeps
        self.cell_text = 0  # characters of the current cell
        self.sheet_text = 0  # characters of every cell so far
        self.depth = 0
        self.section = ""  # the top-level element being read (sheetData, mergeCells, sheetViews, ...)
        self.section_elements = 0  # elements outside the sections openpyxl clears as it goes
        self.cell_elements = 0  # elements of the current cell
        self.rows_out_of_order = 0
        self.occupied: bytearray | None = None  # one byte per cell in the bounds, set where a merge covers it
        self.formulas: list[str] = []  # cells holding a formula (read as their cached values)
        self.merged: list[str] = []  # merged ranges as declared (「A5:A9」)

    def start(self, name, attributes):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise UploadRejected(unreadable(REASON_TOO_DEEP.format(part=self.part or self.sheet, limit=MAX_DEPTH)))
        local = _local(name)
        if self.depth == 2:
            self.section = local
        if self.section not in CLEARED_SECTIONS and self.depth > 1:
            self.section_elements += 1
            if self.section_elements > MAX_PART_ELEMENTS:
                reason = REASON_PART_TOO_LARGE.format(part=self.part or self.sheet, limit=MAX_PART_ELEMENTS)
                raise UploadRejected(unreadable(reason))
        elif self.depth > 4:  # inside a cell: worksheet > sheetData > row > c > ...
            self.cell_elements += 1
            if self.cell_elements > MAX_CELL_ELEMENTS:
                reason = REASON_CELL_TOO_LARGE.format(sheet=self.sheet, cell=self.cell, limit=MAX_CELL_ELEMENTS)
                raise UploadRejected(unreadable(reason))
        if local == "c":
            self._start_cell(attributes)
        elif local == "v":
            self.value = []
            self.value_length = 0
        elif local == "is":
            self.counting = True
        elif local == "f":
            self.formulas.append(self.cell)
            self.counting = True
        elif local == "mergeCell":
            self._check_merge(attributes.get("ref", ""))
        elif local == "row":
            self._start_row(attributes.get("r", ""))
        elif local == "dimension":
            self._check_dimension(attributes.get("ref", ""))

    def text(self, data):
        if self.value is not None:
            self.value.append(data)
            self.value_length += len(data)
            self._count_text(len(data))
        elif self.counting:
            self._count_text(len(data))

    def end(self, name):
        self.depth -= 1
        local = _local(name)
        if self.value is not None and local == "v":
            self._check_value("".join(self.value))
            self.value = None
        elif local in ("is", "f"):
            self.counting = False
        elif local == "c":
            self.cell_text = 0

    def _count_text(self, length: int):
        """Count a cell's characters as they arrive, so a huge value is refused before it is kept."""
        if self.misplaced and length and self.first_misplaced is None:
            self.first_misplaced = self.misplaced
        self.cell_text += length
        self.sheet_text += length
        if self.cell_text > self.bounds.text:
            raise UploadRejected(ERROR_CELL_TOO_LONG.format(sheet=self.sheet, cell=self.cell, limit=self.bounds.text))
        if self.sheet_text > MAX_SHEET_TEXT:
            raise UploadRejected(ERROR_SHEET_TOO_MUCH_TEXT.format(sheet=self.sheet, limit=MAX_SHEET_TEXT))

    def finish(self):
        """Refuse, once the whole sheet is scanned, a value openpyxl would lose or move."""
        if self.first_misplaced:
            raise UploadRejected(unreadable(self.first_misplaced))

    def _refuse_outside(self, cell: str):
        raise UploadRejected(ERROR_CELL_OUTSIDE.format(sheet=self.sheet, cell=cell, limit=self.bounds.label))

    def _check_dimension(self, ref: str):
        try:
            _, _, max_column, max_row = range_boundaries(ref.upper())
        except (ValueError, TypeError) as error:
            raise UploadRejected(unreadable(REASON_CELL.format(sheet=self.sheet, cell=ref[:20]))) from error
        if (max_row or 0) > self.bounds.rows or (max_column or 0) > self.bounds.columns:
            raise UploadRejected(ERROR_DIMENSION.format(sheet=self.sheet, ref=ref[:30], limit=self.bounds.label))

    def _check_merge(self, ref: str):
        """Refuse a merged range reaching outside the bounds or over another, before anything expands it.

        Non-overlapping ranges inside the bounds cover at most the bounds' cells together, so whatever
        a reader builds from them is bounded by the cells it reads anyway.
        """
        shown = ref[:30]
        boundaries = range_of(ref)
        if boundaries is None:
            raise UploadRejected(unreadable(REASON_CELL.format(sheet=self.sheet, cell=ref[:20])))
        min_column, min_row, max_column, max_row = boundaries
        if max_row > self.bounds.rows or max_column > self.bounds.columns:
            raise UploadRejected(ERROR_MERGED_OUTSIDE.format(sheet=self.sheet, ref=shown, limit=self.bounds.label))
        columns = self.bounds.columns
        if self.occupied is None:
            self.occupied = bytearray(self.bounds.rows * columns)
        width = max_column - min_column + 1
        covered = b"\x01" * width
        for row in range(min_row, max_row + 1):
            start = (row - 1) * columns + min_column - 1
            if self.occupied.find(1, start, start + width) >= 0:
                raise UploadRejected(unreadable(REASON_MERGED_OVERLAP.format(sheet=self.sheet, ref=shown)))
            self.occupied[start : start + width] = covered
        self.merged.append(shown)

    def _start_row(self, reference: str):
        if not reference:
            row = self.row + 1
        elif reference.isdecimal() and len(reference) <= 7:  # 「²」 is a digit int() refuses
            row = int(reference)
        else:
            row = 0
        if not 1 <= row <= MAX_ROW_NUMBER:
            raise UploadRejected(unreadable(REASON_ROW_NUMBER.format(sheet=self.sheet, row=reference[:20])))
        self.row_out_of_order = self.row if row <= self.row else None
        if self.row_out_of_order is not None:
            # Rows in order are at most Excel's; rows out of order could repeat without end.
            self.rows_out_of_order += 1
            if self.rows_out_of_order > self.bounds.rows:
                raise UploadRejected(unreadable(REASON_TOO_MANY_CELLS.format(sheet=self.sheet)))
        self.row = row
        if row <= self.bounds.rows:
            self.last_row = max(self.last_row, row)
        self.column = 0
        self.cells_in_row = 0

    def _start_cell(self, attributes):
        reference = attributes.get("r")
        row, column = self.row, self.column + 1
        if reference:
            try:
                row, column = coordinate_to_tuple(reference.upper())
            except (ValueError, TypeError) as error:
                raise UploadRejected(unreadable(REASON_CELL.format(sheet=self.sheet, cell=reference[:20]))) from error
        self.cells_in_row += 1
        self.cells += 1
        self.cell_elements = 0
        self.cell = f"{get_column_letter(min(column, 18278))}{row}"
        self.cell_type = attributes.get("t", "n")
        self.cell_text = 0
        if row > self.bounds.rows or column > self.bounds.columns or self.cells_in_row > self.bounds.columns:
            self._refuse_outside(self.cell)
        if self.cells > self.bounds.rows * self.bounds.columns:  # rows repeated out of order, the only way
            raise UploadRejected(unreadable(REASON_TOO_MANY_CELLS.format(sheet=self.sheet)))
        # openpyxl drops a row listed after a later one, files a cell under its row element whatever
        # its reference says, and keeps the last of two cells in one column: a value would be lost or
        # moved without a word. Such a cell is refused once it shows a value (an empty one loses nothing).
        self.misplaced = None
        if self.row_out_of_order is not None:
            self.misplaced = REASON_ROW_ORDER.format(sheet=self.sheet, row=self.row, previous=self.row_out_of_order)
        elif row != self.row or column <= self.column:
            self.misplaced = REASON_CELL_ORDER.format(sheet=self.sheet, cell=self.cell, row=self.row)
        self.column = max(column, self.column)

    def _check_value(self, text: str):
        kind = None
        if not text:
            return  # openpyxl reads an empty <v> (a formula Excel never calculated) as blank
        if self.cell_type == "n":
            try:
                if not math.isfinite(float(text)):
                    kind = KIND_NUMBER
            except ValueError:
                kind = KIND_NUMBER
        elif self.cell_type == "b" and text.strip() not in ("0", "1"):
            kind = KIND_BOOLEAN
        elif self.cell_type == "s":
            index = int(text.strip()) if text.strip().isdecimal() and len(text.strip()) <= 9 else -1
            if not 0 <= index < len(self.shared_lengths):
                kind = KIND_STRING_INDEX
            else:
                # The cell shows the shared string, not its index: count the string's length instead.
                self._count_text(self.shared_lengths[index] - self.value_length)
        if kind:
            raise UploadRejected(
                unreadable(REASON_VALUE.format(sheet=self.sheet, cell=self.cell, value=text[:20], kind=kind))
            )


class BoundedWorkbook:
    """An uploaded workbook, checked as a package, whose sheets are read only within bounds.

    Every failure to read it raises UploadRejected with a message for the user.
    """

    def __init__(self, data: bytes):
        check_archive(data)
        self._archive = zipfile.ZipFile(io.BytesIO(data))
        self._parts = _sheet_parts(self._archive)
        # Measured before openpyxl loads the table, which it does whole whatever is read.
        self._shared_lengths = _shared_string_lengths(self._archive)
        self._workbook = load(data)
        self.sheetnames: tuple[str, ...] = tuple(self._workbook.sheetnames)
        # Filled by ``rows`` for each sheet read: what the read-only reader does not report.
        self.formula_cells: dict[str, tuple[str, ...]] = {}
        self.merged_ranges: dict[str, tuple[str, ...]] = {}
        # Characters of every sheet read so far: a reader of several sheets bounds them together.
        self.text_read = 0

    def rows(self, sheet: str, bounds: Bounds) -> tuple[tuple, ...]:
        """Return the sheet's values, ``bounds.columns`` per row, after refusing anything outside the bounds."""
        part = self._parts.get(sheet)
        if part is None:
            raise UploadRejected(unreadable(REASON_SHEET.format(sheet=sheet)))
        scan = _SheetScan(sheet, bounds, self._shared_lengths, part)
        parse_part(
            self._archive,
            part,
            xml_parser(StartElementHandler=scan.start, EndElementHandler=scan.end, CharacterDataHandler=scan.text),
        )
        scan.finish()
        self.text_read += scan.sheet_text
        self.formula_cells[sheet] = tuple(scan.formulas)
        self.merged_ranges[sheet] = tuple(scan.merged)
        try:
            # Stop at the last row rather than let openpyxl parse on: it turns every merged range
            # after the rows into objects (80 µs each, 10 s for the 120,000 a sheet may hold).
            rows = self._workbook[sheet].iter_rows(max_row=bounds.rows, max_col=bounds.columns, values_only=True)
            return tuple(itertools.islice(rows, scan.last_row))
        except Exception as error:  # openpyxl raises many kinds on malformed cells; all mean the same to the user
            raise UploadRejected(unreadable(REASON_SHEET.format(sheet=sheet))) from error

    def close(self) -> None:
        self._workbook.close()
        self._archive.close()

    def __enter__(self) -> "BoundedWorkbook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
