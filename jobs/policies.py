"""Who may see a job and take its file: the user who asked for it, or a system administrator."""

from accounts.permissions import is_system_admin

from .models import Job


def can_see_job(user, job: Job) -> bool:
    return user.is_authenticated and (job.requested_by_id == user.pk or is_system_admin(user))
