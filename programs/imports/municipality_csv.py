"""Read a prefecture's municipality list from CSV (the format of programs/data/tokyo_municipalities.csv).

Columns (UTF-8, header row; only ``code`` and ``name`` are required):

    code,name,kind,region,valid_from,valid_to,successor_code,tile_row,tile_column

``code`` is the 全国地方公共団体コード, six digits with the check digit or the first five;
``kind`` 特別区・市・町・村 (else read from the name's last character); ``region`` groups the
list (区部・多摩・島しょ); dates as 2001-01-21; ``successor_code`` is the municipality a merged
one went into; ``tile_row``/``tile_column`` place it on the tile map (0 = top/left). The
published code list's Japanese headers 団体コード and 市区町村名（漢字） are read as ``code`` and
``name``; its prefecture rows (no 市区町村名) are skipped. A file saved by Excel as CP932 is read too.

Pure: bytes in, rows and problems out. ``programs.services.municipalities_load`` writes.
"""

import csv
import io
import re
from dataclasses import dataclass
from datetime import date

from programs.models import Municipality
from programs.municipality_codes import InvalidCode, full_code

HEADER_ALIASES = {"団体コード": "code", "市区町村名（漢字）": "name", "市区町村名": "name"}
KINDS = {label: value for value, label in Municipality.Kind.choices}
KIND_BY_SUFFIX = {"区": "ward", "市": "city", "町": "town", "村": "village"}
MAX_ROWS = 5000  # Japan has 1,741 municipalities; a bigger file is not a municipality list

ERROR_NO_CODE_COLUMN = "1行目に code（団体コード）と name（市区町村名）の列が必要です。"
ERROR_TOO_MANY = f"行が多すぎます（{MAX_ROWS:,}行まで）。"
ERROR_ENCODING = "文字コードを読み取れません。UTF-8 または Shift_JIS（CP932）で保存してください。"


@dataclass(frozen=True)
class MunicipalityRow:
    code: str
    name: str
    kind: str
    region: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    successor_code: str = ""
    tile_row: int | None = None
    tile_column: int | None = None


def municipality_rows(data: bytes) -> tuple[list[MunicipalityRow], list[str]]:
    """Return the file's rows and, line by line, what is wrong with it (nothing is written)."""
    text = _decoded(data)
    if text is None:
        return [], [ERROR_ENCODING]
    reader = csv.DictReader(io.StringIO(text))
    reader.fieldnames = [
        HEADER_ALIASES.get((name or "").strip(), (name or "").strip()) for name in reader.fieldnames or []
    ]
    if not {"code", "name"} <= set(reader.fieldnames):
        return [], [ERROR_NO_CODE_COLUMN]
    rows, problems, seen = [], [], set()
    for line, record in enumerate(reader, start=2):
        if line - 1 > MAX_ROWS:
            return [], [ERROR_TOO_MANY]
        record = {key: (value or "").strip() for key, value in record.items() if key}
        if not record.get("name"):
            continue  # the published list's prefecture rows (130001 東京都)
        try:
            row = _row(record)
        except (InvalidCode, ValueError) as error:
            problems.append(f"{line}行目: {error}")
            continue
        if row.code in seen:
            problems.append(f"{line}行目: 団体コード{row.code}が重複しています。")
        seen.add(row.code)
        rows.append(row)
    return rows, problems


def _decoded(data: bytes) -> str | None:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return None if "\x00" in text else text
    return None


def _row(record: dict[str, str]) -> MunicipalityRow:
    name = record["name"]
    if len(name) > 20 or re.search(r"[\x00-\x1f<>]", name):
        raise ValueError(f"名称「{name[:20]}」は使えません（20文字まで、記号 < > なし）。")
    kind = KINDS.get(record.get("kind", "")) or record.get("kind", "")
    if kind not in KINDS.values():
        kind = KIND_BY_SUFFIX.get(name[-1:], "")
    if not kind:
        raise ValueError(f"種別が分かりません（特別区・市・町・村）: {name}")
    valid_from, valid_to = _date(record.get("valid_from")), _date(record.get("valid_to"))
    if valid_from and valid_to and valid_from > valid_to:
        raise ValueError("設置日が廃止日より後です。")
    successor = record.get("successor_code", "")
    return MunicipalityRow(
        code=full_code(record["code"]),
        name=name,
        kind=kind,
        region=record.get("region", "")[:20],
        valid_from=valid_from,
        valid_to=valid_to,
        successor_code=full_code(successor) if successor else "",
        tile_row=_small(record.get("tile_row")),
        tile_column=_small(record.get("tile_column")),
    )


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise ValueError(f"日付「{text[:20]}」は 2001-01-21 の形で書いてください。") from error


def _small(text: str | None) -> int | None:
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or int(text) > 99:
        raise ValueError(f"タイル地図の位置「{text[:10]}」は 0～99 の整数で書いてください。")
    return int(text)
