"""Display filters: they format values computed elsewhere and never do arithmetic themselves."""

from urllib.parse import urlencode

from django import template
from django.urls import NoReverseMatch, reverse

from programs.fiscal_years import era_label
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
    parameters are left out; a URL name that is not installed gives "" (the link is hidden).
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
    query = urlencode({key: value for key, value in params.items() if value not in (None, "")})
    return f"{path}?{query}" if query else path
