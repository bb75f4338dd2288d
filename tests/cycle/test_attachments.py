"""Evidence files (別紙): who may upload, see and delete them, and what is refused with nothing stored."""

from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cycle import selectors
from cycle.file_types import ERROR_UNSUPPORTED
from cycle.models import Attachment
from cycle.policies import REASON_ENTRY_CLOSED, REASON_NOT_OWNER_CHANGE, REASON_NOT_OWNER_VIEW
from cycle.services import attachment_upload
from evaluations.policies import REASON_YEAR_LOCKED
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR, PASSWORD

from . import samples

pytestmark = pytest.mark.django_db


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _page(item, year=OPEN_YEAR) -> str:
    return reverse("cycle:attachments", args=[item.id, year])


def _upload(client, item, content, name="資料.pdf", title="別紙7-12", year=OPEN_YEAR, content_type="application/pdf"):
    return client.post(
        _page(item, year), {"title": title, "file": SimpleUploadedFile(name, content, content_type=content_type)}
    )


def _stored_files(media_root) -> list:
    return [path for path in media_root.rglob("*") if path.is_file()]


def _assert_nothing_stored(media_root):
    assert Attachment.objects.count() == 0
    assert Attachment.history.count() == 0
    assert _stored_files(media_root) == []


def test_staff_upload_a_pdf_stored_under_a_generated_name(world, media_root):
    response = _upload(_client(world, "staff_own"), world.own_item, samples.PDF, name="../../etc/passwd 別紙.pdf")
    assert response.status_code == 302
    attachment = Attachment.objects.get()
    assert (attachment.title, attachment.kind, attachment.size) == ("別紙7-12", "pdf", len(samples.PDF))
    assert attachment.original_name == "passwd 別紙.pdf"
    [stored] = _stored_files(media_root)
    assert stored.read_bytes() == samples.PDF
    assert stored.parent == media_root / "attachments" / str(world.own_item.id) / str(OPEN_YEAR)
    assert "passwd" not in stored.name and stored.suffix == ".pdf"
    history = attachment.history.get()
    assert (history.history_type, history.history_user) == ("+", world.users["staff_own"])


