"""Read a filled entry workbook back: parse every row, validate it, preview the changes, apply them.

``entry_read`` opens the upload and reads the template's sheets, only within the rows and
columns the plan's template can have (refusing the file otherwise); ``entry_parse`` turns those
rows into typed lines without touching the database; ``entry_preview`` checks the
rows against the plan and the permission rules, and lists every error with its sheet, row and
column and every item's change (old → new), computed by ``evaluations.changes`` as the entry
screen's is; ``entry_apply`` saves each item's typed submission through the entry screen's
service in one transaction, which writes only the change the preview showed, so a failure
anywhere leaves nothing written.
"""

import datetime
import secrets
import unicodedata
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from openpyxl.utils import get_column_letter

from evaluations import services  # the entry screen's write path, shared on purpose
from evaluations.changes import ACTUAL_TEXT, VALUE, ItemYearChange, ItemYearState, Submission, item_year_change
from evaluations.changes import FieldChange as ChangedField
from evaluations.models import NO_RECORD_VERSION, RESULT_LIMITS, SelfEvaluation
from evaluations.policies import can_edit
from evaluations.quantity_input import fitted_to
from evaluations.selectors import item_year_states
from programs.fiscal_years import FiscalYearError, era_label, parse_fiscal_year
from programs.models import item_label_of
from programs.quantities import ERROR_WHOLE_NUMBER, QuantityError, breaks_whole_number_unit, parse_quantity
from sheets import selectors
from sheets.exports.entry_template import (
    EVALUATION_COLUMNS,
    EVALUATIONS_SHEET,
    FORMAT_NAME,
    FORMAT_VERSION,
    HEADER_ACTIVITIES,
    HEADER_ACTUAL_TEXT,
    HEADER_INDICATOR_ID,
    HEADER_ITEM_ID,
    HEADER_NEXT_STEPS,
    HEADER_ROW,
    HEADER_SELF_ASSESSMENT,
    HEADER_VALUE,
    HEADER_VERSION,
    META_KEYS,
    META_SHEET,
    RESULT_COLUMNS,
    RESULTS_SHEET,
    YEAR_LABEL,
)

from .reader import COLUMN_MARGIN, ROW_MARGIN, BoundedWorkbook, Bounds

MAX_ROWS = 5000  # data rows read when the workbook names no known plan (the preview then says so)
MAX_ACTUAL_TEXT = 500
MAX_TEXT = SelfEvaluation.NARRATIVE_MAX_LENGTH  # the entry screen's limit too: one limit, the model's
# The raw text a cell may hold before it is read: the longest field, a CR LF counted twice. The field's
# own limit is checked on the text read; this one keeps a pasted megabyte from being processed at all.
MAX_CELL_TEXT = 2 * max(MAX_TEXT, MAX_ACTUAL_TEXT)

