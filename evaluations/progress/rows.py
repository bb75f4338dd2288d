"""The read model's rows: frozen dataclasses from the plan down to one year's figure, and their labels.

No queries here: ``compute`` fills them, every page, API and workbook reads them.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from programs.fiscal_years import era_label
from programs.kinds import Kind, Status, TargetLine
from programs.models import plan_label_of
from programs.quantities import format_quantity, format_rate

from ..calculations import Achievement
from ..models import SelfEvaluation, Verdict

VERDICT_LABELS = dict(Verdict.choices)

APPROVED = SelfEvaluation.Status.APPROVED.value
# How a figure not yet approved is labelled wherever it is shown beside (or instead of) the approved one.
STATE_LABELS = {
    SelfEvaluation.Status.DRAFT.value: "下書き",
    SelfEvaluation.Status.RETURNED.value: "下書き",
    SelfEvaluation.Status.SUBMITTED.value: "未承認",
}


def state_label_of(state: str | None) -> str:
    """Return 「下書き」 or 「未承認」 for a figure in that workflow state; "" for an approved one (or none)."""
    return STATE_LABELS.get(state or "", "")


@dataclass(frozen=True)
class PendingFigure:
    """A figure newer than the one that counts, not yet approved: shown labelled, graded nowhere."""

    fiscal_year: int
    actual: Decimal | None
    actual_text: str
    verdict: str
    verdict_text: str
    state: str  # SelfEvaluation.Status: draft, returned or submitted

    @property
    def state_label(self) -> str:
        return state_label_of(self.state)

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, "")

    def display(self, unit: str) -> str:
        """Return the figure as typed: 「20人」, else its wording, else the verdict (「達成」)."""
        if self.actual is not None:
            return format_quantity(self.actual, unit)
        return self.actual_text or self.verdict_label or "（空欄）"

    def note(self, unit: str) -> str:
        """Return 「下書き: 20人（令和5年度）」, how every page and workbook shows a newer figure."""
        return f"{self.state_label}: {self.display(unit)}（{era_label(self.fiscal_year)}）"


# A figure for an indicator-year with no target to grade it against (issue 20 item 6: not
# 参考値 or 目標なし). Every page, filter and workbook reads this one word.
NO_TARGET_LABEL = "実績（参考）"


class EntryStatus:
    """The state of an item's entry for a fiscal year, as staff and managers see it."""

    NOT_STARTED = "not_started"
    LABELS = {NOT_STARTED: "未入力", **dict(SelfEvaluation.Status.choices)}


BASIS_YEAR_PLAN = "year_plan"
BASIS_PACE = "pace"


@dataclass(frozen=True)
class YearCell:
    fiscal_year: int
    target: Decimal | None
    target_text: str
    actual: Decimal | None
    actual_text: str
    rate: Decimal | None
    status: Status  # follows the officials' verdict where there is no figure (calculations.status_with_verdict)
    achievement: Achievement | None
    verdict: str = ""  # evaluations.models.Verdict, or "" where none is recorded
    verdict_text: str = ""  # the sentence the verdict rests on, verbatim
    verdict_disagrees: bool = False  # a figure's status and the recorded verdict contradict each other
    # The workflow state of the figure shown (SelfEvaluation.Status value; None: no figure). It is
    # "approved" unless the plan was read with include_unapproved=True.
    state: str | None = None
    pending: PendingFigure | None = None  # a newer figure awaiting approval, shown labelled beside this one
    covered: int | None = None  # municipalities the result covers (named, else the stated count)
    period_covered: int | None = None  # the period's distinct municipalities the sheet states as of this year
    # The codes of the municipalities the counted figure names (sorted); () where it only counts them.
    municipality_codes: tuple[str, ...] = ()
    # Cumulative targets only: what ``target`` and ``rate`` compare. BASIS_YEAR_PLAN: the year's own
    # figure against the plan the sheet states for the year; BASIS_PACE: the running total against
    # the target to date (no plan stated for the year, so no share is invented).
    basis: str = ""

    @property
    def compared(self) -> Decimal | None:
        """Return the figure ``rate`` measures: the running total on pace, else the year's figure."""
        if self.basis == BASIS_PACE and self.achievement is not None and self.actual is not None:
            return self.achievement.running_total
        return self.actual

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS.get(self.verdict, "")

    @property
    def state_label(self) -> str:
        """Return 「下書き」 or 「未承認」 when the figure shown is not approved, else ""."""
        return state_label_of(self.state)

    @property
    def has_target(self) -> bool:
        """Return whether a target applies this year (a cell without one is not graded)."""
        return self.achievement is not None

    @property
    def graded_status(self) -> Status | None:
        """Return the status, or None where there is no target to grade against."""
        return self.status if self.has_target else None


