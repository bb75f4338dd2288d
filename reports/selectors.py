"""The plan's progress, read once: every report (dashboard, item page, table, API, Excel) reads these rows.

``plan_progress`` runs a fixed number of queries whatever the number of areas, items,
indicators and years, and returns frozen dataclasses; achievement arithmetic comes from
``evaluations.calculations`` and nothing here or downstream recomputes it.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet

from evaluations.calculations import Achievement, Kind, Status, indicator_achievement, status_of
from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, Municipality, PlanPeriod, PolicyArea, Target
from programs.selectors import programme_predecessors


class EntryStatus:
    """The state of an item's entry for a fiscal year, as staff and managers see it."""

    NOT_STARTED = "not_started"
    LABELS = {NOT_STARTED: "未入力", **dict(SelfEvaluation.Status.choices)}


@dataclass(frozen=True)
class YearCell:
    fiscal_year: int
    target: Decimal | None
    target_text: str
    actual: Decimal | None
    actual_text: str
    rate: Decimal | None
    status: Status
    achievement: Achievement | None

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

    @property
    def has_target(self) -> bool:
        return self.target_kind is not None

    @property
    def latest(self) -> YearCell | None:
        """Return the latest year with a figure entered, if any."""
        entered = [cell for cell in self.years if cell.actual is not None]
        return entered[-1] if entered else None

    @property
    def headline(self) -> Headline:
        """Return the running total of a cumulative target, else the latest graded (or entered) year."""
        if self.cumulative is not None:
            summary = self.cumulative
            return Headline(
                fiscal_year=summary.fiscal_year if summary.actual is not None else None,
                target=summary.target,
                actual=summary.actual,
                rate=summary.rate,
                status=summary.status,
                is_cumulative=True,
            )
        entered = [cell for cell in self.years if cell.actual is not None]
        graded = [cell for cell in entered if cell.has_target]
        cell = (graded or entered or [None])[-1]
        if cell is None:
            first_target = next((c for c in self.years if c.has_target), None)
            return Headline(
                fiscal_year=None,
                target=first_target.target if first_target else None,
                actual=None,
                rate=None,
                status=first_target.status if first_target else None,
                is_cumulative=False,
            )
        return Headline(
            fiscal_year=cell.fiscal_year,
            target=cell.target,
            actual=cell.actual,
            rate=cell.rate,
            status=cell.graded_status,
            is_cumulative=False,
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

    @property
    def targeted_indicators(self) -> tuple[IndicatorRow, ...]:
        """Return the indicators that have a target (the ones a dashboard grades)."""
        return tuple(indicator for indicator in self.indicators if indicator.has_target)

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


@dataclass(frozen=True)
class PlanProgress:
    plan_id: int
    plan_name: str
    title: str
    fiscal_years: tuple[int, ...]
    uses_rating: bool
    areas: tuple[AreaRow, ...]

    @property
    def items(self) -> list[ItemRow]:
        return [item for area in self.areas for item in area.items]


Grader = Callable[[Achievement | None], Status]


def plan_progress(
    *,
    plan: PlanPeriod,
    area_ids: list[int] | None = None,
    section_ids: list[int] | None = None,
    item_ids: list[int] | None = None,
    items: QuerySet[Item] | None = None,
    grade: Grader = status_of,
) -> PlanProgress:
    """Return the plan's areas › items › indicators with every year's figures, rates and statuses.

    ``items`` narrows to a queryset of items (a filter set's result), read as a subquery so
    the number of queries does not change.
    """
    fiscal_years = tuple(plan.fiscal_years)
    item_filter = Q(area__plan=plan)
    if area_ids:
        item_filter &= Q(area_id__in=area_ids)
    if section_ids:
        item_filter &= Q(section_id__in=section_ids)
    if item_ids:
        item_filter &= Q(id__in=item_ids)
    if items is not None:
        item_filter &= Q(id__in=items.order_by().values("id"))

    item_objects = list(
        Item.objects.filter(item_filter)
        .select_related("area", "section")
        .prefetch_related(
            "programs",
            Prefetch(
                "indicators",
                queryset=Indicator.objects.order_by("order", "id").prefetch_related(
                    Prefetch("targets", queryset=Target.objects.order_by("fiscal_year")),
                    Prefetch(
                        "results",
                        # Only the ids: a coverage result needs how many municipalities it names, not their names.
                        queryset=YearlyResult.objects.order_by("fiscal_year").prefetch_related(
                            Prefetch("municipalities", queryset=Municipality.objects.only("id"))
                        ),
                    ),
                ),
            ),
            Prefetch(
                "evaluations",
                queryset=SelfEvaluation.objects.filter(fiscal_year__in=fiscal_years).select_related("rating"),
            ),
        )
        .order_by("area__number", "area__sub_number", "number")
    )
    areas = {
        area.id: area
        for area in PolicyArea.objects.filter(plan=plan, id__in={item.area_id for item in item_objects}).select_related(
            "vision__parent"
        )
    }
    items_by_area: dict[int, list[ItemRow]] = defaultdict(list)
    for item in item_objects:
        items_by_area[item.area_id].append(_item_row(item, plan, fiscal_years, grade))

    area_rows = tuple(
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
        )
        for area in sorted(areas.values(), key=lambda a: (a.number, a.sub_number or 0))
    )
    return PlanProgress(
        plan_id=plan.id,
        plan_name=plan.name,
        title=plan.title,
        fiscal_years=fiscal_years,
        uses_rating=plan.uses_rating,
        areas=area_rows,
    )


