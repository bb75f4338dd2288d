"""The self-evaluation sheet (自己評価シート) as the prefecture publishes it, in the plan period's own layout.

The layout (``programs.sheet_layouts``: columns, their printed headings, the stored field each
shows) decides the columns; every official cell holds the stored text verbatim, nothing added.
The one addition is the 参考資料 cell: after the stored reference text it lists the titles of the
evidence files (別紙) attached to the item's years that the text does not already cite (see
``reference_text``). What the application computes (target, actual, rate, status, running total)
goes on a second worksheet, 「達成状況」, read from the same progress rows
(``evaluations.progress.plan_progress``).
``sheet_data`` turns the rows into cell text, ``self_evaluation_workbook`` lays it out: one block
per area, A3 landscape.
"""

import datetime
import json
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from evaluations.calculations import STATUS_LABELS
from evaluations.progress import (
    APPROVED,
    NO_TARGET_LABEL,
    VERDICT_LABELS,
    AreaRow,
    EvaluationCell,
    IndicatorRow,
    ItemRow,
    PlanProgress,
    state_label_of,
)
from programs.fiscal_years import era_label
from programs.kinds import TargetLine
from programs.models import Indicator, item_label_of
from programs.quantities import format_quantity
from programs.sheet_layouts import AREA_SOURCES, LayoutSpec, PlacedColumn, Source, fallback_layout, full_width

from .layout import (
    A3,
    A4,
    AREA_FILL,
    BORDER,
    CENTER,
    HEADER_FILL,
    HEADER_STYLE,
    INTEGER,
    NUMBER,
    PERCENT,
    TEXT,
    WRAP_CENTER,
    WRAP_TOP,
    CellStyle,
    Column,
    add_sheet,
    excel_fraction,
    font,
    freeze,
    line_count,
    merge,
    new_workbook,
    print_setup,
    put,
    set_width,
    set_widths,
    write_header,
    write_row,
)

SHEET_TITLE = "自己評価シート"
PROGRESS_TITLE = "達成状況"
PENDING_HEADER = "承認待ちの実績"
APPROVED_NOTE = (
    "実績は承認済みの値です（自己評価シートの実績欄も同じ）。承認前の新しい値は集計に含めず、"
    f"「{PENDING_HEADER}」列に「下書き」（入力中・差戻し）または「未承認」（提出済）と示します。"
)
NOTES_TITLE = "注記"

LINE_HEIGHT = 12.5  # points per wrapped line of a 9 pt CJK font
ROW_PADDING = 6
MIN_ROW_HEIGHT = 30
MAX_ROW_HEIGHT = 400  # Excel caps a row at 409 pt: taller items span several merged rows


@dataclass(frozen=True)
class SheetRow:
    item_id: int
    cells: tuple[str, ...]  # one per placed column; "" where the area's merged cell stands


@dataclass(frozen=True)
class SheetArea:
    title: str
    merged: tuple[tuple[int, str], ...]  # (column index, text) of the area-level cells merged down its items
    rows: tuple[SheetRow, ...]
    # The rows printed above the items: the title, under its parent's title for a sub-area.
    headings: tuple[str, ...] = ()
    # (row index, column index) → how many item rows the cell spans: a text shared by the next items
    # is one merged cell, as printed (``shared_spans``); the rows it covers hold "".
    spans: tuple[tuple[tuple[int, int], int], ...] = ()
    # The year heading over each placed column on the area's page (「」 for a column of no year): seed 003
    # prints 「30年度」 on area 1's page and 「平成30年度」 on area 2's (``LayoutSpec.year_headings_of``).
    year_groups: tuple[str, ...] = ()


@dataclass(frozen=True)
class SheetData:
    title_lines: tuple[str, ...]
    plan_label: str
    columns: tuple[PlacedColumn, ...]
    areas: tuple[SheetArea, ...]
    progress: PlanProgress


# -- Cell text: the stored text, verbatim ----------------------------------------------------


# (item id, fiscal year) → the titles of the evidence files attached to that item-year.
AttachmentTitles = Mapping[tuple[int, int], Sequence[str]]


def sheet_data(
    progress: PlanProgress, layout: LayoutSpec | None = None, *, attachment_titles: AttachmentTitles | None = None
) -> SheetData:
    """Turn the plan's progress rows into the text of every cell of the sheet, in the layout's columns.

    ``attachment_titles`` (read by ``sheets.selectors.attachment_titles``) go into the 参考資料 cells.
    """
    layout = layout or fallback_layout(uses_rating=progress.uses_rating, title=progress.title)
    years = progress.fiscal_years
    columns = layout.placed(years)
    titles = attachment_titles or {}
    return SheetData(
        title_lines=tuple(line for line in (layout.title, layout.note) if line),
        plan_label=progress.label,
        columns=columns,
        areas=tuple(_sheet_area(area, columns, layout, years, titles) for area in progress.areas),
        progress=progress,
    )


