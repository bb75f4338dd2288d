"""Reads of the plan's own data that the pages and exports need beside the progress rows."""

from collections import defaultdict

from django.db.models import Prefetch

from .models import Municipality, PlanPeriod, Program, ProgramBudget, ReferenceFigure, SheetColumn, SheetLayout
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
    layout = rows[0].layout
    columns = tuple(column.as_spec() for column in rows)
    return LayoutSpec(
        columns=columns,
        title=layout.title,
        note=layout.note,
        year_headings=tuple(layout.year_heading_lines),
        assessment_label=layout.assessment_label,
        next_steps_label=layout.next_steps_label,
    )


def programme_predecessors() -> dict[str, str]:
    """Return each renamed or restructured programme's name → its predecessor's name (one query)."""
    return dict(Program.objects.filter(predecessor__isnull=False).values_list("name", "predecessor__name"))


def programmes_of_item(*, item_id: int) -> list[Program]:
    """Return the item's programmes (事業) with their budgets, by name (two queries whatever their number).

    Their purpose, 成果 and budgets are kept as data (seed 000: R4予算額 15,640千円); the item
    page shows them (issue 21 item 16).
    """
    budgets = Prefetch("budgets", queryset=ProgramBudget.objects.order_by("fiscal_year"), to_attr="budgets_in_order")
    return list(Program.objects.filter(items=item_id).order_by("name").prefetch_related(budgets))


def reference_figures_by_area(*, plan_id: int, area_ids: list[int] | None = None) -> dict[int, list[ReferenceFigure]]:
    """Return the reference figures of the plan's areas (or of the given ones), by area (always one query)."""
    figures: dict[int, list[ReferenceFigure]] = defaultdict(list)
    rows = ReferenceFigure.objects.filter(area__plan_id=plan_id)
    if area_ids is not None:
        rows = rows.filter(area_id__in=[*area_ids, 0])  # never empty: an empty IN skips the query
    for figure in rows.order_by("order", "id"):
        figures[figure.area_id].append(figure)
    return dict(figures)


def places_in_fiscal_years(*, first_fiscal_year: int, last_fiscal_year: int) -> tuple[Place, ...]:
    """Return the municipalities that existed in those years as ``Place`` rows, in one query."""
    rows = Municipality.objects.in_fiscal_years(first_fiscal_year, last_fiscal_year).values(*PLACE_FIELDS)
    return places_of(rows)
