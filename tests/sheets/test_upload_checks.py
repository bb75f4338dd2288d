"""Every bad upload is refused with a clear Japanese message before openpyxl parses it, and nothing is written."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sheets.apps import defusedxml_in_use
from sheets.imports import upload
from sheets.imports.upload import UploadRejected, check_archive, open_workbook

from .helpers import download_template, history_count


def _rezip(data: bytes, *, add: dict[str, bytes] | None = None, drop: tuple[str, ...] = ()) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename not in drop:
                target.writestr(member, source.read(member))
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    """A 0.1 MB file whose one member declares and holds 60 MB of zeros."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (60 * 1024 * 1024))
    return buffer.getvalue()


def _many_members() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(upload.MAX_MEMBERS + 1):
            archive.writestr(f"xl/part{index}.xml", "<x/>")
    return buffer.getvalue()


@pytest.fixture
def template(client, staff_user) -> bytes:
    client.force_login(staff_user)
    return download_template(client)


BAD_FILES = {
    "renamed_text": (lambda t: "実績,144\n".encode(), upload.ERROR_NOT_XLSX),
    "renamed_xls": (lambda t: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, upload.ERROR_NOT_XLSX),
    "corrupt_zip": (lambda t: t[: len(t) // 2], upload.ERROR_CORRUPT),
    "corrupt_member": (lambda t: t[:40] + bytes(b ^ 0xFF for b in t[40:400]) + t[400:], upload.ERROR_CORRUPT),
    "zip_bomb": (lambda t: _zip_bomb(), upload.ERROR_BOMB),
    "too_many_members": (lambda t: _many_members(), upload.ERROR_BOMB),
    "word_document": (
        lambda t: _rezip(t, drop=("xl/workbook.xml",)),
        upload.ERROR_MISSING_PARTS.format(member="xl/workbook.xml"),
    ),
    "external_links": (
        lambda t: _rezip(t, add={"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
        upload.ERROR_EXTERNAL_LINKS,
    ),
    "macros": (lambda t: _rezip(t, add={"xl/vbaProject.bin": b"\0" * 100}), upload.ERROR_MACROS),
    "too_large": (
        lambda t: b"PK\x03\x04" + b"\0" * (upload.MAX_UPLOAD_BYTES + 1),
        upload.ERROR_TOO_LARGE.format(limit=5),
    ),
    "empty": (lambda t: b"", "空です"),  # Django's FileField refuses it first
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_is_refused_through_the_view_and_nothing_is_written(client, template, case):
    make, message = BAD_FILES[case]
    before = history_count()
    response = client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", make(template))})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "この内容で反映する" not in response.content.decode()
    assert history_count() == before
    assert "sheets_import" not in client.session


@pytest.mark.django_db
def test_a_file_that_is_not_named_xlsx_is_refused(client, template):
    response = client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.csv", template)})
    assert upload.ERROR_EXTENSION in response.content.decode()


def test_the_zip_bomb_is_refused_before_it_is_inflated():
    bomb = _zip_bomb()
    assert len(bomb) < 200_000
    with pytest.raises(UploadRejected, match="圧縮爆弾"):
        check_archive(bomb)


def test_a_ratio_bomb_under_the_total_limit_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", b"\0" * (20 * 1024 * 1024))
    with pytest.raises(UploadRejected, match="圧縮爆弾"):
        check_archive(buffer.getvalue())


@pytest.mark.django_db
def test_the_downloaded_template_passes_the_checks_and_opens_read_only(client, template):
    workbook = open_workbook(template)
    assert workbook.read_only is True
    workbook.close()


def test_defusedxml_is_in_use():
    from openpyxl.xml import DEFUSEDXML

    defusedxml_in_use()  # raises ImproperlyConfigured otherwise; run at start-up by SheetsConfig.ready
    assert DEFUSEDXML is True


def test_start_up_refuses_without_defusedxml(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    monkeypatch.setattr("openpyxl.xml.DEFUSEDXML", False)
    with pytest.raises(ImproperlyConfigured, match="defusedxml"):
        defusedxml_in_use()