def area_heading(area: AreaRow) -> str:
    if area.sub_number is None:
        return f"{full_width(area.number)}　{area.title}"
    if area.parent_title:
        return f"【（{full_width(area.sub_number)}）{area.title}】"
    return f"{full_width(area.number)}（{full_width(area.sub_number)}）{area.title}"


def area_headings(area: AreaRow) -> tuple[str, ...]:
    """Return the heading rows above an area's items, as seed 003 prints area 2.

    A sub-area with a titled parent prints under the parent's title, on each of its pages (lines
    302 and 510): 「２　地域ケア会議及び介護予防の効果的な実施に向けた支援」 then 「【（１）地域ケア会議】」.
    """
    if area.sub_number is not None and area.parent_title:
        return (f"{full_width(area.number)}　{area.parent_title}", area_heading(area))
    return (area_heading(area),)


def _sheet_area(
    area: AreaRow,
    columns: tuple[PlacedColumn, ...],
    layout: LayoutSpec,
    years: tuple[int, ...],
    attachment_titles: AttachmentTitles,
) -> SheetArea:
    # The area's 現状と課題 stands once beside all its items when none of them has its own.
    shared_background = bool(area.background) and not any(item.background for item in area.items)
    merged = []
    for index, column in enumerate(columns):
        if column.source in AREA_SOURCES or (column.source == Source.BACKGROUND and shared_background):
            merged.append((index, area_text(area, column.source)))
    merged_indexes = {index for index, _ in merged}
    rows = tuple(
        SheetRow(
            item_id=item.id,
            cells=tuple(
                "" if index in merged_indexes else cell_text(item, column, layout, years, attachment_titles)
                for index, column in enumerate(columns)
            ),
        )
        for item in area.items
    )
    rows, spans = shared_spans(rows, columns)
    return SheetArea(
        title=area_heading(area),
        merged=tuple(merged),
        rows=rows,
        headings=area_headings(area),
        spans=spans,
        year_groups=tuple(column.group for column in layout.placed_for_area(years, area.number, area.sub_number)),
    )


# Narrative columns whose text several items can share (seed 003: area 3's ビジョン, its 平成30年度
# 自己評価, 別紙2, 別紙6 are one cell over two items).
SHARED_SOURCES = frozenset(
    {Source.BACKGROUND, Source.ITEM_VISION, Source.ACTIVITIES, Source.ASSESSMENT, Source.REFERENCE}
)
# Placeholders are each item's own 「-」, never one cell.
_PLACEHOLDERS = frozenset({"-", "－"})


def shared_spans(
    rows: tuple[SheetRow, ...], columns: tuple[PlacedColumn, ...]
) -> tuple[tuple[SheetRow, ...], tuple[tuple[tuple[int, int], int], ...]]:
    """Return the rows with each text shared by consecutive items kept in the first only, and the spans.

    The rule, once: in a narrative column, consecutive items of an area with the same non-empty text
    print it once, in a cell merged over their rows.
    """
    cells = [list(row.cells) for row in rows]
    spans: dict[tuple[int, int], int] = {}
    for column_index, column in enumerate(columns):
        if column.source not in SHARED_SOURCES:
            continue
        first = 0
        while first < len(rows):
            text = cells[first][column_index]
            last = first
            while (
                text
                and text.strip() not in _PLACEHOLDERS
                and last + 1 < len(rows)
                and cells[last + 1][column_index] == text
            ):
                last += 1
            if last > first:
                spans[(first, column_index)] = last - first + 1
                for index in range(first + 1, last + 1):
                    cells[index][column_index] = ""
            first = last + 1
    new_rows = tuple(SheetRow(item_id=row.item_id, cells=tuple(c)) for row, c in zip(rows, cells, strict=True))
    return new_rows, tuple(sorted(spans.items()))


def area_text(area: AreaRow, source: str) -> str:
    """Return the text of an area-level cell: the vision, the outcome indicator or the shared 現状と課題."""
    return {
        Source.AREA_VISION: area.vision,
        Source.OUTCOME_INDICATOR: area.outcome_indicator_text,
        Source.BACKGROUND: area.background,
    }[source]


