"""Recognising the layout from the header rows, placing its columns, and reading the fiscal years."""

from collections.abc import Mapping, Sequence

from programs.fiscal_years import FiscalYearError, era_label, eraless_fiscal_year, eraless_year_of, parse_fiscal_year
from programs.sheet_layouts import PER_YEAR_SOURCES, LayoutSpec, PlacedColumn

from .drafts import SheetProblem
from .grid import _Grid, _Layout, normalised
from .messages import (
    ERROR_COLUMN_MISSING,
    ERROR_COLUMN_UNKNOWN,
    ERROR_LAYOUT_NAMED_UNKNOWN,
    ERROR_LAYOUT_UNKNOWN,
    ERROR_NO_YEARS,
    ERROR_YEAR_HEADING,
    ERROR_YEARS_NOT_CONSECUTIVE,
    HEADER_SEARCH_ROWS,
)


def _identify(
    grid: _Grid,
    layouts: Mapping[str, LayoutSpec],
    layout_name: str | None,
    first_fiscal_year: int | None,
    problems: list[SheetProblem],
) -> _Layout | None:
    sheet = grid.sheet.name
    if layout_name:
        if layout_name not in layouts:
            problems.append(SheetProblem(sheet, None, None, ERROR_LAYOUT_NAMED_UNKNOWN.format(name=layout_name)))
            return None
        candidates = {layout_name: layouts[layout_name]}
    else:
        candidates = dict(layouts)
    best = None
    for name, spec in candidates.items():
        found = _header_row(grid, spec)
        if found is None:
            continue
        row, score = found
        if best is None or score > best[2]:
            best = (name, spec, score, row)
    if best is None:
        names = "・".join(f"「{name}」" for name in candidates) or "登録された様式"
        problems.append(SheetProblem(sheet, None, None, ERROR_LAYOUT_UNKNOWN.format(layouts=names)))
        return None
    name, spec, _, header_row = best
    return _placed(grid, name, spec, header_row, first_fiscal_year, problems)


def _fixed_headings(spec: LayoutSpec) -> set[str]:
    return {normalised(c.heading) for c in spec.columns if c.source not in PER_YEAR_SOURCES}


def _header_row(grid: _Grid, spec: LayoutSpec) -> tuple[int, int] | None:
    """Return the first header row and how many of the layout's headings it holds, if it holds them all."""
    wanted = _fixed_headings(spec)
    yearly = {normalised(c.heading) for c in spec.columns if c.source in PER_YEAR_SOURCES}
    for row in range(1, min(HEADER_SEARCH_ROWS, len(grid.rows)) + 1):
        texts = {normalised(grid.value(r, c)) for r in (row, row + 1) for c in range(1, grid.width + 1)}
        if wanted <= texts and (not yearly or yearly <= texts):
            return row, len(wanted | yearly)
    return None


def _placed(
    grid: _Grid,
    name: str,
    spec: LayoutSpec,
    header_row: int,
    first_fiscal_year: int | None,
    problems: list[SheetProblem],
) -> _Layout | None:
    sheet = grid.sheet.name
    fixed = _fixed_headings(spec)
    yearly_headings = {normalised(c.heading) for c in spec.columns if c.source in PER_YEAR_SOURCES}
    has_years = bool(yearly_headings)
    name_row = header_row + 1 if has_years else header_row
    # Each column: its heading, and the year heading above it (carried right over an unmerged group).
    columns: list[tuple[int, str, str]] = []
    group = ""
    for column in range(1, grid.width + 1):
        top = grid.value(header_row, column)
        below = grid.value(name_row, column) if has_years else ""
        if has_years and normalised(below) in yearly_headings and normalised(top) not in fixed:
            group = top or group
            columns.append((column, normalised(below), group))
        else:
            group = ""
            columns.append((column, normalised(top) or normalised(below), ""))
    year_texts = list(dict.fromkeys(text for _, _, text in columns if text))
    fiscal_years = _fiscal_years(year_texts, header_row, grid, first_fiscal_year, problems) if has_years else ()
    if has_years and not fiscal_years:
        if not any(p.message.startswith("年度") for p in problems):
            problems.append(SheetProblem(sheet, header_row, None, ERROR_NO_YEARS))
        return None
    year_of = dict(zip(year_texts, fiscal_years, strict=False))
    placed = spec.placed(fiscal_years)
    mapping: dict[int, PlacedColumn] = {}
    home: dict[int, int] = {}
    used: set[int] = set()
    for column, heading, year_text in columns:
        if not heading:
            continue
        if column - 1 in mapping and _same_heading_cell(grid, (header_row, name_row), column):
            mapping[column] = mapping[column - 1]
            home[column] = home.get(column - 1, column - 1)
            continue
        year = year_of.get(year_text) if year_text else None
        match = next(
            (
                index
                for index, p in enumerate(placed)
                if index not in used and normalised(p.heading) == heading and p.fiscal_year == year
            ),
            None,
        )
        if match is None:
            problems.append(
                SheetProblem(
                    sheet,
                    name_row if year_text else header_row,
                    column,
                    ERROR_COLUMN_UNKNOWN.format(heading=heading, layout=name),
                )
            )
            continue
        used.add(match)
        mapping[column] = placed[match]
    for index, p in enumerate(placed):
        if index not in used:
            year = f"（{era_label(p.fiscal_year)}）" if p.fiscal_year else ""
            message = ERROR_COLUMN_MISSING.format(layout=name, heading=p.heading, year=year)
            problems.append(SheetProblem(sheet, header_row, None, message))
    return _Layout(name, spec, header_row, name_row, tuple(fiscal_years), mapping, home)


def _same_heading_cell(grid: "_Grid", rows: tuple[int, int], column: int) -> bool:
    """Return whether the column's header cells are the merged cells of the column left of it."""
    return all(grid._origin_of(row, column) == grid._origin_of(row, column - 1) for row in set(rows))


def _fiscal_years(
    texts: Sequence[str], row: int, grid: _Grid, first_fiscal_year: int | None, problems: list[SheetProblem]
) -> tuple[int, ...]:
    """Read the year headings (「令和３年度」「30年度」「R3」); ``first_fiscal_year`` overrides what they say."""
    if first_fiscal_year is not None:
        return tuple(range(first_fiscal_year, first_fiscal_year + len(texts)))
    read: list[int | None] = []
    eraless: list[tuple[int, int]] = []  # (index, era year) of 「30年度」 written without its era
    for index, text in enumerate(texts):
        try:
            read.append(parse_fiscal_year(text))
        except FiscalYearError:
            era_year = eraless_year_of(text)
            if era_year is not None:
                read.append(None)
                eraless.append((index, era_year))
            else:
                column = next((c for c in range(1, grid.width + 1) if grid.value(row, c) == text), None)
                problems.append(SheetProblem(grid.sheet.name, row, column, ERROR_YEAR_HEADING.format(text=text)))
                return ()
    known = [(i, year) for i, year in enumerate(read) if year is not None]
    for index, era_year in eraless:
        # 平成 or 令和, whichever fits the neighbouring headings (programs.fiscal_years decides the rest).
        near = known[0][1] + index - known[0][0] if known else None
        read[index] = eraless_fiscal_year(era_year, near=near)
    years = [year for year in read if year is not None]
    if years != list(range(years[0], years[0] + len(years))):
        labels = "・".join(texts)
        problems.append(SheetProblem(grid.sheet.name, row, None, ERROR_YEARS_NOT_CONSECUTIVE.format(years=labels)))
        return ()
    return tuple(years)
