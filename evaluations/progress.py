"""The plan's progress, read once and graded once: every page, the API and every workbook read it.

``plan_progress`` returns a plan's areas › items › indicators with every year's figures,
rates and statuses as frozen dataclasses. It grades with the administrator's status rule
(``StatusRule``) itself, so no caller can grade differently: the dashboard, the item page,
the table, the API, the Excel exports, the entry screen and the import preview all agree.

Cost: a plan is computed from the database in a fixed number of queries (values() rows, no
model instances for the many rows) and kept in this process, keyed by the token that the
database changes on every write to a table listed in ``PROGRESS_TABLES`` (``ProgressVersion``,
whose triggers ``progress_triggers_install`` installs after every migrate). A request that
finds the token unchanged reads one row and reuses the computed plan; narrowing by area,
section or item is done on the computed plan, so it never changes the number of queries.

Which figure counts: managers' views count APPROVED figures only. Workflow state is per
item-year (``SelfEvaluation.status``), figures per indicator-year, so a year's figure counts
when its item-year is approved; while the item-year is back in the workflow (差戻し, or
reopened and edited) the figure approved last counts (``ApprovedResult``, the snapshot the
approval writes). A newer figure is carried beside it (``YearCell.pending``), labelled
下書き (draft, returned) or 未承認 (submitted), and graded nowhere. A result whose item-year has
no SelfEvaluation row was written outside the entry workflow (the admin, a loader); nobody
approved it, so it is a 下書き too, as the entry status already says (``_entry_status``). A
result for a year outside the plan's fiscal years (the baseline a plan quotes, e.g. 平成29年度
for 第7期) has no workflow at all and counts as recorded. ``include_unapproved=True`` (the
reports' 「未承認の実績を含める」 filter and the staff entry screen) counts the newest figures
instead, each still stating its state.
"""

import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db import connection
from django.db.models import QuerySet

from programs.fiscal_years import era_label
from programs.kinds import Kind, Status, TargetFigure, TargetLine, target_for_year
from programs.models import (
    Indicator,
    Item,
    Municipality,
    PlanPeriod,
    PolicyArea,
    Program,
    Section,
    Target,
    Vision,
    plan_label_of,
    short_title_of,
)
from programs.models import indicator_label_of as _indicator_label
from programs.quantities import format_quantity, format_rate

from .calculations import (
    Achievement,
    ResultFigure,
    indicator_achievement,
    period_coverage_achievement,
    period_standing,
    status_with_verdict,
    verdict_disagrees,
)
from .models import (
    SINGLETON_ID,
    ApprovedResult,
    ProgressVersion,
    Rating,
    SelfEvaluation,
    StatusRule,
    Verdict,
    YearlyResult,
)

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


# -- The status rule --------------------------------------------------------------------------


def status_rule_get() -> StatusRule:
    """Return the administrator's status rule, or the default rule when none was saved."""
    return StatusRule.objects.filter(id=SINGLETON_ID).first() or StatusRule(id=SINGLETON_ID)


def status_labels() -> dict[str, str]:
    """Return the display name of every status under the administrator's rule."""
    return status_rule_get().labels


# -- Reading and caching -----------------------------------------------------------------------

# Every table plan_progress reads. A write to any of them changes ProgressVersion.token (the
# triggers below); tests/evaluations/test_progress.py checks that the list covers every table
# the queries touch, so a new field read from a new table cannot be served stale.
PROGRESS_MODELS = (PlanPeriod, PolicyArea, Vision, Item, Section, Program, Indicator, Target, Municipality)
PROGRESS_MODELS += (YearlyResult, ApprovedResult, SelfEvaluation, Rating, StatusRule)


def progress_tables() -> list[str]:
    """Return the database tables the read model reads, many-to-many tables included."""
    tables = [model._meta.db_table for model in PROGRESS_MODELS]
    tables += [Item.programs.through._meta.db_table, YearlyResult.municipalities.through._meta.db_table]
    return tables


_cache: dict[tuple[int, bool], tuple[str, "PlanProgress"]] = {}
_cache_lock = threading.Lock()


def progress_cache_clear() -> None:
    """Forget every computed plan (tests call it between cases; the token makes it optional)."""
    with _cache_lock:
        _cache.clear()


def _version_token() -> str | None:
    return ProgressVersion.objects.filter(id=SINGLETON_ID).values_list("token", flat=True).first()