def cell_text(
    item: ItemRow,
    column: PlacedColumn,
    layout: LayoutSpec,
    years: tuple[int, ...],
    attachment_titles: AttachmentTitles | None = None,
) -> str:
    """Return the text of an item's cell in the column: the stored text as entered (参考資料 adds the 別紙)."""
    source = column.source
    if source == Source.ITEM:
        return item_text(item)
    if source == Source.TARGET:
        return item.target_wording or target_text(item.indicators)
    if source == Source.BACKGROUND:
        return item.background
    if source == Source.ITEM_VISION:
        return item.item_vision
    if source == Source.REFERENCE:
        return reference_text(item, years, attachment_titles or {})
    if source == Source.UNUSED:
        return ""
    index = years.index(column.fiscal_year)
    evaluation = published(item.evaluations[index])
    if source == Source.ACTUAL:
        return actual_text(item.indicators, index)
    if source == Source.ACTIVITIES:
        return evaluation.activities if evaluation else ""
    if source == Source.ASSESSMENT:
        return assessment_text(evaluation, layout)
    if source == Source.RATING:
        return evaluation.rating_symbol if evaluation else ""
    return ""


def published(evaluation: EvaluationCell | None) -> EvaluationCell | None:
    """Return the year's self-evaluation if it is approved: the official sheet prints approved text only.

    A year still in the workflow (or reopened) is left blank and named in the notes worksheet
    (``unapproved_years``); its figures are the approved ones anyway (``actual_text``).
    """
    return evaluation if evaluation is not None and evaluation.status == APPROVED else None


def unapproved_years(progress: PlanProgress) -> list[str]:
    """Return 「事項1 令和5年度（下書き）」 for each item-year whose text the sheet leaves out."""
    return [
        f"{area.label} {item_label_of(item.number)} "
        f"{era_label(evaluation.fiscal_year)}（{state_label_of(evaluation.status)}）"
        for area in progress.areas
        for item in area.items
        for evaluation in item.evaluations
        if evaluation is not None and evaluation.status != APPROVED
    ]


def item_text(item: ItemRow) -> str:
    """Return 「事項１」, the item's text and its （関連する取組） as stored."""
    parts = [f"事項{full_width(item.number)}", item.title]
    if item.related_activities:
        parts.append(item.related_activities)
    return "\n".join(parts)


def target_text(indicators: tuple[IndicatorRow, ...]) -> str:
    """Return the target as the plan's 目標 column words it (「年１回以上」), one line per indicator.

    Used where the item stores no wording of its own (``ItemRow.target_wording``): a plan that words
    several targets in one phrase is printed as written, not recomposed from its targets.
    """
    texts: list[str] = []
    for indicator in indicators:
        if indicator.plan_target_text and indicator.plan_target_text not in texts:
            texts.append(indicator.plan_target_text)
    return "\n".join(texts)


def actual_text(indicators: tuple[IndicatorRow, ...], index: int) -> str:
    """Return the year's 実績 as entered (「144人」) for the indicators the plan sets a target for.

    The official sheet prints approved figures only (the progress it is given counts them, see
    evaluations.progress): a published sheet carries no 下書き. A figure awaiting approval is
    listed, labelled, on the 達成状況 worksheet beside it.
    """
    texts = []
    for indicator in indicators:
        if not indicator.plan_target_text:
            continue  # an observed-only count is not the sheet's 実績
        cell = indicator.years[index]
        text = cell.actual_text or format_quantity(cell.actual, indicator.unit, empty="")
        if text:
            texts.append(text)
    return "\n".join(texts)


_CITATION_SEPARATORS = re.compile(r"[\s、，,・／/]+")
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−", "-"))
_DIGITS = re.compile(r"(\d+)")


def _citation_key(text: str) -> str:
    """Return a title as compared with the stored text: 「別紙７－１２」 and 「別紙7-12」 are one citation."""
    return "".join(unicodedata.normalize("NFKC", text).translate(_DASHES).split())


def _title_order(title: str) -> tuple:
    """Order titles as people number them: 「別紙7-2」 before 「別紙7-12」, then by the text itself."""
    parts = _DIGITS.split(unicodedata.normalize("NFKC", title))
    return (tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in parts if part), title)


# A stored reference that only lists documents: 「別紙3、別紙5」, 「別紙15，資料2」.
_CITATION = re.compile(r"(別紙|資料|参考資料)[0-9０-９]+([-－‐―−][0-9０-９]+)?")
_LIST_SEPARATORS = re.compile(r"[、，,]\s*")


