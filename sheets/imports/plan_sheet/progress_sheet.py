"""The 「達成状況」 worksheet: the export's own columns marked 取込用, read back so the round trip loses nothing."""

import json
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from evaluations.models import Verdict
from programs.fiscal_years import FiscalYearError, parse_fiscal_year
from programs.kinds import Direction, Kind
from programs.models import Indicator, Target, item_label_of
from sheets.exports.self_evaluation import (
    HEADER_ACTUAL,
    HEADER_ACTUAL_TEXT,
    HEADER_AREA,
    HEADER_COMPONENT,
    HEADER_COVERED,
    HEADER_FISCAL_YEAR,
    HEADER_ITEM,
    HEADER_KEY,
    HEADER_NAME,
    HEADER_OUTSIDE_RESULTS,
    HEADER_PERIOD_COVERED,
    HEADER_PROGRAMS,
    HEADER_SECTION,
    HEADER_TARGET_WORDING,
    HEADER_TARGETS,
    HEADER_TYPE,
    HEADER_UNIT,
    HEADER_VERDICT,
    HEADER_VERDICT_TEXT,
    INDICATOR_TYPE_LABELS,
    PROGRESS_MACHINE,
    PROGRESS_REQUIRED,
    PROGRESS_TITLE,
)

from .drafts import AreaDraft, IndicatorDraft, ResultDraft, SheetProblem, TargetDraft
from .grid import _cell_position, cell_text, normalised
from .messages import (
    _ITEM,
    _KEY,
    ERROR_FORMULA,
    ERROR_KEY,
    ERROR_PROGRESS_HEADER,
    ERROR_PROGRESS_ITEM,
    ERROR_PROGRESS_VALUE,
)
from .workbook import SheetRows

TYPE_OF_LABEL = {label: value for value, label in INDICATOR_TYPE_LABELS.items()}
VERDICT_OF_LABEL = {label: value for value, label in Verdict.choices}


@dataclass
class _ProgressItem:
    row: int
    indicators: tuple[IndicatorDraft, ...]
    section: str
    programs: tuple[str, ...]
    target_wording: str = ""  # the 目標 cell as the plan words it; "": composed from the indicators


@dataclass
class _Progress:
    items: dict[tuple[str, int], _ProgressItem]
    seen: set[tuple[str, int]] = field(default_factory=set)


def _progress_read(
    sheet: SheetRows | None, fiscal_years: tuple[int, ...], problems: list[SheetProblem]
) -> _Progress | None:
    """Read the indicators of every item from 「達成状況」 when it has the columns marked 取込用, else None."""
    if sheet is None or not sheet.rows:
        return None
    header = {cell_text(value).strip(): index for index, value in enumerate(sheet.rows[0]) if cell_text(value)}
    if HEADER_KEY not in header:
        return None  # a 達成状況 without the import's columns (or typed by hand): the grammar reads the sheet
    for ref in sheet.formulas:
        row, column = _cell_position(ref)
        problems.append(SheetProblem(sheet.name, row, column, ERROR_FORMULA))
    missing = [h for h in (*PROGRESS_REQUIRED, *PROGRESS_MACHINE) if h not in header]
    for name in missing:
        problems.append(SheetProblem(sheet.name, 1, None, ERROR_PROGRESS_HEADER.format(sheet=sheet.name, header=name)))
    if missing:
        return _Progress({})
    grouped: dict[tuple[str, int], dict[str, dict]] = {}
    rows_of: dict[tuple[str, int], int] = {}
    extras: dict[tuple[str, int], tuple[str, tuple[str, ...], str]] = {}

    def problem(row: int, heading: str, message: str) -> None:
        problems.append(SheetProblem(sheet.name, row, header[heading] + 1, message))

    for row_number, values in enumerate(sheet.rows[1:], start=2):

        def get(heading: str, values=values) -> Any:
            index = header[heading]
            return values[index] if index < len(values) else None

        if not any(cell_text(v) for v in values):
            continue
        match = _ITEM.match(unicodedata.normalize("NFKC", cell_text(get(HEADER_ITEM))).strip())
        if not match:
            problem(
                row_number,
                HEADER_ITEM,
                ERROR_PROGRESS_VALUE.format(value=cell_text(get(HEADER_ITEM))[:30], what="事項番号"),
            )
            continue
        key = (normalised(cell_text(get(HEADER_AREA))), int(match.group("number")))
        rows_of.setdefault(key, row_number)
        extras.setdefault(
            key,
            (
                cell_text(get(HEADER_SECTION)).strip(),
                tuple(p for p in cell_text(get(HEADER_PROGRAMS)).split("\n") if p.strip()),
                # Optional: a workbook exported before the column existed has none.
                cell_text(get(HEADER_TARGET_WORDING)) if HEADER_TARGET_WORDING in header else "",
            ),
        )
        indicator_key = cell_text(get(HEADER_KEY)).strip()
        if not _KEY.match(indicator_key):
            problem(row_number, HEADER_KEY, ERROR_KEY.format(key=indicator_key[:30]))
            continue
        try:
            fiscal_year = parse_fiscal_year(cell_text(get(HEADER_FISCAL_YEAR)))
        except FiscalYearError as error:
            problem(row_number, HEADER_FISCAL_YEAR, str(error))
            continue
        indicators = grouped.setdefault(key, {})
        if indicator_key not in indicators:
            targets = _targets_json(cell_text(get(HEADER_TARGETS)))
            if targets is None:
                problem(row_number, HEADER_TARGETS, ERROR_PROGRESS_VALUE.format(value="…", what="登録目標"))
                continue
            outside = _outside_results_json(cell_text(get(HEADER_OUTSIDE_RESULTS)), fiscal_years)
            if outside is None:
                problem(row_number, HEADER_OUTSIDE_RESULTS, ERROR_PROGRESS_VALUE.format(value="…", what="期間外の実績"))
                continue
            indicators[indicator_key] = {
                "outside": outside,
                "name": cell_text(get(HEADER_NAME)),
                "component": cell_text(get(HEADER_COMPONENT)),
                "unit": cell_text(get(HEADER_UNIT)),
                "type": TYPE_OF_LABEL.get(cell_text(get(HEADER_TYPE)), Indicator.Type.PROCESS),
                "targets": targets,
                "results": [],
            }
        value = _number(get(HEADER_ACTUAL))
        covered = _number(get(HEADER_COVERED))
        period_covered = _number(get(HEADER_PERIOD_COVERED))
        if value is False or covered is False or period_covered is False:
            problem(
                row_number,
                HEADER_ACTUAL,
                ERROR_PROGRESS_VALUE.format(value=cell_text(get(HEADER_ACTUAL))[:20], what="数値"),
            )
            continue
        verdict_label = cell_text(get(HEADER_VERDICT)).strip()
        result = ResultDraft(
            fiscal_year=fiscal_year,
            value=value,
            actual_text=cell_text(get(HEADER_ACTUAL_TEXT)),
            municipality_count=int(covered) if covered is not None else None,
            verdict=VERDICT_OF_LABEL.get(verdict_label, ""),
            verdict_text=cell_text(get(HEADER_VERDICT_TEXT)),
            period_municipality_count=int(period_covered) if period_covered is not None else None,
        )
        if any((value is not None, result.actual_text, covered, result.verdict, period_covered)):
            indicators[indicator_key]["results"].append(result)
    items = {}
    for key, indicators in grouped.items():
        drafts = tuple(
            IndicatorDraft(
                key=indicator_key,
                name=data["name"],
                component=data["component"],
                unit=data["unit"],
                type=data["type"],
                targets=data["targets"],
                results=tuple(sorted((*data["outside"], *data["results"]), key=lambda r: r.fiscal_year)),
            )
            for indicator_key, data in indicators.items()
        )
        section, programs, target_wording = extras[key]
        items[key] = _ProgressItem(rows_of[key], drafts, section, programs, target_wording)
    return _Progress(items)