ERROR_NOT_TEMPLATE = (
    "このアプリでダウンロードした入力用ブックではありません。"
    "「入力用ブックをダウンロード」から取得したブックに入力してください。"
)
ERROR_FORMAT_VERSION = "入力用ブックの形式が古いか異なります。もう一度ダウンロードしてください。"
ERROR_SHEET_MISSING = "シート「{sheet}」がありません。シート名を変えたり削除したりしないでください。"
ERROR_HEADER_MISSING = "見出し「{header}」が{row}行目にありません。列の見出しを変えないでください。"
ERROR_YEAR_MISSING = "「年度」欄が見つからないか、空欄です。"
ERROR_YEARS_DIFFER = "２つのシートの年度（{first} と {second}）が一致しません。"
ERROR_YEAR_NOT_IN_PLAN = "{year}は{plan}の年度ではありません。"
ERROR_PLAN_UNKNOWN = "計画期間「{plan}」が見つかりません。"
ERROR_ID_MISSING = "{header}のない行は取り込めません。行を追加せず、ダウンロードしたブックの行に入力してください。"
ERROR_ID_INVALID = "{header}「{value}」が正しくありません。A列（非表示）は変更しないでください。"
ERROR_ID_DUPLICATE = "{header} {value} の行が重複しています（{first_row}行目と同じ）。"
ERROR_ID_UNKNOWN = "{header} {value} はこの計画期間にありません。"
ERROR_DATE = "日付として入力されています。数値を入力してください（例: 144）。"
ERROR_BOOLEAN = "TRUE/FALSE ではなく数値を入力してください。"
ERROR_TOO_PRECISE = "小数は第2位まで、整数部は12桁までにしてください。"
ERROR_TOO_LONG = "{limit}文字以内で入力してください（{length}文字）。"
ERROR_NARRATIVE_TOO_LONG = "「{field}」は{limit}文字以内で入力してください（{length}文字）。"
ERROR_ITEM_GONE = "取り込む事項の一部が削除されています。もう一度ダウンロードからやり直してください。"
EMPTY = "（空欄）"
ERROR_VERSION_INVALID = "非表示の列「版」が空欄か変更されています。もう一度ダウンロードしたブックに入力してください。"
ERROR_UNIT = "単位「{unit}」がこの指標の単位「{expected}」と違います。"


@dataclass(frozen=True)
class EntryError:
    sheet: str
    row: int | None
    column: str
    message: str


@dataclass(frozen=True)
class ResultLine:
    row: int
    indicator_id: int
    value: Decimal | None
    unit: str
    actual_text: str  # the 実績（原文） cell as typed
    wording: str  # the 実績（数値） cell when typed with its unit (「1,350人」), else ""
    version: int = NO_RECORD_VERSION  # the item's record version when the workbook was downloaded


@dataclass(frozen=True)
class EvaluationLine:
    row: int
    item_id: int
    activities: str
    self_assessment: str
    next_steps: str
    version: int = NO_RECORD_VERSION


@dataclass(frozen=True)
class ParsedEntry:
    plan_name: str
    fiscal_year: int | None
    year_cell: tuple[str, int | None, str]  # sheet, row, column of the 年度 cell, for messages
    results: tuple[ResultLine, ...]
    evaluations: tuple[EvaluationLine, ...]
    errors: tuple[EntryError, ...]


@dataclass(frozen=True)
class FieldChange:
    """One line of the preview: a field of the item-year's change, placed at its sheet and row."""

    sheet: str
    row: int
    field: str
    old: str
    new: str


@dataclass(frozen=True)
class ItemChanges:
    item_id: int
    label: str
    fields: tuple[FieldChange, ...]
    change: ItemYearChange  # what confirming writes, field by field


@dataclass(frozen=True)
class ItemUpdate:
    """What confirming saves for one item: the typed submission, and the change it made when previewed."""

    item_id: int
    submission: Submission
    expected_version: int  # NO_RECORD_VERSION when the preview found no record
    change_digest: str  # the service refuses to write any other change


@dataclass(frozen=True)
class ItemConflict:
    """An item saved by someone else after the workbook was downloaded: nothing is written for it."""

    item_id: int
    label: str
    changed_by: str
    changed_at: datetime.datetime | None
    changes: tuple[ChangedField, ...]  # what they changed since the workbook's version


@dataclass(frozen=True)
class EntryPreview:
    plan_id: int | None
    plan_name: str
    fiscal_year: int | None
    changes: tuple[ItemChanges, ...] = ()
    errors: tuple[EntryError, ...] = ()
    updates: tuple[ItemUpdate, ...] = field(default=())
    conflicts: tuple[ItemConflict, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    @property
    def fiscal_year_label(self) -> str:
        return era_label(self.fiscal_year) if self.fiscal_year else ""

    @property
    def change_count(self) -> int:
        return sum(len(item.fields) for item in self.changes)


# -- Parsing (no database) -------------------------------------------------------------------


def _column_name(index: int, header: str) -> str:
    return f"{get_column_letter(index)}列（{header}）"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).replace("\r\n", "\n").replace("\r", "\n").strip()