def reference_lines(text: str) -> list[str]:
    """Return a stored reference as the sheet prints it: one document per line.

    The seed prints 「別紙3」 and 「別紙5」 on lines of their own; a reference entered as a list
    (「別紙3、別紙5」) is split at its commas when every part is a document number. Any other text
    (a sentence, 「-」) is kept as one line, as entered.
    """
    lines = []
    for line in text.splitlines():
        parts = [part.strip() for part in _LIST_SEPARATORS.split(line)]
        if len(parts) > 1 and all(_CITATION.fullmatch(part) for part in parts):
            lines.extend(parts)
        elif line.strip():
            lines.append(line)
    return lines


def reference_text(item: ItemRow, years: tuple[int, ...], attachment_titles: AttachmentTitles) -> str:
    """Return the 参考資料 cell: the stored reference text verbatim, then the titles of the attached 別紙.

    The stored text comes first, its words unchanged: the item's reference, then each year's own
    reference where it says something else, one document a line (``reference_lines``: the seed prints
    「別紙3」 and 「別紙5」 on two lines). Each evidence file's title then follows on a line of
    its own, unless the stored text already cites it (「別紙15、別紙16」 cites 「別紙16」; width and
    dash forms are ignored, 「別紙１」 is not cited by 「別紙15」). Order: the fiscal years of the
    period oldest first; within a year, titles by their numbers (「別紙7-2」 before 「別紙7-12」);
    a title attached in two years is listed once, under the first. A year whose self-evaluation is
    still in the workflow (下書き, 差戻し, 未承認) adds neither its reference nor its titles: the official
    sheet prints approved text only, and the notes name the year.
    """
    lines: list[str] = []
    # A year still in the workflow lends nothing, like its other text (``published``, ``unapproved_years``).
    held = {evaluation.fiscal_year for evaluation in item.evaluations if evaluation and published(evaluation) is None}
    references = (published(evaluation).reference for evaluation in item.evaluations if published(evaluation))
    for text in (item.reference, *references):
        for line in reference_lines(text):
            if line not in lines:
                lines.append(line)
    cited = {_citation_key(line) for line in lines}
    cited |= {_citation_key(part) for line in lines for part in _CITATION_SEPARATORS.split(line) if part}
    for fiscal_year in years:
        if fiscal_year in held:
            continue
        for title in sorted(attachment_titles.get((item.id, fiscal_year), ()), key=_title_order):
            key = _citation_key(title)
            if key and key not in cited:
                cited.add(key)
                lines.append(title)
    return "\n".join(lines)


def assessment_text(evaluation: EvaluationCell | None, layout: LayoutSpec) -> str:
    """Return the self-evaluation and next steps, under the layout's in-cell labels where it prints them."""
    if evaluation is None:
        return ""
    parts = []
    for label, text in (
        (layout.assessment_label, evaluation.self_assessment),
        (layout.next_steps_label, evaluation.next_steps),
    ):
        if text:
            parts.append(f"{label}\n{text}" if label else text)
    return "\n\n".join(parts)


def official_cells(data: SheetData) -> list[tuple[int, int, str]]:
    """Return (area index, column index, text) of every official cell of every item, and each merged area cell.

    What the workbook must show, cell by cell: the test compares it with what was written.
    """
    cells = []
    for area_index, area in enumerate(data.areas):
        cells.extend((area_index, index, text) for index, text in area.merged)
        merged = {index for index, _ in area.merged}
        for row in area.rows:
            cells.extend((area_index, index, text) for index, text in enumerate(row.cells) if index not in merged)
    return cells


# -- Workbook --------------------------------------------------------------------------------

AREA_STYLE = CellStyle(font=font(size=11, bold=True), fill=AREA_FILL, border=BORDER, alignment=WRAP_TOP)
AREA_CELL_STYLE = CellStyle(fill=AREA_FILL, border=BORDER)
BORDER_ONLY = CellStyle(border=BORDER)
TEXT_STYLE = CellStyle(font=font(), alignment=WRAP_TOP)
RATING_ALIGNMENT = Alignment(wrap_text=True, horizontal="center", vertical="center")  # ◎ ○ △ ×, larger
TABLE_HEADER_STYLE = CellStyle(font=font(bold=True), fill=HEADER_FILL, border=BORDER, alignment=WRAP_CENTER)


def _cell_of(index: int):
    return lambda row: row.cells[index]


