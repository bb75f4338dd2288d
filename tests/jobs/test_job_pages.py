"""Long work runs as a job: its status page, its file for its requester only, its expiry (issue 18 §7)."""

import os
import stat
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jobs.models import Job
from jobs.services import job_folder, job_result_path, jobs_sweep

pytestmark = pytest.mark.django_db

DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def _status(client, response):
    assert response.status_code == 302, response.content[:300]
    assert response["Location"].startswith("/jobs/")
    return client.get(response["Location"])


def test_a_large_plans_sheet_is_built_by_a_job_and_offered_to_its_requester_only(
    client, manager_user, staff_user, admin_user, settings
):
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0  # every plan counts as large
    client.force_login(manager_user)
    page = _status(client, client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"}))
    job = Job.objects.get()
    html = page.content.decode()
    assert job.status == Job.Status.DONE and job.requested_by == manager_user
    assert "完了" in html and 'http-equiv="refresh"' not in html  # finished: no more refreshing
    download = reverse("jobs:download", args=[job.pk])
    assert download in html
    response = client.get(download)
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content).startswith(b"PK")
    # The file is private on disk.
    assert stat.S_IMODE(os.stat(job_folder(job.pk)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(job_result_path(job)).st_mode) == 0o600

    client.force_login(staff_user)  # another user: not found, neither the page nor the file
    assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404
    assert client.get(download).status_code == 404
    client.force_login(admin_user)  # an administrator may
    assert client.get(download).status_code == 200
    client.logout()
    assert client.get(download).status_code == 302  # to the login page


def test_a_small_plans_sheet_is_still_downloaded_at_once(client, manager_user):
    response = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    assert response.status_code == 302  # anonymous: login
    client.force_login(manager_user)
    response = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert not Job.objects.exists()


def test_the_summary_of_a_large_plan_is_a_job_too(client, manager_user, settings):
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    client.force_login(manager_user)
    _status(client, client.get(reverse("sheets:summary"), {"plan": "第8期"}))
    job = Job.objects.get()
    assert job.kind == Job.Kind.SUMMARY_XLSX and job.status == Job.Status.DONE
    assert job.file_name.startswith("集計表_第8期_")
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 200


def test_while_queued_the_page_refreshes_itself_and_a_reload_reuses_the_job(client, manager_user, settings):
    settings.TASKS = DUMMY  # enqueued, never run: as while the worker is busy
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    client.force_login(manager_user)
    first = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    page = _status(client, first)
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html
    assert "順番待ち" in html and "閉じても処理は続きます" in html
    again = client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    assert again["Location"] == first["Location"] and Job.objects.count() == 1
    job = Job.objects.get()
    assert client.get(reverse("jobs:download", args=[job.pk])).status_code == 404  # nothing to take yet


def test_a_user_with_too_many_jobs_under_way_is_refused_and_nothing_is_written(client, manager_user, settings):
    settings.TASKS = DUMMY
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    settings.JOB_MAX_ACTIVE_PER_USER = 2
    client.force_login(manager_user)
    client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第7期"})
    response = client.get(reverse("sheets:summary"), {"plan": "第8期"})
    assert response.status_code == 429
    assert "処理中の依頼が2件あります" in response.content.decode()
    assert Job.objects.count() == 2


def test_a_failed_job_says_why_in_japanese(client, manager_user, settings, monkeypatch):
    from sheets import tasks

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(tasks, "sheet_document", broken)
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    client.force_login(manager_user)
    page = _status(client, client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"}))
    html = page.content.decode()
    assert "失敗" in html and "予期しないエラー" in html and "boom" not in html
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert not job_result_path(job).exists()


def test_expired_results_are_swept_with_their_files(client, manager_user, settings):
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 0
    client.force_login(manager_user)
    client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第8期"})
    client.get(reverse("sheets:self_evaluation_sheet"), {"plan": "第7期"})
    old, fresh = Job.objects.order_by("created_at")
    Job.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    stray = job_folder("00000000-0000-4000-8000-000000000000")
    stray.mkdir(parents=True)
    assert jobs_sweep() == 1
    assert not Job.objects.filter(pk=old.pk).exists() and not job_folder(old.pk).exists()
    assert job_result_path(fresh).exists()
    assert not stray.exists()  # a folder no job owns (a crash between the row and the file) goes too
    assert client.get(reverse("jobs:download", args=[old.pk])).status_code == 404
