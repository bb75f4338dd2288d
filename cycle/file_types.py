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

Active content is refused too (issue 18 item 13), because a manager opens these files on an
office PC:

- a ZIP with two entries of one name (part names compare case-insensitively): Python reads the
  last, Office may read the first, so what was checked would not be what is opened;
- in a workbook, formulas that call out of Excel: DDE (``=cmd|' /C calc'!A0``, any ``|`` outside
  a quoted text), WEBSERVICE, FILTERXML, IMAGE, RTD, CALL, REGISTER, EXEC, in cells, defined
  names, validations and conditional formats;
- in a document, fields that fetch or run something: INCLUDEPICTURE (a UNC path leaks the login
  hash), INCLUDETEXT, LINK, DDE, DDEAUTO, IMPORT; and an alternative-format chunk (altChunk),
  which Word converts on opening and could bring such fields in;
- in a PDF, JavaScript (``/JS``, ``/JavaScript``), launching programs, submitting or importing
  data, remote or embedded go-to, embedded files, RichMedia, XFA, additional actions (``/AA``)
  and an ``/OpenAction`` that is anything but a destination (opening at a page is fine). Names
  are read after their ``#xx`` escapes are decoded, in the file's object text and inside its
  compressed object streams; stream contents (page drawing, pictures) are not names and are
  skipped. An object stream that cannot be inflated (an encrypted PDF, an unusual filter)
  cannot be inspected and is refused.

Every XML part is read streaming, within a bound on the total inflated size (no zip bombs).
"""

import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import BinaryIO
from xml.parsers import expat

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

ERROR_DUPLICATE_ENTRY = (
    "同じ名前の部品を二つ含むファイルは登録できません（開くソフトによって中身が変わるため）。"
    "Excel / Word で開いて保存し直したファイルを選んでください。"
)
ERROR_ACTIVE_WORKBOOK = (
    "外部のプログラムやウェブを呼び出す数式（DDE、WEBSERVICE、IMAGE、RTD など）を含む Excel ファイルは"
    "登録できません。その数式を値に置き換えてから保存し直してください。"
)
ERROR_ACTIVE_DOCUMENT = (
    "外部のファイル・画像を読み込むフィールドやほかのプログラムを呼び出すフィールド"
    "（INCLUDEPICTURE、INCLUDETEXT、LINK、DDE、DDEAUTO など）を含む Word ファイルは登録できません。"
    "フィールドを解除（すべて選択して Ctrl+Shift+F9）してから保存し直してください。"
)
ERROR_ACTIVE_PDF = (
    "開いたときに動作する処理（JavaScript、自動で実行されるアクション、プログラムの起動、埋め込みファイル等）を"
    "含む PDF、または中身を確認できない（暗号化された）PDF は登録できません。"
    "PDF に印刷し直すなどして、処理を含まない PDF にしてください。"
)
ERROR_TOO_LARGE_INSIDE = (
    "展開すると大きすぎるファイルです。内容を確認できないため登録できません。"
    "ファイルを分けるか、PDF にして登録してください。"
)

_CONTENT_TYPES = "[Content_Types].xml"
# An Office file of the largest accepted size inflates to a few hundred MB at most; a ZIP that
# claims more is a bomb. The bound is on what zipfile will hand out (it stops at the declared size).
_MAX_INFLATED_BYTES = 256 * 1024 * 1024
_MAX_ENTRIES = 10_000
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024  # a real one is a few kB; more is not an Office file
_NAMESPACE = "{http://schemas.openxmlformats.org/package/2006/content-types}"
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_RELATIONSHIPS_MAX_BYTES = 1024 * 1024
_HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"
# Parts that run code or pull in other programs' objects, by the content type they declare.
# External data connections and query tables refresh from a database or a web address.
_UNSAFE_CONTENT_TYPE_WORDS = (
    "macroenabled",
    "vbaproject",
    "vba",
    "activex",
    "oleobject",
    "externallink",
    "connections+xml",
    "querytable",
)
# Relationship types that run code or reach outside the file even when the target is internal.
_UNSAFE_RELATIONSHIP_ENDINGS = (
    "vbaproject",
    "activexcontrol",
    "activexcontrolbinary",
    "oleobject",
    "attachedtemplate",
    "afchunk",
)


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
        _refuse_active_pdf(stream)
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
            _refuse_duplicates_and_bombs(archive)
            names = set(archive.namelist())
            info = archive.getinfo(_CONTENT_TYPES) if _CONTENT_TYPES in names else None
            if info is None or info.file_size > _CONTENT_TYPES_MAX_BYTES:
                raise FileRejected(ERROR_UNSUPPORTED)
            root = ElementTree.fromstring(archive.read(info))
            kind = _main_part_kind(root, names)
            _refuse_unsafe_package(archive, root)
            _refuse_active_office_content(archive, kind)
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


def _refuse_duplicates_and_bombs(archive: zipfile.ZipFile) -> None:
    infos = archive.infolist()
    if len(infos) > _MAX_ENTRIES or sum(info.file_size for info in infos) > _MAX_INFLATED_BYTES:
        raise FileRejected(ERROR_TOO_LARGE_INSIDE)
    # Part names are case-insensitive in OPC, and a leading slash names the same part.
    seen = {info.filename.lstrip("/").lower() for info in infos}
    if len(seen) != len(infos):
        raise FileRejected(ERROR_DUPLICATE_ENTRY)


# -- Active content in workbooks and documents --------------------------------------------------

_SPREADSHEET_FORMULA_TAGS = {"f", "definedName", "formula", "formula1", "formula2"}
_WORD_NAMESPACE_WORD = "wordprocessingml"
# Text in "…" (with "" inside) and sheet names in '…' (with '' inside) are not code.
_FORMULA_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_FORMULA_CALLS_OUT = re.compile(
    r"(?<![\w.])(?:_xlfn\.|_xludf\.|_xlws\.)?"
    r"(WEBSERVICE|FILTERXML|IMAGE|RTD|CALL|REGISTER|REGISTER\.ID|EXEC|EXECUTE|DDE|DDEAUTO)\s*\(",
    re.IGNORECASE,
)
_FIELDS_REACHING_OUT = {"INCLUDEPICTURE", "INCLUDETEXT", "LINK", "DDE", "DDEAUTO", "IMPORT", "INCLUDE"}


def formula_calls_out(formula: str) -> bool:
    """Return True for a formula that runs DDE or calls a program or the web (quoted text aside)."""
    code = _FORMULA_QUOTED.sub("", formula)
    return "|" in code or bool(_FORMULA_CALLS_OUT.search(code))


def field_reaches_out(instruction: str) -> bool:
    """Return True for a Word field whose type fetches a file, a picture or another program's data."""
    words = instruction.replace("\\", " ").split()
    return bool(words) and words[0].upper() in _FIELDS_REACHING_OUT