def _columns(data: SheetData) -> tuple[Column[SheetRow], ...]:
    return tuple(
        Column(
            column.heading,
            _cell_of(index),
            width=column.width,
            group=column.group,
            alignment={Source.RATING: RATING_ALIGNMENT, Source.ACTUAL: CENTER}.get(column.source, WRAP_TOP),
        )
        for index, column in enumerate(data.columns)
    )


def _area_columns(columns: tuple[Column, ...], area: SheetArea) -> tuple[Column, ...]:
    """Return the columns under the year headings of the area's page."""
    if len(area.year_groups) != len(columns):
        return columns
    return tuple(replace(column, group=group) for column, group in zip(columns, area.year_groups, strict=True))


def self_evaluation_workbook(data: SheetData, *, generated_at: datetime.datetime | None = None) -> Workbook:
    """Lay the sheet out on the first worksheet; the 達成状況 table and a notes sheet follow it.

    Each area starts a page with the header above its items, as seed 003 prints every page: the
    header is written per area rather than repeated as print titles, so that each page carries
    its own year headings (「30年度」 on area 1's page, 「平成30年度」 on area 2's; issue 21 item 7).
    """
    workbook = new_workbook()
    worksheet = add_sheet(workbook, SHEET_TITLE)
    columns = _columns(data)
    set_widths(worksheet, columns)
    title_rows = len(data.title_lines)
    header_rows = 2 if any(column.group for column in columns) else 1
    _write_title(worksheet, data, len(columns))
    if not data.areas:
        _write_header(worksheet, columns, first_row=title_rows + 1, rows=header_rows)
    for area_index, area in enumerate(data.areas):
        first_row = title_rows + 1
        if area_index:
            worksheet.row_breaks.append(Break(id=worksheet.max_row))
            first_row = worksheet.max_row + 1
        _write_header(worksheet, _area_columns(columns, area), first_row=first_row, rows=header_rows)
        _write_area(worksheet, area, columns)
    print_setup(
        worksheet,
        paper=A3,
        centered=True,
        margins=(0.4, 0.7, 0.3),
        header_right=data.plan_label,
        page_numbers=True,
    )
    freeze(worksheet, row=title_rows + header_rows + 1, column=2)
    progress_sheet(add_sheet(workbook, PROGRESS_TITLE), data)
    _write_notes(add_sheet(workbook, NOTES_TITLE), data, generated_at)
    return workbook


def _merge_across(worksheet: Worksheet, row: int, first: int, last: int) -> None:
    merge(worksheet, first_row=row, first_column=first, last_row=row, last_column=last)


def _write_title(worksheet: Worksheet, data: SheetData, width: int) -> None:
    for row, text in enumerate(data.title_lines, start=1):
        size = 14 if row == 1 else 10
        put(
            worksheet,
            row=row,
            column=1,
            value=text,
            style=CellStyle(font=font(size=size, bold=row == 1), alignment=WRAP_TOP),
        )
        _merge_across(worksheet, row, 1, width)
        worksheet.row_dimensions[row].height = size * 1.8


def _write_header(worksheet: Worksheet, columns: tuple[Column, ...], *, first_row: int, rows: int) -> None:
    """Write the header: the fiscal years over their columns, then each column's heading as printed."""
    group_row, name_row = first_row, first_row + rows - 1
    for index, column in enumerate(columns, start=1):
        for row in range(group_row, name_row + 1):
            put(worksheet, row=row, column=index, style=HEADER_STYLE)
        if column.group:
            put(worksheet, row=group_row, column=index, value=column.group)
            put(worksheet, row=name_row, column=index, value=column.header)
        else:
            put(worksheet, row=group_row, column=index, value=column.header)
            merge(worksheet, first_row=group_row, first_column=index, last_row=name_row, last_column=index)
    index = 1
    while index <= len(columns):
        group = columns[index - 1].group
        last = index
        while group and last < len(columns) and columns[last].group == group:
            last += 1
        if group:
            _merge_across(worksheet, group_row, index, last)
        index = last + 1
    if rows > 1:
        worksheet.row_dimensions[group_row].height = 18
    worksheet.row_dimensions[name_row].height = 30 + 10 * max(
        line_count(column.header, column.width) - 2 for column in columns
    )