def _read_id(value: Any) -> int | None:
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text.isdigit():
        raise ValueError(value)
    return int(text)


def _read_quantity(value: Any) -> tuple[Decimal | None, str, str]:
    """Return (value, unit, wording) from a cell: a number, 「1,350人」, 「１，３５０」 or blank."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, "", ""
    if isinstance(value, bool):
        raise QuantityError(ERROR_BOOLEAN)
    if isinstance(value, datetime.date | datetime.datetime | datetime.time | datetime.timedelta):
        raise QuantityError(ERROR_DATE)
    if isinstance(value, int | float):
        number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
        quantity = parse_quantity(number)
        wording = ""
    else:
        quantity = parse_quantity(str(value))
        wording = unicodedata.normalize("NFKC", str(value)).strip()
    fitted = fitted_to(quantity.value, RESULT_LIMITS)
    if fitted is None:
        raise QuantityError(ERROR_TOO_PRECISE)
    return fitted, quantity.unit, wording


def _find_year(rows: list[tuple], sheet: str) -> tuple[Any, int | None, int | None]:
    for row_index, row in enumerate(rows[:HEADER_ROW], start=1):
        for column_index, value in enumerate(row, start=1):
            if _text(value) == YEAR_LABEL:
                following = row[column_index] if column_index < len(row) else None
                return following, row_index, column_index + 1
    return None, None, None


def _header_map(rows: list[tuple], sheet: str, headers: Iterable[str], errors: list[EntryError]) -> dict[str, int]:
    found = {}
    if len(rows) >= HEADER_ROW:
        for index, value in enumerate(rows[HEADER_ROW - 1], start=1):
            found.setdefault(_text(value), index)
    positions = {}
    for header in headers:
        if header not in found:
            errors.append(EntryError(sheet, HEADER_ROW, "", ERROR_HEADER_MISSING.format(header=header, row=HEADER_ROW)))
        else:
            positions[header] = found[header]
    return positions


@dataclass(frozen=True)
class EntryRows:
    """The values of the template's sheets as read from an upload; a sheet not in the workbook is absent."""

    sheetnames: tuple[str, ...]
    meta: tuple[tuple, ...] | None
    sheets: dict[str, tuple[tuple, ...]]


def _meta(rows: tuple[tuple, ...]) -> dict[str, Any]:
    return {_text(row[0]): row[1] for row in rows if row}


def entry_read(data: bytes) -> EntryRows:
    """Open an uploaded workbook and read the template's sheets within the plan's bounds.

    Raise UploadRejected with the user's message when the file cannot be read, holds parts the
    template never has, or has cells outside the rows and columns the plan's template can have.
    """
    with BoundedWorkbook(data) as workbook:
        if META_SHEET not in workbook.sheetnames:
            return EntryRows(workbook.sheetnames, None, {})
        meta_rows = workbook.rows(META_SHEET, Bounds(len(META_KEYS) + ROW_MARGIN, 2 + COLUMN_MARGIN, MAX_CELL_TEXT))
        meta = _meta(meta_rows)
        if _text(meta.get("format")) != FORMAT_NAME:
            return EntryRows(workbook.sheetnames, meta_rows, {})
        sizes = selectors.entry_sheet_sizes(plan_name=_text(meta.get("plan")))
        indicators, items = sizes if sizes else (MAX_ROWS, MAX_ROWS)
        sheets = {}
        for sheet, columns, data_rows in (
            (RESULTS_SHEET, RESULT_COLUMNS, indicators),
            (EVALUATIONS_SHEET, EVALUATION_COLUMNS, items),
        ):
            if sheet in workbook.sheetnames:
                bounds = Bounds(HEADER_ROW + data_rows + ROW_MARGIN, len(columns) + COLUMN_MARGIN, MAX_CELL_TEXT)
                sheets[sheet] = workbook.rows(sheet, bounds)
        return EntryRows(workbook.sheetnames, meta_rows, sheets)