def _progress_leftovers(progress: _Progress, areas: list[AreaDraft], problems: list[SheetProblem]) -> None:
    for (area, number), item in progress.items.items():
        if (area, number) not in progress.seen:
            message = ERROR_PROGRESS_ITEM.format(sheet=PROGRESS_TITLE, area=area, item=item_label_of(number))
            problems.append(SheetProblem(PROGRESS_TITLE, item.row, None, message))


def _number(value: Any) -> Decimal | bool | None:
    """Return a numeric cell as a Decimal, None when blank, False when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except InvalidOperation:
        return False


def _outside_results_json(text: str, fiscal_years: tuple[int, ...]) -> tuple[ResultDraft, ...] | None:
    """Read the 期間外の実績 cell written by the export (a baseline year's result); None when unreadable."""
    if not text.strip():
        return ()
    try:
        results = []
        for entry in json.loads(text):
            fiscal_year = entry["fiscal_year"]
            if not isinstance(fiscal_year, int) or fiscal_year in fiscal_years:
                return None
            value = None if entry["value"] is None else Decimal(str(entry["value"]))
            results.append(ResultDraft(fiscal_year, value, str(entry["actual_text"])[:500]))
    except (ValueError, TypeError, KeyError, AttributeError, InvalidOperation):
        return None
    return tuple(results)


def _targets_json(text: str) -> tuple[TargetDraft, ...] | None:
    """Read the 登録目標 cell written by the export; None when it is not what the export writes."""
    try:
        data = json.loads(text or "[]")
        targets = []
        for entry in data:
            kind = Kind(entry["kind"])
            value = None if entry["value"] is None else Decimal(str(entry["value"]))
            fiscal_year = entry["fiscal_year"]
            if fiscal_year is not None and not isinstance(fiscal_year, int):
                return None
            source = Target.Source(entry["source"])
            direction = Direction(entry["direction"]) if entry["direction"] else ""
            if kind != Kind.DIRECTION and value is None:
                return None
            targets.append(
                TargetDraft(
                    kind=kind.value,
                    value=value,
                    unit=str(entry["unit"])[:20],
                    fiscal_year=fiscal_year,
                    text=str(entry["text"])[:500],
                    source=source.value,
                    direction=str(direction),
                )
            )
    except (ValueError, TypeError, KeyError, AttributeError, InvalidOperation):
        return None
    return tuple(targets)
