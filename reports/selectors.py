"""The plan's progress, read once: every report (dashboard, item page, table, API, Excel) reads these rows.

``plan_progress`` runs a fixed number of queries whatever the number of areas, items,
indicators and years, and returns frozen dataclasses; achievement arithmetic comes from
``evaluations.calculations`` and nothing here or downstream recomputes it.
"""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q

from evaluations.calculations import Achievement, Kind, Status, indicator_achievement, status_of
from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target


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

    @property
    def has_target(self) -> bool:
        return self.target_kind is not None

    @property
    def latest(self) -> YearCell | None:
        """Return the latest year with a figure entered, if any."""
        entered = [cell for cell in self.years if cell.actual is not None]
        return entered[-1] if entered else None


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
    grade: Grader = status_of,
) -> PlanProgress:
    """Return the plan's areas › items › indicators with every year's figures, rates and statuses."""
    fiscal_years = tuple(plan.fiscal_years)
    item_filter = Q(area__plan=plan)
    if area_ids:
        item_filter &= Q(area_id__in=area_ids)
    if section_ids:
        item_filter &= Q(section_id__in=section_ids)
    if item_ids:
        item_filter &= Q(id__in=item_ids)

    items = list(
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
                        queryset=YearlyResult.objects.order_by("fiscal_year").prefetch_related("municipalities"),
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
        for area in PolicyArea.objects.filter(plan=plan, id__in={item.area_id for item in items}).select_related(
            "vision__parent"
        )
    }
    items_by_area: dict[int, list[ItemRow]] = defaultdict(list)
    for item in items:
        items_by_area[item.area_id].append(_item_row(item, plan, fiscal_years, grade))

    area_rows = tuple(
        AreaRow(
            id=area.id,
            number=area.number,
            sub_number=area.sub_number,
            label=area.label,
            title=area.title,
            vision=str(area.vision) if area.vision else "",
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
    )
