"""Read 評価指標 results (points per municipality and indicator) from a workbook, by a column mapping.

The national results come as spreadsheets whose columns differ from year to year; instead of a
parser per layout, the administrator says which column holds what (the mapping screen). One row
per municipality and indicator (long format): 団体コード, 指標番号, 得点, and optionally 分野,
配点 and 指標の内容 to create an indicator the year's set does not have yet.

Pure: bytes in, a table out; a table and a mapping in, lines and problems out. Writes are
``programs.services.grant_scores_import``. This is a small mapping of its own until the generic
column-mapping screen of the plan-sheet adoption is in (issue 23 brief).
"""

import csv
import io
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from programs.municipality_codes import InvalidCode, full_code

from .reader import BoundedWorkbook, Bounds
from .upload import UploadRejected

MAX_ROWS = 200_000  # 1,741 municipalities × about 100 indicators
MAX_COLUMNS = 60
MAX_PROBLEMS = 50

# (key, label, required)
TARGETS = (
    ("code", "団体コード", True),
    ("number", "指標番号", True),
    ("points", "得点", True),
    ("field", "分野", False),
    ("max_points", "配点", False),
    ("text", "指標の内容", False),
)
# Header words that suggest a column for each target (the mapping screen's first guess).
GUESSES = {
    "code": ("団体コード", "コード", "code"),
    "number": ("指標番号", "番号", "指標", "number"),
    "points": ("得点", "点数", "points"),
    "field": ("分野", "field"),
    "max_points": ("配点", "満点", "max"),
    "text": ("内容", "指標名", "text"),
}

ERROR_EMPTY = "見出しの行が見つかりません。1行目に列の見出しがあるファイルを選んでください。"
ERROR_ENCODING = "CSV の文字コードを読み取れません。UTF-8 または Shift_JIS（CP932）で保存してください。"
ERROR_TOO_LARGE = f"行が多すぎます（{MAX_ROWS:,}行・{MAX_COLUMNS}列まで）。"


@dataclass(frozen=True)
class UploadedTable:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def guess(self) -> dict[str, int | None]:
        """Return each target's likely column (its index), else None."""
        guessed = {}
        for key, words in GUESSES.items():
            guessed[key] = next(
                (
                    index
                    for word in words
                    for index, header in enumerate(self.headers)
                    if word.lower() in header.lower()
                ),
                None,
            )
        return guessed


@dataclass(frozen=True)
class ScoreLine:
    line: int
    code: str
    number: str
    points: Decimal
    field: str = ""
    max_points: Decimal | None = None
    text: str = ""


def table_of(data: bytes, *, name: str) -> UploadedTable:
    """Return the first sheet (or the CSV) as text: its header row and the rows under it."""
    if name.lower().endswith(".csv"):
        rows = _csv_rows(data)
    else:
        with BoundedWorkbook(data) as workbook:
            rows = workbook.rows(workbook.sheetnames[0], Bounds(MAX_ROWS + 1, MAX_COLUMNS))
    texts = [tuple(_text(value) for value in row) for row in rows]
    texts = [row for row in texts if any(row)]
    if not texts:
        raise UploadRejected(ERROR_EMPTY)
    width = max(len(row) for row in texts)
    headers = tuple(texts[0]) + ("",) * (width - len(texts[0]))
    return UploadedTable(
        headers=tuple(header or f"（{index + 1}列目）" for index, header in enumerate(headers)),
        rows=tuple(row + ("",) * (width - len(row)) for row in texts[1:]),
    )


def _csv_rows(data: bytes) -> list[tuple]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UploadRejected(ERROR_ENCODING)
    if "\x00" in text:
        raise UploadRejected(ERROR_ENCODING)
    rows = []
    for row in csv.reader(io.StringIO(text)):
        if len(rows) > MAX_ROWS or len(row) > MAX_COLUMNS:
            raise UploadRejected(ERROR_TOO_LARGE)
        rows.append(tuple(row))
    return rows


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()[:500]


def score_lines(table: UploadedTable, mapping: dict[str, int | None]) -> tuple[list[ScoreLine], list[str]]:
    """Return the table's rows as score lines by the mapping, and what is wrong, row by row."""
    problems = [
        f"「{label}」の列を選んでください。"
        for key, label, required in TARGETS
        if required and mapping.get(key) is None
    ]
    if problems:
        return [], problems
    lines = []
    for offset, row in enumerate(table.rows, start=2):
        value = {key: (row[index] if index is not None and index < len(row) else "") for key, index in mapping.items()}
        if not any(value.values()):
            continue
        try:
            lines.append(
                ScoreLine(
                    line=offset,
                    code=full_code(value["code"]),
                    number=_required(value["number"], "指標番号"),
                    points=_decimal(value["points"], "得点"),
                    field=value.get("field", "")[:100],
                    max_points=_decimal(value["max_points"], "配点") if value.get("max_points") else None,
                    text=value.get("text", ""),
                )
            )
        except (InvalidCode, ValueError) as error:
            problems.append(f"{offset}行目: {error}")
            if len(problems) >= MAX_PROBLEMS:
                problems.append(f"ほかにも問題があります（最初の{MAX_PROBLEMS}件を表示）。")
                break
    return lines, problems


def _required(text: str, label: str) -> str:
    if not text:
        raise ValueError(f"{label}が空です。")
    if len(text) > 30:
        raise ValueError(f"{label}「{text[:30]}…」が長すぎます（30文字まで）。")
    return text


def _decimal(text: str, label: str) -> Decimal:
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation as error:
        raise ValueError(f"{label}「{text[:20]}」は数値ではありません。") from error
    if not number.is_finite() or number < 0 or number >= 100_000:
        raise ValueError(f"{label}「{text[:20]}」は 0 以上 99,999 以下で入力してください。")
    return number.quantize(Decimal("0.1"))
