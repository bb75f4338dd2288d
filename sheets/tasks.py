"""Background tasks of the sheets app: the PDF, large workbooks and the plan-sheet import.

Each task receives only the id of a ``jobs.Job`` (task arguments must be JSON) and reads its
parameters from it; ``jobs.services.job_run`` records the outcome the status page shows.
Tests run them at once with django-tasks' ImmediateBackend; production with ``db_worker``.
"""

import io
from pathlib import Path
from urllib.parse import urlencode

from django.urls import reverse
from django_tasks import task

from jobs.models import Job
from jobs.services import JobFailed, JobOutcome, job_run
from programs.models import PlanPeriod, PolicyArea, SheetColumn

from .documents import sheet_document, summary_document
from .exports.layout import XLSX_CONTENT_TYPE
from .exports.pdf import PDF_CONTENT_TYPE, PdfUnavailable, sheet_pdf
from .imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from .imports.upload import UploadRejected
from .services import Owners, PlanSheetRefused, plan_sheet_import, plan_sheet_layouts

ERROR_PLAN_GONE = "計画期間が見つかりません（削除されたか、名称が変わりました）。"
ERROR_INPUT_GONE = "取込むファイルが見つかりません。何も作成していません。もう一度アップロードしてください。"
MESSAGE_NO_FIGURES = "この様式には実績の欄がありません。各年度の実績を「実績の一括入力」で確かめ、入力してください。"
MESSAGE_PLAN_CREATED = (
    "{plan}を自己評価シートから作成しました（分野{areas}、事項{items}、指標{indicators}、実績{results}件）。"
)


def _sheet(job: Job):
    plan = PlanPeriod.objects.filter(name=job.params.get("plan", "")).first()
    if plan is None:
        raise JobFailed(ERROR_PLAN_GONE)
    area = None
    if area_id := job.params.get("area"):
        area = PolicyArea.objects.filter(pk=area_id, plan=plan).first()
        if area is None:
            raise JobFailed(ERROR_PLAN_GONE)
    return sheet_document(plan=plan, area=area)


def _xlsx(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_pdf_work(job: Job, _input: Path | None) -> JobOutcome:
    workbook, name = _sheet(job)
    try:
        pdf = sheet_pdf(workbook)
    except PdfUnavailable as error:
        raise JobFailed(str(error)) from error
    return JobOutcome(data=pdf, file_name=f"{name}.pdf", content_type=PDF_CONTENT_TYPE)


def _sheet_xlsx_work(job: Job, _input: Path | None) -> JobOutcome:
    workbook, name = _sheet(job)
    return JobOutcome(data=_xlsx(workbook), file_name=f"{name}.xlsx", content_type=XLSX_CONTENT_TYPE)


def _summary_work(job: Job, _input: Path | None) -> JobOutcome:
    names = job.params.get("plans") or []
    plans = list(PlanPeriod.objects.filter(name__in=names)) if names else list(PlanPeriod.objects.all())
    if names and len(plans) != len(names):
        raise JobFailed(ERROR_PLAN_GONE)
    item_ids = set(job.params.get("items") or []) or None
    workbook, file_name = summary_document(plans=plans, item_ids=item_ids)
    return JobOutcome(data=_xlsx(workbook), file_name=file_name, content_type=XLSX_CONTENT_TYPE)


def _plan_sheet_import_work(job: Job, input_path: Path | None) -> JobOutcome:
    if input_path is None:
        raise JobFailed(ERROR_INPUT_GONE)
    params = job.params
    try:
        draft = plan_sheet_parse(
            plan_sheet_read(input_path.read_bytes()),
            layouts=plan_sheet_layouts(),
            layout_name=params.get("layout") or None,
            first_fiscal_year=params.get("first_year"),
        )
        result = plan_sheet_import(
            draft=draft,
            plan_name=params["plan_name"],
            by=job.requested_by,
            reason=f"自己評価シートの取込（{params.get('file_name', '')}）",
            owners=Owners.from_params(params.get("owners")),
        )
    except (UploadRejected, PlanSheetRefused) as error:
        raise JobFailed(f"何も作成していません。{error}") from error
    counts = result.counts
    message = MESSAGE_PLAN_CREATED.format(
        plan=result.plan,
        areas=counts["areas"],
        items=counts["items"],
        indicators=counts["indicators"],
        results=counts["results"],
    )
    layout = result.plan.layout
    if layout is None or not layout.columns.filter(source=SheetColumn.Source.ACTUAL).exists():
        # A layout without a 実績 column (第7期's): the figures are typed next, on the figures screen.
        return JobOutcome(
            message=message + MESSAGE_NO_FIGURES,
            result_url=reverse("evaluations:period_figures", args=[result.plan.pk]),
        )
    return JobOutcome(
        message=message, result_url=f"{reverse('reports:dashboard')}?{urlencode({'plan': result.plan.name})}"
    )


@task()
def sheet_pdf_job(job_id: str) -> str:
    return job_run(job_id=job_id, work=_sheet_pdf_work)


@task()
def sheet_xlsx_job(job_id: str) -> str:
    return job_run(job_id=job_id, work=_sheet_xlsx_work)


@task()
def summary_job(job_id: str) -> str:
    return job_run(job_id=job_id, work=_summary_work)


@task()
def plan_sheet_import_job(job_id: str) -> str:
    return job_run(job_id=job_id, work=_plan_sheet_import_work)
