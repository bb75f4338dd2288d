"""The entry status badge (未入力, 入力中, 差戻し, 提出済, 承認済), for this app's pages and the reports'."""

from django import template
from django.utils.html import format_html

from evaluations.progress import EntryStatus

register = template.Library()


@register.simple_tag
def entry_badge(status):
    """Render an entry status as a badge with its label (never colour alone)."""
    return format_html('<span class="status status-{}">{}</span>', status, EntryStatus.LABELS.get(status, status))