@dataclass(frozen=True)
class Headline:
    """What a dashboard shows for an indicator: its running total, else its latest figure."""

    fiscal_year: int | None
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    status: Status | None  # None: no target to grade against
    is_cumulative: bool
    state: str | None = None  # the workflow state of the figure (the least approved one a running total adds)
    pending: PendingFigure | None = None  # the latest newer figure awaiting approval, shown labelled
    # The target as worded for the same year as the figure (a running total: the period's), so a
    # card never sets one year's wording beside another year's figure (issue 21 item 13).
    target_text: str = ""

    @property
    def state_label(self) -> str:
        return state_label_of(self.state)


@dataclass(frozen=True)
class CumulativeSummary:
    """Where an indicator with a period target stands: the running total at the latest year entered."""

    fiscal_year: int
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    target_to_date: Decimal | None
    pace_rate: Decimal | None
    needed_per_remaining_year: Decimal | None
    status: Status


@dataclass(frozen=True)
class PeriodCoverage:
    """The distinct municipalities a coverage target reached over the period, as of a year.

    ``named`` is True when every year up to ``fiscal_year`` names its municipalities, so
    ``covered`` is their union; else it is the count the sheet states for the period.
    """

    fiscal_year: int
    covered: Decimal
    target: Decimal | None
    rate: Decimal | None
    status: Status
    named: bool = False
    municipality_codes: tuple[str, ...] = ()  # the union reached, where ``named``


@dataclass(frozen=True)
class IndicatorRow:
    id: int
    key: str
    name: str
    label: str
    component: str
    unit: str
    type: str
    target_kind: str | None
    target_text: str
    years: tuple[YearCell, ...]
    cumulative: CumulativeSummary | None
    plan_target_text: str = ""  # the target as the plan's 目標 column words it (never one restated later)
    period_coverage: PeriodCoverage | None = None  # coverage targets whose sheet states a period count
    targets: tuple[TargetLine, ...] = ()  # every stored target, period target first
    # Results of years outside the plan (a baseline such as FY2017 that a direction target's first trend reads).
    outside_results: tuple[tuple[int, Decimal | None, str], ...] = ()
    headline: Headline = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        # Computed once: the dashboard, the status counts and the filters all read it.
        object.__setattr__(self, "headline", _headline(self))

    @property
    def has_target(self) -> bool:
        """Return whether the indicator is graded: a scope (「62区市町村対象」) is context, not a target."""
        return self.target_kind is not None and self.target_kind != Kind.SCOPE

    def attainment(self, figure: "YearCell | Headline") -> str:
        """Return what the 達成率 column shows for a figure of this indicator.

        A met "at least N times" target has no percentage (issue 21 item 14): 3 sessions against
        「年１回以上」 read 「3回（目標 年１回以上）」, never 「300.0%」; everything else its rate.
        """
        met = figure.actual is not None and figure.target is not None and figure.actual >= figure.target
        if self.target_kind == Kind.FREQUENCY and figure.rate is None and met:
            wording = figure.target_text if "以上" in figure.target_text else ""
            wording = wording or f"{format_quantity(figure.target, self.unit)}以上"
            return f"{format_quantity(figure.actual, self.unit)}（目標 {wording}）"
        return format_rate(figure.rate)

    @property
    def scope_text(self) -> str:
        """Return who may take part (「62区市町村対象」) where the plan words that instead of a target."""
        return self.target_text if self.target_kind == Kind.SCOPE else ""

    @property
    def latest(self) -> YearCell | None:
        """Return the latest year with a figure entered, if any."""
        entered = [cell for cell in self.years if cell.actual is not None]
        return entered[-1] if entered else None

    @property
    def verdict_disagrees(self) -> bool:
        """Tell the manager that some year's figure and the officials' verdict contradict each other."""
        return any(cell.verdict_disagrees for cell in self.years)


