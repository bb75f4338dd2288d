"""The self-evaluation sheet (自己評価シート) as the prefecture publishes it.

Rows come from ``evaluations.progress.plan_progress`` (figures, rates and statuses already
computed by ``evaluations.calculations``); ``sheet_data`` turns them into the text of each
cell, ``self_evaluation_workbook`` lays them out: one block per area, A3 landscape.
"""

import datetime
import math
from dataclasses import dataclass
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet

from evaluations.calculations import STATUS_LABELS, Kind
from evaluations.progress import AreaRow, EvaluationCell, IndicatorRow, ItemRow, PlanProgress, YearCell
from programs.fiscal_years import era_label
from programs.quantities import format_quantity, format_rate

from .layout import (
    A3,
    A4,
    AREA_FILL,
    BORDER,
    CENTER,
    HEADER_FILL,
    HEADER_STYLE,
    WRAP_CENTER,
    WRAP_TOP,
    CellStyle,
    Column,
    add_sheet,
    font,
    freeze,
    line_count,
    merge,
    new_workbook,
    position,
    print_setup,
    put,
    set_width,
    set_widths,
)

SHEET_TITLE = "自己評価シート"
NOTES_TITLE = "注記"
HEADER_ACTIVITIES = "取組の実施内容・実績"
HEADER_ASSESSMENT = "自己評価と今後の課題・対応策"
HEADER_RATING = "評定"
HEADER_ITEM = "事項"
HEADER_TARGET = "目標"
HEADER_BACKGROUND = "目標設定するに至った現状と課題"
HEADER_REFERENCE = "参考資料"
LABEL_VISION = "ビジョン・目標"
LABEL_OUTCOME = "参考指標（アウトカム指標）"

LINE_HEIGHT = 12.5  # points per wrapped line of a 9 pt CJK font
ROW_PADDING = 6
MIN_ROW_HEIGHT = 30
MAX_ROW_HEIGHT = 400  # Excel caps a row at 409 pt: taller items span several merged rows
TITLE_ROWS = 2  # title, plan period
HEADER_ROWS = 2  # year groups, column names


@dataclass(frozen=True)
class SheetYear:
    activities: str
    assessment: str
    rating: str


@dataclass(frozen=True)
class SheetRow:
    item_id: int
    item: str
    target: str
    background: str
    vision: str
    years: tuple[SheetYear, ...]
    reference: str


@dataclass(frozen=True)
class SheetArea:
    title: str
    notes: tuple[tuple[str, str], ...]
    shared_background: str  # the area's 現状と課題, shown merged beside items that have none of their own
    rows: tuple[SheetRow, ...]


@dataclass(frozen=True)
class SheetData:
    title: str
    plan_label: str
    fiscal_years: tuple[int, ...]
    uses_rating: bool
    areas: tuple[SheetArea, ...]


# -- Rows ------------------------------------------------------------------------------------

_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def full_width(number: int | str) -> str:
    return str(number).translate(_FULL_WIDTH_DIGITS)


def sheet_data(progress: PlanProgress) -> SheetData:
    """Turn the plan's progress rows into the text of every cell of the sheet."""
    years = progress.fiscal_years
    return SheetData(
        title=progress.title or SHEET_TITLE,
        plan_label=progress.label,
        fiscal_years=years,
        uses_rating=progress.uses_rating,
        areas=tuple(_sheet_area(area) for area in progress.areas),
    )


def area_heading(area: AreaRow) -> str:
    if area.sub_number is None:
        return f"{full_width(area.number)}　{area.title}"
    return f"{full_width(area.number)}（{full_width(area.sub_number)}）{area.title}"


def _sheet_area(area: AreaRow) -> SheetArea:
    notes = tuple(
        (label, text)
        for label, text in ((LABEL_VISION, area.vision), (LABEL_OUTCOME, area.outcome_indicator_text))
        if text
    )
    return SheetArea(
        title=area_heading(area),
        notes=notes,
        shared_background=area.background,
        rows=tuple(_sheet_row(item) for item in area.items),
    )