def plan_progress(
    *,
    plan: PlanPeriod,
    area_ids: Iterable[int] | None = None,
    section_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
    items: QuerySet[Item] | None = None,
    include_unapproved: bool = False,
) -> PlanProgress:
    """Return the plan's areas › items › indicators with every year's figures, rates and statuses.

    ``area_ids``, ``section_ids``, ``item_ids`` and ``items`` (a queryset, read as one more
    query) narrow the items; areas left without items are dropped. Graded with the
    administrator's status rule, on approved figures unless ``include_unapproved`` (see the
    module's docstring).
    """
    if items is not None:
        chosen = set(items.order_by().values_list("id", flat=True))
        item_ids = chosen & set(item_ids) if item_ids else chosen or {0}
    progress = plans_progress(plans=[plan], include_unapproved=include_unapproved)[0]
    return progress_narrowed(progress, area_ids, section_ids, item_ids)


def plans_progress(*, plans: list[PlanPeriod], include_unapproved: bool = False) -> list[PlanProgress]:
    """Return the progress of several plans, in order, in the same fixed number of queries as one."""
    token = _version_token()
    found: dict[int, PlanProgress] = {}
    if token is not None:
        for plan in plans:
            cached = _cache.get((plan.id, include_unapproved))
            if cached is not None and cached[0] == token:
                found[plan.id] = cached[1]
    missing = [plan for plan in plans if plan.id not in found]
    if missing:
        computed = _compute(missing, include_unapproved=include_unapproved)
        found.update(computed)
        if token is not None:
            with _cache_lock:
                for plan_id, progress in computed.items():
                    _cache[(plan_id, include_unapproved)] = (token, progress)
    return [found[plan.id] for plan in plans]


def progress_narrowed(
    progress: PlanProgress,
    area_ids: Iterable[int] | None = None,
    section_ids: Iterable[int] | None = None,
    item_ids: Iterable[int] | None = None,
) -> PlanProgress:
    """Keep the items of the given areas, sections and ids (each None: all); drop areas left empty."""
    if not (area_ids or section_ids or item_ids):
        return progress
    areas, sections, items = set(area_ids or ()), set(section_ids or ()), set(item_ids or ())
    kept = []
    for area in progress.areas:
        if areas and area.id not in areas:
            continue
        chosen = tuple(
            item
            for item in area.items
            if (not sections or item.section_id in sections) and (not items or item.id in items)
        )
        if chosen:
            kept.append(replace(area, items=chosen))
    return replace(progress, areas=tuple(kept))