def _headline(indicator: IndicatorRow) -> Headline:
    """Return the running total of a cumulative target, else the latest graded (or entered) year.

    Built from the figures that count (approved ones unless the plan was read including the
    unapproved), with the latest newer figure awaiting approval beside it.
    """
    pendings = [cell.pending for cell in indicator.years if cell.pending is not None]
    pending = pendings[-1] if pendings else None
    if indicator.cumulative is not None:
        summary = indicator.cumulative
        unapproved = [cell.state for cell in indicator.years if cell.state not in (None, APPROVED)]
        counted = [cell.state for cell in indicator.years if cell.state is not None]
        return Headline(
            fiscal_year=summary.fiscal_year if summary.actual is not None else None,
            target=summary.target,
            actual=summary.actual,
            rate=summary.rate,
            status=summary.status,
            is_cumulative=True,
            state=(unapproved or counted or [None])[-1],
            pending=pending,
            target_text=indicator.target_text,
        )
    # A year judged in words (a verdict, no figure) stands like a year with a figure.
    entered = [cell for cell in indicator.years if cell.actual is not None or cell.verdict]
    graded = [cell for cell in entered if cell.has_target]
    cell = (graded or entered or [None])[-1]
    if cell is None:
        first_target = next((c for c in indicator.years if c.has_target), None)
        return Headline(
            fiscal_year=None,
            target=first_target.target if first_target else None,
            actual=None,
            rate=None,
            status=first_target.status if first_target else None,
            is_cumulative=False,
            pending=pending,
            target_text=first_target.target_text if first_target else indicator.target_text,
        )
    return Headline(
        fiscal_year=cell.fiscal_year,
        target=cell.target,
        actual=cell.actual,
        rate=cell.rate,
        status=cell.graded_status,
        is_cumulative=False,
        state=cell.state,
        pending=pending,
        target_text=cell.target_text or indicator.target_text,
    )


@dataclass(frozen=True)
class EvaluationCell:
    fiscal_year: int
    activities: str
    self_assessment: str
    next_steps: str
    rating_symbol: str
    rating_label: str
    reference: str
    status: str


@dataclass(frozen=True)
class ItemRow:
    id: int
    number: int
    title: str
    short_title: str
    related_activities: str
    background: str
    item_vision: str
    reference: str
    section_id: int | None
    section_name: str
    programs: tuple[str, ...]
    indicators: tuple[IndicatorRow, ...]
    evaluations: tuple[EvaluationCell | None, ...]  # one per fiscal year of the plan, in order
    entry_statuses: tuple[str, ...]  # EntryStatus per fiscal year, in order
    target_wording: str = ""  # the plan's 目標 cell as printed, where it words the targets together

    @property
    def targeted_indicators(self) -> tuple[IndicatorRow, ...]:
        """Return the indicators that have a target (the ones a dashboard grades)."""
        return tuple(indicator for indicator in self.indicators if indicator.has_target)

    @property
    def scope_text(self) -> str:
        """Return who may take part where the item words that instead of a target (「62区市町村対象」)."""
        return next((indicator.scope_text for indicator in self.indicators if indicator.scope_text), "")

    def entry_status(self, fiscal_year: int, fiscal_years: tuple[int, ...]) -> str:
        return self.entry_statuses[fiscal_years.index(fiscal_year)]


@dataclass(frozen=True)
class AreaRow:
    id: int
    number: int
    sub_number: int | None
    label: str
    title: str
    vision: str
    background: str
    outcome_indicator_text: str
    items: tuple[ItemRow, ...]
    parent_title: str = ""  # a sub-area's parent (「地域ケア会議及び介護予防の効果的な実施に向けた支援」)


@dataclass(frozen=True)
class PlanProgress:
    plan_id: int
    plan_name: str
    title: str
    fiscal_years: tuple[int, ...]
    uses_rating: bool
    areas: tuple[AreaRow, ...]
    labels: Mapping[str, str] = field(default_factory=dict, compare=False)  # status → name under the rule
    include_unapproved: bool = False  # True: the newest figures count, approved or not (each states its state)

    @property
    def items(self) -> list[ItemRow]:
        return [item for area in self.areas for item in area.items]

    @property
    def label(self) -> str:
        """Return 「第8期（令和3年度～令和5年度）」, as the plan's own label says it."""
        return plan_label_of(self.plan_name, self.fiscal_years[0], self.fiscal_years[-1])
