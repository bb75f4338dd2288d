"""Display filters: they format values computed elsewhere and never do arithmetic themselves."""

from django import template

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