def _compute(plans: list[PlanPeriod], *, include_unapproved: bool = False) -> dict[int, PlanProgress]:
    """Read the plans' rows as plain values in ten queries, then grade them with the rule."""
    plan_ids = [plan.id for plan in plans]
    rule = status_rule_get()
    areas = list(
        PolicyArea.objects.filter(plan_id__in=plan_ids)
        .select_related("vision__parent")
        .order_by("plan_id", "number", "sub_number")
    )
    item_values = list(
        Item.objects.filter(area__plan_id__in=plan_ids)
        .values(
            "id",
            "area_id",
            "number",
            "title",
            "related_activities",
            "background",
            "item_vision",
            "reference",
            "target_wording",
            "section_id",
            "section__name",
        )
        .order_by("area_id", "number")
    )
    programs = defaultdict(list)
    for item_id, name in (
        Item.programs.through.objects.filter(item__area__plan_id__in=plan_ids)
        .order_by("program__name")
        .values_list("item_id", "program__name")
    ):
        programs[item_id].append(name)
    indicators = defaultdict(list)
    for row in (
        Indicator.objects.filter(item__area__plan_id__in=plan_ids)
        .order_by("order", "id")
        .values("id", "item_id", "key", "name", "component", "unit", "type")
    ):
        indicators[row["item_id"]].append(row)
    targets = defaultdict(list)
    for row in (
        Target.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values("indicator_id", "kind", "value", "unit", "fiscal_year", "direction", "target_text", "source")
    ):
        targets[row["indicator_id"]].append(row)
    named = defaultdict(list)
    for result_id, code in (
        YearlyResult.municipalities.through.objects.filter(yearlyresult__indicator__item__area__plan_id__in=plan_ids)
        .order_by("municipality__code")
        .values_list("yearlyresult_id", "municipality__code")
    ):
        named[result_id].append(code)
    results = defaultdict(dict)
    for row in (
        YearlyResult.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values(
            "id",
            "indicator_id",
            "fiscal_year",
            "value",
            "actual_text",
            "municipality_count",
            "verdict",
            "verdict_text",
            "period_municipality_count",
        )
    ):
        ids = tuple(named.get(row["id"], ()))
        results[row["indicator_id"]][row["fiscal_year"]] = {**row, "named": len(ids), "municipality_codes": ids}
    approved = defaultdict(dict)
    for row in (
        ApprovedResult.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values(*FIGURE_FIELDS, "indicator_id", "fiscal_year", "municipality_codes")
    ):
        # The count kept is the covered one; the codes are those named when it was approved.
        codes = tuple(sorted(row["municipality_codes"] or ()))
        approved[row["indicator_id"]][row["fiscal_year"]] = {**row, "named": 0, "municipality_codes": codes}
    evaluations = defaultdict(dict)
    for row in SelfEvaluation.objects.filter(item__area__plan_id__in=plan_ids).values(
        "item_id",
        "fiscal_year",
        "activities",
        "self_assessment",
        "next_steps",
        "rating__symbol",
        "rating__label",
        "reference",
        "status",
    ):
        evaluations[row["item_id"]][row["fiscal_year"]] = row

    items_by_area = defaultdict(list)
    by_plan = {plan.id: plan for plan in plans}
    area_plan = {area.id: by_plan[area.plan_id] for area in areas}
    for row in item_values:
        plan = area_plan[row["area_id"]]
        items_by_area[row["area_id"]].append(
            _item_row(
                row,
                plan,
                programs,
                indicators[row["id"]],
                targets,
                results,
                approved,
                evaluations[row["id"]],
                rule,
                include_unapproved,
            )
        )
    labels = rule.labels
    area_titles = {area.id: area.title for area in areas}
    computed = {}
    for plan in plans:
        plan_areas = sorted(
            (area for area in areas if area.plan_id == plan.id and items_by_area[area.id]),
            key=lambda a: (a.number, a.sub_number or 0),
        )
        computed[plan.id] = PlanProgress(
            plan_id=plan.id,
            plan_name=plan.name,
            title=plan.title,
            fiscal_years=tuple(plan.fiscal_years),
            uses_rating=plan.uses_rating,
            areas=tuple(
                AreaRow(
                    id=area.id,
                    number=area.number,
                    sub_number=area.sub_number,
                    label=area.label,
                    title=area.title,
                    vision=area.vision.sheet_text if area.vision else "",
                    background=area.background,
                    outcome_indicator_text=area.outcome_indicator_text,
                    items=tuple(items_by_area[area.id]),
                    parent_title=area_titles.get(area.parent_id, ""),
                )
                for area in plan_areas
            ),
            labels=labels,
            include_unapproved=include_unapproved,
        )
    return computed


def _item_row(
    row, plan, programs, indicator_rows, targets, results, approved, evaluations, rule, include_unapproved
) -> ItemRow:
    fiscal_years = tuple(plan.fiscal_years)
    states = {year: evaluation["status"] for year, evaluation in evaluations.items()}
    indicators = tuple(
        _indicator_row(
            indicator,
            plan,
            fiscal_years,
            targets[indicator["id"]],
            _counted_figures(
                results[indicator["id"]], approved[indicator["id"]], states, fiscal_years, include_unapproved
            ),
            rule,
        )
        for indicator in indicator_rows
    )
    entered_years = {
        year
        for indicator in indicator_rows
        for year, result in results[indicator["id"]].items()
        if result["value"] is not None or result["actual_text"]
    }
    return ItemRow(
        id=row["id"],
        number=row["number"],
        title=row["title"],
        short_title=short_title_of(row["title"]),
        related_activities=row["related_activities"],
        background=row["background"],
        item_vision=row["item_vision"],
        reference=row["reference"],
        section_id=row["section_id"],
        section_name=row["section__name"] or "",
        programs=tuple(programs.get(row["id"], ())),
        indicators=indicators,
        evaluations=tuple(_evaluation_cell(evaluations.get(year)) for year in fiscal_years),
        entry_statuses=tuple(_entry_status(evaluations.get(year), year in entered_years) for year in fiscal_years),
        target_wording=row["target_wording"],
    )


