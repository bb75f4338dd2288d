"""What needs attention in a plan (要対応): the commitments that are behind, most behind first.

A pure function over the read model (``evaluations.progress.PlanProgress``), the plan's reporting
years and today's date in Tokyo: it reads nothing from the database, so a dashboard that has the
plan's progress and its reporting years builds the list without a query.

Four kinds of entry, each for one indicator (or, for a missed deadline, one item) of one year:

未達成
    the indicator's headline (what the dashboard grades: the running total of a cumulative
    target, else the latest graded year) is 未達成. Earlier years that were 未達成 but have
    since been followed by a better year are history, not a task.
未入力（期限超過）
    an item's year is not submitted (未入力, 入力中 or 差戻し) and the reporting year's deadline
    has passed; a locked (確定) year and a year without a deadline are never overdue.
減少
    a direction target (「増加」) whose headline year moved the other way (減少; for a target
    that aims to decrease, 「増加（目標は減少）」 — named as the administrator's rule names the status).
判断と不一致
    a year whose figure and the officials' recorded verdict contradict each other.

How far behind: one ordering key, ``shortfall``, in percentage points of the target still missing
(half-up to 0.1, as every rate):

* 未達成 — 100 − the achievement rate (a cumulative target by its pace: the running total
  against the target to date). 第7期 2（1）事項1: 1,199 of 1,350人 = 88.8 % → 11.2.
  A 未達成 resting on the verdict alone (no figure) is 100: nothing measured shows progress.
* 未入力（期限超過） — 100: nothing is reported, so 0 % of the target is shown.
* 減少 — the fall as a share of the previous figure: 100 − current ÷ previous × 100.
  2,366 → 2,316所: 100 − 97.9 = 2.1. (For a target that aims to decrease, the rise: 100 → 110人 = 10.0.)
* 判断と不一致 — the figure's own shortfall (100 − its rate, never below 0): a contradiction on
  a figure that is 達成 sorts last, one on a figure far below target sorts with it.

Entries sort by shortfall (largest first), then by days past the deadline (most first; 0 for
entries without one), then in plan order (area, item, indicator, fiscal year) and kind.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from programs.fiscal_years import deadline_label
from programs.kinds import STATUS_LABELS, Kind, Status
from programs.models import item_label_of

from .due import PENDING_STATUSES, is_overdue
from .progress import EntryStatus, IndicatorRow, ItemRow, PlanProgress, YearCell, state_label_of

HUNDRED = Decimal("100.0")
ONE_DECIMAL = Decimal("0.1")


class AttentionKind:
    """The reasons an entry is listed, in the order they are told apart when everything else ties."""

    NOT_ACHIEVED = "not_achieved"
    OVERDUE = "overdue"
    WRONG_WAY = "wrong_way"
    DISAGREES = "verdict_disagrees"
    ORDER = (NOT_ACHIEVED, OVERDUE, WRONG_WAY, DISAGREES)
    LABELS = {
        NOT_ACHIEVED: "未達成",
        OVERDUE: "未入力（期限超過）",
        WRONG_WAY: "減少",
        DISAGREES: "判断と不一致",
    }


# An item-year not submitted yet: what a deadline asks for.
NOT_SUBMITTED = PENDING_STATUSES  # evaluations.due


class _ReportingYear(Protocol):
    fiscal_year: int
    deadline: datetime.date | None
    is_locked: bool


@dataclass(frozen=True)
class AttentionEntry:
    kind: str  # AttentionKind
    label: str  # the kind's words (減少 follows the status the administrator named)
    area_label: str
    item_id: int
    item_label: str  # 「事項1」
    item_title: str  # the item's short title
    indicator_label: str  # "" for a missed deadline (it concerns the whole item)
    fiscal_year: int
    shortfall: Decimal  # percentage points of the target missing (the module docstring)
    days_overdue: int = 0
    # 「令和5年5月31日（2日超過）」: programs.fiscal_years.deadline_label, the one countdown wording
    deadline_label: str = ""
    deadline: datetime.date | None = None
    entry_status: str = ""  # EntryStatus of the item-year, for a missed deadline
    status: str = ""  # the indicator's Status, for the other kinds
    rate: Decimal | None = None
    actual: Decimal | None = None
    target: Decimal | None = None
    previous: Decimal | None = None  # the figure a fall is measured from
    unit: str = ""
    is_cumulative: bool = False
    verdict_label: str = ""  # what the officials recorded, for a disagreement
    state: str | None = None  # the figure's workflow state: not approved only with include_unapproved
    order: tuple = ()  # plan order: area, item, indicator, fiscal year

    @property
    def sort_key(self) -> tuple:
        return (-self.shortfall, -self.days_overdue, self.order, AttentionKind.ORDER.index(self.kind))

    @property
    def entry_status_label(self) -> str:
        return EntryStatus.LABELS.get(self.entry_status, "")

    @property
    def state_label(self) -> str:
        """「下書き」 or 「未承認」 for a figure counted before its approval (labelled like everywhere else)."""
        return state_label_of(self.state)


def _points(value: Decimal) -> Decimal:
    return max(value, Decimal(0)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _shortfall(rate: Decimal | None) -> Decimal:
    """Return 100 − rate, never below 0; 100 where there is no rate to measure progress by."""
    return HUNDRED if rate is None else _points(HUNDRED - rate)


def _wrong_way_label(status: Status, labels) -> str:
    """Return 「減少」, or 「増加（目標は減少）」 where the target aims to decrease (a rise alone reads as good)."""
    label = labels.get(status, STATUS_LABELS.get(status, status))
    return label if status == Status.DECREASED else f"{label}（目標は減少）"


def _cell_of(indicator: IndicatorRow, fiscal_year: int | None) -> YearCell | None:
    return next((cell for cell in indicator.years if cell.fiscal_year == fiscal_year), None)


def attention_entries(
    progress: PlanProgress,
    *,
    reporting_years: Iterable[_ReportingYear],
    today: datetime.date,
) -> tuple[AttentionEntry, ...]:
    """Return the plan's entries needing attention, most behind first (the module docstring)."""
    overdue = {
        year.fiscal_year: year.deadline
        for year in reporting_years
        if is_overdue(deadline=year.deadline, is_locked=year.is_locked, today=today)
    }
    labels = progress.labels
    entries: list[AttentionEntry] = []
    for area in progress.areas:
        area_order = (area.number, area.sub_number or 0)
        for item in area.items:
            common = {
                "area_label": area.label,
                "item_id": item.id,
                "item_label": item_label_of(item.number),
                "item_title": item.short_title,
            }
            entries += _overdue_entries(progress, item, overdue, today, common, (*area_order, item.number))
            for position, indicator in enumerate(item.targeted_indicators):
                order = (*area_order, item.number, position)
                entries += _indicator_entries(indicator, labels, common, order)
    return tuple(sorted(entries, key=lambda entry: entry.sort_key))