def _write_area(worksheet: Worksheet, area: SheetArea, columns: tuple[Column, ...]) -> None:
    width = len(columns)
    row = worksheet.max_row
    for heading in area.headings or (area.title,):
        row += 1
        for column in range(1, width + 1):
            put(worksheet, row=row, column=column, style=AREA_CELL_STYLE)
        put(worksheet, row=row, column=1, value=heading, style=AREA_STYLE)
        _merge_across(worksheet, row, 1, width)
        worksheet.row_dimensions[row].height = 20

    merged = dict(area.merged)
    first_item_row = row + 1
    spanned = {
        (item_index + offset, column_index)
        for (item_index, column_index), count in area.spans
        for offset in range(count)
    }
    item_rows = []  # (first row, last row) of each item
    for item_index, item in enumerate(area.rows):
        first = row + 1
        own = {column_index for index, column_index in spanned if index == item_index}
        row = _write_item(worksheet, item, columns, first, merged=merged, spanned=own)
        item_rows.append((first, row))
    if not area.rows:
        return
    for (item_index, column_index), count in area.spans:
        top, bottom = item_rows[item_index][0], item_rows[item_index + count - 1][1]
        merge(worksheet, first_row=top, first_column=column_index + 1, last_row=bottom, last_column=column_index + 1)
    # An area-level cell needs the height of its text over the item rows it spans.
    needed = max((line_count(text, columns[index].width) for index, text in merged.items()), default=0)
    spanned = sum(worksheet.row_dimensions[r].height or 0 for r in range(first_item_row, row + 1))
    missing = needed * LINE_HEIGHT + ROW_PADDING - spanned
    if missing > 0:
        worksheet.row_dimensions[row].height = min(
            MAX_ROW_HEIGHT, (worksheet.row_dimensions[row].height or 0) + missing
        )
    for index, text in merged.items():
        column = index + 1
        put(worksheet, row=first_item_row, column=column, value=text, style=TEXT_STYLE)
        merge(worksheet, first_row=first_item_row, first_column=column, last_row=row, last_column=column)


def _write_item(
    worksheet: Worksheet,
    item: SheetRow,
    columns: tuple[Column, ...],
    first_row: int,
    *,
    merged: dict[int, str],
    spanned: set[int] = frozenset(),
) -> int:
    """Write one item over as many rows as its text needs, merging each column over them; return the last row."""
    values = [column.value(item) for column in columns]
    lines = max(line_count(value, column.width) for column, value in zip(columns, values, strict=True))
    height = max(MIN_ROW_HEIGHT, lines * LINE_HEIGHT + ROW_PADDING)
    row_count = math.ceil(height / MAX_ROW_HEIGHT)
    last_row = first_row + row_count - 1
    for row in range(first_row, last_row + 1):
        worksheet.row_dimensions[row].height = height / row_count
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        for row in range(first_row, last_row + 1):
            put(worksheet, row=row, column=index, style=BORDER_ONLY)
        if index - 1 in merged:
            continue
        size = 11 if column.alignment is RATING_ALIGNMENT else 9
        style = CellStyle(font=font(size=size), alignment=column.alignment)
        put(worksheet, row=first_row, column=index, value=value or None, number_format=TEXT, style=style)
        if index - 1 not in spanned:  # a shared text is merged over all its items' rows (``_write_area``)
            merge(worksheet, first_row=first_row, first_column=index, last_row=last_row, last_column=index)
    return last_row


# -- 達成状況: what the application computes, beside the sheet and never inside it ------------


@dataclass(frozen=True)
class ProgressLine:
    area: str
    item: str
    indicator: str
    fiscal_year: str
    target_text: str
    target: object
    actual_text: str
    actual: object
    unit: str
    rate: object
    running_total: object
    period_target: object
    period_rate: object
    status: str
    pending: str = ""  # a newer figure awaiting approval: 「下書き: 20人（令和5年度）」
    # What the official cells cannot say, for the sheet import to read back (sheets.imports.plan_sheet).
    key: str = ""
    indicator_name: str = ""
    component: str = ""
    indicator_type: str = ""
    targets: str = ""
    covered: object = None
    period_covered: object = None
    verdict: str = ""
    verdict_text: str = ""
    section: str = ""
    programs: str = ""
    outside_results: str = ""
    target_wording: str = ""


INDICATOR_TYPE_LABELS = dict(Indicator.Type.choices)


def outside_results_json(indicator: IndicatorRow) -> str:
    """Return the results of years outside the plan (a baseline year) as JSON, empty where there are none."""
    if not indicator.outside_results:
        return ""
    return json.dumps(
        [
            {"fiscal_year": year, "value": None if value is None else str(value), "actual_text": text}
            for year, value, text in indicator.outside_results
        ],
        ensure_ascii=False,
    )