def entry_parse(read: EntryRows) -> ParsedEntry:
    """Turn the sheets' rows into typed lines, collecting every error with its place."""
    errors: list[EntryError] = []
    empty = ParsedEntry("", None, ("", None, ""), (), (), ())
    if read.meta is None:
        return ParsedEntry(**{**asdict(empty), "errors": (EntryError("", None, "", ERROR_NOT_TEMPLATE),)})
    meta = _meta(read.meta)
    if _text(meta.get("format")) != FORMAT_NAME:
        return ParsedEntry(**{**asdict(empty), "errors": (EntryError("", None, "", ERROR_NOT_TEMPLATE),)})
    if _text(meta.get("version")) != str(FORMAT_VERSION):
        return ParsedEntry(**{**asdict(empty), "errors": (EntryError("", None, "", ERROR_FORMAT_VERSION),)})
    plan_name = _text(meta.get("plan"))

    sheets: dict[str, list[tuple]] = {}
    for sheet in (RESULTS_SHEET, EVALUATIONS_SHEET):
        if sheet not in read.sheets:
            errors.append(EntryError(sheet, None, "", ERROR_SHEET_MISSING.format(sheet=sheet)))
            continue
        sheets[sheet] = list(read.sheets[sheet])
    if errors:
        return ParsedEntry(plan_name, None, ("", None, ""), (), (), tuple(errors))

    fiscal_year, year_cell = _parse_year(sheets, errors)
    results = _parse_results(sheets[RESULTS_SHEET], errors)
    evaluations = _parse_evaluations(sheets[EVALUATIONS_SHEET], errors)
    return ParsedEntry(plan_name, fiscal_year, year_cell, results, evaluations, tuple(errors))


def _parse_year(sheets: dict[str, list[tuple]], errors: list[EntryError]) -> tuple[int | None, tuple]:
    years = []
    first_cell: tuple = ("", None, "")
    for sheet, rows in sheets.items():
        value, row, column = _find_year(rows, sheet)
        place = (sheet, row, _column_name(column, YEAR_LABEL) if column else "")
        if not first_cell[0]:
            first_cell = place
        if row is None or value is None or not _text(value):
            errors.append(EntryError(sheet, row, place[2], ERROR_YEAR_MISSING))
            continue
        try:
            years.append((parse_fiscal_year(value if isinstance(value, int) else _text(value)), place))
        except FiscalYearError as error:
            errors.append(EntryError(sheet, row, place[2], str(error)))
    if len(years) == 2 and years[0][0] != years[1][0]:
        sheet, row, column = years[1][1]
        errors.append(
            EntryError(
                sheet,
                row,
                column,
                ERROR_YEARS_DIFFER.format(first=era_label(years[0][0]), second=era_label(years[1][0])),
            )
        )
        return None, first_cell
    return (years[0][0], years[0][1]) if years else (None, first_cell)


def _filled_rows(rows: list[tuple], positions: dict[str, int]):
    """Yield (row number, cells by header) for every data row below the header that is not blank."""
    for row_index, row in enumerate(rows[HEADER_ROW:], start=HEADER_ROW + 1):
        cells = {header: row[index - 1] if index - 1 < len(row) else None for header, index in positions.items()}
        if any(_text(value) != "" for value in cells.values()):
            yield row_index, cells


def _identified_rows(rows: list[tuple], sheet: str, positions: dict[str, int], id_header: str, errors):
    """Yield (row number, cells, id, version) for each filled row whose id and hidden version read; note the others."""
    seen: dict[int, int] = {}
    for row_index, cells in _filled_rows(rows, positions):
        row_id = _checked_id(sheet, row_index, positions, id_header, cells, seen, errors)
        version = _checked_version(sheet, row_index, positions, cells, errors)
        if row_id is not None and version is not None:
            yield row_index, cells, row_id, version


