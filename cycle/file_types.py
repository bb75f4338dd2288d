"""Which evidence files are accepted, judged by their content (magic bytes), never by name.

The browser's content type and the file's extension are chosen by whoever sends the file,
so neither is read. Accepted:

- PDF: starts with ``%PDF-``;
- PNG: the 8-byte PNG signature; JPEG: ``FF D8 FF``;
- Excel (xlsx) and Word (docx): a ZIP whose ``[Content_Types].xml`` declares the workbook
  (``…spreadsheetml.sheet.main+xml``) or document (``…wordprocessingml.document.main+xml``)
  main part, and that part exists. Macro-enabled workbooks and documents declare other
  types and are refused, as is any other ZIP (a plain ZIP renamed .xlsx). A package that
  declares macro, ActiveX or embedded-object parts, or whose relationships point outside the
  file (an external workbook link, a remote template that leaks the reader's Windows login
  hash, a remote picture), is refused too, whatever its parts are named: the content types and
  the relationships decide. A hyperlink typed into the text is the one external target kept.
"""

import zipfile
from typing import BinaryIO

from defusedxml import ElementTree
from django.db import models

ERROR_UNSUPPORTED = (
    "このファイルの種類は登録できません。PDF、Excel（.xlsx）、Word（.docx）、PNG、JPEG のいずれかを選んでください"
    "（ファイル名ではなく中身で判定しています）。"
)
ERROR_TOO_LARGE = "ファイルが大きすぎます（{size}）。{limit} 以下のファイルを選んでください。"
ERROR_EMPTY = "ファイルが空です。"
ERROR_UNSAFE_OFFICE = (
    "マクロ、埋め込みオブジェクト、または外部への参照（外部リンク・外部テンプレート等）を含む Office ファイルは"
    "登録できません。マクロや外部参照を取り除き、通常の .xlsx / .docx として保存し直してください。"
)

_CONTENT_TYPES = "[Content_Types].xml"
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024  # a real one is a few kB; more is not an Office file
_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_RELATIONSHIPS_MAX_BYTES = 1024 * 1024
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
# Parts that run code or pull in other programs' objects, by the content type they declare.
_UNSAFE_CONTENT_TYPE_WORDS = ("macroenabled", "vbaproject", "vba", "activex", "oleobject", "externallink")
# Relationship types that run code or reach outside the file even when the target is internal.
_UNSAFE_RELATIONSHIP_ENDINGS = ("vbaproject", "activexcontrol", "activexcontrolbinary", "oleobject", "attachedtemplate")


class FileKind(models.TextChoices):
    PDF = "pdf", "PDF"
    XLSX = "xlsx", "Excel"
    DOCX = "docx", "Word"
    PNG = "png", "PNG画像"
    JPEG = "jpg", "JPEG画像"


CONTENT_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.PNG: "image/png",
    FileKind.JPEG: "image/jpeg",
}

_OFFICE_MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": FileKind.XLSX,
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": FileKind.DOCX,
}


class FileRejected(ValueError):
    """Raised with the Japanese message shown beside the file input."""


def format_size(size: int) -> str:
    """Return 10485760 → 「10 MB」, 11010048 → 「10.5 MB」, 2048 → 「2 KB」."""
    for unit, factor in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:,.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} バイト"


def detect_kind(stream: BinaryIO) -> FileKind:
    """Return the kind of the file in ``stream`` (read from its start), or raise FileRejected."""
    stream.seek(0)
    head = stream.read(8)
    stream.seek(0)
    if not head:
        raise FileRejected(ERROR_EMPTY)
    if head.startswith(b"%PDF-"):
        return FileKind.PDF
    if head == b"\x89PNG\r\n\x1a\n":
        return FileKind.PNG
    if head.startswith(b"\xff\xd8\xff"):
        return FileKind.JPEG
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(stream)
    raise FileRejected(ERROR_UNSUPPORTED)


def _office_kind(stream: BinaryIO) -> FileKind:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            info = archive.getinfo(_CONTENT_TYPES) if _CONTENT_TYPES in names else None
            if info is None or info.file_size > _CONTENT_TYPES_MAX_BYTES:
                raise FileRejected(ERROR_UNSUPPORTED)
            root = ElementTree.fromstring(archive.read(info))
            kind = _main_part_kind(root, names)
            _refuse_unsafe_package(archive, root)
            return kind
    except (zipfile.BadZipFile, ElementTree.ParseError, RuntimeError, ValueError, OSError) as error:
        if isinstance(error, FileRejected):
            raise
        raise FileRejected(ERROR_UNSUPPORTED) from None
    finally:
        stream.seek(0)


def _main_part_kind(content_types, names: set[str]) -> FileKind:
    for override in content_types.iter(f"{_NAMESPACE}Override"):
        kind = _OFFICE_MAIN_PARTS.get(override.get("ContentType", ""))
        if kind is not None and override.get("PartName", "").lstrip("/") in names:
            return kind
    raise FileRejected(ERROR_UNSUPPORTED)


def _refuse_unsafe_package(archive: zipfile.ZipFile, content_types) -> None:
    declared = [element.get("ContentType", "").lower() for element in content_types]
    if any(word in content_type for content_type in declared for word in _UNSAFE_CONTENT_TYPE_WORDS):
        raise FileRejected(ERROR_UNSAFE_OFFICE)
    for info in archive.infolist():
        if not info.filename.lower().endswith(".rels"):
            continue
        if info.file_size > _RELATIONSHIPS_MAX_BYTES:
            raise FileRejected(ERROR_UNSUPPORTED)
        for relationship in ElementTree.fromstring(archive.read(info)).iter(_RELATIONSHIPS):
            kind = relationship.get("Type", "")
            external = relationship.get("TargetMode", "").lower() == "external"
            if (external and kind != _HYPERLINK) or kind.lower().endswith(_UNSAFE_RELATIONSHIP_ENDINGS):
                raise FileRejected(ERROR_UNSAFE_OFFICE)


def check_size(size: int, limit: int) -> None:
    """Raise FileRejected when ``size`` exceeds ``limit`` bytes."""
    if size > limit:
        raise FileRejected(ERROR_TOO_LARGE.format(size=format_size(size), limit=format_size(limit)))
