"""Download the sheet, the summary and the entry workbook; upload a filled entry workbook."""

import io
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook

from accounts.permissions import (
    is_entrant,
    is_reviewer,
    is_system_admin,
    owned_section_ids,
    system_admin_refusal,
)
from evaluations.policies import can_view
from evaluations.progress import plan_progress
from evaluations.selectors import fiscal_year_default, plan_choices, plan_year_default
from evaluations.services import EditConflict
from jobs.models import Job
from jobs.services import JobRefused, job_start
from programs.fiscal_years import era_label, era_range_label
from programs.forms import MESSAGE_EMPTY_PERIOD, PlanYearForm, plan_choice_list, plan_is_empty
from programs.models import PlanPeriod, PolicyArea

from . import selectors, tasks
from .documents import is_large, sheet_document, stamp, summary_document
from .exports import pdf
from .exports.entry_template import entry_template, entry_workbook
from .exports.layout import XLSX_CONTENT_TYPE
from .forms import (
    DownloadQueryForm,
    EntryTemplateQueryForm,
    ImportUploadForm,
    LayoutMappingForm,
    PlanNameCheckForm,
    PlanSheetOwnersForm,
    PlanSheetUploadForm,
)
from .imports.entry import entry_apply, entry_parse, entry_preview, pending_import_keep, pending_import_take
from .imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from .imports.upload import UploadRejected
from .plan_sheet_preview import (
    pending_plan_sheet_forget,
    pending_plan_sheet_keep,
    pending_plan_sheet_peek,
    pending_plan_sheet_take,
)
from .services import (
    PlanSheetRefused,
    plan_sheet_check,
    plan_sheet_layouts,
    plan_sheet_name_problems,
    plan_sheet_overlaps,
    sheet_layout_create,
)

ERROR_NOT_IN_PLAN = "{year}は{plan}の年度ではありません。"
ERROR_SUMMARY_ROLE = "集計表は管理職・システム管理者のみがダウンロードできます。"
ERROR_ENTRY_ROLE = "入力用ブックの利用は担当者（とシステム管理者）のみが行えます。"
ERROR_NO_SECTION = "所属する課が設定されていないため、入力できる事項がありません。システム管理者に確認してください。"
ERROR_SESSION_GONE = "取込の内容が見つかりません（期限切れか、すでに反映済みです）。もう一度アップロードしてください。"
ERROR_CONFLICT = (
    "プレビューの後に他の利用者が更新しました。何も反映していません。入力用ブックをダウンロードし直してください。"
)
MESSAGE_APPLIED = "{count}件の事項を更新しました（{plan} {year}）。変更履歴に「Excel取込」として記録されています。"
MESSAGE_NOTHING = "変更はありませんでした。"


