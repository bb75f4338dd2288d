"""Reads of the plan's own data that the pages and exports need beside the progress rows."""

from collections import defaultdict

from django.db.models import Prefetch

from .models import (
    CarriedTarget,
    Item,
    Municipality,
    PlanPeriod,
    Program,
    ProgramBudget,
    ProgramFigure,
    ReferenceFigure,
    SheetColumn,
    SheetLayout,
)
from .sheet_layouts import LayoutSpec, fallback_layout
from .tile_map import PLACE_FIELDS, Place, places_of


def layout_of_predecessor(*, ordinal: int | None) -> SheetLayout | None:
    """Return the layout of the latest period before ``ordinal`` that has one (any period's if None)."""
    plans = PlanPeriod.objects.filter(layout__isnull=False)
    if ordinal is not None:
        plans = plans.filter(ordinal__lt=ordinal)
    latest = plans.select_related("layout").order_by("-ordinal").first()
    return latest.layout if latest else None


def sheet_layout(*, plan: PlanPeriod) -> LayoutSpec:
    """Return the plan's sheet layout with its columns in order (one query), or the fallback layout."""
    rows = list(SheetColumn.objects.filter(layout_id=plan.layout_id).select_related("layout").order_by("order", "id"))
    if not rows:
        return fallback_layout(uses_rating=plan.uses_rating, title=plan.title)
    return rows[0].layout.as_spec(tuple(column.as_spec() for column in rows))


def programme_predecessors() -> dict[str, str]:
    """Return each renamed or restructured programme's name → its predecessor's name (one query)."""
    return dict(Program.objects.filter(predecessor__isnull=False).values_list("name", "predecessor__name"))


def _programme_details() -> tuple[Prefetch, Prefetch]:
    """Return the prefetches of a programme's budgets and figures (with their municipalities): three queries."""
    budgets = Prefetch("budgets", queryset=ProgramBudget.objects.order_by("fiscal_year"), to_attr="budgets_in_order")
    figures = Prefetch(
        "figures",
        queryset=ProgramFigure.objects.order_by("-fiscal_year", "order", "id").prefetch_related("municipalities"),
        to_attr="figures_in_order",
    )
    return budgets, figures


def programmes_of_item(*, item_id: int) -> list[Program]:
    """Return the item's programmes (事業) with their budgets and figures, by name (four queries whatever their number).

    Their purpose, 成果, budgets and figures are kept as data (seed 000: R4予算額 15,640千円; seed 001:
    募集人数 540名, 受講決定者数 488名 (50区市町村)); the item page shows them (issue 21 item 16).
    """
    return list(Program.objects.filter(items=item_id).order_by("name").prefetch_related(*_programme_details()))


def programmes_of_plans(*, plan_ids: list[int]) -> dict[int, list[tuple[Item, Program]]]:
    """Return, by plan, each item's programmes with their budgets and figures, in the sheet's order (five queries).

    The summary workbook lists them (issue 21 item 16); an item with two programmes gives two lines.
    """
    programmes = Prefetch("programs", queryset=Program.objects.order_by("name").prefetch_related(*_programme_details()))
    items = Item.objects.filter(area__plan_id__in=[*plan_ids, 0]).select_related("area").prefetch_related(programmes)
    lines: dict[int, list[tuple[Item, Program]]] = defaultdict(list)
    for item in items:
        for program in item.programs.all():
            lines[item.area.plan_id].append((item, program))
    return dict(lines)


def reference_figures_by_area(*, plan_id: int, area_ids: list[int] | None = None) -> dict[int, list[ReferenceFigure]]:
    """Return the reference figures of the plan's areas (or of the given ones), by area (always one query)."""
    figures: dict[int, list[ReferenceFigure]] = defaultdict(list)
    rows = ReferenceFigure.objects.filter(area__plan_id=plan_id)
    if area_ids is not None:
        rows = rows.filter(area_id__in=[*area_ids, 0])  # never empty: an empty IN skips the query
    for figure in rows.order_by("order", "id"):
        figures[figure.area_id].append(figure)
    return dict(figures)


def carried_targets_of(*, item_ids: list[int]) -> dict[int, list[CarriedTarget]]:
    """Return the targets the items write for a year after their period, by item, with their carriers (one query)."""
    targets: dict[int, list[CarriedTarget]] = defaultdict(list)
    rows = CarriedTarget.objects.filter(item_id__in=[*item_ids, 0]).select_related("carried_by__area__plan")
    for target in rows.order_by("fiscal_year", "id"):
        targets[target.item_id].append(target)
    return dict(targets)


def places_in_fiscal_years(*, first_fiscal_year: int, last_fiscal_year: int) -> tuple[Place, ...]:
    """Return the municipalities that existed in those years as ``Place`` rows, in one query."""
    rows = Municipality.objects.in_fiscal_years(first_fiscal_year, last_fiscal_year).values(*PLACE_FIELDS)
    return places_of(rows)
