"""Reading a hand-typed 目標 cell (the target grammar) and the 実績 cell into indicators."""

import re
import unicodedata
from collections.abc import Sequence
from decimal import Decimal

from programs.kinds import Kind
from programs.models import Indicator, Target, short_title_of
from programs.quantities import QuantityError, parse_quantity
from programs.sheet_layouts import Source
from programs.target_wording import describe, read_target_wording, restated_targets

from .drafts import IndicatorDraft, ResultDraft, SheetProblem, TargetDraft, _limited
from .grid import _Layout
from .messages import ERROR_ACTUAL_LINES, ERROR_ACTUAL_NO_TARGET, ERROR_TARGET_UNREAD

# A line starting with one of these continues the wording above it (「62区市町村」「で各１人以上」).
_CONTINUATION = re.compile(r"^[\s　]*[（(）)、。でにをのがとへや〜～]")


def target_wordings(text: str, understood=lambda wording: False) -> list[tuple[str, tuple[str, ...]]]:
    """Return each wording of a 目標 cell: (the wording without its line breaks, its lines as typed).

    A cell is one wording whatever its line breaks (「153人\\n（各年度）」 is 「153人（各年度）」,
    「62区市町村\\nで各１人以上」 one coverage target). Wordings stand apart where a blank line
    separates them (as seed 003 prints 「全区市町村」 over 「全老人福祉圏域（Ｒ２）」), or where the
    lines above read as a whole target with their brackets closed, the next line does too and does not
    begin as a continuation (「1,350人」 over 「年１回以上」): ``understood`` tells whether the grammar
    reads a text.
    """
    wordings: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip():
            if wordings[-1]:
                wordings.append([])
            continue
        current = wordings[-1]
        joined = unicodedata.normalize("NFKC", "".join(current))
        if (
            current
            and not _CONTINUATION.match(line)
            and joined.count("(") <= joined.count(")")  # 「（H30～」 over 「32）」: an open bracket continues
            and understood("".join(part.strip() for part in current))
            and understood(line.strip())
        ):
            wordings.append([])
        wordings[-1].append(line)
    return [("".join(line.strip() for line in lines), tuple(lines)) for lines in wordings if lines]


def _indicators_from_wording(
    text: str,
    row: int,
    column: int | None,
    title: str,
    layout: _Layout,
    sheet: str,
    problems: list[SheetProblem],
    municipalities: int,
) -> tuple[IndicatorDraft, ...]:
    """Read the 目標 cell by the target grammar: one indicator per figure of each wording (``target_wordings``)."""
    indicators: list[IndicatorDraft] = []
    years = layout.fiscal_years

    def read(wording: str):
        return read_target_wording(
            wording,
            first_fiscal_year=years[0] if years else None,
            last_fiscal_year=years[-1] if years else None,
            municipality_count=municipalities,
        )

    place = SheetProblem(sheet, row, column, "")
    for line, _ in target_wordings(text, understood=lambda wording: read(wording).understood):
        reading = read(line)
        if len(line) > 500:
            _limited(line, "目標", 500, place, problems)
            continue
        if any(len(component.unit) > 20 for component in reading.components):
            unit = next(c.unit for c in reading.components if len(c.unit) > 20)
            _limited(unit, "単位", 20, place, problems)
            continue
        if not reading.understood:
            message = ERROR_TARGET_UNREAD.format(text=line, described=describe(reading))
            problems.append(SheetProblem(sheet, row, column, message))
            continue
        for component in reading.components:
            number = len(indicators) + 1
            indicators.append(
                IndicatorDraft(
                    key=f"target-{number}",
                    name=short_title_of(title) or f"指標{number}",
                    component=component.label[:50],
                    unit=component.unit,
                    type=Indicator.Type.PROCESS,
                    targets=(
                        TargetDraft(
                            kind=component.kind,
                            value=component.value,
                            unit=component.unit,
                            fiscal_year=reading.fiscal_year,
                            text=line,
                            direction=component.direction or "",
                        ),
                    ),
                    results=(),
                )
            )
    return tuple(indicators)