def _overdue_entries(progress, item: ItemRow, overdue, today, common, order) -> list[AttentionEntry]:
    entries = []
    for fiscal_year, status in zip(progress.fiscal_years, item.entry_statuses, strict=True):
        deadline = overdue.get(fiscal_year)
        if deadline is None or status not in NOT_SUBMITTED:
            continue
        entries.append(
            AttentionEntry(
                kind=AttentionKind.OVERDUE,
                label=AttentionKind.LABELS[AttentionKind.OVERDUE],
                indicator_label="",
                fiscal_year=fiscal_year,
                shortfall=HUNDRED,
                days_overdue=(today - deadline).days,
                deadline_label=deadline_label(deadline, today),
                deadline=deadline,
                entry_status=status,
                order=(*order, -1, fiscal_year),
                **common,
            )
        )
    return entries


def _indicator_entries(indicator: IndicatorRow, labels, common, order) -> list[AttentionEntry]:
    entries = []
    headline = indicator.headline
    figures = {"indicator_label": indicator.label, "unit": indicator.unit}
    if headline.status == Status.NOT_ACHIEVED:
        # A headline is graded from an entered year, so it has one; the plan's last year stands in regardless.
        fiscal_year = headline.fiscal_year or indicator.years[-1].fiscal_year
        rate = headline.rate
        if headline.is_cumulative and indicator.cumulative is not None:
            rate = indicator.cumulative.pace_rate if indicator.cumulative.pace_rate is not None else rate
        entries.append(
            AttentionEntry(
                kind=AttentionKind.NOT_ACHIEVED,
                label=labels.get(Status.NOT_ACHIEVED, AttentionKind.LABELS[AttentionKind.NOT_ACHIEVED]),
                fiscal_year=fiscal_year,
                shortfall=_shortfall(rate),
                status=Status.NOT_ACHIEVED,
                rate=headline.rate,
                actual=headline.actual,
                target=headline.target,
                is_cumulative=headline.is_cumulative,
                state=headline.state,
                order=(*order, fiscal_year),
                **figures,
                **common,
            )
        )
    cell = _cell_of(indicator, headline.fiscal_year)
    if (
        indicator.target_kind == Kind.DIRECTION
        and cell is not None
        and cell.achievement is not None
        and cell.achievement.met is False
    ):
        previous = cell.achievement.previous
        ratio = cell.actual * HUNDRED / previous if previous else None
        entries.append(
            AttentionEntry(
                kind=AttentionKind.WRONG_WAY,
                label=_wrong_way_label(cell.status, labels),
                fiscal_year=cell.fiscal_year,
                # The change as a share of the previous figure, whichever way was wrong.
                shortfall=HUNDRED
                if ratio is None
                else _points(abs(HUNDRED - ratio.quantize(ONE_DECIMAL, ROUND_HALF_UP))),
                status=cell.status,
                actual=cell.actual,
                previous=previous,
                state=cell.state,
                order=(*order, cell.fiscal_year),
                **figures,
                **common,
            )
        )
    for cell in indicator.years:
        if cell.verdict_disagrees:
            entries.append(
                AttentionEntry(
                    kind=AttentionKind.DISAGREES,
                    label=AttentionKind.LABELS[AttentionKind.DISAGREES],
                    fiscal_year=cell.fiscal_year,
                    shortfall=_shortfall(cell.rate) if cell.rate is not None else Decimal(0),
                    status=cell.status,
                    rate=cell.rate,
                    actual=cell.actual,
                    target=cell.target,
                    verdict_label=cell.verdict_label,
                    state=cell.state,
                    order=(*order, cell.fiscal_year),
                    **figures,
                    **common,
                )
            )
    return entries
