"""Report pages and the progress API: validate the filters, call one selector, render."""

from django.core.paginator import EmptyPage
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET
from django_tables2 import RequestConfig

from accounts.decorators import member_required
from evaluations import item_panels
from evaluations.policies import can_view
from evaluations.progress import PlanProgress, plan_progress
from programs.fiscal_years import today_in_tokyo
from programs.forms import MESSAGE_EMPTY_PERIOD, plan_is_empty
from programs.models import Item, Municipality, PlanPeriod, item_label_of
from programs.selectors import programmes_of_item, reference_figures_by_area
from sheets.exports.layout import XLSX_CONTENT_TYPE

from . import homes, selectors, serializers
from .authentication import api_user
from .exports.progress_table import progress_workbook_bytes
from .filters import ProgressFilter, include_unapproved
from .forms import ComparisonForm, GrantScoreFilterForm, TablePageForm
from .grants import score_table
from .printing import item_print_header
from .tables import ProgressTable

ERROR_UNKNOWN_PLAN = "計画期間「{name}」はありません。"
ERROR_NO_PLAN = "計画期間が登録されていません。"
ERROR_API_UNAUTHENTICATED = "ログインするか、Authorization: Token <キー> を指定してください。"


def _plan(request, plans: list[PlanPeriod]) -> PlanPeriod:
    """Return the plan named in ``?plan=``, else the latest plan with results; 404 for an unknown name."""
    name = request.GET.get("plan")
    plan = next((p for p in plans if p.name == name), None) if name else selectors.plan_default(plans)
    if plan is None:
        raise Http404(ERROR_UNKNOWN_PLAN.format(name=name) if name else ERROR_NO_PLAN)
    return plan


def _empty_period(plan: PlanPeriod) -> dict:
    """Return what a page says for a period without items (plans from ``plan_choices``)."""
    return {"plan_is_empty": plan_is_empty(plan), "empty_period_message": MESSAGE_EMPTY_PERIOD}


def _filtered(request, plans: list[PlanPeriod], plan: PlanPeriod, progress: PlanProgress, **options) -> ProgressFilter:
    return ProgressFilter(request.GET, plans=plans, plan=plan, labels=progress.labels, **options)


@member_required
@require_GET
def ping(request):
    """Answer "ok" to a logged-in member: the benchmark's baseline for a trivial authenticated view."""
    return HttpResponse("ok", content_type="text/plain; charset=utf-8")


@member_required
@require_GET
def home(request):
    """Show each of the user's roles its own list: わたしの担当, 承認待ち and 要対応, the setup checklist."""
    context = {"nav": "home", "home": homes.home_get(user=request.user, today=today_in_tokyo())}
    return render(request, "reports/home.html", context)


# The dashboard's year choice says what it chooses: the year of the entry progress panel.
YEAR_LABEL = "入力状況の年度"


@member_required
@require_GET
def dashboard(request):
    """The plan at a glance: 要対応, achievement by area, entry progress by section."""
    plans = selectors.plan_choices()
    if not plans:  # a fresh installation: a sentence saying what comes here, not a 404
        return render(request, "reports/no_plans.html", {"nav": "dashboard", "message": ERROR_NO_PLAN})
    plan = _plan(request, plans)
    progress = plan_progress(plan=plan, include_unapproved=include_unapproved(request.GET))
    year_default = selectors.fiscal_year_default(plan)
    filters = _filtered(request, plans, plan, progress, fiscal_year_label=YEAR_LABEL, fiscal_year_default=year_default)
    if filters.status_error:
        return render(request, "400.html", {"message": filters.status_error}, status=400)
    dashboard = selectors.dashboard_filtered(plan=plan, progress=progress, filters=filters, today=timezone.localdate())
    context = {"nav": "dashboard", "plan": plan, "filters": filters, "dashboard": dashboard, "labels": progress.labels}
    context |= {"reference_figures": reference_figures_by_area(plan_id=plan.id), **_empty_period(plan)}
    return render(request, "reports/dashboard.html", context)


@member_required
@require_GET
def item_report(request, item_id: int):
    """One item over its period: figures by year, narratives, programmes, the thread."""
    item = get_object_or_404(Item.objects.select_related("area__plan", "section"), pk=item_id)
    plan = selectors.plan_choice_of(plan_id=item.area.plan_id)
    page = selectors.item_page_get(plan=plan, item_id=item.id, include_unapproved=include_unapproved(request.GET))
    context = _item_context(plan, item, page)
    context["panels"] = item_panels.panels_for(request, item, plan.fiscal_years, show_years=True)
    return render(request, "reports/item.html", context)