def _entry_status(evaluation: dict | None, has_results: bool) -> str:
    if evaluation is not None:
        return evaluation["status"]
    return SelfEvaluation.Status.DRAFT if has_results else EntryStatus.NOT_STARTED


def _evaluation_cell(evaluation: dict | None) -> EvaluationCell | None:
    if evaluation is None:
        return None
    return EvaluationCell(
        fiscal_year=evaluation["fiscal_year"],
        activities=evaluation["activities"],
        self_assessment=evaluation["self_assessment"],
        next_steps=evaluation["next_steps"],
        rating_symbol=evaluation["rating__symbol"] or "",
        rating_label=evaluation["rating__label"] or "",
        reference=evaluation["reference"],
        status=evaluation["status"],
    )


# The parts of a result that make its figure: a newer figure differs from the approved one in one of them.
FIGURE_FIELDS = (
    "value",
    "actual_text",
    "municipality_count",
    "verdict",
    "verdict_text",
    "period_municipality_count",
)


def _figure(result: dict | None) -> tuple | None:
    """Return what a result row says, comparable between a live result and an approved snapshot."""
    if result is None:
        return None
    return (
        result["value"],
        result["actual_text"],
        _covered(result),
        result["verdict"],
        result["verdict_text"],
        result["period_municipality_count"],
        result["municipality_codes"],
    )


def _has_figure(result: dict) -> bool:
    return any(part not in (None, "", 0, ()) for part in _figure(result))


@dataclass(frozen=True)
class CountedFigures:
    """An indicator's result rows that count, by fiscal year, with their states and the newer ones."""

    rows: dict  # fiscal year → result row (live or approved snapshot)
    states: dict  # fiscal year → the counted figure's workflow state
    pending: dict  # fiscal year → PendingFigure


def _counted_figures(live, snapshots, states, fiscal_years, include_unapproved) -> CountedFigures:
    """Decide, year by year, which figure counts: see the module's docstring."""
    rows, row_states, pending = {}, {}, {}
    for year in sorted(set(live) | set(snapshots)):
        result, snapshot = live.get(year), snapshots.get(year)
        if year not in fiscal_years:  # a baseline outside the plan's years: no workflow, it counts as recorded
            if result is not None:
                rows[year], row_states[year] = result, APPROVED
            continue
        state = states.get(year)
        if state == APPROVED:
            # Approved results cannot be edited (policies.can_edit): the stored figure is the approved one.
            counted, counted_state = (result, APPROVED) if result is not None else (snapshot, APPROVED)
        else:
            counted, counted_state = (snapshot, APPROVED) if snapshot is not None else (None, None)
            if result is not None and _has_figure(result) and _figure(result) != _figure(snapshot):
                newer_state = state or SelfEvaluation.Status.DRAFT.value  # no record: written outside the workflow
                if include_unapproved:
                    counted, counted_state = result, newer_state
                else:
                    pending[year] = PendingFigure(
                        fiscal_year=year,
                        actual=result["value"],
                        actual_text=result["actual_text"],
                        verdict=result["verdict"],
                        verdict_text=result["verdict_text"],
                        state=newer_state,
                    )
        if counted is not None:
            rows[year], row_states[year] = counted, counted_state
    return CountedFigures(rows=rows, states=row_states, pending=pending)


def _covered(result: dict) -> int | None:
    """Return how many municipalities a result covers: the named ones, else the stated count."""
    return result["named"] or result["municipality_count"]