def _item_row(item: Item, plan: PlanPeriod, fiscal_years: tuple[int, ...], grade: Grader) -> ItemRow:
    evaluations = {evaluation.fiscal_year: evaluation for evaluation in item.evaluations.all()}
    indicators = tuple(_indicator_row(indicator, plan, fiscal_years, grade) for indicator in item.indicators.all())
    entered_years = {
        result.fiscal_year
        for indicator in item.indicators.all()
        for result in indicator.results.all()
        if result.value is not None or result.actual_text
    }
    return ItemRow(
        id=item.id,
        number=item.number,
        title=item.title,
        short_title=item.short_title,
        related_activities=item.related_activities,
        background=item.background,
        item_vision=item.item_vision,
        reference=item.reference,
        section_id=item.section_id,
        section_name=item.section.name if item.section else "",
        programs=tuple(program.name for program in item.programs.all()),
        indicators=indicators,
        evaluations=tuple(_evaluation_cell(evaluations.get(year)) for year in fiscal_years),
        entry_statuses=tuple(_entry_status(evaluations.get(year), year in entered_years) for year in fiscal_years),
    )


def _entry_status(evaluation: SelfEvaluation | None, has_results: bool) -> str:
    if evaluation is not None:
        return evaluation.status
    return SelfEvaluation.Status.DRAFT if has_results else EntryStatus.NOT_STARTED


def _evaluation_cell(evaluation: SelfEvaluation | None) -> EvaluationCell | None:
    if evaluation is None:
        return None
    return EvaluationCell(
        fiscal_year=evaluation.fiscal_year,
        activities=evaluation.activities,
        self_assessment=evaluation.self_assessment,
        next_steps=evaluation.next_steps,
        rating_symbol=evaluation.rating.symbol if evaluation.rating else "",
        rating_label=evaluation.rating.label if evaluation.rating else "",
        reference=evaluation.reference,
        status=evaluation.status,
    )


def _indicator_row(
    indicator: Indicator, plan: PlanPeriod, fiscal_years: tuple[int, ...], grade: Grader
) -> IndicatorRow:
    targets = list(indicator.targets.all())
    target_figures = [target.as_figure() for target in targets]
    results = {result.fiscal_year: result for result in indicator.results.all()}
    result_figures = [result.as_figure() for result in results.values()]
    period_target = next((t for t in targets if t.fiscal_year is None), None)
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
        year_target = next((t for t in targets if t.fiscal_year == year), period_target)
        result = results.get(year)
        cells.append(
            YearCell(
                fiscal_year=year,
                target=achievement.target if achievement else None,
                target_text=year_target.target_text if year_target else "",
                actual=result.value if result else None,
                actual_text=result.actual_text if result else "",
                rate=achievement.rate if achievement else None,
                status=grade(achievement),
                achievement=achievement,
            )
        )

    cumulative = None
    if period_target is not None and period_target.kind == Kind.CUMULATIVE:
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
                status=grade(last),
            )
    return IndicatorRow(
        id=indicator.id,
        key=indicator.key,
        name=indicator.name,
        label=indicator.label,
        component=indicator.component,
        unit=indicator.unit,
        type=indicator.type,
        target_kind=headline.kind if headline else None,
        target_text=headline.target_text if headline else "",
        years=tuple(cells),
        cumulative=cumulative,
        plan_target_text=next((t.target_text for t in targets if t.source == Target.Source.PLAN), ""),
    )


