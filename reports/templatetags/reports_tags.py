"""Formatting for report templates: badges and the small charts (numbers and eras: programs' kaigo tags)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from programs.templatetags.kaigo import query_url

from .. import charts
from ..selectors import NO_TARGET, NO_TARGET_LABEL, EntryStatus

register = template.Library()


@register.simple_tag
def figures_of(figures_by_area: dict, area_id: int):
    """Return the reference figures of an area (``programs.selectors.reference_figures_by_area``)."""
    return figures_by_area.get(area_id, ())


@register.simple_tag
def status_badge(status, labels):
    """Render a status as a coloured badge that also says it in words (never colour alone)."""
    value = getattr(status, "value", status) or NO_TARGET
    label = NO_TARGET_LABEL if value == NO_TARGET else labels.get(value, value)
    return format_html('<span class="status status-{}">{}</span>', value, label)


@register.simple_tag
def entry_badge(status):
    """Render an entry status (未入力, 入力中, 差戻し, 提出済, 承認済) as a badge with its label."""
    return format_html('<span class="status status-{}">{}</span>', status, EntryStatus.LABELS.get(status, status))


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
def sparkline(indicator):
    return charts.sparkline(charts.series_of(indicator))


@register.simple_tag
def bar_chart(indicator):
    return charts.bar_chart(charts.series_of(indicator))


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


@register.simple_tag(takes_context=True)
def filtered_url(context, name: str, filters, **changes) -> str:
    """Return a page's URL carrying the report filters as validated (plan, area, section, year, status)."""
    return query_url(context, name, **{**filters.query_params, **changes})


@register.filter
def verdicts_recorded(cells) -> bool:
    """Return whether any year of an indicator has the officials' verdict recorded."""
    return any(cell.verdict for cell in cells)