def _indicator_row(indicator, plan, fiscal_years, targets, counted: CountedFigures, rule: StatusRule) -> IndicatorRow:
    results = counted.rows
    target_figures = [
        TargetFigure(
            kind=t["kind"],
            value=t["value"],
            fiscal_year=t["fiscal_year"],
            direction=t["direction"] or None,
            text=t["target_text"],
        )
        for t in targets
    ]
    result_figures = [
        ResultFigure(fiscal_year=year, value=r["value"], municipality_count=_covered(r)) for year, r in results.items()
    ]
    period_target = next((t for t in targets if t["fiscal_year"] is None), None)
    headline = period_target or (targets[0] if targets else None)

    cells = []
    for year in fiscal_years:
        achievement = indicator_achievement(
            targets=target_figures,
            results=result_figures,
            fiscal_year=year,
            first_fiscal_year=plan.first_fiscal_year,
            last_fiscal_year=plan.last_fiscal_year,
        )
        year_target = target_for_year(target_figures, year)
        result = results.get(year)
        if restates_no_figure(achievement, result):
            achievement = None  # nothing new to compare: no trend, and no 未入力 for a year the sheet filled
        computed = rule.grade(achievement)
        verdict = result["verdict"] if result else ""
        target, rate = (achievement.target, achievement.rate) if achievement else (None, None)
        basis = ""
        if achievement is not None and achievement.kind == Kind.CUMULATIVE:
            # A year on its own against the plan the sheet states for it; without one, the
            # running total against the target to date (the pace), as status_of grades it.
            if achievement.year_target is not None:
                target, rate, basis = achievement.year_target, achievement.year_rate, BASIS_YEAR_PLAN
            else:
                target, rate, basis = achievement.target_to_date, achievement.pace_rate, BASIS_PACE
        cells.append(
            YearCell(
                fiscal_year=year,
                target=target,
                target_text=year_target.text if year_target else "",
                actual=result["value"] if result else None,
                actual_text=result["actual_text"] if result else "",
                rate=rate,
                status=status_with_verdict(computed, verdict) if achievement is not None else computed,
                achievement=achievement,
                verdict=verdict,
                verdict_text=result["verdict_text"] if result else "",
                verdict_disagrees=achievement is not None and verdict_disagrees(computed, verdict),
                state=counted.states.get(year) if result is not None and _has_figure(result) else None,
                pending=counted.pending.get(year),
                covered=_covered(result) if result else None,
                period_covered=result["period_municipality_count"] if result else None,
                municipality_codes=result["municipality_codes"] if result else (),
                basis=basis,
            )
        )

    cumulative = None
    if period_target is not None and period_target["kind"] == Kind.CUMULATIVE:
        entered = [cell for cell in cells if cell.actual is not None]
        last = (entered[-1] if entered else cells[0]).achievement
        if last is not None:
            cumulative = CumulativeSummary(
                fiscal_year=last.fiscal_year,
                target=last.target,
                actual=last.running_total,
                rate=last.rate,
                target_to_date=last.target_to_date,
                pace_rate=last.pace_rate,
                needed_per_remaining_year=last.needed_per_remaining_year,
                status=rule.grade(period_standing(last)),
            )
    return IndicatorRow(
        id=indicator["id"],
        key=indicator["key"],
        name=indicator["name"],
        label=_indicator_label(indicator["name"], indicator["component"]),
        component=indicator["component"],
        unit=indicator["unit"],
        type=indicator["type"],
        target_kind=headline["kind"] if headline else None,
        target_text=headline["target_text"] if headline else "",
        years=tuple(cells),
        cumulative=cumulative,
        plan_target_text=next((t["target_text"] for t in targets if t["source"] == Target.Source.PLAN), ""),
        period_coverage=_period_coverage(period_target, results, fiscal_years, rule),
        targets=tuple(
            TargetLine(
                kind=t["kind"],
                value=t["value"],
                unit=t["unit"],
                fiscal_year=t["fiscal_year"],
                text=t["target_text"],
                source=t["source"],
                direction=t["direction"],
            )
            for t in targets
        ),
        outside_results=tuple(
            (year, r["value"], r["actual_text"]) for year, r in sorted(results.items()) if year not in fiscal_years
        ),
    )


def restates_no_figure(achievement: Achievement | None, result: dict | None) -> bool:
    """Tell whether a direction target's year is reported in words with no figure of its own.

    第7期 8 事項2, 令和元年度: the cell repeats 「（28年10月）58,589人⇒（29年10月）61,792人」, the
    figures 平成30年度 already reported; a trend needs a new figure, so the year has none (neither
    横ばい nor 未入力). A verdict recorded for such a year still grades it.
    """
    return (
        achievement is not None
        and achievement.kind == Kind.DIRECTION
        and result is not None
        and result["value"] is None
        and bool(result["actual_text"])
        and not result["verdict"]
    )


