"""Quotas per item-year, private file modes, and files that leave the disk with their rows (issue 18 item 13)."""

import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cycle.models import Attachment, Comment
from cycle.services import ERROR_TOO_MANY, attachment_upload
from evaluations.models import SelfEvaluation
from operations.backups import backup_create
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation

from . import samples

pytestmark = pytest.mark.django_db


def _client(world, role="staff_own") -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _upload(client, item, title, content=samples.PDF):
    return client.post(
        reverse("cycle:attachments", args=[item.id, OPEN_YEAR]),
        {"title": title, "file": SimpleUploadedFile("資料.pdf", content)},
    )


def _files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


def _store(world, title, content=samples.PDF, item=None, by="staff_own"):
    return attachment_upload(
        item=item or world.own_item,
        fiscal_year=OPEN_YEAR,
        title=title,
        upload=SimpleUploadedFile("a.pdf", content),
        by=world.users[by],
    )


def test_the_count_quota_refuses_one_more_file_beside_the_input_and_stores_nothing(world, media_root, settings):
    settings.ATTACHMENT_MAX_COUNT = 3
    for number in range(3):
        _store(world, f"別紙7-{number}")
    before = (_files(media_root), Comment.objects.count())

    response = _upload(_client(world), world.own_item, "別紙7-9")

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [ERROR_TOO_MANY.format(limit=3, count=3)]
    assert Attachment.objects.count() == 3
    assert (_files(media_root), Comment.objects.count()) == before


def test_the_total_size_quota_names_the_limit_and_what_is_used(world, media_root, settings):
    settings.ATTACHMENT_MAX_TOTAL_BYTES = 3 * 1024
    _store(world, "別紙7-1", samples.PDF + b"0" * 2048)

    response = _upload(_client(world), world.own_item, "別紙7-2", samples.PDF + b"0" * 1024)

    assert response.status_code == 400
    [error] = response.context["form"].errors["file"]
    assert "合計 3 KB まで" in error and "このファイル 1 KB" in error
    assert Attachment.objects.count() == 1 and len(_files(media_root)) == 1


def test_the_quota_is_per_item_year(world, settings):
    settings.ATTACHMENT_MAX_COUNT = 1
    _store(world, "別紙7-1")

    assert _store(world, "別紙7-1", item=world.other_item, by="admin").item == world.other_item


def test_files_and_their_folders_are_readable_by_the_owner_alone(world, media_root):
    _store(world, "別紙7-1")

    [stored] = _files(media_root)

    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    folder = stored.parent
    while folder != media_root:
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder
        folder = folder.parent


@pytest.mark.django_db(transaction=True)  # SQLite's online backup waits for an open transaction
def test_a_backup_and_the_folder_it_creates_are_readable_by_the_owner_alone(world, media_root, tmp_path):
    _store(world, "別紙7-1")
    workdir = tmp_path / "work"
    workdir.mkdir()
    destination = tmp_path / "backups" / "nightly" / "kaigo_plan.tar"

    backup_create(destination=destination, media_root=media_root, workdir=workdir)

    assert stat.S_IMODE(destination.stat().st_mode) == 0o600
    assert stat.S_IMODE(destination.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "backups").stat().st_mode) == 0o700


def test_a_file_leaves_the_disk_when_a_cascade_deletes_its_row(world, media_root, django_capture_on_commit_callbacks):
    _store(world, "別紙7-1")
    _store(world, "別紙7-2", samples.PNG)
    assert len(_files(media_root)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        world.own_item.delete()

    assert Attachment.objects.count() == 0
    assert _files(media_root) == []


def test_an_admin_deletion_goes_through_the_service_and_removes_the_file(
    world, media_root, django_capture_on_commit_callbacks
):
    stored = _store(world, "別紙7-1")
    admin = _client(world, "admin")

    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(reverse("admin:cycle_attachment_delete", args=[stored.id]), {"post": "yes"})

    assert response.status_code == 302
    assert Attachment.objects.count() == 0 and _files(media_root) == []
    assert Comment.objects.filter(kind=Comment.Kind.DETACHED).count() == 1


def test_the_admin_cannot_delete_an_approved_years_file(world, media_root, django_capture_on_commit_callbacks):
    stored = _store(world, "別紙7-1")
    evaluation(world.own_item, OPEN_YEAR, SelfEvaluation.Status.APPROVED)
    admin = _client(world, "admin")

    with django_capture_on_commit_callbacks(execute=True):
        single = admin.post(reverse("admin:cycle_attachment_delete", args=[stored.id]), {"post": "yes"})
        bulk = admin.post(
            reverse("admin:cycle_attachment_changelist"),
            {"action": "delete_selected", "_selected_action": [stored.id], "post": "yes"},
        )

    assert (single.status_code, bulk.status_code) == (403, 403)
    assert Attachment.objects.count() == 1 and len(_files(media_root)) == 1


def test_restored_files_are_as_private_as_uploaded_ones(tmp_path):
    from operations.backups import restore_media

    source = tmp_path / "backup" / "media"
    (source / "attachments" / "7").mkdir(parents=True)
    (source / "attachments" / "7" / "a.pdf").write_bytes(samples.PDF)
    (source / "attachments" / "7" / "a.pdf").chmod(0o644)
    (source / "attachments").chmod(0o755)
    media = tmp_path / "media"

    assert restore_media(source=source, media_root=media) == 1

    assert stat.S_IMODE((media / "attachments" / "7" / "a.pdf").stat().st_mode) == 0o600
    assert stat.S_IMODE((media / "attachments").stat().st_mode) == 0o700
    assert stat.S_IMODE((media / "attachments" / "7").stat().st_mode) == 0o700
