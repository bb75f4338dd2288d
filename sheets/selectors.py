"""Reads the sheets need beyond the report rows: the items, their workflow state and their 別紙 titles."""

from django.db.models import Count

from cycle import selectors as cycle_selectors
from evaluations.models import ReportingYear, SelfEvaluation
from evaluations.progress import PlanProgress
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
    return ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year)


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


def attachment_titles(*, progress: PlanProgress) -> dict[tuple[int, int], tuple[str, ...]]:
    """Return the titles of the evidence files of the sheet's items, per (item id, fiscal year) (one query).

    Read beside the progress rows rather than inside them: the read model (evaluations) sits below
    the cycle app that keeps the files, and sheets may read both.
    """
    item_ids = [item.id for area in progress.areas for item in area.items]
    return cycle_selectors.attachment_titles_by_item_year(item_ids=item_ids, fiscal_years=progress.fiscal_years)
