"""The status page of a background job (refreshes itself until done) and the download of its file."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from .models import Job
from .policies import can_see_job
from .services import job_result_path

# Seconds between two refreshes of the status page while the job runs (no script needed).
REFRESH_SECONDS = 2


def _job(request, job_id) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if not can_see_job(request.user, job):
        # 404, not 403: another user's job id says nothing about whether it exists.
        raise Http404
    return job


@login_required
@require_GET
def job_status(request, job_id):
    """Show how far the job got; offer its file, or its message, once it is finished."""
    job = _job(request, job_id)
    has_file = job.status == Job.Status.DONE and job.file_name and job_result_path(job).is_file()
    context = {"job": job, "has_file": has_file, "refresh_seconds": None if job.is_finished else REFRESH_SECONDS}
    return render(request, "jobs/status.html", context)


@login_required
@require_GET
def job_download(request, job_id):
    """Hand the finished file to the user who asked for it (or an administrator)."""
    job = _job(request, job_id)
    path = job_result_path(job)
    if job.status != Job.Status.DONE or not job.file_name or not path.is_file():
        raise Http404
    return FileResponse(
        path.open("rb"), as_attachment=True, filename=job.file_name, content_type=job.content_type or None
    )
