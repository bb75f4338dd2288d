"""Map the columns of a sheet whose headings match no registered layout, once, into a new layout.

``sheet_headings`` finds the header rows of the uploaded sheet (the row of the year headings and
the row of the columns' own headings below it, or a single row where the sheet has no year
headings) and lists every column that has a heading. ``mapped_layout`` is pure: from the
administrator's choice per column (a ``Source``, or 「使わない」) it builds the ``LayoutSpec`` the
reader then recognises by those same headings, or returns the Japanese reasons it cannot:

- 事項 and 目標 chosen, each once; every other field at most once (per year for the yearly ones);
- a yearly field (実績, 取組, 自己評価, 評定) only under a year heading, a field of the item or
  the area only outside the year headings, and no column under a year heading left unused;
- at least one column under a year heading (the period's years are read from them);
- the year columns one block, repeated in the same order for every year (a column may appear
  each year, every year but the last, or the last only), as ``placed_columns`` prints a layout.

The caller then reads the sheet with the layout (``plan_sheet_parse``) before saving it, so a
mapping is only kept when the reader finds its headings again.
"""

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from programs.fiscal_years import FiscalYearError, eraless_year_of, parse_fiscal_year
from programs.models import SheetColumn
from programs.sheet_layouts import PER_YEAR_SOURCES, ColumnSpec, LayoutSpec, Source, Years, placed_columns

from .reader import range_of

HEADER_SEARCH_ROWS = 12  # as the reader: the headings stand within the sheet's first rows
HEADING_MAX_LENGTH = SheetColumn._meta.get_field("heading").max_length
REQUIRED = (Source.ITEM, Source.TARGET)
UNUSED = Source.UNUSED

ERROR_NO_HEADINGS = (
    "シートの先頭{rows}行に見出しの行が見つかりません。見出し（列の名前）を先頭の行に置いてから、"
    "もう一度アップロードしてください。"
)
ERROR_NO_YEARS = (
    "年度の見出し（例: 令和３年度）の下に、実績・取組の実施内容・自己評価・評定のいずれかの列が必要です"
    "（計画期間の年度を見出しから読み取ります）。"
)
ERROR_REQUIRED = "「{field}」を表す列を１つ選んでください。"
ERROR_TWICE = "「{field}」が２つの列（{columns}）に選ばれています。１つの列にしてください。"
ERROR_TWICE_IN_YEAR = "{year}の「{field}」が２つの列（{columns}）に選ばれています。"
ERROR_YEARLY_OUTSIDE = "{column}列「{heading}」は年度の見出しの下にないため、年度ごとの「{field}」は選べません。"
ERROR_FIXED_IN_YEAR = (
    "{column}列「{heading}」は年度（{year}）の見出しの下にあります。実績・取組の実施内容・自己評価・評定の"
    "いずれかを選んでください。"
)
ERROR_FIXED_AMID_YEARS = "{column}列「{heading}」が年度ごとの列の間にあります。この並びの様式は登録できません。"
ERROR_YEARS_IRREGULAR = (
    "年度ごとの列の並びが年度によって違います（「{heading}」）。どの年度も同じ順に並ぶか、"
    "最終年度だけにある列にしてください。"
)
ERROR_HEADING_TOO_LONG = "{column}列の見出しが{limit}文字を超えています。シートの見出しを短くしてください。"
ERROR_HEADING_TWICE = "{columns}列の見出しが同じ「{heading}」です。見出しで列を見分けるため、別の見出しにしてください。"