def _workbook_response(workbook: Workbook, filename: str) -> FileResponse:
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return FileResponse(buffer, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def _bad_request(request, message: str) -> HttpResponse:
    """Answer 400 with the Japanese page; the message may quote the URL, so the template escapes it."""
    return render(request, "400.html", {"message": message}, status=400)


def _plan(query: dict) -> PlanPeriod:
    """Return the plan a validated download query names (``DownloadQueryForm``), else 404."""
    return get_object_or_404(PlanPeriod, name=query["plan"])


def _require_viewer(user) -> None:
    if reason := can_view(user):
        raise PermissionDenied(reason)


def _require_entry_user(user) -> None:
    _require_viewer(user)
    if not is_entrant(user):
        raise PermissionDenied(ERROR_ENTRY_ROLE)


def _start(request, *, kind: str, label: str, params: dict, task, input_data: bytes | None = None):
    """Hand long work to the task worker and send the user to its status page (or back, refused)."""
    try:
        job = job_start(kind=kind, user=request.user, label=label, params=params, task=task, input_data=input_data)
    except JobRefused as error:
        return render(request, "sheets/job_refused.html", {"message": str(error)}, status=429)
    return redirect("jobs:status", job_id=job.pk)


@login_required
@require_GET
def self_evaluation_sheet(request):
    """Download the self-evaluation sheet of a plan period, or of one area of it (a large plan: by the worker)."""
    sheet = _sheet_request(request)
    if isinstance(sheet, HttpResponse):
        return sheet
    plan, area = sheet
    if is_large([plan], minimum=settings.BACKGROUND_EXPORT_MIN_ITEMS):
        label = f"自己評価シート {plan.name}{_area_label(area)}（Excel）"
        return _start(
            request, kind=Job.Kind.SHEET_XLSX, label=label, params=_sheet_params(plan, area), task=tasks.sheet_xlsx_job
        )
    workbook, name = sheet_document(plan=plan, area=area)
    return _workbook_response(workbook, f"{name}.xlsx")


@login_required
@require_GET
def self_evaluation_pdf(request):
    """Ask the worker for the sheet as the published PDF (A3 landscape); the status page offers it when ready."""
    sheet = _sheet_request(request)
    if isinstance(sheet, HttpResponse):
        return sheet
    plan, area = sheet
    if pdf.converter_path() is None:  # said at once: no job for a server that cannot convert
        workbook_url = f"{reverse('sheets:self_evaluation_sheet')}?{request.GET.urlencode()}"
        context = {"message": pdf.ERROR_NO_CONVERTER, "workbook_url": workbook_url}
        return render(request, "sheets/pdf_unavailable.html", context, status=503)
    label = f"自己評価シート {plan.name}{_area_label(area)}（PDF）"
    return _start(
        request, kind=Job.Kind.SHEET_PDF, label=label, params=_sheet_params(plan, area), task=tasks.sheet_pdf_job
    )


def _sheet_params(plan: PlanPeriod, area: PolicyArea | None) -> dict:
    return {"plan": plan.name, "area": area.pk if area else None}


def _area_label(area: PolicyArea | None) -> str:
    return f" 分野{area.number}" + (f"-{area.sub_number}" if area.sub_number else "") if area else ""


def _sheet_request(request) -> tuple[PlanPeriod, PolicyArea | None] | HttpResponse:
    """Read the plan (and area) of a sheet download; return them, or a 400."""
    _require_viewer(request.user)
    form = DownloadQueryForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form.error_message)
    query = form.cleaned_data
    plan = _plan(query)
    area = None
    if query["area"] is not None:
        area = get_object_or_404(PolicyArea, pk=query["area"], plan=plan)
    return plan, area


@login_required
@require_GET
def summary(request):
    """Download the summary workbook (managers and administrators; large plans built by the worker)."""
    _require_reviewer(request.user)
    form = DownloadQueryForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form.error_message)
    query = form.cleaned_data
    plans = [_plan(query)] if query["plan"] else list(PlanPeriod.objects.all())
    item_ids = set(query["item"] or []) or None
    if is_large(plans, minimum=settings.BACKGROUND_EXPORT_MIN_ITEMS):
        return _summary_job(request, plans if query["plan"] else [], plans, item_ids)
    workbook, file_name = summary_document(plans=plans, item_ids=item_ids)
    return _workbook_response(workbook, file_name)


def _require_reviewer(user) -> None:
    _require_viewer(user)
    if not is_reviewer(user):
        raise PermissionDenied(ERROR_SUMMARY_ROLE)


def _summary_job(request, named: list[PlanPeriod], plans: list[PlanPeriod], item_ids: set[int] | None):
    """Hand a large summary to the worker; ``named`` is the plan the query chose (none: every period)."""
    params = {"plans": [plan.name for plan in named], "items": sorted(item_ids or [])}
    label = f"集計表 {plans[0].name if len(plans) == 1 else '全期間'}（Excel）"
    return _start(request, kind=Job.Kind.SUMMARY_XLSX, label=label, params=params, task=tasks.summary_job)


