"""Background tasks of the reporting cycle: sending a recorded mail.

The task receives only the mail's id (task arguments must be JSON); ``services.mail_deliver``
claims, sends and records it. Tests run it at once with django-tasks' ImmediateBackend.
"""

from django_tasks import task


@task()
def mail_deliver_task(mail_id: int) -> str:
    from .services import mail_deliver  # the services enqueue this task: import at run time

    return mail_deliver(mail_id=mail_id)
