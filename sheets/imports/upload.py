"""Check an uploaded file before openpyxl opens it: size, real .xlsx, no zip bomb, only the template's parts.

openpyxl parses XML through defusedxml (asserted in ``SheetsConfig.ready``) but does not
stop a zip bomb: a 0.3 MB file that inflates to 300 MB loads happily. So the archive's
member count, declared sizes and compression ratios are read from the zip directory first;
Python's zipfile never inflates a member past its declared size (it fails the CRC instead),
so the declared sizes bound what reading can cost.

What a part is, is decided by ``[Content_Types].xml`` and the relationships, as Excel decides
it, never by the part's name: a macro stored as ``xl/code.bin`` or an external link stored as
``xl/links/el1.xml`` is still a macro or a link. Only the content types the app's own template
has, plus the few a plain save in Excel or LibreOffice adds, are accepted; every other part is
refused. Every XML part is then parsed once, streaming, so a broken one is named to the user
instead of surfacing later as an exception inside openpyxl.
"""

import io
import xml.parsers.expat
import zipfile
from typing import IO
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBER_RATIO = 100  # uncompressed ÷ compressed, for members large enough to matter
RATIO_CHECK_FROM_BYTES = 1024 * 1024
CHUNK_BYTES = 64 * 1024
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
CONTENT_TYPES_PART = "[Content_Types].xml"
CONTENT_TYPES_NS = "{http://schemas.openxmlformats.org/package/2006/content-types}"
RELATIONSHIPS_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
OFFICE_RELATIONSHIP = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
SPREADSHEETML = "application/vnd.openxmlformats-officedocument.spreadsheetml."
RELATIONSHIPS_TYPE = "application/vnd.openxmlformats-package.relationships+xml"
MAX_DEPTH = 64  # element nesting; a worksheet nests about 8 deep, openpyxl builds a tree per part or cell
# Elements in a part openpyxl parses whole into a tree (styles, workbook, properties, relationships):
# 400,000 small number formats in a 3 MB upload took 320 MB and 6 s. A plain workbook's styles hold a
# few thousand. The worksheets and the shared strings are streamed and bounded by ``reader`` instead.
MAX_PART_ELEMENTS = 50_000
STREAMED_TYPES = frozenset({SPREADSHEETML + "worksheet+xml", SPREADSHEETML + "sharedStrings+xml"})

ALLOWED_CONTENT_TYPES = frozenset(
    {
        # The parts the template itself has (sheets.exports.entry_template, saved by openpyxl).
        RELATIONSHIPS_TYPE,
        SPREADSHEETML + "sheet.main+xml",
        SPREADSHEETML + "worksheet+xml",
        SPREADSHEETML + "styles+xml",
        "application/vnd.openxmlformats-officedocument.theme+xml",
        "application/vnd.openxmlformats-package.core-properties+xml",
        "application/vnd.openxmlformats-officedocument.extended-properties+xml",
        # What Excel or LibreOffice adds when the user just types and saves: text moved into a
        # shared table, the calculation order, the printer set-up, document properties.
        SPREADSHEETML + "sharedStrings+xml",
        SPREADSHEETML + "calcChain+xml",
        SPREADSHEETML + "printerSettings",
        "application/vnd.openxmlformats-officedocument.custom-properties+xml",
    }
)
ALLOWED_RELATIONSHIPS = frozenset(
    {
        OFFICE_RELATIONSHIP + "officeDocument",
        "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties",
        OFFICE_RELATIONSHIP + "extended-properties",
        OFFICE_RELATIONSHIP + "custom-properties",
        OFFICE_RELATIONSHIP + "worksheet",
        OFFICE_RELATIONSHIP + "styles",
        OFFICE_RELATIONSHIP + "theme",
        OFFICE_RELATIONSHIP + "sharedStrings",
        OFFICE_RELATIONSHIP + "calcChain",
        OFFICE_RELATIONSHIP + "printerSettings",
    }
)
# Excel turns a URL typed into a cell into a hyperlink, the one external target a careless user
# creates; it is never followed here (the import reads cell values only), so it is let through.
EXTERNAL_HYPERLINK = OFFICE_RELATIONSHIP + "hyperlink"
# Words in a content type, relationship type or (for the message only) a part name that say
# which refusal message is the helpful one; they never decide whether a part is accepted.
MACRO_MARKERS = ("macroenabled", "vbaproject", "vbadata", "vbaproject.bin")
EXTERNAL_MARKERS = ("externallink", "xl/externallinks/")