def _sheet_row(item: ItemRow) -> SheetRow:
    return SheetRow(
        item_id=item.id,
        item=item_text(item),
        target=target_text(item.indicators),
        background=item.background,
        vision=item.item_vision,
        years=tuple(
            SheetYear(
                activities=activities_text(evaluation, item.indicators, index),
                assessment=assessment_text(evaluation),
                rating=evaluation.rating_symbol if evaluation else "",
            )
            for index, evaluation in enumerate(item.evaluations)
        ),
        reference=item.reference,
    )


def item_text(item: ItemRow) -> str:
    """Return 「事項１」, the title and the related programmes, as the sheet's first column shows them."""
    parts = [f"事項{full_width(item.number)}", item.title.strip()]
    related = item.related_activities.strip()
    if related:
        parts.append(related if related.startswith("（関連する取組）") else f"（関連する取組）\n{related}")
    elif item.programs:
        parts.append("（関連する取組）\n" + "\n".join(f"・{name}" for name in item.programs))
    return "\n".join(parts)


def target_text(indicators: tuple[IndicatorRow, ...]) -> str:
    with_target = [indicator for indicator in indicators if indicator.target_text]
    if len(with_target) == 1:
        return with_target[0].target_text
    return "\n".join(f"{indicator.label}：{indicator.target_text}" for indicator in with_target)


def figure_text(indicator: IndicatorRow, cell: YearCell) -> str | None:
    """Return 「受講者数：144人（目標153人、達成率94.1%）」 for a year with a figure, else None."""
    if cell.actual is None and not cell.actual_text:
        return None
    shown = format_quantity(cell.actual, indicator.unit) if cell.actual is not None else cell.actual_text
    kind = cell.achievement.kind if cell.achievement else None
    detail = ""
    if kind == Kind.CUMULATIVE and cell.achievement and cell.achievement.running_total is not None:
        detail = (
            f"（累計{format_quantity(cell.achievement.running_total, indicator.unit)}"
            f"／目標{format_quantity(cell.target, indicator.unit)}、達成率{format_rate(cell.rate)}）"
        )
    elif kind == Kind.DIRECTION:
        detail = f"（{STATUS_LABELS[cell.status]}）"
    elif kind == Kind.COVERAGE and cell.rate is not None:
        detail = f"（達成率{format_rate(cell.rate)}）"
    elif kind is not None and cell.target is not None:
        detail = f"（目標{format_quantity(cell.target, indicator.unit)}、達成率{format_rate(cell.rate)}）"
    return f"・{indicator.label}：{shown}{detail}"


def activities_text(evaluation: EvaluationCell | None, indicators: tuple[IndicatorRow, ...], index: int) -> str:
    figures = [text for indicator in indicators if (text := figure_text(indicator, indicator.years[index]))]
    parts = []
    if evaluation and evaluation.activities.strip():
        parts.append(evaluation.activities.strip())
    if figures:
        parts.append("【実績】\n" + "\n".join(figures))
    return "\n\n".join(parts)


def assessment_text(evaluation: EvaluationCell | None) -> str:
    if evaluation is None:
        return ""
    parts = []
    if evaluation.self_assessment.strip():
        parts.append(f"＜自己評価＞\n{evaluation.self_assessment.strip()}")
    if evaluation.next_steps.strip():
        parts.append(f"＜今後の課題・対応策＞\n{evaluation.next_steps.strip()}")
    return "\n\n".join(parts)


# -- Columns ---------------------------------------------------------------------------------


def _year_value(index: int, attribute: str):
    return lambda row: getattr(row.years[index], attribute)