@login_required
@require_GET
def entry_template_download(request):
    """Download the entry workbook of the user's own items for a fiscal year."""
    _require_entry_user(request.user)
    form = EntryTemplateQueryForm(request.GET)
    if not form.is_valid():
        return _bad_request(request, form.error_message)
    plan, fiscal_year = _plan(form.cleaned_data), form.cleaned_data["fiscal_year"]
    if not plan.contains(fiscal_year):
        return _bad_request(request, ERROR_NOT_IN_PLAN.format(year=era_label(fiscal_year), plan=plan.name))
    if not selectors.plan_has_items(plan=plan):
        # Before the section check: an empty period is the reason, whoever asks (not the 担当課 advice).
        return redirect(f"{reverse('sheets:import_upload')}?{urlencode({'plan': plan.name})}")
    workbook = _entry_workbook(request.user, plan, fiscal_year)
    return _workbook_response(workbook, f"入力用ブック_{plan.name}_{era_label(fiscal_year)}_{stamp()}.xlsx")


def _entry_workbook(user, plan: PlanPeriod, fiscal_year: int) -> Workbook:
    """Build the workbook of the user's sections' items (every item for an administrator)."""
    section_ids = None
    if not is_system_admin(user):
        section_ids = sorted(owned_section_ids(user))
        if not section_ids:
            raise PermissionDenied(ERROR_NO_SECTION)
    template = entry_template(
        # Staff fill in what they typed last, approved or not (an import compares against it).
        plan_progress(plan=plan, section_ids=section_ids, include_unapproved=True),
        fiscal_year,
        selectors.evaluation_versions(plan=plan, fiscal_year=fiscal_year),
    )
    generated_at = timezone.localtime().replace(microsecond=0)
    return entry_workbook(template, generated_by=user.get_username(), generated_at=generated_at)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Upload a filled entry workbook and show what it would change; nothing is written here."""
    _require_entry_user(request.user)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        context = {"form": form, **_template_choice(request), "nav": "entry"}
        return render(request, "sheets/import_upload.html", context)
    preview = entry_preview(parsed=entry_parse(form.rows), user=request.user)
    file_name = form.cleaned_data["file"].name
    token = pending_import_keep(request.session, preview, file_name=file_name, sha256=form.digest)
    context = {"preview": preview, "listed": _problem_list(preview.errors), "token": token, "nav": "entry"}
    return render(request, "sheets/import_preview.html", {**context, "file_name": file_name})


@login_required
@require_POST
def import_confirm(request):
    """Apply the previewed import in one transaction through the entry screen's service."""
    _require_entry_user(request.user)
    pending = pending_import_take(request.session, request.POST.get("token", ""))
    if pending is None:
        messages.error(request, ERROR_SESSION_GONE)
        return redirect("sheets:import_upload")
    try:
        count = entry_apply(pending=pending, user=request.user)
    except (PermissionDenied, ValidationError, EditConflict) as error:
        messages.error(request, _not_applied(error))
        return redirect("sheets:import_upload")
    messages.add_message(request, *_applied(count, pending))
    return redirect("sheets:import_upload")


def _applied(count: int, pending) -> tuple[int, str]:
    if not count:
        return messages.INFO, MESSAGE_NOTHING
    return messages.SUCCESS, MESSAGE_APPLIED.format(count=count, plan=pending.plan_name, year=pending.fiscal_year_label)


def _not_applied(error: Exception) -> str:
    if isinstance(error, EditConflict):
        return ERROR_CONFLICT
    if isinstance(error, ValidationError):
        return "何も反映していません。" + " ".join(error.messages)
    return f"何も反映していません。{error}"


@dataclass(frozen=True)
class TemplatePlan:
    """A plan in the download form: its choice label, its years, and whether it opens chosen."""

    name: str
    label: str
    fiscal_years: list[tuple[int, str]]
    is_chosen: bool


def _template_choice(request) -> dict:
    """Return the download form's plans and years, opening on the shared default (``plan_year_default``).

    The latest period with items and its open reporting year come first and chosen (never the
    oldest period's first year); a period without items is listed last, marked, and, chosen
    with ``?plan=``, says so instead of offering an empty workbook.
    """
    plans = plan_choices()
    choice = PlanYearForm(request.GET, plans=plans, default=plan_year_default(plans), year_default=fiscal_year_default)
    chosen_plan, chosen_year = choice.chosen or (None, None)
    by_name = {plan.name: plan for plan in plans}
    options = [
        TemplatePlan(
            name=name,
            label=label,
            fiscal_years=by_name[name].fiscal_year_choices,
            is_chosen=chosen_plan is not None and name == chosen_plan.name,
        )
        for name, label in plan_choice_list(plans)
    ]
    return {
        "plans": options,
        "chosen_year": chosen_year,
        "chosen_plan": chosen_plan,
        "plan_is_empty": chosen_plan is not None and plan_is_empty(chosen_plan),
        "empty_period_message": MESSAGE_EMPTY_PERIOD,
    }