def normalised(text: str) -> str:
    """Return a heading as the reader compares it: NFKC, no spaces or line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def is_year_heading(text: str) -> bool:
    """Return whether a heading names a fiscal year as the reader reads it (「令和３年度」「30年度」「R3」)."""
    if not text.strip():
        return False
    try:
        parse_fiscal_year(text)
    except FiscalYearError:
        return eraless_year_of(text) is not None
    return True


@dataclass(frozen=True)
class SheetHeading:
    """A column of the uploaded sheet with a heading: where it is and what it says."""

    column: int  # 1-based
    heading: str  # as printed, line breaks kept
    year: str = ""  # the year heading above it, for a column under one

    @property
    def letter(self) -> str:
        return get_column_letter(self.column)

    @property
    def shown(self) -> str:
        """Return the heading on one line, as the form labels it."""
        return " ".join(self.heading.split())


@dataclass(frozen=True)
class SheetHeadings:
    sheet: str
    header_row: int
    name_row: int
    columns: tuple[SheetHeading, ...]
    rows: tuple[tuple[str, ...], ...]  # the first rows of the sheet as shown, for the administrator to see

    @property
    def shown_rows(self) -> list[dict]:
        """Return the rows down to the columns' headings as typed (a merged cell once), cut to 60 characters."""
        rows = self.rows[: self.name_row]
        width = max((index + 1 for row in rows for index, text in enumerate(row) if text), default=0)
        return [
            {"number": number, "cells": [text if len(text) <= 60 else text[:59] + "…" for text in row[:width]]}
            for number, row in enumerate(rows, start=1)
        ]

    @property
    def letters(self) -> list[str]:
        """Return the column letters over the shown rows (A, B, …), as the selects name the columns."""
        width = len(self.shown_rows[0]["cells"]) if self.rows else 0
        return [get_column_letter(column) for column in range(1, width + 1)]

    @property
    def years(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.year for c in self.columns if c.year))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _top_rows(rows, merged, count: int) -> list[list[str]]:
    """Return the first rows' texts, each merged cell reading as its range's top-left cell."""
    top = [[_cell(value) for value in row] for row in rows[:count]]
    width = max((len(row) for row in top), default=0)
    for row in top:
        row.extend([""] * (width - len(row)))
    for ref in merged:
        boundaries = range_of(ref)
        if boundaries is None:
            continue
        first_column, first_row, last_column, last_row = boundaries
        if first_row > len(top) or first_column > width:
            continue
        text = top[first_row - 1][first_column - 1]
        for row in range(first_row, min(last_row, len(top)) + 1):
            for column in range(first_column, min(last_column, width) + 1):
                top[row - 1][column - 1] = text
    return top


def sheet_headings(sheet) -> SheetHeadings | None:
    """Return the header rows of a sheet (``SheetRows``) and its columns with a heading; None if none is found.

    The year headings' row is the first whose cells name fiscal years, and the columns' own
    headings are below it; without year headings, the first row with two headings or more.
    """
    top = _top_rows(sheet.rows, sheet.merged, HEADER_SEARCH_ROWS + 1)
    if not top:
        return None
    width = len(top[0])
    shown = tuple(tuple(_cell(value) for value in row) for row in sheet.rows[:HEADER_SEARCH_ROWS])
    for index, row in enumerate(top[:HEADER_SEARCH_ROWS]):
        if sum(is_year_heading(text) for text in dict.fromkeys(row)) >= 1 and index + 1 < len(top):
            below = top[index + 1]
            columns, group = [], ""
            for column in range(width):
                upper, lower = row[column], below[column]
                if is_year_heading(upper) and lower and lower != upper:
                    group = upper
                    columns.append(SheetHeading(column + 1, lower, group))
                elif not upper and group and lower:
                    columns.append(SheetHeading(column + 1, lower, group))
                else:
                    group = ""
                    if upper or lower:
                        columns.append(SheetHeading(column + 1, upper or lower))
            return SheetHeadings(sheet.name, index + 1, index + 2, tuple(columns), shown)
    for index, row in enumerate(top[:HEADER_SEARCH_ROWS]):
        texts = [(column + 1, text) for column, text in enumerate(row) if text]
        distinct = {text for _, text in texts}
        if len(distinct) >= 2:
            columns = tuple(SheetHeading(column, text) for column, text in texts if _first_of_merge(row, column))
            return SheetHeadings(sheet.name, index + 1, index + 1, columns, shown)
    return None


def _first_of_merge(row: list[str], column: int) -> bool:
    """Return whether the column is the first showing its text (a heading merged across columns is one column)."""
    return column == 1 or row[column - 2] != row[column - 1]


@dataclass(frozen=True)
class MappedLayout:
    spec: LayoutSpec | None
    errors: tuple[str, ...]


def _label(source: str) -> str:
    return Source(source).label.split("（")[0]


