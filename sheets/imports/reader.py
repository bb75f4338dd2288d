"""Open an uploaded workbook and read its sheets only within bounds the caller gives.

openpyxl's read-only reader pads every row to the sheet's declared width: a 62 KB workbook
holding one cell in column XFD on each of 5,000 rows became 82 million values and took a
worker from 82 MB to 1.3 GB. So before openpyxl reads a sheet, its declared dimension and the
position of every cell are checked against the bounds, streaming through the XML and building
nothing, and openpyxl is then asked for those columns and rows only. The same pass checks the
values openpyxl would fail on or misread: ``<v>NaN</v>`` raises inside openpyxl, ``1e999``
becomes infinity. Any other failure inside openpyxl is refused with the sheet's name.
"""

import io
import math
import posixpath
import zipfile
from dataclasses import dataclass

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import coordinate_to_tuple, range_boundaries

from .upload import UploadRejected, check_archive, load, parse_part, unreadable, xml_parser

ROW_MARGIN = 200  # rows a user may insert between or below the template's rows
COLUMN_MARGIN = 10  # columns right of the template's that are read (and ignored) rather than refused
WORKBOOK_PART = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
RELATIONSHIP_ID = "http://schemas.openxmlformats.org/officeDocument/2006/relationships id"

ERROR_DIMENSION = (
    "シート「{sheet}」の使用範囲（{ref}）が入力用ブックで使える範囲（{limit}）を超えています。"
    "範囲外のセルや行を削除するか、ダウンロードした入力用ブックに入力し直してください。"
)
ERROR_CELL_OUTSIDE = (
    "シート「{sheet}」のセル {cell} が入力用ブックで使える範囲（{limit}）の外にあります。"
    "範囲外のセルや行を削除するか、ダウンロードした入力用ブックに入力し直してください。"
)
REASON_PART_MISSING = "シート「{sheet}」の部品「{part}」がありません"
REASON_VALUE = "シート「{sheet}」のセル {cell} の値「{value}」を{kind}として読み取れません"
REASON_SHEET = "シート「{sheet}」の内容を解釈できません"
REASON_CELL = "シート「{sheet}」のセル番地「{cell}」が正しくありません"
KIND_NUMBER = "数値"
KIND_BOOLEAN = "TRUE/FALSE"
KIND_STRING_INDEX = "文字列の番号"


@dataclass(frozen=True)
class Bounds:
    """The last row and column of a sheet that may hold a cell."""

    rows: int
    columns: int

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


class _SheetScan:
    """Expat handlers refusing the first cell outside the bounds or holding a value openpyxl misreads."""

    def __init__(self, sheet: str, bounds: Bounds):
        self.sheet = sheet
        self.bounds = bounds
        self.row = 0
        self.column = 0
        self.cells_in_row = 0
        self.cell = ""
        self.cell_type = ""
        self.value: list[str] | None = None
        self.formulas: list[str] = []  # cells holding a formula (read as their cached values)
        self.merged: list[str] = []  # merged ranges as declared (「A5:A9」)

    def start(self, name, attributes):
        local = _local(name)
        if local == "c":
            self._start_cell(attributes)
        elif local == "v":
            self.value = []
        elif local == "f":
            self.formulas.append(self.cell)
        elif local == "mergeCell":
            self.merged.append(attributes.get("ref", "")[:30])
        elif local == "row":
            self.row = int(attributes["r"]) if attributes.get("r", "").isdigit() else self.row + 1
            self.column = 0
            self.cells_in_row = 0
        elif local == "dimension":
            self._check_dimension(attributes.get("ref", ""))

    def text(self, data):
        if self.value is not None:
            self.value.append(data)

    def end(self, name):
        if self.value is not None and _local(name) == "v":
            self._check_value("".join(self.value))
            self.value = None

    def _refuse_outside(self, cell: str):
        raise UploadRejected(ERROR_CELL_OUTSIDE.format(sheet=self.sheet, cell=cell, limit=self.bounds.label))

    def _check_dimension(self, ref: str):
        try:
            _, _, max_column, max_row = range_boundaries(ref.upper())
        except (ValueError, TypeError) as error:
            raise UploadRejected(unreadable(REASON_CELL.format(sheet=self.sheet, cell=ref[:20]))) from error
        if (max_row or 0) > self.bounds.rows or (max_column or 0) > self.bounds.columns:
            raise UploadRejected(ERROR_DIMENSION.format(sheet=self.sheet, ref=ref[:30], limit=self.bounds.label))

    def _start_cell(self, attributes):
        reference = attributes.get("r")
        if reference:
            try:
                self.row, self.column = coordinate_to_tuple(reference.upper())
            except (ValueError, TypeError) as error:
                raise UploadRejected(unreadable(REASON_CELL.format(sheet=self.sheet, cell=reference[:20]))) from error
        else:
            self.column += 1
        self.cells_in_row += 1
        self.cell = f"{get_column_letter(min(self.column, 18278))}{self.row}"
        self.cell_type = attributes.get("t", "n")
        if self.row > self.bounds.rows or self.column > self.bounds.columns or self.cells_in_row > self.bounds.columns:
            self._refuse_outside(self.cell)

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
        elif self.cell_type == "s" and not text.strip().isdigit():
            kind = KIND_STRING_INDEX
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
        self._workbook = load(data)
        self.sheetnames: tuple[str, ...] = tuple(self._workbook.sheetnames)
        # Filled by ``rows`` for each sheet read: what the read-only reader does not report.
        self.formula_cells: dict[str, tuple[str, ...]] = {}
        self.merged_ranges: dict[str, tuple[str, ...]] = {}

    def rows(self, sheet: str, bounds: Bounds) -> tuple[tuple, ...]:
        """Return the sheet's values, ``bounds.columns`` per row, after refusing anything outside the bounds."""
        scan = _SheetScan(sheet, bounds)
        part = self._parts.get(sheet)
        if part is None:
            raise UploadRejected(unreadable(REASON_SHEET.format(sheet=sheet)))
        parse_part(
            self._archive,
            part,
            xml_parser(StartElementHandler=scan.start, EndElementHandler=scan.end, CharacterDataHandler=scan.text),
        )
        self.formula_cells[sheet] = tuple(scan.formulas)
        self.merged_ranges[sheet] = tuple(scan.merged)
        try:
            return tuple(self._workbook[sheet].iter_rows(max_row=bounds.rows, max_col=bounds.columns, values_only=True))
        except Exception as error:  # openpyxl raises many kinds on malformed cells; all mean the same to the user
            raise UploadRejected(unreadable(REASON_SHEET.format(sheet=sheet))) from error

    def close(self) -> None:
        self._workbook.close()
        self._archive.close()

    def __enter__(self) -> "BoundedWorkbook":
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()