# -- Set a plan period up from its own sheet (システム管理者) -------------------------------------

ERROR_PLAN_SHEET_GONE = (
    "取込の内容が見つかりません（期限切れか、すでに作成済みか、内容が変わっています）。"
    "何も作成していません。もう一度アップロードしてください。"
)


def _require_system_admin(user) -> None:
    if refused := system_admin_refusal(user):
        raise PermissionDenied(refused)


# A preview lists this many problems and counts the rest: a 494 KB workbook with a letter in each of
# 215,000 cells the layout does not use made a 30 MB page, 41 s and +240 MB in the web worker.
PROBLEMS_SHOWN = 100


def _problem_list(problems) -> dict:
    """The first problems to list and the count of all of them, for either preview's template."""
    return {
        "shown": problems[:PROBLEMS_SHOWN],
        "count": len(problems),
        "hidden": max(len(problems) - PROBLEMS_SHOWN, 0),
    }


def _plan_sheet_draft(rows, first_year, layout):
    layouts = plan_sheet_layouts()
    return plan_sheet_parse(rows, layouts=layouts, layout_name=layout or None, first_fiscal_year=first_year)


@login_required
@require_http_methods(["GET", "POST"])
def plan_sheet_upload(request):
    """Upload a self-evaluation sheet and show what it would create; nothing is written here.

    A file refused only for its period name or an overlap not yet confirmed is kept (``kept``):
    the administrator corrects the name or confirms, without choosing the file again. A sheet
    whose headings match no layout is kept too, and the administrator maps its columns next.
    """
    _require_system_admin(request.user)
    form = PlanSheetUploadForm(request.POST or None, request.FILES or None, kept=_kept_upload(request))
    if request.method == "POST" and form.is_valid():
        pending_plan_sheet_forget(request.session)
        return _plan_sheet_preview(
            request, _upload_of_form(form, form.cleaned_data["plan"].strip()), form.rows, form=form
        )
    context = {
        "form": form,
        "kept_token": _keep_for_correction(request, form),
        "kept_name": getattr(form, "file_name", ""),
    }
    return render(request, "sheets/plan_sheet_upload.html", context, status=400 if form.errors else 200)


def _kept_upload(request):
    """Return the file kept for a correction when the page posts its token back instead of a file."""
    if request.method == "POST" and request.POST.get("kept") and not request.FILES.get("file"):
        return pending_plan_sheet_take(request.session, request.POST["kept"], user=request.user)
    return None


@dataclass(frozen=True)
class _Upload:
    plan_name: str
    first_year: int | None
    layout: str
    file_name: str
    data: bytes
    sha256: str
    overlap_confirmed: bool = False  # the administrator ticked that the years may overlap another period


def _upload_of_form(form, plan_name: str) -> _Upload:
    return _Upload(
        plan_name=plan_name,
        first_year=form.cleaned_data.get("first_year"),
        layout=form.cleaned_data.get("layout") or "",
        file_name=form.file_name,
        data=form.data_bytes,
        sha256=form.digest,
        overlap_confirmed=bool(form.cleaned_data.get("confirm_overlap")),
    )


def _keep_for_correction(request, form) -> str:
    """Keep a file that was read when only the name is refused; return the token the page posts back."""
    if request.method != "POST" or not hasattr(form, "rows") or set(form.errors) - {"plan"}:
        return ""
    return _keep(request, _upload_of_form(form, request.POST.get("plan", "")[:100]))