def targets_json(targets: tuple[TargetLine, ...]) -> str:
    """Return an indicator's stored targets as JSON: the one cell the import reads them back from."""
    return json.dumps(
        [
            {
                "kind": target.kind,
                "value": None if target.value is None else str(target.value),
                "unit": target.unit,
                "fiscal_year": target.fiscal_year,
                "text": target.text,
                "source": target.source,
                "direction": target.direction,
            }
            for target in sorted(targets, key=lambda t: (t.fiscal_year is not None, t.fiscal_year or 0))
        ],
        ensure_ascii=False,
    )


def progress_lines(data: SheetData) -> list[ProgressLine]:
    """Return one line per indicator and fiscal year: the figures the dashboard computes."""
    lines = []
    for area in data.progress.areas:
        for item in area.items:
            for indicator in item.indicators:
                for cell in indicator.years:
                    achievement = cell.achievement
                    cumulative = achievement is not None and achievement.running_total is not None
                    lines.append(
                        ProgressLine(
                            area=area.label,
                            item=item_label_of(item.number),
                            indicator=indicator.label,
                            fiscal_year=era_label(cell.fiscal_year),
                            target_text=cell.target_text,
                            target=cell.target,
                            actual_text=cell.actual_text,
                            actual=cell.actual,
                            unit=indicator.unit,
                            rate=excel_fraction(cell.rate) if cell.actual is not None else None,
                            running_total=achievement.running_total if achievement else None,
                            # A period target: the year above against its share, the running total here.
                            period_target=achievement.target if cumulative else None,
                            period_rate=excel_fraction(achievement.rate) if cumulative else None,
                            status=STATUS_LABELS[cell.status] if cell.has_target else NO_TARGET_LABEL,
                            pending=cell.pending.note(indicator.unit) if cell.pending else "",
                            key=indicator.key,
                            indicator_name=indicator.name,
                            component=indicator.component,
                            indicator_type=INDICATOR_TYPE_LABELS.get(indicator.type, indicator.type),
                            targets=targets_json(indicator.targets),
                            covered=cell.covered,
                            period_covered=cell.period_covered,
                            verdict=VERDICT_LABELS.get(cell.verdict, ""),
                            verdict_text=cell.verdict_text,
                            section=item.section_name,
                            programs="\n".join(item.programs),
                            outside_results=outside_results_json(indicator),
                            target_wording=item.target_wording,
                        )
                    )
    return lines


# The 達成状況 columns the sheet import reads back (sheets.imports.plan_sheet reads these names, never
# literals of its own): the visible ones it needs, then those marked 取込用.
HEADER_AREA = "分野"
HEADER_ITEM = "事項"
HEADER_FISCAL_YEAR = "年度"
HEADER_ACTUAL_TEXT = "実績（原文）"
HEADER_ACTUAL = "実績"
HEADER_UNIT = "単位"
HEADER_KEY = "指標キー（取込用）"
HEADER_NAME = "指標名（取込用）"
HEADER_COMPONENT = "構成要素（取込用）"
HEADER_TYPE = "指標の種別（取込用）"
HEADER_TARGETS = "登録目標（取込用）"
HEADER_COVERED = "実施区市町村数（取込用）"
HEADER_PERIOD_COVERED = "期間累計の実施区市町村数（取込用）"
HEADER_VERDICT = "達成の判断（取込用）"
HEADER_VERDICT_TEXT = "判断の根拠（取込用）"
HEADER_SECTION = "担当課（取込用）"
HEADER_PROGRAMS = "関連事業（取込用）"
HEADER_OUTSIDE_RESULTS = "期間外の実績（取込用）"
HEADER_TARGET_WORDING = "目標の記載（取込用）"  # optional: a workbook exported before it existed has none
PROGRESS_REQUIRED = (HEADER_AREA, HEADER_ITEM, HEADER_FISCAL_YEAR, HEADER_ACTUAL_TEXT, HEADER_ACTUAL, HEADER_UNIT)
PROGRESS_MACHINE = (
    HEADER_KEY,
    HEADER_NAME,
    HEADER_COMPONENT,
    HEADER_TYPE,
    HEADER_TARGETS,
    HEADER_COVERED,
    HEADER_PERIOD_COVERED,
    HEADER_VERDICT,
    HEADER_VERDICT_TEXT,
    HEADER_SECTION,
    HEADER_PROGRAMS,
    HEADER_OUTSIDE_RESULTS,
)

