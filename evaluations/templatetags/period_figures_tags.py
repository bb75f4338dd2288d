from django import template

register = template.Library()


@register.filter
def field_of(form, name: str):
    """Return the form's bound field called ``name`` (the figures page names its inputs per indicator-year)."""
    return form[name]