def _plan_sheet_preview(request, upload: _Upload, rows, *, form=None, owners_form=None, status=None):
    """Render what the upload would create: the confirm token if nothing stands in the way, else the file
    kept if only the period stands in the way (its name, its years, an overlap to confirm), else the
    problems; a sheet no layout matches goes to the mapping of its columns."""
    draft = _plan_sheet_draft(rows, upload.first_year, upload.layout)
    if draft.layout_unmatched:
        _keep(request, upload)
        return redirect("sheets:plan_sheet_map")
    problems = plan_sheet_check(draft=draft, plan_name=upload.plan_name)
    overlaps = plan_sheet_overlaps(draft=draft, plan_name=upload.plan_name)
    token = kept_token = ""
    if draft.areas and not problems and not (overlaps and not upload.overlap_confirmed):
        token = _keep(request, upload)
    elif draft.areas and not any(problem.sheet for problem in problems):
        kept_token = _keep(request, upload)  # the sheet is fine: the period is corrected on the page
    if owners_form is None:
        owners_form = PlanSheetOwnersForm(draft)
    # The confirm reads no draft: whether an item lacks an owner of its own waits in the session.
    request.session[OWNERS_REQUIRED_KEY] = owners_form.unowned
    context = {
        "draft": draft,
        "problems": problems,
        "listed": _problem_list(problems),
        "plan_name": upload.plan_name,
        "file_name": upload.file_name,
        "token": token,
        "kept_token": kept_token,
        "kept_first_year": upload.first_year,
        "kept_layout": upload.layout,
        "overlaps": overlaps,
        "form": form or PlanSheetUploadForm(),
        "owners": owners_form,
        "years": era_range_label(draft.fiscal_years[0], draft.fiscal_years[-1]) if draft.fiscal_years else "",
    }
    return render(request, "sheets/plan_sheet_preview.html", context, status=status or (200 if token else 400))


def _keep(request, upload: _Upload) -> str:
    return pending_plan_sheet_keep(
        request.session,
        user=request.user,
        data=upload.data,
        sha256=upload.sha256,
        plan_name=upload.plan_name,
        first_year=upload.first_year,
        layout=upload.layout,
        file_name=upload.file_name,
    )


def _upload_of(pending, *, layout: str | None = None, overlap_confirmed: bool = False) -> _Upload:
    return _Upload(
        plan_name=pending.plan_name,
        first_year=pending.first_year,
        layout=pending.layout if layout is None else layout,
        file_name=pending.file_name,
        data=pending.data,
        sha256=pending.sha256,
        overlap_confirmed=overlap_confirmed,
    )


@login_required
@require_GET
def plan_sheet_name_check(request):
    """Answer the period name's problems as it is typed, before the file is chosen or sent (JSON)."""
    _require_system_admin(request.user)
    form = PlanNameCheckForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"problems": [e for errors in form.errors.values() for e in errors]}, status=400)
    return JsonResponse({"problems": plan_sheet_name_problems(plan_name=form.cleaned_data["plan"])})


OWNERS_REQUIRED_KEY = "sheets_plan_import_unowned"
ERROR_MAP_GONE = (
    "対応づけるシートが見つかりません（期限切れか、すでに様式を登録済みです）。"
    "何も登録していません。もう一度アップロードしてください。"
)
MESSAGE_LAYOUT_SAVED = "様式「{name}」を登録しました。次回から、同じ見出しのシートはこの様式として自動で判別します。"


@login_required
@require_http_methods(["GET", "POST"])
def plan_sheet_map(request):
    """Map the columns of a kept upload no layout matched, save them as a layout, and go on to the preview."""
    _require_system_admin(request.user)
    token = request.POST.get("token", "") if request.method == "POST" else None
    pending = pending_plan_sheet_peek(request.session, token, user=request.user)
    if pending is None:
        messages.error(request, ERROR_MAP_GONE)
        return redirect("sheets:plan_sheet_upload")
    read = plan_sheet_read(pending.data)
    form = LayoutMappingForm(read, request.POST or None, initial={"token": pending.token})
    if request.method == "POST" and form.is_valid() and (layout := _layout_saved(request, form)):
        pending_plan_sheet_forget(request.session)
        return _plan_sheet_preview(request, _upload_of(pending, layout=layout.name), read)
    context = {"form": form, "headings": form.headings, "file_name": pending.file_name, "plan_name": pending.plan_name}
    status = 400 if form.errors or not form.headings else 200
    return render(request, "sheets/plan_sheet_map.html", context, status=status)


