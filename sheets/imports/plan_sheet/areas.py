"""Areas and items: area headings, item rows and their cells into drafts, each cell held to its limit."""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from programs.models import item_label_of
from programs.quantities import format_quantity
from programs.sheet_layouts import AREA_SOURCES, PER_YEAR_SOURCES, LayoutSpec, Source
from sheets.exports.self_evaluation import PROGRESS_TITLE

from .drafts import AreaDraft, EvaluationDraft, IndicatorDraft, ItemDraft, SheetProblem, _limited
from .grid import _Grid, _Layout, normalised
from .layout import _fixed_headings
from .messages import (
    _AREA,
    _ITEM,
    _ITEM_LABEL,
    _RELATED,
    _SUB_AREA,
    ERROR_AREA_TWICE,
    ERROR_AREA_TWICE_NUMBER,
    ERROR_BANNER,
    ERROR_CELL_TWICE,
    ERROR_HEADING_ROW_WITH_CELLS,
    ERROR_ITEM_NUMBER_TWICE,
    ERROR_NO_AREA_ABOVE,
    ERROR_NO_COLUMN,
    ERROR_NO_ITEM_ON_ROW,
    ERROR_PROGRESS_MISMATCH,
    ERROR_SUB_AREA_WITHOUT_PARENT,
    ERROR_TOO_LONG,
    FIELD_NEXT_STEPS,
    FIELD_SELF_ASSESSMENT,
    MAX_HEADING_LENGTH,
    MAX_TEXT,
    NARRATIVE_MAX_LENGTH,
    REFERENCE_MAX_LENGTH,
)
from .progress_sheet import _Progress, _ProgressItem
from .targets import _indicators_from_wording, _with_actuals, _with_restated


@dataclass
class _ItemCells:
    row: int
    number: int
    text: str
    grid: "_Grid"
    layout: _Layout
    cells: dict[int, str] = field(default_factory=dict)  # sheet column → text
    backgrounds: list[tuple[str, int]] = field(default_factory=list)  # (text, last row it spans)
    last_rows: dict[int, int] = field(default_factory=dict)  # sheet column → last row its cell spans


@dataclass
class _AreaCells:
    row: int
    number: int
    sub_number: int | None
    title: str
    sheet: str = ""
    parent_title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[_ItemCells] = field(default_factory=list)


@dataclass
class _AreaState:
    """The areas read so far, carried from one worksheet to the next (a page continues its area)."""

    areas: list[_AreaCells] = field(default_factory=list)
    current: _AreaCells | None = None
    parent: _AreaCells | None = None  # the last numbered heading: the parent of 「【（１）…】」 under it


def _area_heading(grid: _Grid, row: int) -> tuple[re.Match | None, bool]:
    """Return the heading the row's first cell holds, and whether other cells of the row hold text too."""
    text = grid.value(row, 1)
    if not text or not grid.is_origin(row, 1):
        return None, False
    first_line = unicodedata.normalize("NFKC", text.split("\n")[0]).strip()
    if _ITEM.match(first_line):
        return None, False
    others = any(grid.raw(row, c) for c in range(2, grid.width + 1) if grid.is_origin(row, c))
    return _AREA.match(first_line) or _SUB_AREA.match(first_line), others


def _header_rows(grid: _Grid, layout: _Layout) -> set[int]:
    """Return the rows of the header and of every repetition of it (one per printed page)."""
    rows = set(range(layout.header_row, layout.name_row + 1))
    wanted = _fixed_headings(layout.spec)
    yearly = {normalised(c.heading) for c in layout.spec.columns if c.source in PER_YEAR_SOURCES}
    height = layout.name_row - layout.header_row
    for row in range(1, len(grid.rows) + 1):
        own = {
            normalised(text)
            for c in range(1, grid.width + 1)
            if 0 < len(text := grid.raw(row, c)) <= MAX_HEADING_LENGTH
        }
        if not own & wanted:
            continue
        texts = {normalised(grid.value(r, c)) for r in (row, row + 1) for c in range(1, grid.width + 1)}
        if wanted <= texts and (not yearly or yearly <= texts):
            rows.update(range(row, row + height + 1))
    return rows


