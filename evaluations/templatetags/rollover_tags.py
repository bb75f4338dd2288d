from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """Return ``mapping[key]`` or "" (the rollover preview's errors and echoed fields, by row key)."""
    return mapping.get(key, "") if mapping else ""