def _layout_saved(request, form: LayoutMappingForm):
    """Save the mapped layout and say so; None (the refusal on the form) if it cannot be saved."""
    try:
        layout = sheet_layout_create(name=form.cleaned_data["name"], spec=form.spec, by=request.user)
    except PlanSheetRefused as refused:
        form.add_error(None, str(refused))
        return None
    messages.success(request, MESSAGE_LAYOUT_SAVED.format(name=layout.name))
    return layout


@login_required
@require_POST
def plan_sheet_confirm(request):
    """Create the previewed period (worker, one transaction); a missing, expired or altered upload writes nothing.

    A 2,000-item sheet takes about a minute to create, longer than a request may last, so the
    worker does it and the status page reports; where the task already finished (tests run
    tasks at once) the user goes straight to the outcome, as before. The owners chosen are
    checked before the upload is spent: a refused choice shows the preview again, file kept.
    """
    _require_system_admin(request.user)
    owners = PlanSheetOwnersForm(None, request.POST, unowned=request.session.get(OWNERS_REQUIRED_KEY, True))
    if not owners.is_valid():
        return _owners_refused(request, owners)
    pending = pending_plan_sheet_take(request.session, request.POST.get("token", ""), user=request.user)
    if pending is None:
        messages.error(request, ERROR_PLAN_SHEET_GONE)
        return redirect("sheets:plan_sheet_upload")
    return _plan_sheet_job(request, pending, owners.owners())


def _plan_sheet_job(request, pending, owners):
    """Hand the import to the worker; go to its outcome if it already ran, else to its status page."""
    params = {
        "plan_name": pending.plan_name,
        "first_year": pending.first_year,
        "layout": pending.layout,
        "file_name": pending.file_name,
        "owners": owners.as_params(),
    }
    try:
        job = job_start(
            kind=Job.Kind.PLAN_SHEET_IMPORT,
            user=request.user,
            label=f"{pending.plan_name}の作成（{pending.file_name}）",
            params=params,
            task=tasks.plan_sheet_import_job,
            input_data=pending.data,
        )
    except JobRefused as error:
        messages.error(request, f"何も作成していません。{error}")
        return redirect("sheets:plan_sheet_upload")
    if job.status == Job.Status.DONE:
        messages.success(request, job.message)
        return redirect(job.result_url)
    if job.status == Job.Status.FAILED:
        messages.error(request, job.message)
        return redirect("sheets:plan_sheet_upload")
    return redirect("jobs:status", job_id=job.pk)


def _owners_refused(request, posted):
    """Show the preview again with the refused owners (the upload stays kept), or say it is gone."""
    token = request.POST.get("token", "")
    pending = pending_plan_sheet_peek(request.session, token, user=request.user)
    if pending is None:
        pending_plan_sheet_take(request.session, token, user=request.user)  # spent as the confirm spends it
        messages.error(request, ERROR_PLAN_SHEET_GONE)
        return redirect("sheets:plan_sheet_upload")
    upload = _upload_of(pending, overlap_confirmed=True)  # the preview had its token: the overlap was confirmed
    try:
        rows = plan_sheet_read(pending.data)
    except UploadRejected:  # read once already: only a change of the reader's limits gets here
        messages.error(request, ERROR_PLAN_SHEET_GONE)
        return redirect("sheets:plan_sheet_upload")
    draft = _plan_sheet_draft(rows, upload.first_year, upload.layout)
    form = PlanSheetOwnersForm(draft, request.POST)
    form.is_valid()
    for error in posted.non_field_errors() + [e for k, v in posted.errors.items() if k not in form.fields for e in v]:
        form.add_error(None, error)
    return _plan_sheet_preview(request, upload, rows, owners_form=form, status=400)