def _with_restated(
    indicators: tuple[IndicatorDraft, ...],
    narratives: Sequence[str],
    title: str,
    years: tuple[int, ...],
    municipalities: int,
) -> tuple[IndicatorDraft, ...]:
    """Add the targets the narratives restate for one year (「平成31年度目標：13回」) to the indicators they count.

    A restated figure goes to the indicator of its unit (the one already given that label where
    several share the unit); a figure of a unit no indicator counts, or a second label of a unit
    already claimed, is an indicator of its own. Beside a period total (cumulative), the year's
    figure is its share of the total (programs.target_wording, ``period_kind``). The first
    statement of an indicator's year wins: the same line repeated in a later cell adds nothing.
    """
    found = [
        reading
        for text in narratives
        for reading in restated_targets(
            text, first_fiscal_year=years[0] if years else None, municipality_count=municipalities
        )
    ]
    if not found:
        return indicators
    drafts = [dict(indicator.__dict__) for indicator in indicators]
    claimed: dict[int, str] = {}  # indicator index → the label its restated figures carry
    for reading in found:
        for component in reading.components:
            same_unit = [i for i, d in enumerate(drafts) if d["unit"] == component.unit]
            index = next((i for i in same_unit if claimed.get(i) == component.label), None)
            if index is None:
                index = next((i for i in same_unit if i not in claimed), None)
            if index is None:
                number = len(drafts) + 1
                drafts.append(
                    {
                        "key": f"target-{number}",
                        "name": short_title_of(title) or f"指標{number}",
                        "component": component.label[:50],
                        "unit": component.unit,
                        "type": Indicator.Type.PROCESS,
                        "targets": (),
                        "results": (),
                    }
                )
                index = len(drafts) - 1
            claimed.setdefault(index, component.label)
            targets = drafts[index]["targets"]
            if any(t.fiscal_year == reading.fiscal_year for t in targets):
                continue
            period = next((t for t in targets if t.fiscal_year is None), None)
            kind = component.kind
            if period is not None and period.kind == Kind.CUMULATIVE and kind == Kind.PER_YEAR:
                kind = Kind.CUMULATIVE
            restated = TargetDraft(
                kind=kind,
                value=component.value,
                unit=component.unit,
                fiscal_year=reading.fiscal_year,
                text=reading.text[:500],
                source=Target.Source.EVALUATION,
                direction=component.direction or "",
            )
            drafts[index]["targets"] = (*targets, restated)
    return tuple(IndicatorDraft(**draft) for draft in drafts)


def _with_actuals(
    indicators: tuple[IndicatorDraft, ...],
    layout: _Layout,
    by_source: dict[tuple[str, int | None], tuple[int, str]],
    row: int,
    sheet: str,
    problems: list[SheetProblem],
) -> tuple[IndicatorDraft, ...]:
    """Give each indicator its year's 実績: one line per indicator, or the whole cell for a single one."""
    results: dict[int, list[ResultDraft]] = {index: [] for index in range(len(indicators))}
    for year in layout.fiscal_years:
        column, text = by_source.get((Source.ACTUAL, year), (None, ""))
        if not text:
            continue
        lines = [line for line in text.split("\n") if line.strip()]
        if not indicators:
            problems.append(SheetProblem(sheet, row, column, ERROR_ACTUAL_NO_TARGET))
            continue
        if len(indicators) == 1:
            lines = [text]
        elif len(lines) != len(indicators):
            problems.append(
                SheetProblem(sheet, row, column, ERROR_ACTUAL_LINES.format(lines=len(lines), targets=len(indicators)))
            )
            continue
        for index, line in enumerate(lines):
            line = _limited(line, "実績", 500, SheetProblem(sheet, row, column, ""), problems)
            results[index].append(ResultDraft(year, _quantity_value(line, indicators[index].unit), line))
    return tuple(
        IndicatorDraft(**{**indicator.__dict__, "results": tuple(results[index])})
        for index, indicator in enumerate(indicators)
    )


def _quantity_value(text: str, unit: str) -> Decimal | None:
    """Return the figure of 「１４４人」「1,350人」; None where the text is not a single figure (kept as text)."""
    try:
        quantity = parse_quantity(text)
    except QuantityError:
        return None
    if quantity.unit and unit and quantity.unit != unit:
        return None
    return quantity.value