def sheet_columns(fiscal_years: tuple[int, ...], uses_rating: bool) -> tuple[Column[SheetRow], ...]:
    """Declare the sheet's columns: 事項 · 目標 · 現状と課題 · ビジョン · per year · 参考資料."""
    per_year: list[Column[SheetRow]] = []
    for index, year in enumerate(fiscal_years):
        group = era_label(year)
        per_year.append(Column(HEADER_ACTIVITIES, _year_value(index, "activities"), width=30, group=group))
        per_year.append(Column(HEADER_ASSESSMENT, _year_value(index, "assessment"), width=30, group=group))
        if uses_rating:
            per_year.append(
                Column(HEADER_RATING, _year_value(index, "rating"), width=5, group=group, alignment=WRAP_CENTER)
            )
    return (
        Column(HEADER_ITEM, attrgetter("item"), width=26),
        Column(HEADER_TARGET, attrgetter("target"), width=13),
        Column(HEADER_BACKGROUND, attrgetter("background"), width=28),
        Column(f"{era_label(fiscal_years[-1])}までに目指すべきビジョン", attrgetter("vision"), width=24),
        *per_year,
        Column(HEADER_REFERENCE, attrgetter("reference"), width=8, alignment=CENTER),
    )


# -- Workbook --------------------------------------------------------------------------------

AREA_STYLE = CellStyle(font=font(size=11, bold=True), fill=AREA_FILL, border=BORDER, alignment=WRAP_TOP)
AREA_CELL_STYLE = CellStyle(fill=AREA_FILL, border=BORDER)
NOTE_LABEL_STYLE = CellStyle(font=font(bold=True), fill=HEADER_FILL, border=BORDER, alignment=WRAP_CENTER)
NOTE_STYLE = CellStyle(font=font(), border=BORDER, alignment=WRAP_TOP)
BORDER_ONLY = CellStyle(border=BORDER)
TEXT_STYLE = CellStyle(font=font(), alignment=WRAP_TOP)


def self_evaluation_workbook(data: SheetData, *, generated_at: datetime.datetime | None = None) -> Workbook:
    """Lay the sheet out on the workbook's first worksheet; a notes sheet follows it."""
    workbook = new_workbook()
    worksheet = add_sheet(workbook, SHEET_TITLE)
    columns = sheet_columns(data.fiscal_years, data.uses_rating)
    set_widths(worksheet, columns)
    _write_title(worksheet, data, len(columns))
    _write_header(worksheet, columns)
    background_column = position(columns, HEADER_BACKGROUND)
    for area_index, area in enumerate(data.areas):
        if area_index:
            worksheet.row_breaks.append(Break(id=worksheet.max_row))
        _write_area(worksheet, area, columns, background_column)
    print_setup(
        worksheet,
        paper=A3,
        centered=True,
        margins=(0.4, 0.7, 0.3),
        title_rows=(TITLE_ROWS + 1, TITLE_ROWS + HEADER_ROWS),
        header_right=data.plan_label,
        page_numbers=True,
    )
    freeze(worksheet, row=TITLE_ROWS + HEADER_ROWS + 1, column=2)
    _write_notes(add_sheet(workbook, NOTES_TITLE), data, generated_at)
    return workbook


def _merge_across(worksheet: Worksheet, row: int, first: int, last: int) -> None:
    merge(worksheet, first_row=row, first_column=first, last_row=row, last_column=last)


def _write_title(worksheet: Worksheet, data: SheetData, width: int) -> None:
    for row, (text, size) in enumerate(((data.title, 14), (data.plan_label, 11)), start=1):
        put(
            worksheet,
            row=row,
            column=1,
            value=text,
            style=CellStyle(font=font(size=size, bold=row == 1), alignment=WRAP_TOP),
        )
        _merge_across(worksheet, row, 1, width)
        worksheet.row_dimensions[row].height = size * 1.8


def _write_header(worksheet: Worksheet, columns: tuple[Column, ...]) -> None:
    """Write two header rows: the fiscal years over their columns, then each column's name."""
    group_row, name_row = TITLE_ROWS + 1, TITLE_ROWS + 2
    for index, column in enumerate(columns, start=1):
        for row in (group_row, name_row):
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
    worksheet.row_dimensions[group_row].height = 18
    worksheet.row_dimensions[name_row].height = 30


