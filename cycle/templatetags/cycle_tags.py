"""The item-year thread, rendered where other apps' templates ask for it.

Views of evaluations and reports cannot import this app, so their templates load this
library and name the item: ``{% comment_thread page.item page.fiscal_year %}`` on the entry
screen, ``{% item_threads item_id %}`` on the item page. Each tag reads through the selectors
in a fixed number of queries and writes nothing.
"""

from dataclasses import dataclass

from django import template

from evaluations.models import ReportingYear
from programs.fiscal_years import era_label, fiscal_year_choices
from programs.models import Item

from .. import policies, selectors
from ..models import Comment

register = template.Library()


@dataclass(frozen=True)
class ThreadYear:
    fiscal_year: int
    label: str
    entries: tuple[selectors.ThreadEntry, ...]


def _context(context, item: Item, years: list[int], *, show_years: bool) -> dict:
    request = context.get("request")
    user = context.get("user")
    shown = {"item": item, "show_years": show_years, "max_length": Comment.BODY_MAX_LENGTH}
    if user is None or not user.is_authenticated:
        return {**shown, "read_denied": policies.REASON_NOT_OWNER_THREAD}
    if denied := policies.can_read_thread(user, item):
        return {**shown, "read_denied": denied}
    reporting_years = {
        year.fiscal_year: year
        for year in ReportingYear.objects.filter(plan_id=item.area.plan_id, fiscal_year__in=years)
    }
    by_year: dict[int, list[selectors.ThreadEntry]] = {}
    for entry in selectors.thread_entries(item_id=item.id, fiscal_years=years):
        by_year.setdefault(entry.fiscal_year, []).append(entry)
    denials = {year: policies.can_comment(user, item, year, reporting_years.get(year)) for year in years}
    writable = [year for year in years if not denials[year]]
    # The year a new remark goes to unless chosen: the first still open, as on the entry list.
    open_years = [year for year in writable if not getattr(reporting_years.get(year), "is_locked", False)]
    return {
        **shown,
        "read_denied": "",
        "years": [ThreadYear(year, era_label(year), tuple(by_year[year])) for year in years if year in by_year],
        "choices": fiscal_year_choices(writable),
        "selected": (open_years or writable or [None])[0],
        "comment_denied": "" if writable else denials[years[0]],
        "next": request.get_full_path() if request else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("cycle/_thread.html", takes_context=True)
def comment_thread(context, item: Item, fiscal_year: int):
    """Show one item-year's thread with a comment form (the entry screen)."""
    return _context(context, item, [fiscal_year], show_years=False)


@register.inclusion_tag("cycle/_thread.html", takes_context=True)
def item_threads(context, item_id: int):
    """Show every year's thread of an item, with a form that asks which year (the item page)."""
    item = Item.objects.select_related("area__plan", "section").get(pk=item_id)
    return _context(context, item, list(item.area.plan.fiscal_years), show_years=True)


@register.inclusion_tag("cycle/_attachments.html", takes_context=True)
def item_year_attachments(context, item: Item, fiscal_year: int):
    """List an item-year's 別紙 with download links and the way to the page that manages them."""
    user = context.get("user")
    if user is None or policies.can_see_attachments(user, item):
        return {"hidden": True}
    return {
        "hidden": False,
        "attachments": selectors.attachments_for(item=item, fiscal_year=fiscal_year),
        "item": item,
        "fiscal_year": fiscal_year,
    }


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
