"""Display filters: they format values computed elsewhere and never do arithmetic themselves."""

import datetime
from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse

from programs.fiscal_years import deadline_label, era_date_label, era_datetime_label, era_label, today_in_tokyo
from programs.models import item_label_of
from programs.quantities import format_quantity, format_rate

register = template.Library()


@register.filter
def quantity(value, unit=""):
    """{{ cell.actual|quantity:indicator.unit }} → 「1,350人」."""
    return format_quantity(value, unit or "")


@register.filter
def rate(value):
    return format_rate(value)


@register.filter
def era(fiscal_year):
    return era_label(int(fiscal_year)) if fiscal_year not in (None, "") else "－"


@register.filter
def item_label(number):
    """{{ item.number|item_label }} → 「事項1」."""
    return item_label_of(number)


@register.simple_tag(takes_context=True)
def query_url(context, name: str, **params) -> str:
    """Return a page's URL with its query string, so that no template assembles one by hand.

    ``name`` is a URL name (``'reports:table'``) or a path (``request.path``); empty
    parameters are left out, a list repeats its parameter; a URL name that is not installed
    gives "" (the link is hidden).
    """
    if name.startswith("/"):
        path = name
    else:
        paths = context.render_context.setdefault("query_url_paths", {})
        if name not in paths:
            try:
                paths[name] = reverse(name)
            except NoReverseMatch:
                paths[name] = ""
        path = paths[name]
        if not path:
            return ""
    # A list (the report filters' statuses) repeats its parameter: ?status=a&status=b.
    query = urlencode({key: value for key, value in params.items() if value not in (None, "", [], ())}, doseq=True)
    return f"{path}?{query}" if query else path


@register.filter
def era_date(value, arg=""):
    """{{ day|era_date }} → 「令和5年5月31日」; {{ moment|era_date:"time" }} → 「令和8年11月30日 17:57」.

    The one way the application writes a date; a datetime without "time" shows its Tokyo day.
    """
    if value in (None, ""):
        return "－"
    if isinstance(value, datetime.datetime):
        label = era_datetime_label(value)
        return label if arg == "time" else label.rsplit(" ", 1)[0]
    return era_date_label(value)


@register.filter
def deadline(day):
    """{{ reporting_year.deadline|deadline }} → 「令和5年5月31日（2日超過）」 / 「…（あと3日）」, today in Tokyo."""
    return deadline_label(day, today_in_tokyo()) if day else "－"
