"""The real database backend and worker: a request only enqueues; ``db_worker`` does the work."""

import signal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from jobs.models import Job

# Committed transactions, as in production: db_worker calls close_old_connections(), which closes
# a PostgreSQL connection it finds inside a test's open transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def signals_restored():
    # db_worker installs its own SIGINT/SIGTERM handlers; give pytest its own back.
    saved = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def test_the_request_enqueues_and_db_worker_builds_the_file(client, manager_user, settings, signals_restored):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    client.force_login(manager_user)
    response = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    job = Job.objects.get()
    assert response["Location"] == reverse("jobs:status", args=[job.pk])
    assert job.status == Job.Status.QUEUED  # nothing was built in the request
    assert DBTaskResult.objects.get().task_path == "sheets.tasks.sheet_xlsx_job"
    assert "順番待ち" in client.get(response["Location"]).content.decode()

    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0, verbosity=0)

    job.refresh_from_db()
    assert job.status == Job.Status.DONE
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    page = client.get(response["Location"]).content.decode()
    assert reverse("jobs:download", args=[job.pk]) in page
    download = client.get(reverse("jobs:download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"PK")
