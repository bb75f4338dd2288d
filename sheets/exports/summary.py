"""The summary workbook: per plan period a row per indicator, the years as columns, and a chart.

Figures, rates and statuses come from ``evaluations.progress.plan_progress``; a rate is written
as a number (94.1 % → 0.941) with a percent format, so Excel can sort, filter and chart it.
"""

from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from evaluations.calculations import STATUS_LABELS, Kind
from evaluations.progress import IndicatorRow, PlanProgress
from programs.fiscal_years import era_label

from .layout import (
    BORDER,
    HEADER_FILL,
    INTEGER,
    NUMBER,
    PERCENT,
    WRAP_CENTER,
    WRAP_TOP,
    Column,
    font,
    line_count,
    write_cell,
)

HUNDRED = Decimal(100)
LINE_HEIGHT = 12.5
TOP = Alignment(vertical="top")
CHART_SUFFIX = "グラフ"
CHART_HEADERS = ("指標", "目標", "実績")
CHART_LABEL_LENGTH = 24  # long indicator names would squeeze the bars out of the chart


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


@dataclass(frozen=True)
class ChartPoint:
    label: str
    target: Decimal
    actual: Decimal


@dataclass(frozen=True)
class SummarySheet:
    plan_name: str
    fiscal_years: tuple[int, ...]
    rows: tuple[SummaryRow, ...]
    chart: tuple[ChartPoint, ...]


def as_fraction(rate: Decimal | None) -> Decimal | None:
    """Turn a percentage from the achievement rules (94.1) into the number a % cell holds (0.941)."""
    return None if rate is None else rate / HUNDRED


def summary_sheet(progress: PlanProgress, *, chart_item_ids: set[int] | None = None) -> SummarySheet:
    """Build a row per indicator and the chart's points (the chosen items, else every measured indicator)."""
    rows = []
    chart = []
    for area in progress.areas:
        for item in area.items:
            item_label = f"事項{item.number}"
            for indicator in item.indicators:
                rows.append(_summary_row(area.label, item_label, item.id, indicator))
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
        plan_name=progress.plan_name, fiscal_years=progress.fiscal_years, rows=tuple(rows), chart=tuple(chart)
    )


def _summary_row(area: str, item: str, item_id: int, indicator: IndicatorRow) -> SummaryRow:
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
                rate=as_fraction(cell.rate),
                status=STATUS_LABELS[cell.status] if indicator.has_target else "",
            )
            for cell in indicator.years
        ),
        cumulative_actual=cumulative.actual if cumulative else None,
        cumulative_rate=as_fraction(cumulative.rate) if cumulative else None,
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
    )


def summary_workbook(sheets: list[SummarySheet]) -> Workbook:
    """Write each plan's table (autofilter, frozen header) and, after it, a sheet with its chart."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for sheet in sheets:
        _write_table(workbook.create_sheet(sheet.plan_name), sheet)
        if sheet.chart:
            _write_chart(workbook.create_sheet(f"{sheet.plan_name}{CHART_SUFFIX}"), sheet)
    return workbook


def _write_table(worksheet: Worksheet, sheet: SummarySheet) -> None:
    columns = summary_columns(sheet.fiscal_years)
    for index, column in enumerate(columns, start=1):
        cell = write_cell(worksheet.cell(row=1, column=index), column.header)
        cell.font, cell.fill, cell.border, cell.alignment = font(bold=True), HEADER_FILL, BORDER, WRAP_CENTER
        worksheet.column_dimensions[get_column_letter(index)].width = column.width
    for row_index, row in enumerate(sheet.rows, start=2):
        lines = max(line_count(value, c.width) for c in columns if isinstance(value := c.value(row), str))
        worksheet.row_dimensions[row_index].height = max(15, lines * LINE_HEIGHT + 3)
        for index, column in enumerate(columns, start=1):
            cell = write_cell(
                worksheet.cell(row=row_index, column=index), column.value(row), number_format=column.number_format
            )
            cell.font, cell.border = font(), BORDER
            cell.alignment = WRAP_TOP if column.is_text else TOP
    worksheet.row_dimensions[1].height = 30
    last = get_column_letter(len(columns))
    worksheet.auto_filter.ref = f"A1:{last}{max(len(sheet.rows) + 1, 2)}"
    worksheet.freeze_panes = "D2"
    worksheet.print_title_rows = "1:1"
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A3
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 0
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_chart(worksheet: Worksheet, sheet: SummarySheet) -> None:
    for index, header in enumerate(CHART_HEADERS, start=1):
        write_cell(worksheet.cell(row=1, column=index), header).font = font(bold=True)
    for row_index, point in enumerate(sheet.chart, start=2):
        for index, value in enumerate((point.label, point.target, point.actual), start=1):
            write_cell(worksheet.cell(row=row_index, column=index), value, number_format=None if index == 1 else NUMBER)
    worksheet.column_dimensions["A"].width = 50
    last_row = len(sheet.chart) + 1
    chart = BarChart()
    chart.type = "bar"
    chart.title = f"{sheet.plan_name} 目標と実績（最新年度）"
    chart.y_axis.title = "値"
    chart.x_axis.title = "指標"
    chart.add_data(Reference(worksheet, min_col=2, max_col=3, min_row=1, max_row=last_row), titles_from_data=True)
    chart.set_categories(Reference(worksheet, min_col=1, min_row=2, max_row=last_row))
    chart.x_axis.scaling.orientation = "maxMin"  # list the indicators top-down, as in the table
    chart.x_axis.delete = False  # openpyxl 3.1 hides both axes unless told otherwise
    chart.y_axis.delete = False
    chart.y_axis.majorGridlines = None
    chart.height = max(8, 0.8 * len(sheet.chart) + 3)
    chart.width = 28
    worksheet.add_chart(chart, "E2")
    worksheet.page_setup.paperSize = worksheet.PAPERSIZE_A3
    worksheet.page_setup.orientation = worksheet.ORIENTATION_LANDSCAPE
    worksheet.page_setup.fitToWidth = 1
    worksheet.page_setup.fitToHeight = 1
    worksheet.sheet_properties.pageSetUpPr.fitToPage = True
