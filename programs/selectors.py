"""Reads of the plan's own data that the pages and exports need beside the progress rows."""

from collections import defaultdict

from .models import PlanPeriod, ReferenceFigure, SheetLayout
from .sheet_layouts import FALLBACK_COLUMNS, ColumnSpec


def layout_of_predecessor(*, ordinal: int | None) -> SheetLayout | None:
    """Return the layout of the latest period before ``ordinal`` that has one (any period's if None)."""
    plans = PlanPeriod.objects.filter(layout__isnull=False)
    if ordinal is not None:
        plans = plans.filter(ordinal__lt=ordinal)
    latest = plans.select_related("layout").order_by("-ordinal").first()
    return latest.layout if latest else None


def layout_columns(*, plan: PlanPeriod) -> tuple[SheetLayout | None, tuple[ColumnSpec, ...]]:
    """Return the plan's layout and its columns in order (one query), or the fallback columns."""
    if plan.layout_id is None:
        return None, FALLBACK_COLUMNS
    columns = tuple(column.as_spec() for column in plan.layout.columns.order_by("order", "id"))
    return plan.layout, columns or FALLBACK_COLUMNS


def reference_figures_by_area(*, area_ids: list[int]) -> dict[int, list[ReferenceFigure]]:
    """Return each area's reference figures (one query)."""
    figures: dict[int, list[ReferenceFigure]] = defaultdict(list)
    for figure in ReferenceFigure.objects.filter(area_id__in=area_ids).order_by("order", "id"):
        figures[figure.area_id].append(figure)
    return dict(figures)