def _item_context(plan: PlanPeriod, item: Item, page) -> dict:
    entry_year = selectors.fiscal_year_default(plan)
    return {
        "nav": "dashboard",
        "plan": plan,
        "progress": page.progress,
        "area": page.area,
        "row": page.row,
        "years": page.years,
        "labels": page.labels,
        "coverages": page.coverages,
        "grant_links": page.grant_links,
        "reference_figures": reference_figures_by_area(plan_id=plan.id, area_ids=[item.area_id]),
        "programmes": programmes_of_item(item_id=item.id),
        # Every member may open the entry screen (read-only where they cannot edit, with the
        # approval form for a manager), so the link is for everyone.
        "entry_url": reverse("evaluations:entry", args=[item.id, entry_year]),
        "entry_year": entry_year,
        "print_header": item_print_header(
            plan=plan,
            area_label=page.area.label,
            item_label=item_label_of(page.row.number),
            years=page.years,
            today=timezone.localdate(),
        ),
    }


@member_required
@require_GET
def municipality_index(request):
    tiles, regions = selectors.municipality_index_get()
    return render(request, "reports/municipalities.html", {"map": tiles, "regions": regions})


@member_required
@require_GET
def municipality_report(request, code: str):
    try:
        page = selectors.municipality_page_get(code=code, include_unapproved=include_unapproved(request.GET))
    except Municipality.DoesNotExist as error:
        raise Http404("区市町村が見つかりません。") from error
    return render(request, "reports/municipality.html", {"page": page, "municipality": page.municipality})


@member_required
@require_GET
def grant_scores(request):
    form = GrantScoreFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "400.html", {"message": form.error_message}, status=400)
    return render(request, "reports/grant_scores.html", {"table": score_table(**form.filters())})


def _table(request) -> tuple[PlanPeriod, ProgressFilter, ProgressTable, PlanProgress]:
    plans = selectors.plan_choices()
    plan = _plan(request, plans)
    progress = plan_progress(plan=plan, include_unapproved=include_unapproved(request.GET))
    filters = _filtered(request, plans, plan, progress, with_no_target=True)
    rows = selectors.progress_table_rows(
        progress,
        area_ids=filters.chosen_area_ids,
        section_ids=filters.chosen_section_ids,
        fiscal_year=filters.chosen_fiscal_year,
        status=filters.chosen_statuses,
    )
    table = ProgressTable(rows, labels=progress.labels)
    RequestConfig(request, paginate=False).configure(table)  # the ordering from ?sort=
    return plan, filters, table, progress


@member_required
@require_GET
def table(request):
    pages = TablePageForm(request.GET)
    if not pages.is_valid():
        return render(request, "400.html", {"message": pages.error_message}, status=400)
    plan, filters, table, _ = _table(request)
    if filters.status_error:
        return render(request, "400.html", {"message": filters.status_error}, status=400)
    per_page = pages.cleaned_data["per_page"]
    try:
        table.paginate(per_page=per_page, page=pages.cleaned_data["page"])
    except EmptyPage:  # past the end (a bookmark from before rows went): the last page
        table.paginate(per_page=per_page, page=table.paginator.num_pages)
    context = {"nav": "table", "plan": plan, "filters": filters, "table": table, **_empty_period(plan)}
    return render(request, "reports/table.html", context)


@member_required
@require_GET
def table_xlsx(request):
    plan, filters, table, progress = _table(request)
    if filters.status_error:
        return render(request, "400.html", {"message": filters.status_error}, status=400)
    coverage = selectors.coverage_sheet_of(plan=plan, progress=progress, filters=filters)
    content = progress_workbook_bytes(
        table.data.data,
        progress=progress,
        ordering=table.data.ordering_key,
        labels=table.labels,
        title=f"{plan.name} 進捗一覧（{plan.title}）",
        coverage=coverage,
        fiscal_years=plan.fiscal_years,
    )
    disposition = f'attachment; filename="progress_{plan.ordinal:02d}.xlsx"'
    return HttpResponse(content, content_type=XLSX_CONTENT_TYPE, headers={"Content-Disposition": disposition})


@member_required
@require_GET
def compare(request):
    plans = selectors.plan_choices()
    later = _plan(request, plans)
    areas = selectors.plan_areas(plan=later)
    form = ComparisonForm(request.GET, plans=plans, plan=later, areas=areas)
    comparison = selectors.period_comparison(
        earlier=selectors.plan_previous(plans, later), later=later, later_area=form.chosen_area(areas)
    )
    context = {"nav": "compare", "plan": later, "form": form, "comparison": comparison, "labels": comparison.labels}
    return render(request, "reports/compare.html", context)


@require_GET
def api_progress(request):
    """Return a plan's progress as JSON (docs/api.md) to a session or an API token."""
    user = api_user(request)
    if user is None:
        response = JsonResponse({"detail": ERROR_API_UNAUTHENTICATED}, status=401)
        response["WWW-Authenticate"] = "Token"
        return response
    if reason := can_view(user):
        return JsonResponse({"detail": reason}, status=403)
    plans = selectors.plan_choices()
    try:
        plan = _plan(request, plans)
    except Http404 as error:
        return JsonResponse({"detail": str(error)}, status=404)
    progress = plan_progress(plan=plan, include_unapproved=include_unapproved(request.GET))
    return JsonResponse(serializers.progress_json(progress), json_dumps_params={"ensure_ascii": False})
