"""The type of an evidence file is judged by its content, never its name."""

import io

import pytest

from cycle.file_types import (
    ERROR_UNSAFE_OFFICE,
    ERROR_UNSUPPORTED,
    FileKind,
    FileRejected,
    check_size,
    detect_kind,
    format_size,
)

from . import samples


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (samples.PDF, FileKind.PDF),
        (samples.PNG, FileKind.PNG),
        (samples.JPEG, FileKind.JPEG),
        (samples.xlsx(), FileKind.XLSX),
        (samples.docx(), FileKind.DOCX),
    ],
)
def test_accepted_kinds_are_recognised_by_content(content, kind):
    stream = io.BytesIO(content)
    assert detect_kind(stream) == kind
    assert stream.tell() == 0


@pytest.mark.parametrize(
    "content",
    [samples.HTML, samples.EXE, samples.plain_zip(), samples.xlsm(), b"PK\x03\x04broken", b"GIF89a"],
    ids=["html", "exe", "zip", "xlsm", "broken-zip", "gif"],
)
def test_other_content_is_refused_with_a_japanese_message(content):
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(content))
    assert str(refused.value) == ERROR_UNSUPPORTED


def test_an_empty_file_is_refused():
    with pytest.raises(FileRejected, match="空"):
        detect_kind(io.BytesIO(b""))


def test_size_limit_names_both_sizes():
    check_size(10 * 1024 * 1024, 10 * 1024 * 1024)
    with pytest.raises(FileRejected, match=r"10.5 MB.*10 MB 以下"):
        check_size(int(10.5 * 1024 * 1024), 10 * 1024 * 1024)


def test_format_size():
    assert [format_size(n) for n in (500, 2048, 10 * 1024 * 1024)] == ["500 バイト", "2 KB", "10 MB"]


@pytest.mark.parametrize(
    "content",
    [
        samples.xlsx_with_macros_under_an_innocent_name(),
        samples.xlsx_with_an_external_link(),
        samples.docx_with_a_remote_template(),
    ],
    ids=["vba-as-code.bin", "external-link", "remote-template"],
)
def test_an_office_file_carrying_macros_or_external_targets_is_refused(content):
    # A manager opening the file must not run macros or fetch a remote template (which leaks
    # the Windows login hash); judged by content types and relationships, not part names.
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(content))
    assert str(refused.value) == ERROR_UNSAFE_OFFICE


def test_an_office_file_with_a_web_link_is_accepted():
    assert detect_kind(io.BytesIO(samples.docx_with_a_web_link())) == FileKind.DOCX