def _title_rows(grid: _Grid, spec: LayoutSpec) -> set[int]:
    """Return the rows holding only the layout's title or note line, printed again on every page."""
    lines = {normalised(spec.title), normalised(spec.note)} - {""}
    rows = set()
    for row in range(1, len(grid.rows) + 1):
        texts = [grid.raw(row, c) for c in range(1, grid.width + 1) if grid.is_origin(row, c) and grid.raw(row, c)]
        if len(texts) == 1 and normalised(texts[0]) in lines:
            rows.add(row)
    return rows


def _areas(grid: _Grid, layout: _Layout, problems: list[SheetProblem], state: _AreaState) -> None:
    """Read the worksheet's area headings, items and cells into ``state``, naming every cell not placed.

    Area titles and sub-headings may stand above the header (as Tokyo prints them); the header,
    the title and the note lines, printed again on each page, are recognised and skipped; rows
    above the first header that are neither a heading nor a cell of a heading's area are the
    sheet's own title lines. A 「事項１」 label in a cell of its own marks the item of its row.
    """
    sheet = grid.sheet.name
    item_columns = layout.item_columns
    if not item_columns:
        return
    skip = _header_rows(grid, layout) | _title_rows(grid, layout.spec)
    item: _ItemCells | None = None
    item_last_row = 0
    for row in range(1, len(grid.rows) + 1):
        if row in skip:
            item = None
            continue
        heading, crowded = _area_heading(grid, row)
        if heading is not None and crowded:
            label = grid.value(row, 1).split("\n")[0][:40]
            problems.append(SheetProblem(sheet, row, 1, ERROR_HEADING_ROW_WITH_CELLS.format(heading=label)))
            item = None
            continue
        if heading is not None:
            _area_begin(grid, row, heading, problems, state)
            item = None
            continue
        if row < layout.header_row and state.current is None:
            continue  # the sheet's own title lines above its first header
        if (banner := _banner(grid, row)) is not None:
            # One text merged across the row is a heading or a title, never an item: say which it is not.
            problems.append(SheetProblem(sheet, row, banner[0], ERROR_BANNER.format(text=banner[1][:30])))
            item = None
            continue
        label_column, label_number = _item_label(grid, row, layout)
        text_column = next(
            (c for c in item_columns if c != label_column and grid.is_origin(row, c) and grid.raw(row, c)), None
        )
        if label_column is not None or text_column is not None:
            if state.current is None:
                problems.append(SheetProblem(sheet, row, text_column or label_column, ERROR_NO_AREA_ABOVE))
                item = None
                continue
            text = grid.raw(row, text_column) if text_column else ""
            if label_number is not None and not _ITEM.match(unicodedata.normalize("NFKC", text.split("\n")[0]).strip()):
                text = f"{item_label_of(label_number)}\n{text}" if text else item_label_of(label_number)
            match = _ITEM.match(unicodedata.normalize("NFKC", text.split("\n")[0]).strip())
            items = state.current.items
            number = int(match.group("number")) if match else (items[-1].number + 1 if items else 1)
            if any(existing.number == number for existing in items):
                column = label_column or text_column
                problems.append(
                    SheetProblem(sheet, row, column, ERROR_ITEM_NUMBER_TWICE.format(item=item_label_of(number)))
                )
            item = _ItemCells(row, number, text, grid, layout)
            items.append(item)
            item_last_row = max(grid.spans_to(row, c) for c in (label_column, text_column) if c)
        for column in range(1, grid.width + 1):
            if not grid.is_origin(row, column) or column in item_columns or column == label_column:
                continue
            text = grid.raw(row, column)
            if not text:
                continue
            placed = layout.columns.get(column)
            if placed is not None and placed.source == Source.UNUSED:
                continue  # a column the administrator mapped as 「使わない」
            if placed is None:
                message = ERROR_NO_COLUMN.format(layout=layout.name, text=text.split("\n")[0][:20])
                problems.append(SheetProblem(sheet, row, column, message))
                continue
            if state.current is None:
                problems.append(SheetProblem(sheet, row, column, ERROR_NO_AREA_ABOVE))
                continue
            limit = _cell_limit(placed.source, layout.spec)
            if len(text) > limit:
                problems.append(SheetProblem(sheet, row, column, ERROR_TOO_LONG.format(limit=limit, length=len(text))))
                continue
            current = state.current
            if placed.source in AREA_SOURCES:
                previous = current.fields.get(placed.source)
                if previous is not None and previous != text:
                    problems.append(SheetProblem(sheet, row, column, ERROR_AREA_TWICE.format(heading=placed.heading)))
                current.fields.setdefault(placed.source, text)
                current.places.setdefault(placed.source, (row, column))
                continue
            if item is None or (item.row != row and item_last_row < row):
                problems.append(SheetProblem(sheet, row, column, ERROR_NO_ITEM_ON_ROW.format(heading=placed.heading)))
                continue
            key = layout.home.get(column, column)
            if placed.source == Source.BACKGROUND:
                item.backgrounds.append((text, grid.spans_to(row, column)))
            elif key in item.cells:
                problems.append(SheetProblem(sheet, row, column, ERROR_CELL_TWICE.format(heading=placed.heading)))
            else:
                item.cells[key] = text
                item.last_rows[key] = grid.spans_to(row, column)