def _write_area(worksheet: Worksheet, area: SheetArea, columns: tuple[Column, ...], background_column: int) -> None:
    width = len(columns)
    row = worksheet.max_row + 1
    for column in range(1, width + 1):
        put(worksheet, row=row, column=column, style=AREA_CELL_STYLE)
    put(worksheet, row=row, column=1, value=area.title, style=AREA_STYLE)
    _merge_across(worksheet, row, 1, width)
    worksheet.row_dimensions[row].height = 20

    for label, text in area.notes:
        row += 1
        for column in range(1, width + 1):
            put(worksheet, row=row, column=column, style=BORDER_ONLY)
        put(worksheet, row=row, column=1, value=label, style=NOTE_LABEL_STYLE)
        put(worksheet, row=row, column=2, value=text, style=NOTE_STYLE)
        _merge_across(worksheet, row, 2, width)
        merged_width = sum(column.width for column in columns[1:])
        worksheet.row_dimensions[row].height = max(
            MIN_ROW_HEIGHT / 2, line_count(text, merged_width) * LINE_HEIGHT + ROW_PADDING
        )

    shared = area.shared_background and not any(item.background for item in area.rows)
    first_item_row = row + 1
    for item in area.rows:
        row = _write_item(worksheet, item, columns, row + 1, skip_column=background_column if shared else None)
    if shared and area.rows:
        put(worksheet, row=first_item_row, column=background_column, value=area.shared_background, style=TEXT_STYLE)
        merge(
            worksheet,
            first_row=first_item_row,
            first_column=background_column,
            last_row=row,
            last_column=background_column,
        )


def _write_item(
    worksheet: Worksheet, item: SheetRow, columns: tuple[Column, ...], first_row: int, *, skip_column: int | None
) -> int:
    """Write one item over as many rows as its text needs, merging each column over them; return the last row."""
    values = [column.value(item) for column in columns]
    lines = max(
        line_count(value, column.width) for column, value in zip(columns, values, strict=True) if isinstance(value, str)
    )
    height = max(MIN_ROW_HEIGHT, lines * LINE_HEIGHT + ROW_PADDING)
    row_count = math.ceil(height / MAX_ROW_HEIGHT)
    last_row = first_row + row_count - 1
    for row in range(first_row, last_row + 1):
        worksheet.row_dimensions[row].height = height / row_count
    for index, (column, value) in enumerate(zip(columns, values, strict=True), start=1):
        for row in range(first_row, last_row + 1):
            put(worksheet, row=row, column=index, style=BORDER_ONLY)
        style = CellStyle(font=font(size=11 if column.header == HEADER_RATING else 9), alignment=column.alignment)
        if index == skip_column:
            put(worksheet, row=first_row, column=index, style=style)
            continue
        put(worksheet, row=first_row, column=index, value=value, number_format=column.number_format, style=style)
        merge(worksheet, first_row=first_row, first_column=index, last_row=last_row, last_column=index)
    return last_row


def _write_notes(worksheet: Worksheet, data: SheetData, generated_at: datetime.datetime | None) -> None:
    lines = (
        ("計画期間", data.plan_label),
        ("出力日時", (generated_at or datetime.datetime.now()).strftime("%Y-%m-%d %H:%M")),
        ("実績・達成率", "【実績】の数値と達成率はアプリの登録値から計算しています（四捨五入で小数第1位）。"),
    )
    for row, (label, text) in enumerate(lines, start=1):
        put(worksheet, row=row, column=1, value=label, style=CellStyle(font=font(bold=True)))
        put(worksheet, row=row, column=2, value=text, style=CellStyle(font=font()))
    set_width(worksheet, 1, 14)
    set_width(worksheet, 2, 90)
    print_setup(worksheet, paper=A4)