def _local(tag: str) -> tuple[str, str]:
    namespace, _, local = tag.rpartition("}")
    return namespace, local


def _looks_like_xml(head: bytes) -> bool:
    head = head.lstrip(b"\xef\xbb\xbf").lstrip()
    return head.startswith(b"<") or _is_utf16(head)


def _is_utf16(head: bytes) -> bool:
    return head[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in head[:4]


# A part can hold active content only if its bytes (lowercased) show one of these words (a
# character reference may spell anything, so ``&#`` counts too); every other part is passed at
# the speed of a byte search, so a large ordinary workbook is not parsed at all. A UTF-16 part
# is always parsed. Plain substring tests: a regular expression over tens of MB took seconds.
_WORKBOOK_SUSPECT = (b"|", b"&#", b"webservice", b"filterxml", b"image", b"rtd", b"call", b"register", b"exec", b"dde")
_DOCUMENT_SUSPECT = (b"&#", b"include", b"link", b"dde", b"import")
_SCAN_CHUNK = 1024 * 1024
_SCAN_OVERLAP = 16
# Parsing is what costs (about 2 MB/s here on a busy machine): a part that must be parsed and
# is larger than this is refused rather than hold a worker for most of its timeout.
_MAX_PARSED_PART_BYTES = 32 * 1024 * 1024


def _part_is_suspect(archive: zipfile.ZipFile, info: zipfile.ZipInfo, words: tuple[bytes, ...]) -> bool:
    with archive.open(info) as part:
        tail = b""
        while chunk := part.read(_SCAN_CHUNK):
            if not tail and _is_utf16(chunk[:4]):
                return True
            window = (tail + chunk).lower()
            if any(word in window for word in words):
                return True
            tail = chunk[-_SCAN_OVERLAP:]
    return False


def _refuse_active_office_content(archive: zipfile.ZipFile, kind: FileKind) -> None:
    """Read every XML part (whatever its name) and refuse formulas or fields that reach outside."""
    error, suspect = (
        (ERROR_ACTIVE_WORKBOOK, _WORKBOOK_SUSPECT)
        if kind == FileKind.XLSX
        else (ERROR_ACTIVE_DOCUMENT, _DOCUMENT_SUSPECT)
    )
    for info in archive.infolist():
        if info.is_dir() or info.filename == _CONTENT_TYPES:
            continue
        with archive.open(info) as part:
            if not _looks_like_xml(part.read(4)):
                continue
        if not _part_is_suspect(archive, info, suspect):
            continue
        if info.file_size > _MAX_PARSED_PART_BYTES:
            raise FileRejected(ERROR_TOO_LARGE_INSIDE)
        with archive.open(info) as part:
            if _part_reaches_out(part):
                raise FileRejected(error)


class _ReachesOut(Exception):
    """Stops the parse at the first formula or field that reaches outside."""


class _ActiveContentReader:
    """Expat handlers that collect formula text and field instructions, nothing else.

    Expat calls back only for elements and text, without building a tree, so a large part is
    read quickly; no DTD and no entity declarations are accepted (the defusedxml rules).
    """

    def __init__(self):
        self.fields: list[list[str]] = []  # the instructions of the complex fields being read (they nest)
        self.text: list[str] | None = None  # the formula or instruction text being collected

    def start(self, name: str, attributes: dict) -> None:
        namespace, local = _local(name)
        if _WORD_NAMESPACE_WORD in namespace:
            if local == "fldSimple" and field_reaches_out(_attribute(attributes, "instr")):
                raise _ReachesOut
            if local == "fldChar":
                kind = _attribute(attributes, "fldCharType")
                if kind == "begin":
                    self.fields.append([])
                elif self.fields and kind in ("separate", "end"):
                    if field_reaches_out("".join(self.fields[-1])):
                        raise _ReachesOut
                    if kind == "end":
                        self.fields.pop()
                    else:
                        self.fields[-1] = []  # the result between separate and end is not code
            elif local == "instrText" and self.fields:
                self.text = self.fields[-1]
        elif local in _SPREADSHEET_FORMULA_TAGS and ("spreadsheetml" in namespace or "office/excel" in namespace):
            self.text = []

    def end(self, name: str) -> None:
        namespace, local = _local(name)
        if (
            local in _SPREADSHEET_FORMULA_TAGS
            and self.text is not None
            and _WORD_NAMESPACE_WORD not in namespace
            and formula_calls_out("".join(self.text))
        ):
            raise _ReachesOut
        if local in _SPREADSHEET_FORMULA_TAGS or local == "instrText":
            self.text = None

    def characters(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)


def _forbid(*_args) -> None:
    raise FileRejected(ERROR_UNSUPPORTED)


def _part_reaches_out(part) -> bool:
    reader = _ActiveContentReader()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.characters
    try:
        parser.ParseFile(part)
    except _ReachesOut:
        return True
    except expat.ExpatError:
        raise FileRejected(ERROR_UNSUPPORTED) from None
    return False


def _attribute(attributes: dict, name: str) -> str:
    for key, value in attributes.items():
        if _local(key)[1] == name:
            return value
    return ""


# -- Active content in PDFs -------------------------------------------------------------------

_PDF_NAME = re.compile(rb"/([^\s/\[\]<>(){}%]*)")
_PDF_UNSAFE_NAMES = {
    b"JS",
    b"JavaScript",
    b"Launch",
    b"SubmitForm",
    b"ImportData",
    b"GoToE",
    b"GoToR",
    b"RichMedia",
    b"XFA",
    b"EmbeddedFile",
    b"EmbeddedFiles",
    b"AA",
}
_PDF_STREAM = re.compile(rb"(?<!end)stream(?:\r\n|\n|\r)")
_PDF_LENGTH = re.compile(rb"/Length\s+(\d+)\b(?!\s+\d+\s+R)")
_PDF_MAX_INFLATED = 64 * 1024 * 1024
# Names read in one PDF, in its object text and object streams together. Each costs about a
# microsecond: a 63 KB PDF inflating to 31,000,000 names kept a web worker busy 42 s (red team).
# A 10 MB report of a thousand pages holds a few hundred thousand.
_PDF_MAX_NAMES = 1_000_000
_PDF_INFLATE_PIECE = 1024 * 1024
# After /OpenAction: a destination array ("open at this page"), matched in place (a copy of the rest
# of the text for each of 800,000 /OpenAction names would take minutes).
_PDF_ARRAY_NEXT = re.compile(rb"\s*\[")


def _pdf_names(text: bytes) -> Iterator[tuple[bytes, int]]:
    """Yield each name in ``text`` with its ``#xx`` escapes decoded, and where it ends.

    Yielded, not listed: an 8 MB PDF holds 4,000,000 names, and a list of them took a web worker
    from 77 MB to 491 MB (red team).
    """
    for match in _PDF_NAME.finditer(text):
        name = match.group(1)
        if b"#" in name:
            name = re.sub(rb"#([0-9A-Fa-f]{2})", lambda m: bytes([int(m.group(1), 16)]), name)
        yield name, match.end()


def _pdf_text_is_unsafe(text: bytes, counted: list[int]) -> bool:
    """Return whether the text names active content; ``counted`` holds the names read so far in the file."""
    for name, end in _pdf_names(text):
        counted[0] += 1
        if counted[0] > _PDF_MAX_NAMES:
            raise FileRejected(ERROR_TOO_LARGE_INSIDE)
        if name in _PDF_UNSAFE_NAMES:
            return True
        if name == b"OpenAction" and not _PDF_ARRAY_NEXT.match(text, end):
            return True  # a dictionary or a reference: an action, not "open at this page"
    return False


def _inflated_pieces(body: bytes, limit: int) -> Iterator[bytes]:
    """Yield an object stream inflated a piece at a time, each cut before a name so that no name is split.

    Whole, a 63 KB stream inflated to 62 MB at once (red team); a piece is about ``_PDF_INFLATE_PIECE``.
    Past ``limit`` inflated bytes the file is refused.
    """
    inflater, pending, total = zlib.decompressobj(), b"", 0
    while True:
        try:
            piece = inflater.decompress(body, _PDF_INFLATE_PIECE)
        except zlib.error:
            raise FileRejected(ERROR_ACTIVE_PDF) from None
        body = inflater.unconsumed_tail
        total += len(piece)
        if total > limit:
            raise FileRejected(ERROR_TOO_LARGE_INSIDE)
        if not piece:
            if pending:
                yield pending
            return
        text = pending + piece
        cut = text.rfind(b"/")
        cut = cut if cut > 0 else len(text)  # a name longer than a piece names nothing we look for
        pending = text[cut:]
        yield text[:cut]


def _refuse_active_pdf(stream: BinaryIO) -> None:
    """Refuse a PDF whose objects (also those packed in object streams) carry active content."""
    stream.seek(0)
    data = stream.read()
    stream.seek(0)
    outside, inflated, position, counted = [], 0, 0, [0]
    while (match := _PDF_STREAM.search(data, position)) is not None:
        header = data[max(position, match.start() - 4096) : match.start()]
        header = header[header.rfind(b"obj") + 3 :] if b"obj" in header else header
        outside.append(data[position : match.end()])
        body_end = _stream_end(data, match.end(), header)
        body = data[match.end() : body_end]
        position = body_end
        names = {name for name, _ in _pdf_names(header)}
        if b"ObjStm" not in names:
            continue  # page drawing, pictures, fonts: bytes, not names
        if (b"Filter" in names and not names & {b"FlateDecode", b"Fl"}) or names & _PDF_OTHER_FILTERS:
            raise FileRejected(ERROR_ACTIVE_PDF)
        for unpacked in _inflated_pieces(body, _PDF_MAX_INFLATED - inflated):
            inflated += len(unpacked)
            if _pdf_text_is_unsafe(unpacked, counted):
                raise FileRejected(ERROR_ACTIVE_PDF)
    outside.append(data[position:])
    if any(_pdf_text_is_unsafe(text, counted) for text in outside):
        raise FileRejected(ERROR_ACTIVE_PDF)


_PDF_OTHER_FILTERS = {b"LZWDecode", b"ASCIIHexDecode", b"ASCII85Decode", b"RunLengthDecode", b"Crypt", b"AHx", b"A85"}


def _stream_end(data: bytes, start: int, header: bytes) -> int:
    """Return where a stream's bytes end: at its direct /Length when ``endstream`` follows, else at ``endstream``."""
    if (length := _PDF_LENGTH.search(header)) is not None:
        end = start + int(length.group(1))
        if data[end : end + 12].lstrip().startswith(b"endstream"):
            return end
    found = data.find(b"endstream", start)
    return len(data) if found < 0 else found


def check_size(size: int, limit: int) -> None:
    """Raise FileRejected when ``size`` exceeds ``limit`` bytes."""
    if size > limit:
        raise FileRejected(ERROR_TOO_LARGE.format(size=format_size(size), limit=format_size(limit)))