PROGRESS_COLUMNS: tuple[Column[ProgressLine], ...] = (
    Column(HEADER_AREA, lambda line: line.area, width=26),
    Column(HEADER_ITEM, lambda line: line.item, width=8),
    Column("指標", lambda line: line.indicator, width=30),
    Column(HEADER_FISCAL_YEAR, lambda line: line.fiscal_year, width=11),
    Column("目標（原文）", lambda line: line.target_text, width=24),
    Column("目標", lambda line: line.target, number_format=NUMBER, width=9),
    Column(HEADER_ACTUAL_TEXT, lambda line: line.actual_text, width=24),
    Column(HEADER_ACTUAL, lambda line: line.actual, number_format=NUMBER, width=9),
    Column(HEADER_UNIT, lambda line: line.unit, width=7),
    Column("達成率", lambda line: line.rate, number_format=PERCENT, width=8),
    Column("期間累計", lambda line: line.running_total, number_format=INTEGER, width=9),
    Column("期間目標", lambda line: line.period_target, number_format=NUMBER, width=9),
    Column("累計達成率", lambda line: line.period_rate, number_format=PERCENT, width=9),
    Column("状況", lambda line: line.status, width=9),
    Column(PENDING_HEADER, lambda line: line.pending, width=24),
    # For the sheet import (取込用): what the official cells cannot say, so that a period can be set up
    # from this workbook without losing anything (sheets.imports.plan_sheet).
    Column(HEADER_KEY, lambda line: line.key, width=12),
    Column(HEADER_NAME, lambda line: line.indicator_name, width=24),
    Column(HEADER_COMPONENT, lambda line: line.component, width=10),
    Column(HEADER_TYPE, lambda line: line.indicator_type, width=14),
    Column(HEADER_TARGETS, lambda line: line.targets, width=30),
    Column(HEADER_COVERED, lambda line: line.covered, number_format=INTEGER, width=9),
    Column(HEADER_PERIOD_COVERED, lambda line: line.period_covered, number_format=INTEGER, width=9),
    Column(HEADER_VERDICT, lambda line: line.verdict, width=9),
    Column(HEADER_VERDICT_TEXT, lambda line: line.verdict_text, width=24),
    Column(HEADER_SECTION, lambda line: line.section, width=14),
    Column(HEADER_PROGRAMS, lambda line: line.programs, width=24),
    Column(HEADER_OUTSIDE_RESULTS, lambda line: line.outside_results, width=24),
    Column(HEADER_TARGET_WORDING, lambda line: line.target_wording, width=24),
)


def progress_sheet(worksheet: Worksheet, data: SheetData) -> None:
    """Write the computed figures as a table, one row per indicator and fiscal year."""
    write_header(worksheet, PROGRESS_COLUMNS, row=1, style=TABLE_HEADER_STYLE)
    body = CellStyle(font=font(), alignment=WRAP_TOP)
    for row, line in enumerate(progress_lines(data), start=2):
        write_row(worksheet, PROGRESS_COLUMNS, line, row=row, style=body)
    print_setup(worksheet, paper=A3, title_rows=(1, 1), header_right=data.plan_label, page_numbers=True)
    freeze(worksheet, row=2, column=1)


def _write_notes(worksheet: Worksheet, data: SheetData, generated_at: datetime.datetime | None) -> None:
    lines = (
        ("計画期間", data.plan_label),
        ("出力日時", (generated_at or datetime.datetime.now()).strftime("%Y-%m-%d %H:%M")),
        (
            "自己評価シート",
            "各欄は登録された原文のとおりです。参考資料欄は資料を1行に1つずつ示し、原文に続けて、添付された別紙の表題"
            "（原文にないもの。年度順・番号順）を加えています。",
        ),
        (
            PROGRESS_TITLE,
            "目標・実績・達成率・状況・期間累計はアプリの登録値から計算しています（達成率は四捨五入で小数第1位）。",
        ),
        ("実績の扱い", APPROVED_NOTE),
        (
            "未承認の年度",
            "、".join(unapproved_years(data.progress)) + "（承認されていないため、自己評価シートに記載していません）"
            if unapproved_years(data.progress)
            else "なし（自己評価シートの各年度はすべて承認済みです）",
        ),
    )
    for row, (label, text) in enumerate(lines, start=1):
        put(worksheet, row=row, column=1, value=label, style=CellStyle(font=font(bold=True)))
        put(worksheet, row=row, column=2, value=text, style=CellStyle(font=font()))
    set_width(worksheet, 1, 14)
    set_width(worksheet, 2, 100)
    print_setup(worksheet, paper=A4)
