"""``plan_sheet_parse``: the worksheets in turn, the layout identified, areas and items read, 達成状況 checked."""

from collections.abc import Mapping, Sequence

from programs.fiscal_years import era_label
from programs.sheet_layouts import LayoutSpec, Source

from .areas import _area_drafts, _areas, _AreaState
from .drafts import PlanDraft, SheetProblem
from .grid import _cell_position, _Grid, cell_text
from .layout import _header_row, _identify
from .messages import (
    ERROR_FORMULA,
    ERROR_NO_ITEMS,
    ERROR_NO_SHEET,
    ERROR_SHEET_YEARS_DIFFER,
    REASON_EMPTY,
    REASON_NO_HEADER,
    REASON_NO_LAYOUT,
)
from .progress_sheet import _progress_leftovers, _progress_read
from .workbook import PlanSheetRows, SheetRows


def plan_sheet_parse(
    read: PlanSheetRows,
    *,
    layouts: Mapping[str, LayoutSpec],
    layout_name: str | None = None,
    first_fiscal_year: int | None = None,
    municipality_count: int = 62,
) -> PlanDraft:
    """Turn the sheet's rows into a plan draft in its layout, listing every cell it could not place.

    The layout is identified on the first worksheet whose header rows match one (a cover sheet
    before it is named as skipped); every later worksheet with the same header is read in turn,
    an area printed over several pages or worksheets continuing where it stopped. A worksheet
    without the header is named in ``skipped`` with the reason, never dropped silently.
    """
    if read.sheet is None:
        return PlanDraft("", (), (), (SheetProblem("", None, None, ERROR_NO_SHEET),))
    worksheets = (read.sheet, *read.others)
    skipped: list[tuple[str, str]] = []
    problems: list[SheetProblem] = []
    first = next(
        (index for index, rows in enumerate(worksheets) if _matching_layout(_Grid(rows), layouts, layout_name)),
        None,
    )
    if first is None:
        first = 0  # no worksheet has a registered layout's header: the first one says so (an unknown layout)
    else:
        skipped += [(rows.name, _reason_not_read(rows, REASON_NO_LAYOUT)) for rows in worksheets[:first]]
    grid = _Grid(worksheets[first])
    sheet = grid.sheet.name
    _formula_problems(grid.sheet, problems)
    layout = _identify(grid, layouts, layout_name, first_fiscal_year, problems)
    if layout is None:
        skipped += [(rows.name, _reason_not_read(rows, REASON_NO_LAYOUT)) for rows in worksheets[first + 1 :]]
        # The hook of the mapping screen (sheets.imports.mapping): no registered layout's headings are here.
        unmatched = not layout_name and not any(_header_row(grid, spec) for spec in layouts.values())
        return PlanDraft(
            layout_name or "",
            (),
            (),
            tuple(problems),
            layout_unmatched=unmatched,
            sheet=sheet,
            skipped=(*skipped, *read.skipped),
        )
    progress = _progress_read(read.progress, layout.fiscal_years, problems)
    state = _AreaState()
    _areas(grid, layout, problems, state)
    sheets = [sheet]
    for rows in worksheets[first + 1 :]:
        other = _Grid(rows)
        if _header_row(other, layout.spec) is None:
            headings = "」「".join(c.heading for c in layout.spec.columns[:2])
            skipped.append(
                (rows.name, _reason_not_read(rows, REASON_NO_HEADER.format(layout=layout.name, headings=headings)))
            )
            continue
        _formula_problems(rows, problems)
        placed = _identify(other, {layout.name: layout.spec}, layout.name, first_fiscal_year, problems)
        if placed is None:
            continue
        if placed.fiscal_years != layout.fiscal_years:
            message = ERROR_SHEET_YEARS_DIFFER.format(
                years=_years_label(placed.fiscal_years), first=sheet, first_years=_years_label(layout.fiscal_years)
            )
            problems.append(SheetProblem(rows.name, placed.header_row, None, message))
            continue
        _areas(other, placed, problems, state)
        sheets.append(rows.name)
    areas = _area_drafts(state, problems, progress, municipality_count)
    if progress is not None:
        _progress_leftovers(progress, areas, problems)
    if not areas and not problems:
        problems.append(SheetProblem(sheet, None, None, ERROR_NO_ITEMS))
    return PlanDraft(
        layout_name=layout.name,
        fiscal_years=layout.fiscal_years,
        areas=tuple(areas),
        problems=tuple(problems),
        uses_rating=any(column.source == Source.RATING for column in layout.spec.columns),
        title=layout.spec.title,
        from_export=progress is not None,
        sheet=sheet,
        sheets=tuple(sheets),
        skipped=(*skipped, *read.skipped),
    )


def _formula_problems(rows: SheetRows, problems: list[SheetProblem]) -> None:
    for ref in rows.formulas:
        row, column = _cell_position(ref)
        problems.append(SheetProblem(rows.name, row, column, ERROR_FORMULA))


def _reason_not_read(rows: SheetRows, reason: str) -> str:
    empty = not any(cell_text(value) for row in rows.rows for value in row)
    return REASON_EMPTY if empty else reason


def _years_label(years: Sequence[int]) -> str:
    return "・".join(era_label(year) for year in years) or "なし"


def _matching_layout(grid: "_Grid", layouts: Mapping[str, LayoutSpec], layout_name: str | None) -> bool:
    candidates = [layouts[layout_name]] if layout_name in layouts else ([] if layout_name else layouts.values())
    return any(_header_row(grid, spec) is not None for spec in candidates)
