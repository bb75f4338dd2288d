"""Formatting for report templates: badges and the small charts (numbers and eras: programs' kaigo tags)."""

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from evaluations.attention import AttentionEntry, AttentionKind
from evaluations.templatetags.workflow_tags import entry_badge
from programs.quantities import format_quantity, format_rate
from programs.templatetags.kaigo import query_url

from .. import charts
from ..selectors import NO_TARGET, NO_TARGET_LABEL

register = template.Library()


@register.simple_tag
def figures_of(figures_by_area: dict, area_id: int):
    """Return the reference figures of an area (``programs.selectors.reference_figures_by_area``)."""
    return figures_by_area.get(area_id, ())


@register.simple_tag
def no_target_label() -> str:
    """Return the one word for a figure without a target (「実績（参考）」, ``evaluations.progress``)."""
    return NO_TARGET_LABEL


@register.simple_tag
def status_badge(status, labels):
    """Render a status as a coloured badge that also says it in words (never colour alone)."""
    value = getattr(status, "value", status) or NO_TARGET
    label = NO_TARGET_LABEL if value == NO_TARGET else labels.get(value, value)
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.simple_tag
def figure_state(figure, unit):
    """Label a figure counted before approval, and show a newer one awaiting approval beside it.

    ``figure`` is a YearCell, a Headline or a table row: managers' views count approved figures
    (evaluations.progress), so 「下書き」 or 「未承認」 says so in words wherever one is shown.
    """
    parts = []
    if figure.state_label:
        parts.append(format_html('<span class="figure-state">{}</span>', figure.state_label))
    if figure.pending is not None:
        parts.append(format_html('<span class="figure-pending">{}</span>', figure.pending.note(unit)))
    return format_html_join("", "<br>{}", ((part,) for part in parts)) if parts else ""


@register.simple_tag
def attainment(indicator, figure):
    """Render the 達成率 cell: the rate, or for a met frequency target 「3回（目標 年１回以上）」."""
    return indicator.attainment(figure)


@register.simple_tag
def sparkline(indicator):
    return charts.sparkline(charts.series_of(indicator))


@register.simple_tag
def bar_chart(indicator):
    return charts.bar_chart(charts.series_of(indicator))


@register.simple_tag
def achievement_figures(chart, labels):
    """Render the achievement chart (SVG) with its table for screen readers and the year-over-year table.

    Rendered once per chart and status names: ``selectors.achievement_of`` hands out the same
    chart until the plan's data change (``progress_derived``), and the HTML is kept on it.
    """
    key = tuple(labels.items())
    html = chart.rendered.get(key)
    if html is None:
        svg = charts.achievement_chart(chart, labels)
        context = {"chart": chart, "labels": labels, "svg": svg}
        html = chart.rendered[key] = render_to_string("reports/_achievement_figures.html", context)
    return html  # render_to_string's answer is already safe


@register.simple_tag
def tally_text(tally, labels) -> str:
    """Say a year's statuses in words: 「達成 3件・未達成 2件・未入力 1件（達成率 60.0%）」."""
    if not tally.graded:
        return "目標のある指標なし"
    counts = "・".join(f"{labels.get(row.status, row.status)} {row.count}件" for row in tally.counts)
    return f"{counts}（達成率 {format_rate(tally.rate)}）"


@register.simple_tag
def rate_text(rate) -> str:
    return format_rate(rate)


@register.simple_tag
def signed(number) -> str:
    """Write a change with its sign: 「+3」, 「−2」 (the minus sign, not a hyphen), 「±0」."""
    if number > 0:
        return f"+{number}"
    if number < 0:
        return f"−{-number}"
    return f"±{number}"


@register.simple_tag(takes_context=True)
def item_href(context, item_id: int) -> str:
    """Return the item page's URL, reversing once per render (a dashboard links hundreds of items)."""
    prefix = context.render_context.get("item_href_prefix")
    if prefix is None:
        prefix = reverse("reports:item", args=[0]).removesuffix("0/")
        context.render_context["item_href_prefix"] = prefix
    return f"{prefix}{item_id}/"


# query_url lives in programs' kaigo library (every app's templates use it); registered here too
# so that report templates need one {% load %}.
register.simple_tag(query_url, takes_context=True, name="query_url")
register.simple_tag(entry_badge, name="entry_badge")


@register.simple_tag(takes_context=True)
def filtered_url(context, name: str, filters, **changes) -> str:
    """Return a page's URL carrying the report filters as validated (plan, area, section, year, status)."""
    return query_url(context, name, **{**filters.query_params, **changes})


@register.filter
def verdicts_recorded(cells) -> bool:
    """Return whether any year of an indicator has the officials' verdict recorded."""
    return any(cell.verdict for cell in cells)


# A 要対応 kind's badge borrows a status colour; its words always say the kind (never colour alone).
_ATTENTION_BADGES = {
    AttentionKind.NOT_ACHIEVED: "not_achieved",
    AttentionKind.OVERDUE: "not_started",
    AttentionKind.WRONG_WAY: "decreased",
    AttentionKind.DISAGREES: "mostly_achieved",
}


@register.simple_tag
def attention_badge(entry: AttentionEntry):
    return format_html('<span class="status status-{}">{}</span>', _ATTENTION_BADGES[entry.kind], entry.label)


@register.simple_tag
def attention_detail(entry: AttentionEntry, labels):
    """Say in words how far a 要対応 entry is behind (its figures, the deadline, the verdict).

    Each phrase is kept on one line (a narrow column wraps between phrases, never inside a word).
    """
    phrases = format_html_join(
        "・", '<span class="phrase">{}</span>', ((phrase,) for phrase in _attention_phrases(entry, labels))
    )
    if entry.state_label:  # counted with 「未承認の実績を含める」: say so, as every figure does
        return format_html('<span class="figure-state">{}</span> {}', entry.state_label, phrases)
    return phrases


def _attention_phrases(entry: AttentionEntry, labels) -> list[str]:
    unit = entry.unit
    if entry.kind == AttentionKind.OVERDUE:
        return [entry.entry_status_label, f"期限 {entry.deadline_label}"]
    if entry.kind == AttentionKind.WRONG_WAY:
        if entry.previous is None:
            return [f"{format_quantity(entry.actual, unit)}（前の値なし）"]
        change = "減" if entry.actual < entry.previous else "増"
        return [
            f"{format_quantity(entry.previous, unit)} → {format_quantity(entry.actual, unit)}",
            f"前の値から{entry.shortfall}%{change}",
        ]
    if entry.kind == AttentionKind.DISAGREES:
        computed = " ".join(filter(None, [labels.get(entry.status, entry.status), format_rate(entry.rate, empty="")]))
        return [f"実績から計算: {computed}", f"職員の判断: {entry.verdict_label}"]
    if entry.rate is None:
        return ["数値なし（職員の判断により未達成）"]
    figures = f"{format_quantity(entry.actual, unit)}／{format_quantity(entry.target, unit)}"
    if entry.is_cumulative:
        figures = f"累計 {figures}"
    return [f"達成率 {format_rate(entry.rate)}（{figures}）", f"目標まで{entry.shortfall}ポイント"]
