"""Small inline SVG charts, drawn on the server (no JavaScript, nothing fetched from a CDN).

Only geometry lives here: values already computed by the achievement rules are scaled to
pixels. Every chart carries a text alternative (``aria-label``) listing the figures, so the
figures are never told by the picture alone.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString

from evaluations.progress import IndicatorRow
from programs.fiscal_years import era_label, short_era_label
from programs.kinds import Status
from programs.quantities import format_quantity, format_rate

if TYPE_CHECKING:
    from .selectors import AchievementByYear, YearTally


@dataclass(frozen=True)
class Series:
    """The values a chart draws for an indicator: actual (or running total) against target (or target to date)."""

    fiscal_years: tuple[int, ...]
    actuals: tuple[Decimal | None, ...]
    targets: tuple[Decimal | None, ...]
    actual_label: str
    target_label: str
    unit: str


def series_of(indicator: IndicatorRow) -> Series:
    """Return what to draw: the running total against the target to date for a cumulative target."""
    years = tuple(cell.fiscal_year for cell in indicator.years)
    if indicator.cumulative is not None:
        achievements = [cell.achievement for cell in indicator.years]
        return Series(
            fiscal_years=years,
            actuals=tuple(a.running_total if a and a.actual is not None else None for a in achievements),
            targets=tuple(a.target_to_date if a else None for a in achievements),
            actual_label="累計実績",
            target_label="目標（その年度までの按分）",
            unit=indicator.unit,
        )
    return Series(
        fiscal_years=years,
        actuals=tuple(cell.actual for cell in indicator.years),
        targets=tuple(cell.target for cell in indicator.years),
        actual_label="実績",
        target_label="目標",
        unit=indicator.unit,
    )


def _describe(series: Series) -> str:
    parts = []
    for year, actual, target in zip(series.fiscal_years, series.actuals, series.targets, strict=True):
        parts.append(
            f"{era_label(year)} {series.actual_label}{format_quantity(actual, series.unit, empty='未入力')}"
            f"・{series.target_label}{format_quantity(target, series.unit, empty='なし')}"
        )
    return "、".join(parts)


def _top(series: Series) -> Decimal:
    values = [v for v in (*series.actuals, *series.targets) if v is not None]
    return max(values, default=Decimal(0)) or Decimal(1)


def sparkline(series: Series, *, width: int = 96, height: int = 28) -> SafeString:
    """Return a tiny line of the actuals with the targets as a dashed line."""
    if not any(v is not None for v in series.actuals):
        return SafeString("")
    top = _top(series)
    pad = 3
    step = (width - 2 * pad) / max(len(series.fiscal_years) - 1, 1)

    def point(i: int, value: Decimal) -> str:
        y = height - pad - float(value / top) * (height - 2 * pad)
        return f"{pad + i * step:.1f},{y:.1f}"

    actual_points = " ".join(point(i, v) for i, v in enumerate(series.actuals) if v is not None)
    target_points = " ".join(point(i, v) for i, v in enumerate(series.targets) if v is not None)
    dots = format_html_join(
        "",
        '<circle cx="{}" cy="{}" r="2"/>',
        (tuple(point(i, v).split(",")) for i, v in enumerate(series.actuals) if v is not None),
    )
    return format_html(
        '<svg class="sparkline" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="推移: {label}">'
        '<polyline class="spark-target" points="{t}"/><polyline class="spark-actual" points="{a}"/>'
        '<g class="spark-dots">{dots}</g></svg>',
        w=width,
        h=height,
        label=_describe(series),
        t=target_points,
        a=actual_points,
        dots=dots,
    )


def bar_chart(series: Series, *, width: int = 420, height: int = 180) -> SafeString:
    """Return grouped bars per fiscal year (target, actual) with the figures written under them."""
    top = _top(series)
    left, bottom, top_pad = 8, 40, 18
    plot_h = height - bottom - top_pad
    group = (width - left) / max(len(series.fiscal_years), 1)
    bar = min(28.0, group / 3)
    bars = []
    for i, (year, target, actual) in enumerate(zip(series.fiscal_years, series.targets, series.actuals, strict=True)):
        x = left + i * group + (group - 2 * bar) / 2
        for offset, value, css in ((0, target, "bar-target"), (bar, actual, "bar-actual")):
            if value is None:
                continue
            h = float(value / top) * plot_h
            bars.append(
                format_html(
                    '<rect class="{}" x="{}" y="{}" width="{}" height="{}"/>'
                    '<text class="bar-value" x="{}" y="{}">{}</text>',
                    css,
                    _px(x + offset),
                    _px(top_pad + plot_h - h),
                    _px(bar - 2),
                    _px(h),
                    _px(x + offset + bar / 2 - 1),
                    _px(top_pad + plot_h - h - 3),
                    format_quantity(value),
                )
            )
        bars.append(
            format_html(
                '<text class="bar-year" x="{}" y="{}">{}</text>',
                _px(left + i * group + group / 2),
                _px(height - bottom + 16),
                short_era_label(year),
            )
        )
    legend = format_html(
        '<g class="bar-legend"><rect class="bar-target" x="{}" y="{}" width="10" height="10"/>'
        '<text x="{}" y="{}">{}</text><rect class="bar-actual" x="{}" y="{}" width="10" height="10"/>'
        '<text x="{}" y="{}">{}</text></g>',
        left,
        height - 14,
        left + 14,
        height - 5,
        series.target_label,
        left + 180,
        height - 14,
        left + 194,
        height - 5,
        series.actual_label,
    )
    return format_html(
        '<svg class="bar-chart" width="{w}" height="{h}" viewBox="0 0 {w} {h}" role="img" aria-label="{label}">'
        '<line class="bar-axis" x1="{l}" y1="{y}" x2="{w}" y2="{y}"/>{bars}{legend}</svg>',
        w=width,
        h=height,
        l=left,
        y=top_pad + plot_h,
        label=f"{series.target_label}と{series.actual_label}の推移: {_describe(series)}",
        bars=SafeString("".join(bars)),
        legend=legend,
    )


def _px(value: float) -> str:
    return f"{value:.1f}"


# The achievement chart: one row per area (all areas first), one column per fiscal year, each
# cell a bar split by status in proportion to the indicators graded that year, and the 達成率.
# Written with f-strings (numbers only, labels escaped): format_html per segment cost the
# dashboard a millisecond. The figures are in the table beside it; the picture repeats them.
CHART_WIDTH = 640
CHART_LABEL_WIDTH = 190
CHART_ROW = 26
CHART_HEAD = 24
CHART_LABEL_CHARS = 14  # an area's label beyond this is cut with 「…」 (the table gives it whole)
ALL_AREAS_LABEL = "全体"


def _chart_label(text: str) -> str:
    return escape(text if len(text) <= CHART_LABEL_CHARS else text[: CHART_LABEL_CHARS - 1] + "…")


def _chart_row(parts: list[str], y: float, label: str, tallies: "tuple[YearTally, ...]", column: float) -> None:
    parts.append(f'<text class="chart-label" x="0" y="{y + 16:.1f}">{_chart_label(label)}</text>')
    bar_width = column - 62
    for index, tally in enumerate(tallies):
        x = CHART_LABEL_WIDTH + index * column
        parts.append(f'<rect class="chart-frame" x="{x:.1f}" y="{y + 6:.1f}" width="{bar_width:.1f}" height="14"/>')
        offset = x
        for row in tally.counts:
            width = bar_width * row.count / tally.graded
            parts.append(
                f'<rect class="seg-{row.status}" x="{offset:.1f}" y="{y + 6:.1f}" width="{width:.1f}" height="14"/>'
            )
            offset += width
        rate = format_rate(tally.rate) if tally.graded else "－"
        parts.append(f'<text class="chart-rate" x="{x + bar_width + 4:.1f}" y="{y + 17:.1f}">{rate}</text>')


def achievement_chart(chart: "AchievementByYear", labels) -> SafeString:
    """Return the areas × fiscal years chart of statuses (``reports.selectors.achievement_by_year``)."""
    years = chart.fiscal_years
    column = (CHART_WIDTH - CHART_LABEL_WIDTH) / max(len(years), 1)
    rows = ((ALL_AREAS_LABEL, chart.totals), *((area.label, area.years) for area in chart.areas))
    present = [s for s in Status if any(row.status == s.value for tally in chart.totals for row in tally.counts)]
    height = CHART_HEAD + len(rows) * CHART_ROW + 34
    parts = [
        f'<text class="chart-year" x="{CHART_LABEL_WIDTH + i * column:.1f}" y="16">{era_label(year)}</text>'
        for i, year in enumerate(years)
    ]
    for number, (label, tallies) in enumerate(rows):
        _chart_row(parts, CHART_HEAD + number * CHART_ROW, label, tallies, column)
    parts.append(
        f'<line class="chart-rule" x1="0" y1="{CHART_HEAD + CHART_ROW + 1}" x2="{CHART_WIDTH}"'
        f' y2="{CHART_HEAD + CHART_ROW + 1}"/>'
    )
    legend_y = height - 12
    x = 0.0
    for status in present:
        label = escape(labels.get(status.value, status.value))
        parts.append(f'<rect class="seg-{status.value}" x="{x:.1f}" y="{legend_y - 10}" width="12" height="12"/>')
        parts.append(f'<text class="chart-legend" x="{x + 16:.1f}" y="{legend_y}">{label}</text>')
        x += 16 + 13 * len(label) + 14
    return SafeString(
        f'<svg class="achievement-chart" width="{CHART_WIDTH}" height="{height}" viewBox="0 0 {CHART_WIDTH} {height}"'
        f' role="img" aria-labelledby="achievement-heading" aria-describedby="achievement-table-caption">'
        + "".join(parts)
        + "</svg>"
    )