def _period_coverage(period_target, results, fiscal_years, rule: StatusRule) -> PeriodCoverage | None:
    """Return the distinct municipalities reached over the period as of its latest year with a figure.

    Each municipality counts once: the union of the years' named municipalities where every year
    with a figure names them, else the count the sheet states for the period (the latest year
    stating one); None when neither (a year that only counts cannot be united with the others).
    """
    if period_target is None or period_target["kind"] != Kind.COVERAGE:
        return None
    entered = {year: r for year, r in results.items() if year in fiscal_years and _covered(r)}
    stated = [(year, r["period_municipality_count"]) for year, r in entered.items() if r["period_municipality_count"]]
    named_by_year = {year: frozenset(r["municipality_codes"]) for year, r in entered.items()}
    if not entered:
        return None
    year = max(entered)
    every_year_named = all(named_by_year.values())
    if not every_year_named:
        if not stated:
            return None
        year, count = max(stated)
    achievement = period_coverage_achievement(
        fiscal_year=year,
        named_by_year=named_by_year,
        stated_count=None if every_year_named else count,
        aimed_at=period_target["value"],
    )
    return PeriodCoverage(
        fiscal_year=year,
        covered=achievement.actual,
        target=achievement.target,
        rate=achievement.rate,
        status=rule.grade(achievement),
        named=every_year_named,
        municipality_codes=tuple(sorted(frozenset().union(*named_by_year.values()))) if every_year_named else (),
    )


# -- One indicator, outside a plan listing ----------------------------------------------------------


def achievement_for(indicator: Indicator, fiscal_year: int) -> Achievement | None:
    """Measure the fiscal year's result of one indicator against its target by the target kind's rule.

    Reads ``targets``, ``results`` (with their ``municipalities``) and the plan through
    ``item.area.plan``: callers listing many indicators prefetch them, so this adds no query.
    """
    plan = indicator.item.area.plan
    return indicator_achievement(
        targets=[target.as_figure() for target in indicator.targets.all()],
        results=[result.as_figure() for result in indicator.results.all()],
        fiscal_year=fiscal_year,
        first_fiscal_year=plan.first_fiscal_year,
        last_fiscal_year=plan.last_fiscal_year,
    )


# -- The version triggers --------------------------------------------------------------------------

_BUMP_FUNCTION = "evaluations_progress_bump"


def progress_triggers_install(*, using_connection=None, tables: Iterable[str] | None = None) -> None:
    """(Re)create the triggers that change ProgressVersion.token on every write to the read tables.

    Run by migration 0004 and again after every migrate (evaluations.apps), because a
    migration that rebuilds a table on SQLite drops its triggers.
    """
    conn = using_connection or connection
    version_table = ProgressVersion._meta.db_table
    existing = set(conn.introspection.table_names())
    if version_table not in existing:
        return
    tables = [table for table in (tables or progress_tables()) if table in existing]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {_BUMP_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO {version_table} (id, token)
                    VALUES ({SINGLETON_ID}, md5(random()::text || clock_timestamp()::text))
                    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
                    RETURN NULL;
                END $$;
                """
            )
        for table in tables:
            for name, sql in _trigger_statements(conn.vendor, table, version_table):
                cursor.execute(_drop_trigger(conn.vendor, name, table))
                cursor.execute(sql)


def progress_triggers_remove(*, using_connection=None, tables: Iterable[str] | None = None) -> None:
    """Drop the triggers (before the version table goes, when migrating backwards)."""
    conn = using_connection or connection
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        for table in tables or progress_tables():
            if table in existing:
                for name, _sql in _trigger_statements(conn.vendor, table, ProgressVersion._meta.db_table):
                    cursor.execute(_drop_trigger(conn.vendor, name, table))
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_BUMP_FUNCTION}()")


def _drop_trigger(vendor: str, name: str, table: str) -> str:
    return (
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'
        if vendor == "postgresql"
        else f'DROP TRIGGER IF EXISTS "{name}"'
    )


def _trigger_statements(vendor: str, table: str, version_table: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        name = f"{table}_progress_version"
        return [
            (
                name,
                f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"'
                f" FOR EACH STATEMENT EXECUTE FUNCTION {_BUMP_FUNCTION}()",
            )
        ]
    if vendor == "sqlite":
        return [
            (
                f"{table}_progress_version_{event.lower()}",
                f'CREATE TRIGGER "{table}_progress_version_{event.lower()}" AFTER {event} ON "{table}" BEGIN'
                f" INSERT OR REPLACE INTO {version_table} (id, token)"
                f" VALUES ({SINGLETON_ID}, hex(randomblob(16))); END",
            )
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    return []  # other databases: no triggers, so no token, so nothing is cached (see plans_progress)