@pytest.mark.parametrize(
    ("content", "name", "content_type"),
    [
        (samples.HTML, "別紙.pdf", "application/pdf"),
        (samples.EXE, "別紙.pdf", "application/pdf"),
        (samples.plain_zip(), "集計.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
    ids=["html-as-pdf", "exe-as-pdf", "zip-as-xlsx"],
)
def test_a_wrong_type_disguised_by_name_is_refused_and_nothing_stored(world, media_root, content, name, content_type):
    response = _upload(_client(world, "staff_own"), world.own_item, content, name=name, content_type=content_type)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [ERROR_UNSUPPORTED]
    html = response.content.decode()
    assert 'id="file-error"' in html and 'aria-describedby="file-help file-error"' in html
    _assert_nothing_stored(media_root)


def test_a_file_over_the_limit_is_refused_and_nothing_stored(world, media_root, settings):
    settings.ATTACHMENT_MAX_BYTES = 1024
    response = _upload(_client(world, "staff_own"), world.own_item, samples.PDF + b"0" * 1024)
    assert response.status_code == 400
    assert "1 KB 以下" in response.context["form"].errors["file"][0]
    _assert_nothing_stored(media_root)


def test_staff_of_another_section_may_not_upload_and_nothing_is_stored(world, media_root):
    response = _upload(_client(world, "staff_other"), world.own_item, samples.PDF)
    assert response.status_code == 403
    _assert_nothing_stored(media_root)


def test_a_manager_may_not_upload(world, media_root):
    response = _upload(_client(world, "manager"), world.own_item, samples.PDF)
    assert response.status_code == 403
    _assert_nothing_stored(media_root)


def test_no_upload_into_a_locked_year(world, media_root):
    client = _client(world, "staff_own")
    page = client.get(_page(world.own_item, LOCKED_YEAR))
    assert page.status_code == 200
    # The entry's own rule and reason decide (issue 18 item 4), after the files' words.
    assert REASON_ENTRY_CLOSED.format(reason=REASON_YEAR_LOCKED.format(year="令和4年度")) in page.content.decode()
    assert _upload(client, world.own_item, samples.PDF, year=LOCKED_YEAR).status_code == 403
    _assert_nothing_stored(media_root)


def test_a_duplicate_title_is_refused_beside_the_title(world, media_root):
    client = _client(world, "staff_own")
    _upload(client, world.own_item, samples.PDF)
    response = _upload(client, world.own_item, samples.PNG, name="図.png")
    assert response.status_code == 400
    assert "同じ表題" in response.context["form"].errors["title"][0]
    assert len(_stored_files(media_root)) == 1


@pytest.fixture
def stored(world):
    upload = SimpleUploadedFile("研修 実績.xlsx", samples.xlsx())
    return attachment_upload(
        item=world.own_item, fiscal_year=OPEN_YEAR, title="別紙7-12", upload=upload, by=world.users["staff_own"]
    )


def _download(client, attachment):
    return client.get(reverse("cycle:attachment_download", args=[attachment.id]))


@pytest.mark.parametrize("role", ["staff_own", "manager", "admin"])
def test_owning_staff_managers_and_admins_download_as_an_attachment(world, stored, role):
    response = _download(_client(world, role), stored)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == stored.file.open("rb").read()
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        f"attachment; filename=\"__ __.xlsx\"; filename*=UTF-8''{quote('研修 実績.xlsx', safe='')}"
    )


def test_staff_of_another_section_may_not_download_or_list(world, stored):
    client = _client(world, "staff_other")
    response = _download(client, stored)
    assert response.status_code == 403
    assert REASON_NOT_OWNER_VIEW in response.content.decode()
    assert client.get(_page(world.own_item)).status_code == 403


def test_an_anonymous_download_redirects_to_login(world, stored):
    response = _download(Client(), stored)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_a_user_without_a_role_may_not_download(world, stored):
    assert _download(_client(world, "no_role"), stored).status_code == 403


def test_the_page_lists_attachments_for_a_manager_without_the_upload_form(world, stored):
    response = _client(world, "manager").get(_page(world.own_item))
    html = response.content.decode()
    assert response.status_code == 200
    assert "別紙7-12" in html and reverse("cycle:attachment_download", args=[stored.id]) in html
    assert 'enctype="multipart/form-data"' not in html
    assert REASON_NOT_OWNER_CHANGE in html


def test_the_upload_form_labels_every_input(world):
    html = _client(world, "staff_own").get(_page(world.own_item)).content.decode()
    assert '<label for="id_title">' in html and '<label for="id_file">' in html
    assert 'aria-describedby="file-help"' in html


def test_staff_delete_their_file_and_history_keeps_it(world, stored, media_root, django_capture_on_commit_callbacks):
    client = _client(world, "staff_own")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cycle:attachment_delete", args=[stored.id]))
    assert response.status_code == 302
    assert Attachment.objects.count() == 0
    assert _stored_files(media_root) == []
    assert [(h.history_type, h.history_user) for h in Attachment.history.order_by("history_id")] == [
        ("+", world.users["staff_own"]),
        ("-", world.users["staff_own"]),
    ]


def test_staff_of_another_section_may_not_delete(world, stored, media_root):
    response = _client(world, "staff_other").post(reverse("cycle:attachment_delete", args=[stored.id]))
    assert response.status_code == 403
    assert Attachment.objects.count() == 1 and len(_stored_files(media_root)) == 1


def test_a_manager_may_not_delete(world, stored):
    response = _client(world, "manager").post(reverse("cycle:attachment_delete", args=[stored.id]))
    assert response.status_code == 403
    assert Attachment.objects.count() == 1


def test_attachment_titles_for_the_sheet(world, stored):
    attachment_upload(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        title="別紙7-1",
        upload=SimpleUploadedFile("a.pdf", samples.PDF),
        by=world.users["staff_own"],
    )
    assert selectors.attachment_titles(item=world.own_item, fiscal_year=OPEN_YEAR) == ["別紙7-1", "別紙7-12"]
    assert selectors.attachment_titles_by_item_year(
        item_ids=[world.own_item.id, world.other_item.id], fiscal_years=[OPEN_YEAR]
    ) == {(world.own_item.id, OPEN_YEAR): ("別紙7-1", "別紙7-12")}


def test_a_title_taken_by_a_concurrent_upload_is_refused_beside_the_title(world, media_root, monkeypatch):
    # Two uploads with one title at the same moment both pass the early check; the database's
    # unique constraint decides, and the loser gets the same message, not a 500.
    client = _client(world, "staff_own")
    _upload(client, world.own_item, samples.PDF)
    monkeypatch.setattr("cycle.services._title_taken", lambda **_: False)

    response = _upload(client, world.own_item, samples.PNG, name="図.png")

    assert response.status_code == 400
    assert "同じ表題" in response.context["form"].errors["title"][0]
    assert Attachment.objects.count() == 1
    assert len(_stored_files(media_root)) == 1


@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u200f", "\u200b", "\ufeff"])
def test_a_title_loses_invisible_and_direction_controls(world, media_root, control):
    # 「別紙\u202e1-7」 would show as 「別紙7-1」: a title must read as it is stored.
    client = _client(world, "staff_own")

    assert _upload(client, world.own_item, samples.PDF, title=f"別紙{control}7-12").status_code == 302

    assert Attachment.objects.get().title == "別紙7-12"


def test_a_title_of_only_invisible_characters_is_refused_and_nothing_stored(world, media_root):
    response = _upload(_client(world, "staff_own"), world.own_item, samples.PDF, title="\u202e\u200b")

    assert response.status_code == 400
    assert response.context["form"].errors["title"] == ["表題を入力してください（例: 別紙7-12）。"]
    _assert_nothing_stored(media_root)


def test_the_entry_screen_lists_the_years_attachments_with_a_way_to_manage_them(world, stored):
    page = _client(world, "staff_own").get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]))
    text = page.content.decode()

    assert reverse("cycle:attachment_download", args=[stored.id]) in text
    assert "別紙7-12" in text
    assert _page(world.own_item) in text


def test_the_entry_screen_hides_attachments_from_those_who_may_not_see_them(world, stored):
    page = _client(world, "staff_other").get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR]))

    assert reverse("cycle:attachment_download", args=[stored.id]) not in page.content.decode()