def mapped_layout(headings: SheetHeadings, choices: dict[int, str]) -> MappedLayout:
    """Build the layout the administrator's choices describe (column → source), or say why it cannot be built."""
    errors: list[str] = []
    fixed_before: list[ColumnSpec] = []
    fixed_after: list[ColumnSpec] = []
    groups: dict[str, list[tuple[str, str, str]]] = {}  # year → [(source, normalised heading, heading)]
    chosen_at: dict[str, list[str]] = {}
    seen_headings: dict[str, list[str]] = {}
    first_year_column = min((c.column for c in headings.columns if c.year), default=None)
    last_year_column = max((c.column for c in headings.columns if c.year), default=None)
    for heading in headings.columns:
        source = choices.get(heading.column, UNUSED)
        text = " ".join(heading.heading.split())
        if len(text) > HEADING_MAX_LENGTH:
            errors.append(ERROR_HEADING_TOO_LONG.format(column=heading.letter, limit=HEADING_MAX_LENGTH))
            continue
        if heading.year:
            if source == UNUSED or source not in PER_YEAR_SOURCES:
                errors.append(ERROR_FIXED_IN_YEAR.format(column=heading.letter, heading=text, year=heading.year))
                continue
            group = groups.setdefault(heading.year, [])
            if any(s == source for s, _, _ in group):
                columns = "・".join(
                    c.letter for c in headings.columns if c.year == heading.year and choices.get(c.column) == source
                )
                message = ERROR_TWICE_IN_YEAR.format(year=heading.year, field=_label(source), columns=columns)
                if message not in errors:
                    errors.append(message)
                continue
            group.append((source, normalised(text), text))
            continue
        if source in PER_YEAR_SOURCES:
            errors.append(ERROR_YEARLY_OUTSIDE.format(column=heading.letter, heading=text, field=_label(source)))
            continue
        seen_headings.setdefault(normalised(text), []).append(heading.letter)
        if source != UNUSED:
            chosen_at.setdefault(source, []).append(heading.letter)
        spec = ColumnSpec(text, source)
        if first_year_column is None or heading.column < first_year_column:
            fixed_before.append(spec)
        elif heading.column > last_year_column:
            fixed_after.append(spec)
        else:
            errors.append(ERROR_FIXED_AMID_YEARS.format(column=heading.letter, heading=text))
    for text, letters in seen_headings.items():
        if len(letters) > 1:
            errors.append(ERROR_HEADING_TWICE.format(columns="・".join(letters), heading=text))
    for source, letters in chosen_at.items():
        if len(letters) > 1:
            errors.append(ERROR_TWICE.format(field=_label(source), columns="・".join(letters)))
    for source in REQUIRED:
        if source not in chosen_at:
            errors.append(ERROR_REQUIRED.format(field=_label(source)))
    if not groups and not any(c.year for c in headings.columns):
        errors.append(ERROR_NO_YEARS)
    block = _year_block(list(groups.values()), errors)
    if errors:
        return MappedLayout(None, tuple(errors))
    return MappedLayout(LayoutSpec(columns=(*fixed_before, *block, *fixed_after)), ())


def _year_block(groups: list[list[tuple[str, str, str]]], errors: list[str]) -> tuple[ColumnSpec, ...]:
    """Return the yearly columns once, each with the years it appears under; check they print as the sheet does."""
    if not groups:
        return ()
    order: dict[tuple[str, str], str] = {}
    for group in groups:
        for source, key, text in group:
            order.setdefault((source, key), text)
    last = len(groups) - 1
    block = []
    for (source, key), text in order.items():
        present = [index for index, group in enumerate(groups) if any((s, k) == (source, key) for s, k, _ in group)]
        if len(present) == len(groups):
            years = Years.EACH
        elif present == [last]:
            years = Years.LAST
        elif present == list(range(last)):
            years = Years.BEFORE_LAST
        else:
            errors.append(ERROR_YEARS_IRREGULAR.format(heading=text))
            return ()
        block.append(ColumnSpec(text, source, years, Decimal(12)))
    # Printed back as the exporter prints it, the block must give the sheet's own order in every year.
    fiscal_years = list(range(2000, 2000 + len(groups)))
    placed = placed_columns(tuple(block), fiscal_years)
    printed = [(p.source, normalised(p.heading), p.fiscal_year - 2000) for p in placed]
    typed = [(s, k, index) for index, group in enumerate(groups) for s, k, _ in group]
    if printed != typed:
        mismatch = next((t for p, t in zip(printed, typed, strict=False) if p != t), typed[-1] if typed else None)
        heading = order.get(mismatch[:2], "") if mismatch else ""
        errors.append(ERROR_YEARS_IRREGULAR.format(heading=heading))
        return ()
    return tuple(block)