def _banner(grid: _Grid, row: int) -> tuple[int, str] | None:
    """Return (column, text) where the row's only text is one cell merged across three columns or more."""
    texts = [c for c in range(1, grid.width + 1) if grid.is_origin(row, c) and grid.raw(row, c)]
    if len(texts) != 1:
        return None
    column = texts[0]
    span = sum(1 for c in range(column, grid.width + 1) if grid._origin_of(row, c) == (row, column))
    if span < 3 or _ITEM.match(normalised(grid.raw(row, column))):
        return None
    return column, grid.raw(row, column).split("\n")[0]


def _item_label(grid: _Grid, row: int, layout: _Layout) -> tuple[int | None, int | None]:
    """Return the column and number of a 「事項１」 label alone in a cell on the row, under 事項 or no heading."""
    for column in range(1, grid.width + 1):
        if not grid.is_origin(row, column):
            continue
        placed = layout.columns.get(column)
        if placed is not None and placed.source != Source.ITEM:
            continue
        match = _ITEM_LABEL.match(normalised(grid.raw(row, column)))
        if match:
            return column, int(match.group("number"))
    return None, None


def _area_begin(grid: _Grid, row: int, heading: re.Match, problems: list[SheetProblem], state: _AreaState) -> None:
    """Start the area a heading names, or continue it where the same heading was printed on an earlier page."""
    sheet = grid.sheet.name
    sub = heading.group("sub")
    title = _limited(heading.group("title").strip(), "分野名", 200, SheetProblem(sheet, row, 1, ""), problems)
    if "number" in heading.groupdict():
        number, sub_number, parent_title = int(heading.group("number")), int(sub) if sub else None, ""
    elif state.parent is not None:
        number, sub_number, parent_title = state.parent.number, int(sub), state.parent.title
    else:
        label = grid.value(row, 1).split("\n")[0][:40]
        problems.append(SheetProblem(sheet, row, 1, ERROR_SUB_AREA_WITHOUT_PARENT.format(heading=label)))
        state.current = None
        return
    if parent_title and not state.parent.items and state.parent in state.areas:
        state.areas.remove(state.parent)  # a heading over sub-areas, printed again on each of their pages
    existing = next((a for a in state.areas if (a.number, a.sub_number) == (number, sub_number)), None)
    if existing is not None and existing.title == title:
        state.current = existing  # the same heading printed again on the next page: the area continues
    else:
        if existing is not None:
            problems.append(SheetProblem(sheet, row, 1, ERROR_AREA_TWICE_NUMBER.format(label=title)))
        state.current = _AreaCells(row, number, sub_number, title, sheet=sheet, parent_title=parent_title)
        state.areas.append(state.current)
    if "number" in heading.groupdict():
        state.parent = state.current if sub_number is None else None


def _area_drafts(
    state: _AreaState, problems: list[SheetProblem], progress: "_Progress | None", municipalities: int
) -> list[AreaDraft]:
    drafts = []
    for area in state.areas:
        if not area.items:
            continue
        _share_merged_cells(area)
        drafts.append(_area_draft(area, problems, progress, municipalities))
    return drafts


def _share_merged_cells(area: _AreaCells) -> None:
    """Give a cell merged down beside several items to each of them: the export prints a shared text once."""
    for index, item in enumerate(area.items):
        own_last = max(item.grid.spans_to(item.row, c) for c in item.layout.item_columns)
        for column, last in item.last_rows.items():
            if last <= own_last:
                continue
            for other in area.items[index + 1 :]:
                if other.grid is item.grid and other.row <= last:
                    other.cells.setdefault(column, item.cells[column])


