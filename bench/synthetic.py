"""Synthetic plan data at a chosen multiple of Tokyo's size, for the benchmark and the query-count tests.

Tokyo's sheets hold 2 plans with results, 11 areas, 22 items, 55 indicators and 140 yearly
results. ``grow_plan`` adds areas to one plan with every target kind (per year, cumulative,
frequency, coverage with named municipalities, by period end, direction, observed only),
results, self-evaluations in every workflow state and a reporting year per fiscal year, all
with ``bulk_create`` so that 100× builds in seconds. ``build(scale)`` makes a whole data set:
more plan periods, and more areas in each, as the scale grows.
"""

import datetime
import math
from dataclasses import dataclass
from decimal import Decimal
from itertools import cycle

from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, Municipality, PlanPeriod, PolicyArea, Section, Target

TOKYO_AREAS = 11
ITEMS_PER_AREA = 2
PLANS_BY_SCALE = {1: 2, 10: 3, 100: 4}
KINDS = (
    Target.Kind.PER_YEAR,
    Target.Kind.CUMULATIVE,
    Target.Kind.FREQUENCY,
    Target.Kind.COVERAGE,
    Target.Kind.BY_PERIOD_END,
    Target.Kind.DIRECTION,
    None,  # observed only
)
TARGETS = {
    Target.Kind.PER_YEAR: (Decimal(153), "153人（各年度）"),
    Target.Kind.CUMULATIVE: (Decimal(1350), "1,350人"),
    Target.Kind.FREQUENCY: (Decimal(1), "年１回以上"),
    Target.Kind.COVERAGE: (Decimal(62), "62区市町村で各１人以上"),
    Target.Kind.BY_PERIOD_END: (Decimal(12), "12センターで実施（期末）"),
    Target.Kind.DIRECTION: (None, "増加"),
}
WORKFLOW = cycle(
    [
        SelfEvaluation.Status.APPROVED,
        SelfEvaluation.Status.SUBMITTED,
        SelfEvaluation.Status.DRAFT,
        SelfEvaluation.Status.RETURNED,
        None,  # not started
    ]
)


@dataclass(frozen=True)
class Size:
    plans: int
    areas: int
    items: int
    indicators: int
    results: int


def municipalities_ensure() -> list[Municipality]:
    """Return 62 municipalities, creating numbered stand-ins when Tokyo's are not loaded."""
    existing = list(Municipality.objects.order_by("code")[:62])
    if len(existing) >= 62:
        return existing
    Municipality.objects.bulk_create(
        [
            Municipality(code=f"99{n:03d}", name=f"合成市{n}", kind=Municipality.Kind.CITY)
            for n in range(len(existing), 62)
        ]
    )
    return list(Municipality.objects.order_by("code")[:62])


def grow_plan(
    plan: PlanPeriod, *, areas: int, entered_years: int | None = None, first_number: int | None = None
) -> Size:
    """Add ``areas`` areas of 2 items (2 or 3 indicators each) with results for the first ``entered_years``."""
    municipalities = municipalities_ensure()
    sections = list(Section.objects.order_by("id")[:4])
    if len(sections) < 4:
        start = Section.objects.count()
        Section.objects.bulk_create([Section(name=f"合成課{start + n}") for n in range(4 - len(sections))])
        sections = list(Section.objects.order_by("id")[:4])
    years = plan.fiscal_years[: len(plan.fiscal_years) if entered_years is None else entered_years]
    start = first_number or (max(PolicyArea.objects.filter(plan=plan).values_list("number", flat=True), default=0) + 1)
    new_areas = PolicyArea.objects.bulk_create(
        [PolicyArea(plan=plan, number=start + n, title=f"合成分野{start + n} 地域支援の推進") for n in range(areas)]
    )
    new_items = Item.objects.bulk_create(
        [
            Item(
                area=area,
                number=number,
                title=f"合成事項 分野{area.number}-{number} 区市町村支援の研修を実施",
                section=sections[(area.number + number) % len(sections)],
            )
            for area in new_areas
            for number in range(1, ITEMS_PER_AREA + 1)
        ]
    )
    kinds = cycle(KINDS)
    indicators, kind_of = [], {}
    for index, item in enumerate(new_items):
        for order in range(2 if index % 2 else 3):
            indicator = Indicator(item=item, key=f"ind-{order}", name=f"合成指標{order}", unit="人", order=order)
            indicators.append(indicator)
            kind_of[id(indicator)] = next(kinds)
    Indicator.objects.bulk_create(indicators)
    targets, results = [], []
    for n, indicator in enumerate(indicators):
        kind = kind_of[id(indicator)]
        if kind is not None:
            value, text = TARGETS[kind]
            direction = Target.Direction.INCREASE if kind == Target.Kind.DIRECTION else ""
            targets.append(
                Target(indicator=indicator, kind=kind, value=value, unit="人", target_text=text, direction=direction)
            )
        for k, year in enumerate(years):
            value = Decimal(40 + (n * 7 + k * 13) % 140)
            results.append(YearlyResult(indicator=indicator, fiscal_year=year, value=value, actual_text=f"{value}人"))
    Target.objects.bulk_create(targets)
    YearlyResult.objects.bulk_create(results)
    through = YearlyResult.municipalities.through
    coverage_ids = {indicator.id for indicator in indicators if kind_of[id(indicator)] == Target.Kind.COVERAGE}
    through.objects.bulk_create(
        [
            through(yearlyresult_id=result.id, municipality_id=municipality.id)
            for result in results
            if result.indicator_id in coverage_ids
            for municipality in municipalities[: 20 + result.fiscal_year % 10]
        ]
    )
    evaluations = []
    for item in new_items:
        for year in years:
            status = next(WORKFLOW)
            if status is not None:
                evaluations.append(
                    SelfEvaluation(item=item, fiscal_year=year, activities="研修を実施した。", status=status)
                )
    SelfEvaluation.objects.bulk_create(evaluations)
    return Size(plans=1, areas=len(new_areas), items=len(new_items), indicators=len(indicators), results=len(results))


def build(scale: int, *, first_ordinal: int = 101) -> list[PlanPeriod]:
    """Create ``PLANS_BY_SCALE[scale]`` plan periods sharing ``TOKYO_AREAS × scale`` areas; the last is open."""
    plan_count = PLANS_BY_SCALE.get(scale, max(2, round(math.log10(scale)) + 2))
    areas_per_plan = math.ceil(TOKYO_AREAS * scale / plan_count)
    plans = []
    for n in range(plan_count):
        first_year = 2000 + 3 * n
        plan = PlanPeriod.objects.create(
            name=f"合成第{first_ordinal + n}期",
            ordinal=first_ordinal + n,
            title="合成データ",
            first_fiscal_year=first_year,
            last_fiscal_year=first_year + 2,
            uses_rating=True,
        )
        is_last = n == plan_count - 1
        ReportingYear.objects.bulk_create(
            [
                ReportingYear(
                    plan=plan,
                    fiscal_year=year,
                    is_locked=not is_last or year == first_year,
                    deadline=datetime.date(year + 1, 5, 31),
                )
                for year in plan.fiscal_years
            ]
        )
        grow_plan(plan, areas=areas_per_plan, entered_years=1 if is_last else None, first_number=1)
        plans.append(plan)
    return plans
