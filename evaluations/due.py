"""What is still due: the pending entry states, "overdue", and the plan and year every page opens on.

Each is decided here once (issue 22 item 2, issue 20 item 2); the entry list, the dashboard,
the homes, the reminders and the API read these functions instead of spelling them again.

* **Pending** — an item-year not yet submitted: 未入力 (no record), 入力中 or 差戻し.
* **Overdue** — pending, its reporting year open (not 確定) and its deadline before today
  (the deadline day itself is still on time, as ``programs.fiscal_years.deadline_note`` says).
* **The default period** — the one whose years contain today's fiscal year (with items); else
  the latest that has begun and has items. Never a future period, nor a past one just because
  it was created last: on 2026-12-06 (令和8年度) Tokyo opens on 第9期 (令和6～8年度) even after
  a rollover into 第10期 (令和9～11年度) or an import of 「第7期（取込検証）」.
* **A period in progress** — from 1 April of its first fiscal year until the entry deadline of its
  last year (31 May after it ends, ``reporting_deadline_of``): on 2026-12-06 第9期 (令和6～8年度)
  is in progress and 第8期 (令和3～5年度) is not, even though its years were never locked; on
  2024-05-20 both are (第8期's last year is still being reported).
* **The default year of a period** — the reporting year due next: among its open years with a
  pending item, the latest whose deadline has passed (overdue first: the round just missed,
  not the oldest), else the nearest deadline to come; else its first open year; else today's
  fiscal year held inside the period. On 2026-12-06 第9期 opens on 令和7年度 (due 令和8年5月31日)
  and 第8期 on 令和5年度.
"""

import datetime

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When

from programs.fiscal_years import fiscal_year_of, today_in_tokyo
from programs.models import Item

from .models import ReportingYear, SelfEvaluation

NOT_STARTED = "not_started"  # evaluations.progress.EntryStatus.NOT_STARTED: no record yet
PENDING_STATUSES = frozenset({NOT_STARTED, None, SelfEvaluation.Status.DRAFT, SelfEvaluation.Status.RETURNED})
SUBMITTED_STATUSES = (SelfEvaluation.Status.SUBMITTED, SelfEvaluation.Status.APPROVED)


def reporting_deadline_of(fiscal_year: int) -> datetime.date:
    """Return the entry deadline of a fiscal year: 31 May after it ends (the seeds' FY2022 → 2023-05-31)."""
    return datetime.date(fiscal_year + 1, 5, 31)


def period_in_progress(plan, *, today: datetime.date) -> bool:
    """Return whether a period is in progress: begun, and its last year's entry deadline not passed."""
    return plan.first_fiscal_year <= fiscal_year_of(today) and today <= reporting_deadline_of(plan.last_fiscal_year)


def is_pending(status: str | None) -> bool:
    """Return whether an item-year's entry status still waits for its staff (None: no record)."""
    return status in PENDING_STATUSES


def is_overdue(*, deadline: datetime.date | None, is_locked: bool, today: datetime.date) -> bool:
    """Return whether an open reporting year's deadline has passed (the deadline day is on time)."""
    return deadline is not None and not is_locked and deadline < today


def due_fiscal_year_subquery(*, today: datetime.date | None = None) -> Subquery:
    """Return, for a ``PlanPeriod`` queryset, the fiscal year of its reporting year due next (or NULL).

    Among its open years with at least one item not submitted: the latest whose deadline has
    passed (the round just missed, not the oldest), else the nearest deadline to come, else
    (no deadline set) the earliest year.
    """
    today = today or today_in_tokyo()
    submitted = SelfEvaluation.objects.filter(
        item=OuterRef("pk"), fiscal_year=OuterRef(OuterRef("fiscal_year")), status__in=SUBMITTED_STATUSES
    )
    pending_items = Item.objects.filter(area__plan=OuterRef("plan")).filter(~Exists(submitted))
    overdue_first = Case(
        When(deadline__lt=today, then=Value(0)),
        When(deadline__isnull=True, then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    # Deadlines follow the fiscal years: the latest overdue year first, the earliest upcoming one first.
    within = Case(
        When(deadline__lt=today, then=-F("fiscal_year")), default=F("fiscal_year"), output_field=IntegerField()
    )
    due = (
        ReportingYear.objects.filter(plan=OuterRef("pk"), is_locked=False)
        .filter(Exists(pending_items))
        .order_by(overdue_first, within)
    )
    return Subquery(due.values("fiscal_year")[:1])


def period_default(plans: list, *, today: datetime.date | None = None):
    """Return the period pages open on (plans annotated by ``evaluations.selectors.plan_choices``).

    The period with items whose years hold today's fiscal year; else the latest with items that
    has begun; else the latest that has begun; else the first (only future periods exist).
    """
    if not plans:
        return None
    current = fiscal_year_of(today or today_in_tokyo())
    begun = [plan for plan in plans if plan.first_fiscal_year <= current]
    with_items = [plan for plan in begun if getattr(plan, "has_items", True)]
    holding = [plan for plan in with_items if plan.last_fiscal_year >= current]
    for candidates in (holding, with_items, begun):
        if candidates:
            return max(candidates, key=lambda plan: (plan.first_fiscal_year, plan.ordinal))
    return min(plans, key=lambda plan: (plan.first_fiscal_year, plan.ordinal))


def fiscal_year_due(plan, *, today: datetime.date | None = None) -> int:
    """Return the year a period opens on: its reporting year due next, else its first open year, else today's.

    Reads the annotations ``due_fiscal_year`` and ``open_fiscal_year`` of ``plan_choices``.
    """
    due = getattr(plan, "due_fiscal_year", None) or getattr(plan, "open_fiscal_year", None)
    if due is not None:
        return due
    current = fiscal_year_of(today or today_in_tokyo())
    return min(max(current, plan.first_fiscal_year), plan.last_fiscal_year)
