"""The dashboard's 「最終督促」 labels (the thread and 別紙 are panels now: cycle.panels)."""

from django import template

from evaluations.models import ReportingYear

from .. import selectors

register = template.Library()


@register.simple_tag
def last_reminders(plan, fiscal_year: int) -> dict:
    """Return, per section id, the 「最終督促：11月20日」 label of the year's reminders (two queries)."""
    reporting_year = ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year)
    if reporting_year is None:
        return {}
    sent = selectors.last_reminders_by_section(reporting_year=reporting_year)
    return {section_id: selectors.reminder_label(moment) for section_id, moment in sent.items()}


@register.filter
def reminder_of(labels: dict, section_id) -> str:
    return labels.get(section_id, "") if labels else ""
