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