# -- Reports built on plan_progress ----------------------------------------------------------
# Pure functions over the rows above, plus the few lookups a report page needs (plans, the
# status rule, reporting years, the areas of a plan); each runs one query at most.

NO_TARGET = "no_target"  # status filter value for cells with no target to grade against
NO_TARGET_LABEL = "目標なし"
ENTRY_ORDER = (
    EntryStatus.NOT_STARTED,
    SelfEvaluation.Status.DRAFT,
    SelfEvaluation.Status.RETURNED,
    SelfEvaluation.Status.SUBMITTED,
    SelfEvaluation.Status.APPROVED,
)
ENTRY_PENDING = frozenset({EntryStatus.NOT_STARTED, SelfEvaluation.Status.DRAFT, SelfEvaluation.Status.RETURNED})
NO_SECTION_LABEL = "（担当課未設定）"


def plan_choices() -> list[PlanPeriod]:
    """Return every plan period, oldest first, each annotated with ``has_results``."""
    has_results = YearlyResult.objects.filter(indicator__item__area__plan=OuterRef("pk"), value__isnull=False)
    return list(PlanPeriod.objects.annotate(has_results=Exists(has_results)).order_by("ordinal"))


def plan_default(plans: list[PlanPeriod]) -> PlanPeriod | None:
    """Return the latest plan that has any result entered, else the latest plan."""
    with_results = [plan for plan in plans if plan.has_results]
    return (with_results or plans or [None])[-1]


def status_rule_get():
    """Return the administrator's status rule, or the default rule when none was saved."""
    from .models import SINGLETON_ID, StatusRule

    return StatusRule.objects.filter(id=SINGLETON_ID).first() or StatusRule(id=SINGLETON_ID)


