"""Check an uploaded file before openpyxl opens it: size, real .xlsx, no zip bomb, no external links.

openpyxl parses XML through defusedxml (asserted in ``SheetsConfig.ready``) but does not
stop a zip bomb: a 0.3 MB file that inflates to 300 MB loads happily. So the archive's
member count, declared sizes and compression ratios are read from the zip directory first;
Python's zipfile never inflates a member past its declared size (it fails the CRC instead),
so the declared sizes bound what reading can cost.
"""

import io
import zipfile
from typing import IO

from openpyxl import load_workbook
from openpyxl.workbook.workbook import Workbook

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_MEMBERS = 200
MAX_UNCOMPRESSED_BYTES = 50 * 1024 * 1024
MAX_MEMBER_RATIO = 100  # uncompressed ÷ compressed, for members large enough to matter
RATIO_CHECK_FROM_BYTES = 1024 * 1024
ZIP_MAGIC = b"PK\x03\x04"
REQUIRED_MEMBERS = ("[Content_Types].xml", "xl/workbook.xml")
EXTERNAL_LINK_PREFIX = "xl/externalLinks/"
MACRO_MEMBER = "xl/vbaProject.bin"

ERROR_NO_FILE = "ファイルを選んでください。"
ERROR_EXTENSION = "拡張子が .xlsx のファイル（Excel ブック）を選んでください。"
ERROR_TOO_LARGE = "ファイルが大きすぎます（上限 {limit} MB）。"
ERROR_EMPTY = "ファイルが空です。"
ERROR_NOT_XLSX = (
    "Excel ブック（.xlsx）ではありません。拡張子だけを変えたファイルや古い形式（.xls）は取り込めません。"
    "Excel で「Excel ブック（*.xlsx）」として保存し直してください。"
)
ERROR_CORRUPT = "ファイルが壊れているため読み込めません（ZIP 形式として正しくありません）。"
ERROR_MISSING_PARTS = "Excel ブックに必要な部品（{member}）がありません。Excel で保存し直してください。"
ERROR_BOMB = (
    "展開後のサイズが大きすぎるか、圧縮率が異常なため受け付けられません（圧縮爆弾の疑い）。"
    "ダウンロードした入力用ブックに入力してください。"
)
ERROR_EXTERNAL_LINKS = (
    "外部のブックへのリンクを含むファイルは受け付けられません。"
    "Excel の「データ」→「リンクの編集」でリンクを解除してから保存してください。"
)
ERROR_MACROS = "マクロを含むブックは受け付けられません。「Excel ブック（*.xlsx）」として保存してください。"
ERROR_UNREADABLE = "Excel ブックを読み込めませんでした。Excel で開けることを確認し、保存し直してください。"


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
        if any(name.startswith(EXTERNAL_LINK_PREFIX) for name in names):
            raise UploadRejected(ERROR_EXTERNAL_LINKS)
        if MACRO_MEMBER in names:
            raise UploadRejected(ERROR_MACROS)
        try:
            broken = archive.testzip()  # inflates each member, bounded by the sizes checked above
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError, NotImplementedError) as error:
            raise UploadRejected(ERROR_CORRUPT) from error
        if broken is not None:
            raise UploadRejected(ERROR_CORRUPT)


def open_workbook(data: bytes) -> Workbook:
    """Check the archive, then open it read-only with formulas read as their cached values."""
    check_archive(data)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on malformed parts; all mean the same to the user
        raise UploadRejected(ERROR_UNREADABLE) from error