ERROR_NO_FILE = "ファイルを選んでください。"
ERROR_EXTENSION = "拡張子が .xlsx のファイル（Excel ブック）を選んでください。"
ERROR_TOO_LARGE = "ファイルが大きすぎます（上限 {limit} MB）。"
ERROR_EMPTY = "ファイルが空です。"
ERROR_NOT_XLSX = (
    "Excel ブック（.xlsx）ではありません。拡張子だけを変えたファイルや古い形式（.xls）は取り込めません。"
    "Excel で「Excel ブック（*.xlsx）」として保存し直してください。"
)
ERROR_UNREADABLE = (
    "Excel ブックを読み込めませんでした（{reason}）。"
    "Excel で開けることを確認し、「Excel ブック（*.xlsx）」として保存し直してください。"
)
REASON_ZIP = "ファイルが壊れています。ZIP 形式として正しくありません"
REASON_XML = "部品「{part}」の XML が壊れています（{line}行目 {column}文字目）"
REASON_XML_FORBIDDEN = "部品「{part}」に許可されていない XML の宣言（DTD・エンティティ）があります"
REASON_NO_CONTENT_TYPE = "部品「{part}」の種類が [Content_Types].xml に宣言されていません"
REASON_STRUCTURE = "ブックの構造を解釈できません"
REASON_PART_TOO_LARGE = "部品「{part}」の要素が多すぎます（{limit:,}個まで）"
REASON_TOO_DEEP = "部品「{part}」の要素の入れ子が深すぎます（{limit}段まで）"
ERROR_CORRUPT = ERROR_UNREADABLE.format(reason=REASON_ZIP)
ERROR_MISSING_PARTS = "Excel ブックに必要な部品（{member}）がありません。Excel で保存し直してください。"
ERROR_BOMB = (
    "展開後のサイズが大きすぎるか、圧縮率が異常なため受け付けられません（圧縮爆弾の疑い）。"
    "ダウンロードした入力用ブックに入力してください。"
)
ERROR_EXTERNAL_LINKS = (
    "外部のブックやファイルへのリンクを含むファイルは受け付けられません。"
    "Excel の「データ」→「リンクの編集」でリンクを解除してから保存してください。"
)
ERROR_MACROS = "マクロを含むブックは受け付けられません。「Excel ブック（*.xlsx）」として保存してください。"
ERROR_FOREIGN_PART = (
    "入力用ブックにない要素（{part}）が含まれているため受け付けられません。"
    "画像・図形・コメント・埋め込みオブジェクトなどを削除するか、"
    "ダウンロードした入力用ブックに入力し直してください。"
)


class UploadRejected(ValueError):
    """Raised with the Japanese message shown to the user."""