def _area_draft(
    area: _AreaCells,
    problems: list[SheetProblem],
    progress: "_Progress | None",
    municipalities: int,
) -> AreaDraft:
    # A 現状と課題 merged down beside several items is the area's; one beside a single item is the item's.
    area_background = ""
    item_backgrounds: dict[int, str] = {}
    for index, item in enumerate(area.items):
        for text, last_row in item.backgrounds:
            later = [other for other in area.items[index + 1 :] if other.grid is item.grid and other.row <= last_row]
            if later:
                area_background = text
            else:
                item_backgrounds[index] = text
    label_key = normalised(
        f"{area.number}{area.title}" if area.sub_number is None else f"{area.number}({area.sub_number}){area.title}"
    )
    items = tuple(
        _item_draft(
            item,
            item_backgrounds.get(index, ""),
            problems,
            progress.items.get((label_key, item.number)) if progress else None,
            municipalities,
        )
        for index, item in enumerate(area.items)
    )
    if progress is not None:
        progress.seen.update((label_key, item.number) for item in area.items)
    return AreaDraft(
        number=area.number,
        sub_number=area.sub_number,
        title=area.title,
        vision=area.fields.get(Source.AREA_VISION, ""),
        background=area_background,
        outcome_indicator_text=area.fields.get(Source.OUTCOME_INDICATOR, ""),
        items=items,
        row=area.row,
        vision_cell=area.places.get(Source.AREA_VISION),
        parent_title=area.parent_title,
    )


def _split_item_text(text: str) -> tuple[str, str]:
    """Split 「事項１\\n取組\\n（関連する取組）\\n・事業」 into the item's text and its related activities."""
    lines = text.split("\n")
    first = unicodedata.normalize("NFKC", lines[0]).strip()
    if match := _ITEM.match(first):
        rest = match.group("rest")
        lines = ([rest] if rest else []) + lines[1:]
    split = next((i for i, line in enumerate(lines) if _RELATED.match(line)), None)
    if split is None:
        split = next((i for i, line in enumerate(lines) if i > 0 and line.lstrip().startswith("・")), None)
    if split is None:
        return "\n".join(lines), ""
    return "\n".join(lines[:split]), "\n".join(lines[split:])


def _assessment(text: str, spec: LayoutSpec) -> tuple[str, str]:
    """Split an assessment cell at the layout's in-cell labels (＜自己評価＞ … ＜今後の取組方針＞ …)."""
    self_assessment, next_steps = text, ""
    label = spec.next_steps_label
    if label:
        marker = f"{label}\n"
        if self_assessment.startswith(marker):
            return "", self_assessment[len(marker) :]
        position = self_assessment.find(f"\n\n{marker}")
        if position >= 0:
            next_steps = self_assessment[position + len(marker) + 2 :]
            self_assessment = self_assessment[:position]
    if spec.assessment_label and self_assessment.startswith(f"{spec.assessment_label}\n"):
        self_assessment = self_assessment[len(spec.assessment_label) + 1 :]
    return self_assessment, next_steps