def plan_areas(*, plan: PlanPeriod) -> list[PolicyArea]:
    """Return the plan's areas in sheet order, each annotated with ``item_count``."""
    return list(
        PolicyArea.objects.filter(plan=plan)
        .annotate(item_count=Count("items"))
        .order_by("number", F("sub_number").asc(nulls_first=True))
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int


def progress_with_status(progress: PlanProgress, status: str | None) -> PlanProgress:
    """Keep only the indicators whose headline has the status, and the items and areas holding them."""
    if not status:
        return progress
    areas = []
    for area in progress.areas:
        items = []
        for item in area.items:
            indicators = tuple(ind for ind in item.indicators if _headline_status(ind) == status)
            if indicators:
                items.append(replace(item, indicators=indicators))
        if items:
            areas.append(replace(area, items=tuple(items)))
    return replace(progress, areas=tuple(areas))


def status_counts(progress: PlanProgress) -> tuple[StatusCount, ...]:
    """Count the headline statuses of the indicators that have a target, in Status order."""
    counts = Counter(ind.headline.status for item in progress.items for ind in item.indicators if ind.has_target)
    return tuple(StatusCount(status=status.value, count=counts[status]) for status in Status if counts[status])


def _headline_status(indicator: IndicatorRow) -> str:
    status = indicator.headline.status
    return NO_TARGET if status is None else status.value


@dataclass(frozen=True)
class EntryCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class PendingItem:
    id: int
    label: str
    status: str


@dataclass(frozen=True)
class SectionEntry:
    section_id: int | None
    section_name: str
    counts: tuple[EntryCount, ...]
    total: int
    pending: tuple[PendingItem, ...]  # not submitted yet: 未入力, 入力中, 差戻し


@dataclass(frozen=True)
class EntryProgress:
    """How far the entry of one fiscal year has got, per section."""

    fiscal_year: int
    deadline: datetime.date | None
    is_locked: bool
    is_overdue: bool
    sections: tuple[SectionEntry, ...]
    totals: tuple[EntryCount, ...]
    total: int
    pending_count: int


def entry_year_default(*, plan: PlanPeriod, reporting_years: list[ReportingYear]) -> int:
    """Return the plan's first unlocked reporting year, else its last fiscal year."""
    unlocked = sorted(year.fiscal_year for year in reporting_years if not year.is_locked)
    return unlocked[0] if unlocked else plan.last_fiscal_year


def reporting_years_of(*, plan: PlanPeriod) -> list[ReportingYear]:
    return list(ReportingYear.objects.filter(plan=plan).order_by("fiscal_year"))


def entry_progress(
    progress: PlanProgress, *, fiscal_year: int, reporting_years: list[ReportingYear], today: datetime.date
) -> EntryProgress:
    """Count the items of each section by their entry status for the fiscal year."""
    reporting_year = next((year for year in reporting_years if year.fiscal_year == fiscal_year), None)
    by_section: dict[int | None, list[ItemRow]] = {}
    area_label = {item.id: area for area in progress.areas for item in area.items}
    for item in progress.items:
        by_section.setdefault(item.section_id, []).append(item)
    sections = []
    for section_id, items in by_section.items():
        statuses = [item.entry_status(fiscal_year, progress.fiscal_years) for item in items]
        counts = Counter(statuses)
        sections.append(
            SectionEntry(
                section_id=section_id,
                section_name=items[0].section_name or NO_SECTION_LABEL,
                counts=_entry_counts(counts),
                total=len(items),
                pending=tuple(
                    PendingItem(id=item.id, label=_item_label(area_label[item.id], item), status=status)
                    for item, status in zip(items, statuses, strict=True)
                    if status in ENTRY_PENDING
                ),
            )
        )
    sections.sort(key=lambda row: (row.section_id is None, row.section_name))
    totals = Counter(item.entry_status(fiscal_year, progress.fiscal_years) for item in progress.items)
    pending_count = sum(len(section.pending) for section in sections)
    deadline = reporting_year.deadline if reporting_year else None
    is_locked = bool(reporting_year and reporting_year.is_locked)
    return EntryProgress(
        fiscal_year=fiscal_year,
        deadline=deadline,
        is_locked=is_locked,
        is_overdue=bool(deadline and deadline < today and pending_count and not is_locked),
        sections=tuple(sections),
        totals=_entry_counts(totals),
        total=len(progress.items),
        pending_count=pending_count,
    )


def _entry_counts(counts: Counter) -> tuple[EntryCount, ...]:
    return tuple(
        EntryCount(status=status, label=EntryStatus.LABELS[status], count=counts[status]) for status in ENTRY_ORDER
    )


def _item_label(area: AreaRow, item: ItemRow) -> str:
    return f"{area.label} › 事項{item.number}"


@dataclass(frozen=True)
class Dashboard:
    progress: PlanProgress  # narrowed by the status filter
    status_counts: tuple[StatusCount, ...]  # before the status filter
    entry: EntryProgress
    reporting_years: tuple[ReportingYear, ...]


def dashboard_get(
    *,
    plan: PlanPeriod,
    items: QuerySet[Item] | None,
    status: str | None,
    fiscal_year: int | None,
    reporting_years: list[ReportingYear],
    grade: Grader,
    today: datetime.date,
) -> Dashboard:
    """Return the dashboard of a plan: cards by area, status counts and entry progress (fixed queries)."""
    progress = plan_progress(plan=plan, items=items, grade=grade)
    if fiscal_year is None or fiscal_year not in progress.fiscal_years:
        fiscal_year = entry_year_default(plan=plan, reporting_years=reporting_years)
    return Dashboard(
        progress=progress_with_status(progress, status),
        status_counts=status_counts(progress),
        entry=entry_progress(progress, fiscal_year=fiscal_year, reporting_years=reporting_years, today=today),
        reporting_years=tuple(reporting_years),
    )


@dataclass(frozen=True)
class TableRow:
    """One indicator in one fiscal year: the comparison table, its Excel download and nothing else."""

    area_id: int
    area_label: str
    area_order: tuple[int, int]
    item_id: int
    item_number: int
    item_title: str
    section_name: str
    indicator_id: int
    indicator_label: str
    unit: str
    target_kind: str | None
    fiscal_year: int
    target: Decimal | None
    target_text: str
    actual: Decimal | None
    actual_text: str
    rate: Decimal | None
    status: str  # a Status value, or NO_TARGET

    @property
    def order(self) -> tuple:
        return (*self.area_order, self.item_number, self.indicator_id, self.fiscal_year)


def progress_table_rows(
    progress: PlanProgress, *, fiscal_year: int | None = None, status: str | None = None
) -> list[TableRow]:
    """Flatten the progress into one row per indicator × fiscal year, optionally narrowed."""
    rows = []
    for area in progress.areas:
        for item in area.items:
            for indicator in item.indicators:
                for cell in indicator.years:
                    if fiscal_year is not None and cell.fiscal_year != fiscal_year:
                        continue
                    cell_status = NO_TARGET if cell.graded_status is None else cell.graded_status.value
                    if status and cell_status != status:
                        continue
                    rows.append(
                        TableRow(
                            area_id=area.id,
                            area_label=area.label,
                            area_order=(area.number, area.sub_number or 0),
                            item_id=item.id,
                            item_number=item.number,
                            item_title=item.short_title,
                            section_name=item.section_name,
                            indicator_id=indicator.id,
                            indicator_label=indicator.label,
                            unit=indicator.unit,
                            target_kind=indicator.target_kind,
                            fiscal_year=cell.fiscal_year,
                            target=cell.target,
                            target_text=cell.target_text,
                            actual=cell.actual,
                            actual_text=cell.actual_text,
                            rate=cell.rate,
                            status=cell_status,
                        )
                    )
    return rows


@dataclass(frozen=True)
class ItemYear:
    fiscal_year: int
    evaluation: EvaluationCell | None
    entry_status: str


def item_years(progress: PlanProgress, item: ItemRow) -> tuple[ItemYear, ...]:
    """Return the item's fiscal years with their narratives and entry status, side by side."""
    return tuple(
        ItemYear(fiscal_year=year, evaluation=evaluation, entry_status=status)
        for year, evaluation, status in zip(progress.fiscal_years, item.evaluations, item.entry_statuses, strict=True)
    )


@dataclass(frozen=True)
class ComparisonRow:
    earlier: ItemRow | None
    later: ItemRow | None
    similarity: float
    by_programme: bool = False  # continues the earlier item's programme (renamed or restructured)


@dataclass(frozen=True)
class PeriodComparison:
    earlier_plan: PlanPeriod | None
    later_plan: PlanPeriod
    earlier_area: PolicyArea | None
    later_area: PolicyArea | None
    rows: tuple[ComparisonRow, ...]


def _comparison_text(item: ItemRow) -> str:
    return " ".join([item.title, *(indicator.name for indicator in item.indicators)])


def period_comparison(
    *, earlier: PlanPeriod | None, later: PlanPeriod, later_area: PolicyArea | None, grade: Grader
) -> PeriodComparison:
    """Set the later plan's area beside the earlier plan's area it continues, item by item (reports.continuity)."""
    from . import continuity

    earlier_area = None
    if earlier is not None and later_area is not None:
        earlier_area = continuity.area_match(later_area, plan_areas(plan=earlier))
    later_items = plan_progress(plan=later, area_ids=[later_area.id], grade=grade).items if later_area else []
    earlier_items = plan_progress(plan=earlier, area_ids=[earlier_area.id], grade=grade).items if earlier_area else []
    ancestors = continuity.ancestors_of(programme_predecessors()) if earlier_items and later_items else {}
    pairs = continuity.item_pairs(
        earlier_items,
        later_items,
        text_of=_comparison_text,
        linked=lambda old, new: continuity.continues_programme(old.programs, new.programs, ancestors),
    )
    return PeriodComparison(
        earlier_plan=earlier,
        later_plan=later,
        earlier_area=earlier_area,
        later_area=later_area,
        rows=tuple(
            ComparisonRow(earlier=p.earlier, later=p.later, similarity=p.score, by_programme=p.by_programme)
            for p in pairs
        ),
    )


def plan_previous(plans: list[PlanPeriod], plan: PlanPeriod) -> PlanPeriod | None:
    """Return the plan period just before the given one, if any."""
    earlier = [p for p in plans if p.ordinal < plan.ordinal]
    return earlier[-1] if earlier else None
