"""別紙 follow the entry's figures: read-only once approved (or locked), and every change is in the thread.

Issue 18 item 4: staff uploaded and deleted files on an approved item-year, changing the
approved sheet's 参考資料 with no re-approval, no thread entry and no notice.
"""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cycle.models import Attachment, Comment, Notice
from cycle.policies import REASON_ENTRY_CLOSED
from cycle.services import attachment_delete, attachment_upload
from evaluations import policies as entry_policies
from evaluations import services as workflow
from evaluations.models import SelfEvaluation
from programs.fiscal_years import era_label
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR, PASSWORD, evaluation

from . import samples

pytestmark = pytest.mark.django_db

APPROVED_REASON = REASON_ENTRY_CLOSED.format(reason=entry_policies.REASON_APPROVED)


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _page(item, year=OPEN_YEAR) -> str:
    return reverse("cycle:attachments", args=[item.id, year])


def _upload(client, item, title="別紙7-13", year=OPEN_YEAR):
    upload = SimpleUploadedFile("追加資料.pdf", samples.PDF, content_type="application/pdf")
    return client.post(_page(item, year), {"title": title, "file": upload})


def _files(media_root) -> list:
    return sorted(path for path in media_root.rglob("*") if path.is_file())


@pytest.fixture
def stored(world):
    """A file attached while the entry was a draft."""
    return attachment_upload(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        title="別紙7-12",
        upload=SimpleUploadedFile("根拠.pdf", samples.PDF),
        by=world.users["staff_own"],
    )


def _approve(world) -> SelfEvaluation:
    return evaluation(world.own_item, OPEN_YEAR, SelfEvaluation.Status.APPROVED, submitted_by=world.users["staff_own"])


def _what_was_written(media_root):
    return (
        list(Attachment.objects.values_list("title", flat=True)),
        Attachment.history.count(),
        Comment.objects.count(),
        Notice.objects.count(),
        _files(media_root),
    )


@pytest.mark.parametrize("role", ["staff_own", "admin"])
def test_nobody_uploads_to_an_approved_item_year_and_nothing_is_written(world, stored, media_root, role):
    _approve(world)
    before = _what_was_written(media_root)

    response = _upload(_client(world, role), world.own_item)

    assert response.status_code == 403
    assert entry_policies.REASON_APPROVED in response.content.decode()
    assert _what_was_written(media_root) == before


@pytest.mark.parametrize("role", ["staff_own", "admin"])
def test_nobody_deletes_from_an_approved_item_year_and_the_file_stays(
    world, stored, media_root, role, django_capture_on_commit_callbacks
):
    _approve(world)
    before = _what_was_written(media_root)

    with django_capture_on_commit_callbacks(execute=True):
        response = _client(world, role).post(reverse("cycle:attachment_delete", args=[stored.id]))

    assert response.status_code == 403
    assert entry_policies.REASON_APPROVED in response.content.decode()
    assert _what_was_written(media_root) == before


def test_the_service_refuses_a_forged_change_on_an_approved_year(world, stored):
    _approve(world)
    with pytest.raises(PermissionDenied, match="承認済み"):
        attachment_delete(attachment=stored, by=world.users["staff_own"])
    with pytest.raises(PermissionDenied, match="承認済み"):
        attachment_upload(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            title="別紙7-99",
            upload=SimpleUploadedFile("a.pdf", samples.PDF),
            by=world.users["admin"],
        )
    assert Attachment.objects.count() == 1


def test_the_page_of_an_approved_year_lists_the_files_without_buttons_and_says_why(world, stored):
    _approve(world)

    html = _client(world, "staff_own").get(_page(world.own_item)).content.decode()

    assert reverse("cycle:attachment_download", args=[stored.id]) in html
    assert APPROVED_REASON in html
    assert 'enctype="multipart/form-data"' not in html
    assert reverse("cycle:attachment_delete", args=[stored.id]) not in html


def test_while_submitted_staff_wait_for_the_review_as_with_the_figures(world, stored, media_root):
    evaluation(world.own_item, OPEN_YEAR, SelfEvaluation.Status.SUBMITTED, submitted_by=world.users["staff_own"])

    response = _upload(_client(world, "staff_own"), world.own_item)

    assert response.status_code == 403
    assert entry_policies.REASON_SUBMITTED in response.content.decode()
    assert Attachment.objects.count() == 1


def test_a_locked_year_is_read_only_with_the_entrys_reason(world, media_root):
    client = _client(world, "staff_own")
    page = client.get(_page(world.own_item, LOCKED_YEAR)).content.decode()
    reason = REASON_ENTRY_CLOSED.format(reason=entry_policies.REASON_YEAR_LOCKED.format(year=era_label(LOCKED_YEAR)))
    assert reason in page

    assert _upload(client, world.own_item, year=LOCKED_YEAR).status_code == 403
    assert _files(media_root) == []


def test_after_reopening_staff_change_the_files_again(world, stored):
    approved = _approve(world)
    workflow.self_evaluation_reopen(evaluation=approved, user=world.users["admin"], reason="別紙の差し替え")

    assert _upload(_client(world, "staff_own"), world.own_item).status_code == 302

    assert sorted(Attachment.objects.values_list("title", flat=True)) == ["別紙7-12", "別紙7-13"]


def test_an_upload_and_a_deletion_are_thread_entries_that_notify_managers(
    world, stored, django_capture_on_commit_callbacks
):
    client = _client(world, "staff_own")
    assert _upload(client, world.own_item).status_code == 302
    added = Attachment.objects.get(title="別紙7-13")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("cycle:attachment_delete", args=[added.id])).status_code == 302

    entries = list(
        Comment.objects.filter(item=world.own_item, fiscal_year=OPEN_YEAR)
        .order_by("created_at", "id")
        .values_list("kind", "body", "author__username")
    )
    assert entries == [
        ("attached", "別紙「別紙7-12」（根拠.pdf）を登録しました。", "staff-own"),
        ("attached", "別紙「別紙7-13」（追加資料.pdf）を登録しました。", "staff-own"),
        ("detached", "別紙「別紙7-13」（追加資料.pdf）を削除しました。", "staff-own"),
    ]
    told = Notice.objects.filter(recipient=world.users["manager"]).order_by("created_at", "id")
    assert [(notice.kind, notice.comment.body) for notice in told] == [(entry[0], entry[1]) for entry in entries]
    # The actor is not told of their own act; another section hears nothing.
    assert not Notice.objects.filter(recipient__in=[world.users["staff_own"], world.users["staff_other"]]).exists()

    entry = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    html = _client(world, "manager").get(entry).content.decode()
    assert "【別紙の削除】" in html and "別紙「別紙7-13」（追加資料.pdf）を削除しました。" in html
    notices = _client(world, "manager").get(reverse("cycle:notices")).content.decode()
    assert "別紙が削除されました" in notices


def test_a_refused_upload_writes_no_thread_entry(world, media_root):
    response = _upload(_client(world, "staff_other"), world.own_item)
    assert response.status_code == 403
    assert Comment.objects.count() == 0 and Notice.objects.count() == 0