def _parse_results(rows: list[tuple], errors: list[EntryError]) -> tuple[ResultLine, ...]:
    sheet = RESULTS_SHEET
    positions = _header_map(
        rows, sheet, (HEADER_INDICATOR_ID, HEADER_VALUE, HEADER_ACTUAL_TEXT, HEADER_VERSION), errors
    )
    if len(positions) < 4:
        return ()
    lines = []
    identified = _identified_rows(rows, sheet, positions, HEADER_INDICATOR_ID, errors)
    for row_index, cells, indicator_id, version in identified:
        value_column = _column_name(positions[HEADER_VALUE], HEADER_VALUE)
        try:
            value, unit, wording = _read_quantity(cells[HEADER_VALUE])
        except QuantityError as error:
            errors.append(EntryError(sheet, row_index, value_column, str(error)))
            continue
        actual_text = _text(cells[HEADER_ACTUAL_TEXT])
        if len(actual_text) > MAX_ACTUAL_TEXT:
            errors.append(
                EntryError(
                    sheet,
                    row_index,
                    _column_name(positions[HEADER_ACTUAL_TEXT], HEADER_ACTUAL_TEXT),
                    ERROR_TOO_LONG.format(limit=MAX_ACTUAL_TEXT, length=len(actual_text)),
                )
            )
            continue
        lines.append(ResultLine(row_index, indicator_id, value, unit, actual_text, wording if unit else "", version))
    return tuple(lines)


def _parse_evaluations(rows: list[tuple], errors: list[EntryError]) -> tuple[EvaluationLine, ...]:
    sheet = EVALUATIONS_SHEET
    text_headers = (HEADER_ACTIVITIES, HEADER_SELF_ASSESSMENT, HEADER_NEXT_STEPS)
    positions = _header_map(rows, sheet, (HEADER_ITEM_ID, *text_headers, HEADER_VERSION), errors)
    if len(positions) < 5:
        return ()
    lines = []
    for row_index, cells, item_id, version in _identified_rows(rows, sheet, positions, HEADER_ITEM_ID, errors):
        texts = {header: _text(cells[header]) for header in text_headers}
        too_long = [header for header, text in texts.items() if len(text) > MAX_TEXT]
        for header in too_long:
            errors.append(
                EntryError(
                    sheet,
                    row_index,
                    _column_name(positions[header], header),
                    ERROR_NARRATIVE_TOO_LONG.format(field=header, limit=MAX_TEXT, length=len(texts[header])),
                )
            )
        if not too_long:
            lines.append(EvaluationLine(row_index, item_id, *(texts[header] for header in text_headers), version))
    return tuple(lines)


def _checked_version(sheet, row_index, positions, cells, errors) -> int | None:
    """Return the row's hidden version; a blank or edited one is an error (the row cannot be checked)."""
    column = _column_name(positions[HEADER_VERSION], HEADER_VERSION)
    raw = cells[HEADER_VERSION]
    try:
        if raw is None or _text(raw) == "":
            raise ValueError(raw)
        return _read_id(raw)
    except ValueError:
        errors.append(EntryError(sheet, row_index, column, ERROR_VERSION_INVALID))
        return None


def _checked_id(sheet, row_index, positions, header, cells, seen, errors) -> int | None:
    column = _column_name(positions[header], header)
    raw = cells[header]
    if raw is None or _text(raw) == "":
        errors.append(EntryError(sheet, row_index, column, ERROR_ID_MISSING.format(header=header)))
        return None
    try:
        identifier = _read_id(raw)
    except ValueError:
        errors.append(EntryError(sheet, row_index, column, ERROR_ID_INVALID.format(header=header, value=_text(raw))))
        return None
    if identifier in seen:
        errors.append(
            EntryError(
                sheet,
                row_index,
                column,
                ERROR_ID_DUPLICATE.format(header=header, value=identifier, first_row=seen[identifier]),
            )
        )
        return None
    seen[identifier] = row_index
    return identifier


