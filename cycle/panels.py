"""The thread and the 別紙 of an item-year, as panels of the entry screen and the item page.

``evaluations`` and ``reports`` cannot import this app for their pages' sake, so the cycle
registers these providers with ``evaluations.item_panels`` in ``CycleConfig.ready``. Each
reads through the selectors in a fixed number of queries, while the view gathers its data
(never from a template tag), and writes nothing.
"""

from dataclasses import dataclass

from evaluations.item_panels import Panel, PanelRequest
from evaluations.models import ReportingYear
from programs.fiscal_years import era_label, fiscal_year_choices

from . import policies, selectors
from .models import Comment


@dataclass(frozen=True)
class ThreadYear:
    fiscal_year: int
    label: str
    entries: tuple[selectors.ThreadEntry, ...]


def attachments_panel(asked: PanelRequest) -> Panel | None:
    """List one item-year's 別紙 with download links and the way to the page that manages them."""
    if asked.show_years or policies.can_see_attachments(asked.user, asked.item):
        return None
    (fiscal_year,) = asked.fiscal_years
    attachments = selectors.attachments_for(item=asked.item, fiscal_year=fiscal_year)
    return Panel(
        "cycle/_attachments.html",
        {"hidden": False, "attachments": attachments, "item": asked.item, "fiscal_year": fiscal_year},
    )


def thread_panel(asked: PanelRequest) -> Panel:
    """Show the thread of the item-year (entry screen) or of every year with a year chooser (item page)."""
    item, user, years = asked.item, asked.user, list(asked.fiscal_years)
    shown = {"item": item, "show_years": asked.show_years, "max_length": Comment.BODY_MAX_LENGTH}
    if not getattr(user, "is_authenticated", False):
        return Panel("cycle/_thread.html", {**shown, "read_denied": policies.REASON_NOT_OWNER_THREAD})
    if denied := policies.can_read_thread(user, item):
        return Panel("cycle/_thread.html", {**shown, "read_denied": denied})
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
    return Panel(
        "cycle/_thread.html",
        {
            **shown,
            "read_denied": "",
            "years": [ThreadYear(year, era_label(year), tuple(by_year[year])) for year in years if year in by_year],
            "choices": fiscal_year_choices(writable),
            "selected": (open_years or writable or [None])[0],
            "comment_denied": "" if writable else denials[years[0]],
            "next": asked.next_url,
        },
    )
