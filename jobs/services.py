"""Writes of background jobs: ask for one, run one (in the worker), sweep the expired.

``job_start`` records the request and hands it to the task backend; the task calls
``job_run`` with the function that does the work. Whatever that function raises, the job
ends ``failed`` with a Japanese message, its input file is deleted, and nothing half-made is
offered for download.
"""

import hashlib
import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from .models import Job
from .storage import private_folder, private_write, remove_tree

logger = logging.getLogger(__name__)

ERROR_TOO_MANY = "処理中の依頼が{limit}件あります。終わってからもう一度お試しください。"
ERROR_UNEXPECTED = "処理中に予期しないエラーが発生しました。時間をおいて再度お試しください。"
ERROR_ENQUEUE = "処理を依頼できませんでした。時間をおいて再度お試しください。"
ERROR_ABANDONED = "処理が完了しないまま時間が過ぎたため、中止しました。もう一度お試しください。"
INPUT_NAME = "input"
RESULT_NAME = "result"
# A job still queued or running after this long was lost (a worker killed mid-task): it fails.
ABANDONED_AFTER = timedelta(hours=6)
ACTIVE = (Job.Status.QUEUED, Job.Status.RUNNING)


class JobRefused(ValueError):
    """The job was not started; the message says why in Japanese. Nothing was written."""


class JobFailed(RuntimeError):
    """Raised by a job's work with the Japanese message the user sees on the status page."""


@dataclass(frozen=True)
class JobOutcome:
    """What a finished job offers: a file to download, or a message and a page to go to."""

    data: bytes | None = None
    file_name: str = ""
    content_type: str = ""
    message: str = ""
    result_url: str = ""


def job_folder(job_id: uuid.UUID | str) -> Path:
    return Path(settings.JOBS_ROOT) / uuid.UUID(str(job_id)).hex


def job_result_path(job: Job) -> Path:
    return job_folder(job.pk) / RESULT_NAME


def job_input_path(job: Job) -> Path:
    return job_folder(job.pk) / INPUT_NAME


def _params_key(kind: str, params: dict) -> str:
    return hashlib.sha256(json.dumps([kind, params], sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def job_start(*, kind: str, user, label: str, params: dict, task, input_data: bytes | None = None) -> Job:
    """Record the request and enqueue ``task`` with the job's id; return the job.

    The same request while an earlier one is still queued or running returns that one (a reload
    or a double click starts no second conversion). A user with ``JOB_MAX_ACTIVE_PER_USER``
    jobs under way is refused with ``JobRefused``, nothing written.
    """
    key = _params_key(kind, params)
    with transaction.atomic():
        active = Job.objects.select_for_update().filter(requested_by=user, status__in=ACTIVE)
        if input_data is None and (same := active.filter(params_key=key).first()):
            return same
        if active.count() >= settings.JOB_MAX_ACTIVE_PER_USER:
            raise JobRefused(ERROR_TOO_MANY.format(limit=settings.JOB_MAX_ACTIVE_PER_USER))
        job = Job.objects.create(kind=kind, requested_by=user, label=label[:200], params=params, params_key=key)
    if input_data is not None:
        private_write(job_input_path(job), input_data)
    try:
        task.enqueue(str(job.pk))
    except Exception:
        logger.exception("enqueue of job %s failed", job.pk)
        _finish(job, status=Job.Status.FAILED, message=ERROR_ENQUEUE)
        remove_tree(job_folder(job.pk))
    job.refresh_from_db()
    return job


def job_run(*, job_id: str, work: Callable[[Job, Path | None], JobOutcome]) -> str:
    """Run ``work`` for a queued job (in the worker) and record its outcome; return the final status.

    ``work`` receives the job and its input file (or None). The claim is a conditional UPDATE, so
    a task delivered twice runs once. The input file is deleted whatever happens.
    """
    claimed = Job.objects.filter(pk=job_id, status=Job.Status.QUEUED).update(
        status=Job.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return "skipped"
    job = Job.objects.get(pk=job_id)
    input_path = job_input_path(job)
    try:
        outcome = work(job, input_path if input_path.exists() else None)
        if outcome.data is not None:
            private_write(job_result_path(job), outcome.data)
    except JobFailed as error:
        _finish(job, status=Job.Status.FAILED, message=str(error))
    except Exception:
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _finish(job, status=Job.Status.FAILED, message=ERROR_UNEXPECTED)
    else:
        _finish(
            job,
            status=Job.Status.DONE,
            message=outcome.message,
            file_name=outcome.file_name[:200],
            content_type=outcome.content_type,
            result_url=outcome.result_url[:300],
        )
    finally:
        input_path.unlink(missing_ok=True)
    return job.status


def _finish(job: Job, *, status: str, message: str, **fields) -> None:
    now = timezone.now()
    job.status = status
    job.message = message
    job.finished_at = now
    job.expires_at = now + timedelta(seconds=settings.JOB_RESULT_TTL_SECONDS)
    for name, value in fields.items():
        setattr(job, name, value)
    job.save(update_fields=["status", "message", "finished_at", "expires_at", *fields])


def jobs_sweep(*, now: datetime | None = None) -> int:
    """Delete expired jobs with their files, fail lost ones, remove stray folders; return jobs deleted."""
    now = now or timezone.now()
    for job in Job.objects.filter(status__in=ACTIVE, created_at__lt=now - ABANDONED_AFTER):
        _finish(job, status=Job.Status.FAILED, message=ERROR_ABANDONED)
        remove_tree(job_folder(job.pk))
    expired = list(Job.objects.filter(expires_at__lt=now).values_list("pk", flat=True))
    for job_id in expired:
        remove_tree(job_folder(job_id))
    Job.objects.filter(pk__in=expired).delete()
    root = Path(settings.JOBS_ROOT)
    if root.is_dir():
        known = {job_id.hex for job_id in Job.objects.values_list("pk", flat=True)}
        for folder in root.iterdir():
            if folder.is_dir() and folder.name != "slots" and folder.name not in known:
                remove_tree(folder)
    return len(expired)


def jobs_root_prepare() -> Path:
    return private_folder(Path(settings.JOBS_ROOT))