# -- Validation and preview (reads the database) ----------------------------------------------


def _same_unit(unit: str, expected: str) -> bool:
    return unicodedata.normalize("NFKC", unit) == unicodedata.normalize("NFKC", expected)


# The narratives of the evaluations sheet: the change's field → its column header.
NARRATIVE_HEADERS = {
    "activities": HEADER_ACTIVITIES,
    "self_assessment": HEADER_SELF_ASSESSMENT,
    "next_steps": HEADER_NEXT_STEPS,
}
RESULT_HEADERS = {VALUE: HEADER_VALUE, ACTUAL_TEXT: HEADER_ACTUAL_TEXT}


@dataclass
class _ItemRows:
    """One item's lines of the workbook, gathered into the submission the entry service receives."""

    first_row: tuple[bool, int]  # results sheet first, then by row, as the preview lists items
    rows: dict[int | None, tuple[str, int]] = field(default_factory=dict)  # indicator id (None: evaluation) → place
    labels: dict[int, str] = field(default_factory=dict)  # indicator id → label
    values: dict[int, Decimal | None] = field(default_factory=dict)
    actual_texts: dict[int, str] = field(default_factory=dict)
    wordings: dict[int, str] = field(default_factory=dict)
    evaluation: dict[str, str] = field(default_factory=dict)
    version: int | None = None  # the record's version when the workbook was downloaded (first row's)

    def submission(self) -> Submission:
        return Submission(
            values=self.values, actual_texts=self.actual_texts, wordings=self.wordings, evaluation=self.evaluation
        )


def entry_preview(*, parsed: ParsedEntry, user) -> EntryPreview:
    """Check the parsed rows against the plan and the entry rules; list every change and error."""
    errors = list(parsed.errors)
    plan = selectors.plan_by_name(name=parsed.plan_name) if parsed.plan_name else None
    if plan is None:
        if parsed.plan_name:
            errors.append(EntryError("", None, "", ERROR_PLAN_UNKNOWN.format(plan=parsed.plan_name)))
        return EntryPreview(None, parsed.plan_name, parsed.fiscal_year, errors=tuple(errors))
    fiscal_year = parsed.fiscal_year
    if fiscal_year is not None and not plan.contains(fiscal_year):
        sheet, row, column = parsed.year_cell
        errors.append(
            EntryError(sheet, row, column, ERROR_YEAR_NOT_IN_PLAN.format(year=era_label(fiscal_year), plan=plan.name))
        )
        fiscal_year = None
    if fiscal_year is None:
        return EntryPreview(plan.id, plan.name, parsed.fiscal_year, errors=tuple(errors))

    states = item_year_states(plan_id=plan.id, fiscal_year=fiscal_year)
    gathered = _gather(parsed, states, errors)
    changes = {item_id: item_year_change(states[item_id], rows.submission()) for item_id, rows in gathered.items()}
    changed_ids = {item_id for item_id, change in changes.items() if change}
    items = selectors.items_by_id(plan_id=plan.id, item_ids=changed_ids)
    records = selectors.evaluations_by_item(item_ids=changed_ids, fiscal_year=fiscal_year)
    reporting_year = selectors.reporting_year(plan=plan, fiscal_year=fiscal_year)

    changes_out = []
    updates = []
    conflicts = []
    for item_id in sorted(changed_ids, key=lambda i: gathered[i].first_row):
        item, rows, change = items[item_id], gathered[item_id], changes[item_id]
        label = f"{item_label_of(item.number)} {item.short_title}"
        lines = tuple(_preview_line(rows, changed) for changed in change.fields)
        if reason := can_edit(user, item, fiscal_year, records.get(item_id), reporting_year):
            for sheet, row in dict.fromkeys((line.sheet, line.row) for line in lines):
                errors.append(EntryError(sheet, row, "", f"{label}: {reason}"))
            continue
        if rows.version != states[item_id].version:
            # Saved by someone after the download: the workbook's rows would undo what they saved.
            conflicts.append(_item_conflict(item_id, label, records.get(item_id), rows.version))
            continue
        changes_out.append(ItemChanges(item_id, label, lines, change))
        updates.append(ItemUpdate(item_id, rows.submission(), states[item_id].version, change.digest()))
    errors.sort(key=lambda error: (error.sheet != RESULTS_SHEET, error.sheet, error.row or 0))
    return EntryPreview(
        plan.id,
        plan.name,
        fiscal_year,
        changes=tuple(changes_out),
        errors=tuple(errors),
        updates=tuple(updates) if not errors else (),
        conflicts=tuple(conflicts),
    )