def read_upload(upload: IO[bytes], *, name: str, size: int | None) -> bytes:
    """Read an uploaded file into memory after checking its name and declared size."""
    if not name:
        raise UploadRejected(ERROR_NO_FILE)
    if not name.lower().endswith(".xlsx"):
        raise UploadRejected(ERROR_EXTENSION)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise UploadRejected(ERROR_TOO_LARGE.format(limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadRejected(ERROR_TOO_LARGE.format(limit=MAX_UPLOAD_BYTES // (1024 * 1024)))
    if not data:
        raise UploadRejected(ERROR_EMPTY)
    return data


def check_archive(data: bytes) -> None:
    """Refuse anything but a plain, modest .xlsx archive; never inflate more than the declared sizes."""
    if not data.startswith(ZIP_MAGIC):
        raise UploadRejected(ERROR_NOT_XLSX)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise UploadRejected(ERROR_CORRUPT) from error
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise UploadRejected(ERROR_BOMB)
        total = 0
        for member in members:
            total += member.file_size
            if member.file_size >= RATIO_CHECK_FROM_BYTES and (
                member.compress_size == 0 or member.file_size / member.compress_size > MAX_MEMBER_RATIO
            ):
                raise UploadRejected(ERROR_BOMB)
        if total > MAX_UNCOMPRESSED_BYTES:
            raise UploadRejected(ERROR_BOMB)
        names = {member.filename for member in members}
        for required in REQUIRED_MEMBERS:
            if required not in names:
                raise UploadRejected(ERROR_MISSING_PARTS.format(member=required))
        try:
            broken = archive.testzip()  # inflates each member, bounded by the sizes checked above
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError) as error:
            raise UploadRejected(ERROR_CORRUPT) from error
        if broken is not None:
            raise UploadRejected(ERROR_CORRUPT)
        content_types = check_parts(archive)
        check_xml(archive, content_types)


def _parse_small(archive: zipfile.ZipFile, part: str):
    """Parse a package part (content types, relationships), naming it when it is broken."""
    try:
        return fromstring(archive.read(part), forbid_dtd=True)
    except ParseError as error:
        line, column = error.position
        raise UploadRejected(unreadable(REASON_XML.format(part=part, line=line, column=column))) from error
    except DefusedXmlException as error:
        raise UploadRejected(unreadable(REASON_XML_FORBIDDEN.format(part=part))) from error


def unreadable(reason: str) -> str:
    return ERROR_UNREADABLE.format(reason=reason)


def _refusal(found: list[tuple[str, str]]) -> str:
    """Pick the most helpful message for the refused parts: (part name, what declared it)."""
    words = [f"{name} {kind}".lower() for name, kind in found]
    if any(marker in word for word in words for marker in MACRO_MARKERS):
        return ERROR_MACROS
    if any(marker in word for word in words for marker in EXTERNAL_MARKERS):
        return ERROR_EXTERNAL_LINKS
    return ERROR_FOREIGN_PART.format(part=found[0][0])


def check_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Accept only parts whose declared content type and relationships the template has.

    Return each part's content type by name. Raise UploadRejected for a part with no declared
    type, an unlisted type, an unlisted relationship or any external target but a hyperlink.
    """
    types = _parse_small(archive, CONTENT_TYPES_PART)
    defaults = {
        element.get("Extension", "").lower(): element.get("ContentType", "")
        for element in types.iter(f"{CONTENT_TYPES_NS}Default")
    }
    declared = [
        (element.get("PartName", "").lstrip("/"), element.get("ContentType", ""))
        for element in types.iter(f"{CONTENT_TYPES_NS}Override")
    ]
    overrides = {part.lower(): content_type for part, content_type in declared}  # part names ignore case
    refused: list[tuple[str, str]] = [
        (part, content_type) for part, content_type in declared if content_type not in ALLOWED_CONTENT_TYPES
    ]
    found: dict[str, str] = {}
    for member in archive.infolist():
        name = member.filename
        if member.is_dir() or name == CONTENT_TYPES_PART:
            continue
        basename = name.rsplit("/", 1)[-1]
        # By the package's rule, not posixpath's: "_rels/.rels" has the extension "rels".
        extension = basename.rsplit(".", 1)[-1].lower() if "." in basename else ""
        content_type = overrides.get(name.lower()) or defaults.get(extension)
        if content_type is None:
            refused.append((name, REASON_NO_CONTENT_TYPE))
        elif content_type not in ALLOWED_CONTENT_TYPES:
            refused.append((name, content_type))
        found[name] = content_type or ""
    if refused:
        raise UploadRejected(_refusal(refused))

    external = False
    for name, content_type in found.items():
        if content_type != RELATIONSHIPS_TYPE:
            continue
        for relationship in _parse_small(archive, name).iter(f"{RELATIONSHIPS_NS}Relationship"):
            kind = relationship.get("Type", "")
            target = relationship.get("Target", "")
            if relationship.get("TargetMode", "Internal") == "External":
                if kind != EXTERNAL_HYPERLINK:
                    external = True
                    refused.append((target, kind))
            elif kind not in ALLOWED_RELATIONSHIPS:
                refused.append((target, kind))
    if refused:
        raise UploadRejected(ERROR_EXTERNAL_LINKS if external else _refusal(refused))
    return found


class _ForbiddenDeclaration(Exception):
    pass


def _forbid(*args) -> None:
    raise _ForbiddenDeclaration


def xml_parser(**handlers) -> xml.parsers.expat.XMLParserType:
    """Return an expat parser that builds nothing and refuses DTDs and entities (no billion laughs)."""
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    for name, handler in handlers.items():
        setattr(parser, name, handler)
    return parser


def parse_part(archive: zipfile.ZipFile, part: str, parser: xml.parsers.expat.XMLParserType) -> None:
    """Feed a part to the parser in chunks, turning every failure into a message naming the part."""
    try:
        with archive.open(part) as source:
            while chunk := source.read(CHUNK_BYTES):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except xml.parsers.expat.ExpatError as error:
        raise UploadRejected(
            unreadable(REASON_XML.format(part=part, line=error.lineno, column=error.offset + 1))
        ) from error
    except _ForbiddenDeclaration as error:
        raise UploadRejected(unreadable(REASON_XML_FORBIDDEN.format(part=part))) from error


class _ElementCount:
    """Expat handlers refusing a part with more elements, or deeper nesting, than openpyxl should build."""

    def __init__(self, part: str):
        self.part = part
        self.elements = 0
        self.depth = 0

    def start(self, name, attributes):
        self.elements += 1
        self.depth += 1
        if self.elements > MAX_PART_ELEMENTS:
            raise UploadRejected(unreadable(REASON_PART_TOO_LARGE.format(part=self.part, limit=MAX_PART_ELEMENTS)))
        if self.depth > MAX_DEPTH:
            raise UploadRejected(unreadable(REASON_TOO_DEEP.format(part=self.part, limit=MAX_DEPTH)))

    def end(self, name):
        self.depth -= 1


def check_xml(archive: zipfile.ZipFile, content_types: dict[str, str]) -> None:
    """Parse every XML part once, streaming and building nothing, so a broken part is named.

    A part openpyxl will parse whole is also held to ``MAX_PART_ELEMENTS`` and ``MAX_DEPTH``.
    """
    for name, content_type in content_types.items():
        if not content_type.endswith("xml"):
            continue
        if content_type in STREAMED_TYPES:
            parse_part(archive, name, xml_parser())
        else:
            count = _ElementCount(name)
            parse_part(archive, name, xml_parser(StartElementHandler=count.start, EndElementHandler=count.end))


def load(data: bytes) -> Workbook:
    """Open checked bytes read-only with formulas read as their cached values; sheets are parsed on demand."""
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on malformed parts; all mean the same to the user
        raise UploadRejected(unreadable(REASON_STRUCTURE)) from error


def open_workbook(data: bytes) -> Workbook:
    """Check the archive, then open it read-only with formulas read as their cached values."""
    check_archive(data)
    return load(data)