def _item_draft(
    cells: _ItemCells,
    background: str,
    problems: list[SheetProblem],
    from_progress: "_ProgressItem | None",
    municipalities: int,
) -> ItemDraft:
    grid, layout = cells.grid, cells.layout
    sheet = grid.sheet.name
    by_source: dict[tuple[str, int | None], tuple[int, str]] = {}
    for column, text in cells.cells.items():
        placed = layout.columns[column]
        by_source[(placed.source, placed.fiscal_year)] = (column, text)
    title, related = _split_item_text(cells.text)

    def text_of(source: str, year: int | None = None) -> str:
        return by_source.get((source, year), (0, ""))[1]

    def column_of(source: str, year: int | None = None) -> int | None:
        return by_source.get((source, year), (None, ""))[0] or next(
            (c for c, p in layout.columns.items() if p.source == source and p.fiscal_year == year), None
        )

    target_cell = text_of(Source.TARGET)
    typed_wording = ""
    has_actual_column = any(p.source == Source.ACTUAL for p in layout.columns.values())
    if from_progress is not None:
        indicators = from_progress.indicators
        # The official cells must say what 達成状況 says: a hand edit of either is caught, not guessed.
        if Source.TARGET in {p.source for p in layout.columns.values()}:
            expected = from_progress.target_wording or _target_cell(indicators)
            if expected != target_cell:
                problems.append(
                    SheetProblem(
                        sheet,
                        cells.row,
                        column_of(Source.TARGET),
                        ERROR_PROGRESS_MISMATCH.format(sheet=PROGRESS_TITLE, found=target_cell[:40]),
                    )
                )
        if has_actual_column:
            for year in layout.fiscal_years:
                expected = _actual_cell(indicators, year)
                found = text_of(Source.ACTUAL, year)
                if expected != found:
                    problems.append(
                        SheetProblem(
                            sheet,
                            cells.row,
                            column_of(Source.ACTUAL, year),
                            ERROR_PROGRESS_MISMATCH.format(sheet=PROGRESS_TITLE, found=found[:40]),
                        )
                    )
    else:
        indicators = _indicators_from_wording(
            target_cell, cells.row, column_of(Source.TARGET), title, layout, sheet, problems, municipalities
        )
        if has_actual_column:
            indicators = _with_actuals(indicators, layout, by_source, cells.row, sheet, problems)
        narratives = [
            text_of(source, year) for year in layout.fiscal_years for source in (Source.ACTIVITIES, Source.ASSESSMENT)
        ]
        indicators = _with_restated(indicators, narratives, title, layout.fiscal_years, municipalities)
        # The cell as typed where the wordings read from it do not spell it (line breaks inside a wording).
        composed = _target_cell(indicators)
        typed_wording = target_cell if target_cell.strip() and target_cell != composed else ""
    evaluations = []
    for year in layout.fiscal_years:
        activities = text_of(Source.ACTIVITIES, year)
        self_assessment, next_steps = _assessment(text_of(Source.ASSESSMENT, year), layout.spec)
        place = SheetProblem(sheet, cells.row, column_of(Source.ASSESSMENT, year), "")
        for field_name, text in ((FIELD_SELF_ASSESSMENT, self_assessment), (FIELD_NEXT_STEPS, next_steps)):
            _limited(text, field_name, NARRATIVE_MAX_LENGTH, place, problems)
        rating = text_of(Source.RATING, year).strip()
        if activities or self_assessment or next_steps or rating:
            evaluations.append(
                EvaluationDraft(year, activities, self_assessment, next_steps, rating, column_of(Source.RATING, year))
            )
    return ItemDraft(
        number=cells.number,
        title=title,
        related_activities=related,
        background=background or text_of(Source.BACKGROUND),
        item_vision=text_of(Source.ITEM_VISION),
        reference=_limited(
            text_of(Source.REFERENCE).strip(),
            "参考資料",
            REFERENCE_MAX_LENGTH,
            SheetProblem(sheet, cells.row, column_of(Source.REFERENCE), ""),
            problems,
        ),
        indicators=indicators,
        evaluations=tuple(evaluations),
        row=cells.row,
        section=from_progress.section if from_progress else "",
        programs=from_progress.programs if from_progress else (),
        target_wording=from_progress.target_wording if from_progress else typed_wording,
    )


def _cell_limit(source: str, spec: LayoutSpec) -> int:
    """Return the longest text a cell of the source may hold: what the export writes there at the most.

    The assessment cell holds the self-evaluation and the next steps under the layout's labels
    (sheets.exports.self_evaluation.assessment_text); each part is then held to its field's limit.
    """
    if source == Source.ASSESSMENT:
        return 2 * NARRATIVE_MAX_LENGTH + len(spec.assessment_label) + len(spec.next_steps_label) + 4
    return MAX_TEXT


def _target_cell(indicators: Sequence[IndicatorDraft]) -> str:
    """Return the 目標 cell as the export prints it (sheets.exports.self_evaluation.target_text)."""
    texts: list[str] = []
    for indicator in indicators:
        if indicator.plan_target_text and indicator.plan_target_text not in texts:
            texts.append(indicator.plan_target_text)
    return "\n".join(texts)


def _actual_cell(indicators: Sequence[IndicatorDraft], year: int) -> str:
    """Return a year's 実績 cell as the export prints it (sheets.exports.self_evaluation.actual_text)."""
    texts = []
    for indicator in indicators:
        if not indicator.plan_target_text:
            continue
        result = next((r for r in indicator.results if r.fiscal_year == year), None)
        if result is None:
            continue
        text = result.actual_text or format_quantity(result.value, indicator.unit, empty="")
        if text:
            texts.append(text)
    return "\n".join(texts)