def _item_conflict(item_id: int, label: str, record: SelfEvaluation | None, version: int | None) -> ItemConflict:
    if record is None:  # the record was deleted since the download
        return ItemConflict(item_id, label, "不明", None, ())
    conflict = services.edit_conflict_since(record=record, expected_version=version or NO_RECORD_VERSION)
    return ItemConflict(item_id, label, conflict.changed_by, conflict.changed_at, tuple(conflict.changes))


def _gather(parsed: ParsedEntry, states: dict[int, ItemYearState], errors: list[EntryError]) -> dict[int, _ItemRows]:
    """Group the parsed lines by item, refusing ids outside the plan and figures in another unit."""
    facts_of = {facts.id: (item_id, facts) for item_id, state in states.items() for facts in state.indicators}
    gathered: dict[int, _ItemRows] = {}
    for line in parsed.results:
        if line.indicator_id not in facts_of:
            errors.append(_unknown_id(RESULTS_SHEET, line.row, HEADER_INDICATOR_ID, line.indicator_id))
            continue
        item_id, facts = facts_of[line.indicator_id]
        # Whatever follows the number must be the indicator's unit; an indicator without one takes none.
        if line.unit and not _same_unit(line.unit, facts.unit):
            errors.append(_value_error(line.row, ERROR_UNIT.format(unit=line.unit, expected=facts.unit)))
            continue
        if breaks_whole_number_unit(line.value, facts.unit):
            # Refused at the preview, as on the screen, rather than by the service at confirmation.
            message = ERROR_WHOLE_NUMBER.format(label=f"{facts.label} 実績", unit=facts.unit)
            errors.append(_value_error(line.row, message))
            continue
        rows = gathered.setdefault(item_id, _ItemRows(first_row=(False, line.row), version=line.version))
        rows.rows[facts.id] = (RESULTS_SHEET, line.row)
        rows.labels[facts.id] = facts.label
        rows.values[facts.id] = line.value
        rows.actual_texts[facts.id] = line.actual_text
        rows.wordings[facts.id] = line.wording
    for line in parsed.evaluations:
        if line.item_id not in states:
            errors.append(_unknown_id(EVALUATIONS_SHEET, line.row, HEADER_ITEM_ID, line.item_id))
            continue
        rows = gathered.setdefault(line.item_id, _ItemRows(first_row=(True, line.row), version=line.version))
        rows.rows[None] = (EVALUATIONS_SHEET, line.row)
        rows.evaluation.update({name: getattr(line, name) for name in NARRATIVE_HEADERS})
    return gathered


def _unknown_id(sheet: str, row: int, header: str, value) -> EntryError:
    """Refuse an id in the first column that names nothing of this plan."""
    return EntryError(sheet, row, _column_name(1, header), ERROR_ID_UNKNOWN.format(header=header, value=value))


def _value_error(row: int, message: str) -> EntryError:
    """Refuse a 実績 cell of the results sheet."""
    return EntryError(RESULTS_SHEET, row, _column_name(_position(RESULT_COLUMNS, HEADER_VALUE), HEADER_VALUE), message)


