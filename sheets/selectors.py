"""Reads the import needs beyond the report rows: the items themselves and their workflow state."""

from django.db.models import Count

from evaluations.models import ReportingYear, SelfEvaluation
from programs.models import Item, PlanPeriod


def plan_by_name(*, name: str) -> PlanPeriod | None:
    return PlanPeriod.objects.filter(name=name).first()


def plan_has_items(*, plan: PlanPeriod) -> bool:
    return Item.objects.filter(area__plan=plan).exists()


def items_by_id(*, plan_id: int, item_ids: set[int]) -> dict[int, Item]:
    """Return the plan's items by id, with what the permission rules read (area, plan, section)."""
    items = Item.objects.filter(area__plan_id=plan_id, id__in=item_ids).select_related("area__plan", "section")
    return {item.id: item for item in items}


def evaluations_by_item(*, item_ids: set[int], fiscal_year: int) -> dict[int, SelfEvaluation]:
    evaluations = SelfEvaluation.objects.filter(item_id__in=item_ids, fiscal_year=fiscal_year)
    return {evaluation.item_id: evaluation for evaluation in evaluations}


def reporting_year(*, plan: PlanPeriod, fiscal_year: int) -> ReportingYear | None:
    return ReportingYear.objects.filter(plan=plan, fiscal_year=fiscal_year).first()


def entry_sheet_sizes(*, plan_name: str) -> tuple[int, int] | None:
    """Return the plan's numbers of indicators and items (its fullest entry workbook's rows), or None."""
    counts = Item.objects.filter(area__plan__name=plan_name).aggregate(
        items=Count("id", distinct=True), indicators=Count("indicators")
    )
    return (counts["indicators"], counts["items"]) if counts["items"] else None


def evaluation_versions(*, plan: PlanPeriod, fiscal_year: int) -> dict[int, int]:
    """Return item id → the version of its self-evaluation for the year (items without one are absent)."""
    return dict(
        SelfEvaluation.objects.filter(item__area__plan=plan, fiscal_year=fiscal_year).values_list("item_id", "version")
    )
