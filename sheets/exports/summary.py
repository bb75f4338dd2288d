"""The summary workbook: per plan period a row per indicator, the years as columns, and a chart.

Figures, rates and statuses come from ``evaluations.progress.plan_progress``; a rate is written
as a number (94.1 % → 0.941) with a percent format, so Excel can sort, filter and chart it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.worksheet.worksheet import Worksheet

from evaluations.calculations import Kind
from evaluations.coverage import CoverageSheetRow, coverage_sheet_rows
from evaluations.progress import IndicatorRow, PlanProgress
from programs.fiscal_years import era_label
from programs.models import Item, Program, item_label_of
from programs.quantities import format_quantity
from programs.tile_map import Place

from .layout import (
    A3,
    BORDER,
    INTEGER,
    NUMBER,
    PERCENT,
    TOP,
    WRAP_TOP,
    CellStyle,
    Column,
    add_sheet,
    append_municipality_year_sheet,
    cell_ref,
    excel_fraction,
    font,
    freeze,
    new_workbook,
    position,
    print_setup,
    put,
    set_autofilter,
    set_width,
    write_header,
    write_row,
)

LINE_HEIGHT = 12.5
CHART_SUFFIX = "グラフ"
PENDING_HEADER = "承認待ちの実績"
CHART_HEADERS = ("指標", "目標", "実績")
CHART_LABEL_LENGTH = 24  # long indicator names would squeeze the bars out of the chart
PROGRAMMES_TITLE = "関連事業"


@dataclass(frozen=True)
class SummaryYear:
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None  # a fraction: 0.941 for 94.1 %
    status: str


@dataclass(frozen=True)
class SummaryRow:
    indicator_id: int
    item_id: int
    area: str
    item: str
    indicator: str
    unit: str
    target_text: str
    years: tuple[SummaryYear, ...]
    cumulative_actual: Decimal | None
    cumulative_rate: Decimal | None
    pending: str = ""  # newer figures awaiting approval, counted nowhere: 「下書き: 20人（令和5年度）」


@dataclass(frozen=True)
class ChartPoint:
    label: str
    target: Decimal
    actual: Decimal


@dataclass(frozen=True)
class ProgrammeLine:
    """A programme (事業) of an item as the 関連事業 worksheet lists it: its texts, budgets and figures."""

    plan: str
    area: str
    item: str
    name: str
    purpose: str
    description: str
    achievements: str
    issues: str
    budgets: str  # 「令和2年度 17,134千円」, a line a year
    figures: str  # 「令和元年度 実績 受講決定者数 488名（50区市町村）」, a line a figure


@dataclass(frozen=True)
class SummarySheet:
    plan_name: str
    fiscal_years: tuple[int, ...]
    rows: tuple[SummaryRow, ...]
    chart: tuple[ChartPoint, ...]
    programmes: tuple[ProgrammeLine, ...] = ()
    coverage: tuple[CoverageSheetRow, ...] = ()  # the 区市町村×年度 sheet, where an indicator names municipalities


def programme_lines(plan_name: str, pairs: Sequence[tuple[Item, Program]]) -> tuple[ProgrammeLine, ...]:
    """Return a line per item and programme, from ``programs.selectors.programmes_of_plans`` (no query)."""
    return tuple(
        ProgrammeLine(
            plan=plan_name,
            area=item.area.label,
            item=item_label_of(item.number),
            name=program.name,
            purpose=program.purpose,
            description=program.description,
            achievements=program.achievements,
            issues=program.issues,
            budgets="\n".join(
                f"{era_label(budget.fiscal_year)} {format_quantity(budget.amount_thousand_yen, '千円')}"
                for budget in program.budgets_in_order
            ),
            figures="\n".join(figure.line for figure in program.figures_in_order),
        )
        for item, program in pairs
    )


def summary_sheet(
    progress: PlanProgress,
    *,
    chart_item_ids: set[int] | None = None,
    programmes: Sequence[tuple[Item, Program]] = (),
    places: Sequence[Place] = (),
) -> SummarySheet:
    """Build a row per indicator and the chart's points (the chosen items, else every measured indicator).

    ``programmes`` (``programs.selectors.programmes_of_plans``) become the 関連事業 worksheet's lines.
    With ``places`` (the municipalities), also the 区市町村×年度 rows of the indicators that name some.
    """
    rows = []
    chart = []
    for area in progress.areas:
        for item in area.items:
            item_label = item_label_of(item.number)
            for indicator in item.indicators:
                rows.append(_summary_row(area.label, item_label, item.id, indicator, progress.labels))
                if chart_item_ids is None or item.id in chart_item_ids:
                    name = (
                        indicator.label
                        if len(indicator.label) <= CHART_LABEL_LENGTH
                        else (indicator.label[: CHART_LABEL_LENGTH - 1] + "…")
                    )
                    point = _chart_point(f"{area.number}-{item_label} {name}", indicator)
                    if point:
                        chart.append(point)
    return SummarySheet(
        plan_name=progress.plan_name,
        fiscal_years=progress.fiscal_years,
        rows=tuple(rows),
        chart=tuple(chart),
        programmes=programme_lines(progress.plan_name, programmes),
        coverage=tuple(coverage_sheet_rows(progress, places)) if places else (),
    )


def _summary_row(area: str, item: str, item_id: int, indicator: IndicatorRow, labels: Mapping[str, str]) -> SummaryRow:
    cumulative = indicator.cumulative
    return SummaryRow(
        indicator_id=indicator.id,
        item_id=item_id,
        area=area,
        item=item,
        indicator=indicator.label,
        unit=indicator.unit,
        target_text=indicator.target_text,
        years=tuple(
            SummaryYear(
                target=cell.target,
                actual=cell.actual,
                rate=excel_fraction(cell.rate),
                status=labels.get(cell.status, "") if indicator.has_target else "",  # the administrator's names
            )
            for cell in indicator.years
        ),
        cumulative_actual=cumulative.actual if cumulative else None,
        cumulative_rate=excel_fraction(cumulative.rate) if cumulative else None,
        pending="\n".join(cell.pending.note(indicator.unit) for cell in indicator.years if cell.pending),
    )


def _chart_point(label: str, indicator: IndicatorRow) -> ChartPoint | None:
    """Return the latest entered year's target and actual (a cumulative target's running total)."""
    cell = indicator.latest
    if cell is None or cell.target is None or cell.achievement is None or cell.achievement.kind == Kind.DIRECTION:
        return None
    actual = cell.achievement.running_total if cell.achievement.kind == Kind.CUMULATIVE else cell.achievement.actual
    if actual is None:
        return None
    return ChartPoint(label=f"{label}（{era_label(cell.fiscal_year)}）", target=cell.target, actual=actual)


def _year_value(index: int, attribute: str):
    return lambda row: getattr(row.years[index], attribute)


def summary_columns(fiscal_years: tuple[int, ...]) -> tuple[Column[SummaryRow], ...]:
    per_year: list[Column[SummaryRow]] = []
    for index, year in enumerate(fiscal_years):
        era = era_label(year)
        per_year += [
            Column(f"{era} 目標", _year_value(index, "target"), number_format=NUMBER, width=10),
            Column(f"{era} 実績", _year_value(index, "actual"), number_format=NUMBER, width=10),
            Column(f"{era} 達成率", _year_value(index, "rate"), number_format=PERCENT, width=10),
            Column(f"{era} 状況", _year_value(index, "status"), width=9),
        ]
    return (
        Column("取組分野", attrgetter("area"), width=28),
        Column("事項", attrgetter("item"), width=8),
        Column("指標", attrgetter("indicator"), width=36),
        Column("単位", attrgetter("unit"), width=7),
        Column("目標（原文）", attrgetter("target_text"), width=22),
        *per_year,
        Column("期間累計", attrgetter("cumulative_actual"), number_format=NUMBER, width=10),
        Column("累計達成率", attrgetter("cumulative_rate"), number_format=PERCENT, width=10),
        Column("指標ID", attrgetter("indicator_id"), number_format=INTEGER, width=8),
        # The figures above are approved ones (evaluations.progress); newer ones are only listed here.
        Column(PENDING_HEADER, attrgetter("pending"), width=26),
    )


TEXT_STYLE = CellStyle(font=font(), border=BORDER, alignment=WRAP_TOP)
NUMBER_STYLE = CellStyle(font=font(), border=BORDER, alignment=TOP)
FROZEN_COLUMNS = 3  # 取組分野, 事項 and 指標 stay in view while the years scroll
CHART_LABEL_WIDTH = 50


PROGRAMME_COLUMNS: tuple[Column[ProgrammeLine], ...] = (
    Column("計画期間", attrgetter("plan"), width=10),
    Column("取組分野", attrgetter("area"), width=24),
    Column("事項", attrgetter("item"), width=7),
    Column("事業名", attrgetter("name"), width=26),
    Column("事業目的", attrgetter("purpose"), width=40),
    Column("取組内容", attrgetter("description"), width=40),
    Column("これまでの事業成果", attrgetter("achievements"), width=40),
    Column("課題", attrgetter("issues"), width=30),
    Column("予算額", attrgetter("budgets"), width=18),
    Column("事業の実績・規模", attrgetter("figures"), width=36),
)


def summary_workbook(sheets: list[SummarySheet]) -> Workbook:
    """Write each plan's table (autofilter, frozen header) and, after it, a sheet with its chart.

    The items' programmes (事業) of every plan follow on one 関連事業 worksheet, where there are any.
    """
    workbook = new_workbook()
    for sheet in sheets:
        _write_table(add_sheet(workbook, sheet.plan_name), sheet)
        if sheet.chart:
            _write_chart(add_sheet(workbook, sheet.plan_name, suffix=CHART_SUFFIX), sheet)
        if sheet.coverage:
            append_municipality_year_sheet(
                workbook, name=sheet.plan_name, rows=sheet.coverage, fiscal_years=sheet.fiscal_years
            )
    programmes = [line for sheet in sheets for line in sheet.programmes]
    if programmes:
        _write_programmes(add_sheet(workbook, PROGRAMMES_TITLE), programmes)
    return workbook


def _write_programmes(worksheet: Worksheet, lines: list[ProgrammeLine]) -> None:
    write_header(worksheet, PROGRAMME_COLUMNS, row=1)
    for row_index, line in enumerate(lines, start=2):
        count = write_row(worksheet, PROGRAMME_COLUMNS, line, row=row_index, style=TEXT_STYLE)
        worksheet.row_dimensions[row_index].height = min(400, max(15, count * LINE_HEIGHT + 3))
    worksheet.row_dimensions[1].height = 30
    set_autofilter(worksheet, header_row=1, last_row=len(lines) + 1, last_column=len(PROGRAMME_COLUMNS))
    freeze(worksheet, row=2, column=5)
    print_setup(worksheet, paper=A3, title_rows=(1, 1))


def _write_table(worksheet: Worksheet, sheet: SummarySheet) -> None:
    columns = summary_columns(sheet.fiscal_years)
    write_header(worksheet, columns, row=1)
    for row_index, row in enumerate(sheet.rows, start=2):
        lines = write_row(
            worksheet,
            columns,
            row,
            row=row_index,
            style=lambda _, column: TEXT_STYLE if column.is_text else NUMBER_STYLE,
        )
        worksheet.row_dimensions[row_index].height = max(15, lines * LINE_HEIGHT + 3)
    worksheet.row_dimensions[1].height = 30
    set_autofilter(worksheet, header_row=1, last_row=len(sheet.rows) + 1, last_column=len(columns))
    freeze(worksheet, row=2, column=FROZEN_COLUMNS + 1)
    print_setup(worksheet, paper=A3, title_rows=(1, 1))


def _write_chart(worksheet: Worksheet, sheet: SummarySheet) -> None:
    chart_columns = (
        Column(CHART_HEADERS[0], lambda point: point.label, width=CHART_LABEL_WIDTH),
        Column(CHART_HEADERS[1], lambda point: point.target, number_format=NUMBER),
        Column(CHART_HEADERS[2], lambda point: point.actual, number_format=NUMBER),
    )
    for index, column in enumerate(chart_columns, start=1):
        put(worksheet, row=1, column=index, value=column.header, style=CellStyle(font=font(bold=True)))
    for row_index, point in enumerate(sheet.chart, start=2):
        write_row(worksheet, chart_columns, point, row=row_index)
    set_width(worksheet, 1, CHART_LABEL_WIDTH)
    label, target, actual = (position(chart_columns, header) for header in CHART_HEADERS)
    last_row = len(sheet.chart) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{sheet.plan_name} 目標と実績（最新年度）"
    chart.y_axis.title = "値"
    chart.x_axis.title = "指標"
    chart.add_data(
        Reference(worksheet, min_col=target, max_col=actual, min_row=1, max_row=last_row), titles_from_data=True
    )
    chart.set_categories(Reference(worksheet, min_col=label, min_row=2, max_row=last_row))
    chart.x_axis.scaling.orientation = "maxMin"  # list the indicators top-down, as in the table
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.y_axis.majorGridlines = None
    chart.height = max(8, 0.8 * len(sheet.chart) + 3)
    chart.width = 28
    # The chart stands right of the data, one column apart, level with the first point.
    worksheet.add_chart(chart, cell_ref(row=2, column=len(chart_columns) + 2))
    print_setup(worksheet, paper=A3, fit_height=1)