def _preview_line(rows: _ItemRows, change: ChangedField) -> FieldChange:
    sheet, row = rows.rows[change.indicator_id]
    if change.indicator_id is None:
        label = NARRATIVE_HEADERS[change.field]
    else:
        label = f"{rows.labels[change.indicator_id]}（{RESULT_HEADERS[change.field]}）"
    return FieldChange(sheet, row, label, change.before, change.after)


def _position(columns, header: str) -> int:
    return next(index for index, column in enumerate(columns, start=1) if column.header == header)


# -- Applying --------------------------------------------------------------------------------


SESSION_KEY = "sheets_import"
REASON_IMPORT = "Excel取込（{file_name}）"


@dataclass(frozen=True)
class PendingImport:
    """A previewed import waiting in the session for the user to confirm it."""

    token: str
    plan_id: int
    plan_name: str
    fiscal_year: int
    file_name: str
    sha256: str
    updates: tuple[ItemUpdate, ...]

    @property
    def fiscal_year_label(self) -> str:
        return era_label(self.fiscal_year)

    def to_session(self) -> dict[str, Any]:
        """Return the import as the session keeps it (JSON): each submission in its exact, typed encoding."""
        updates = [{**asdict(update), "submission": update.submission.to_data()} for update in self.updates]
        return {**asdict(self), "updates": updates}

    @classmethod
    def from_session(cls, data: dict[str, Any]) -> "PendingImport":
        updates = tuple(
            ItemUpdate(**{**update, "submission": Submission.from_data(update["submission"])})
            for update in data["updates"]
        )
        return cls(**{**data, "updates": updates})


def pending_import_keep(session, preview: EntryPreview, *, file_name: str, sha256: str) -> str:
    """Keep a valid preview's updates in the session and return the token that confirms them ("" if none)."""
    session.pop(SESSION_KEY, None)
    if not (preview.is_valid and preview.updates):
        return ""
    pending = PendingImport(
        token=secrets.token_urlsafe(16),
        plan_id=preview.plan_id,
        plan_name=preview.plan_name,
        fiscal_year=preview.fiscal_year,
        file_name=file_name[:100],
        sha256=sha256,
        updates=preview.updates,
    )
    session[SESSION_KEY] = pending.to_session()
    return pending.token


def pending_import_take(session, token: str) -> PendingImport | None:
    """Remove and return the import the token confirms; None when there is none (expired, applied, guessed)."""
    kept = session.get(SESSION_KEY)
    if not kept or not secrets.compare_digest(str(kept.get("token", "")), token):
        return None
    del session[SESSION_KEY]
    return PendingImport.from_session(kept)


def entry_apply(*, pending: PendingImport, user) -> int:
    """Save every item's previewed change through the entry screen's service, all in one transaction.

    The service computes the change again from the same submission and refuses (EditConflict)
    unless it is the one the preview showed, so what is written is what was confirmed. Raises
    what the service raises (PermissionDenied, EditConflict, ValidationError); the transaction
    is then rolled back and nothing is written. Returns the number of items saved.
    """
    updates = pending.updates
    items = selectors.items_by_id(plan_id=pending.plan_id, item_ids={update.item_id for update in updates})
    missing = [update.item_id for update in updates if update.item_id not in items]
    if missing:
        raise ValidationError(ERROR_ITEM_GONE)
    with transaction.atomic():
        for update in updates:
            services.item_entry_save(
                item=items[update.item_id],
                fiscal_year=pending.fiscal_year,
                user=user,
                values=dict(update.submission.values),
                actual_texts=dict(update.submission.actual_texts),
                wordings=dict(update.submission.wordings),
                evaluation=dict(update.submission.evaluation),
                expected_version=update.expected_version,
                expected_change=update.change_digest,
                change_reason=REASON_IMPORT.format(file_name=pending.file_name),
            )
    return len(updates)
