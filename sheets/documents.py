"""The workbooks the downloads offer, built from validated parameters.

The request (small plans) and the task worker (``sheets.tasks``: PDF, large plans) call the same
functions, so a file is the same whichever of them built it.
"""

from django.utils import timezone
from openpyxl import Workbook

from evaluations.progress import plan_progress, plans_progress
from programs.models import Item, PlanPeriod, PolicyArea
from programs.selectors import places_in_fiscal_years, programmes_of_plans, sheet_layout

from . import selectors
from .exports.self_evaluation import self_evaluation_workbook, sheet_data
from .exports.summary import summary_sheet, summary_workbook


def stamp() -> str:
    return timezone.localtime().strftime("%Y%m%d")


def sheet_document(*, plan: PlanPeriod, area: PolicyArea | None = None) -> tuple[Workbook, str]:
    """Return the self-evaluation sheet of a plan (or one area of it) and its file name without extension."""
    area_ids = [area.pk] if area is not None else None
    suffix = ""
    if area is not None:
        suffix = f"_{area.number}" + (f"-{area.sub_number}" if area.sub_number else "")
    progress = plan_progress(plan=plan, area_ids=area_ids)
    titles = selectors.attachment_titles(progress=progress)
    workbook = self_evaluation_workbook(sheet_data(progress, sheet_layout(plan=plan), attachment_titles=titles))
    return workbook, f"自己評価シート_{plan.name}{suffix}_{stamp()}"


def summary_document(*, plans: list[PlanPeriod], item_ids: set[int] | None) -> tuple[Workbook, str]:
    """Return the summary workbook of the plans and its file name."""
    programmes = programmes_of_plans(plan_ids=[plan.id for plan in plans])
    places = places_in_fiscal_years(
        first_fiscal_year=min(plan.first_fiscal_year for plan in plans),
        last_fiscal_year=max(plan.last_fiscal_year for plan in plans),
    )
    sheets = [
        summary_sheet(progress, chart_item_ids=item_ids, programmes=programmes.get(plan.id, ()), places=places)
        for plan, progress in zip(plans, plans_progress(plans=plans), strict=True)
    ]
    name = plans[0].name if len(plans) == 1 else "全期間"
    return summary_workbook(sheets), f"集計表_{name}_{stamp()}.xlsx"


def is_large(plans: list[PlanPeriod], *, minimum: int) -> bool:
    """Say whether the plans hold more items than ``minimum`` (their workbooks are then built by the worker)."""
    return Item.objects.filter(area__plan__in=plans).count() > minimum
