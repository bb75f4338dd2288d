"""A worksheet's cells as a grid (merged cells read as their top-left cell), and the layout placed on it."""

import datetime
import re
import unicodedata
from array import array
from dataclasses import dataclass, field
from typing import Any

from openpyxl.utils.cell import range_boundaries

from programs.sheet_layouts import LayoutSpec, PlacedColumn, Source

from ..reader import range_of
from .workbook import SheetRows


def normalised(text: str) -> str:
    """Return a heading as compared: NFKC, no spaces or line breaks (「指標(プロセス指標)」)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def cell_text(value: Any) -> str:
    """Return a cell's text as typed: line breaks kept (CR LF → LF), numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else ""


class _Grid:
    """A sheet's values with its merged ranges: each merged cell reads as its range's top-left cell.

    The reader has refused any merged range outside the bounds or over another, so the ranges
    cover at most the cells read; each cell's origin is kept in one flat array over those cells
    (one integer per cell), never in a dict of every cell a range names.
    """

    def __init__(self, sheet: SheetRows):
        self.sheet = sheet
        self.rows = sheet.rows
        self.width = max((len(row) for row in self.rows), default=0)
        height = len(self.rows)
        # origin[(row - 1) * width + column - 1] = (origin row - 1) * width + origin column - 1, or -1
        self._origin = array("q", [-1]) * (height * self.width)
        self.last_row: dict[tuple[int, int], int] = {}
        for ref in sheet.merged:
            boundaries = range_of(ref)
            if boundaries is None:
                continue
            min_col, min_row, max_col, max_row = boundaries
            self.last_row[(min_row, min_col)] = max_row
            # Clipped to the cells read: the reader bounds them, this keeps the grid safe on its own.
            max_col = min(max_col, self.width)
            if min_col > max_col:
                continue
            origin = array("q", [(min_row - 1) * self.width + min_col - 1]) * (max_col - min_col + 1)
            for row in range(min_row, min(max_row, height) + 1):
                start = (row - 1) * self.width + min_col - 1
                self._origin[start : start + len(origin)] = origin

    def _origin_of(self, row: int, column: int) -> tuple[int, int]:
        if 1 <= row <= len(self.rows) and 1 <= column <= self.width:
            index = self._origin[(row - 1) * self.width + column - 1]
            if index >= 0:
                return index // self.width + 1, index % self.width + 1
        return row, column

    def raw(self, row: int, column: int) -> str:
        if row < 1 or row > len(self.rows) or column < 1 or column > len(self.rows[row - 1]):
            return ""
        return cell_text(self.rows[row - 1][column - 1])

    def value(self, row: int, column: int) -> str:
        """Return the text shown at the cell: its merged range's text where it is merged."""
        return self.raw(*self._origin_of(row, column))

    def is_origin(self, row: int, column: int) -> bool:
        return self._origin_of(row, column) == (row, column)

    def spans_to(self, row: int, column: int) -> int:
        return self.last_row.get((row, column), row)


@dataclass(frozen=True)
class _Layout:
    name: str
    spec: LayoutSpec
    header_row: int  # the first header row (the year headings' row where the layout has them)
    name_row: int  # the row of the columns' own headings
    fiscal_years: tuple[int, ...]
    columns: dict[int, PlacedColumn]  # sheet column → the layout's column
    # A column under the same merged heading as the one left of it (「事項」 over the 「事項１」 label
    # and the item's text) → that first column: its cells are the same field.
    home: dict[int, int] = field(default_factory=dict)

    @property
    def item_columns(self) -> tuple[int, ...]:
        return tuple(sorted(c for c, p in self.columns.items() if p.source == Source.ITEM))


def _cell_position(ref: str) -> tuple[int | None, int | None]:
    try:
        min_col, min_row, _, _ = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return None, None
    return min_row, min_col
