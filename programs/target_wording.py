"""Read a target as the sheet words it (「153人（各年度）」) into a typed target.

An administrator types a target the way the prefecture's sheet prints it; this module reads
the wording into the kind, value and unit the achievement rules compute with, and keeps the
wording itself for the sheet. It is pure: no database, no settings. What it cannot read it
says so (``TargetComponent.kind is None``) and the administrator chooses the kind.

The grammar, with the seeds' examples:

per year        「153人（各年度）」 → per_year 153 人
frequency       「年１回以上」「年12回」「センターごとに年１回以上」「１回（各年度）」 → frequency N 回;
                any yearly target counted in 回 is a frequency
cumulative      「1,350人（H30～32）」 and a bare period figure 「1,350人」 → cumulative over the period
components      「540人（初任者）180人（現任者）（H30～32）」「600人(総論編) 180人(実践編)」
                → one component per figure, each with its label
coverage        「62区市町村で各１人以上」「全区市町村」 → coverage of 62 municipalities
scope           「62区市町村対象」 → who may take part, not a target: the yearly counts are observed
                figures with the 62 as context, never graded (issue 21 item 11)
by period end   「12センターで実施（H32年度末）」 → 12 センター by the end of FY2020;
                「全老人福祉圏域（Ｒ２）」 → every area the prefecture has (given in ``known_totals``)
direction       「増加」「介護福祉士増加」 → direction, increase (「減少」 → decrease)
restated        「平成31年度目標：13回」「【R3年度の目標数値】・研修　1回」「目標：年２回実施（令和２年度）」
                → the target of the year named; a yearly figure in 回 is a frequency, any other a
                per-year target; 「セミナー2回、計160名」 gives two components
year's plan     「・２市支援（平成31年度）」 beside a period total (``period_kind`` cumulative) → that
                year's share of it, cumulative 2 区市町村 (issue 21 item 10); 「２市」「24区市」 count
                municipalities
"""

import re
import unicodedata
from dataclasses import dataclass, replace
from decimal import Decimal

from .fiscal_years import (
    FiscalYearError,
    era_label,
    era_range_label,
    eraless_fiscal_year,
    eraless_year_of,
    parse_fiscal_year,
)
from .kinds import Direction, Kind
from .quantities import format_quantity

MUNICIPALITY_UNIT = "区市町村"
FREQUENCY_UNIT = "回"
# How many of a unit the prefecture has, for 「全老人福祉圏域」: the one copy the admin, the rollover
# and the sheet import read (Tokyo's plan names 12 老人福祉圏域; municipalities are counted apart).
KNOWN_TOTALS: dict[str, int] = {"老人福祉圏域": 12}

KIND_LABELS = {
    Kind.PER_YEAR: "各年度",
    Kind.CUMULATIVE: "期間累計",
    Kind.FREQUENCY: "回数（年○回以上）",
    Kind.COVERAGE: "区市町村カバー",
    Kind.BY_PERIOD_END: "期末までの到達",
    Kind.DIRECTION: "方向（増加・減少）",
    Kind.SCOPE: "対象（目標ではない）",
}


@dataclass(frozen=True)
class TargetComponent:
    """One figure of a target; ``kind`` is None when the wording could not be read."""

    kind: Kind | None
    value: Decimal | None
    unit: str = ""
    label: str = ""
    direction: Direction | None = None
    approximate: bool = False

    @property
    def understood(self) -> bool:
        return self.kind is not None


@dataclass(frozen=True)
class TargetReading:
    """What a target's wording says; ``text`` is the wording, verbatim, for the sheet."""

    text: str
    components: tuple[TargetComponent, ...]
    fiscal_year: int | None = None  # a target restated for one year (「平成31年度目標」)
    first_fiscal_year: int | None = None  # 「（H30～32）」
    last_fiscal_year: int | None = None  # 「（H30～32）」 and 「（H32年度末）」

    @property
    def understood(self) -> bool:
        return bool(self.components) and all(component.understood for component in self.components)

    @property
    def kind(self) -> Kind | None:
        return self.components[0].kind if len(self.components) == 1 else None


_YEAR_TOKEN = r"(?:平成|令和|H|R)?(?:元|\d{1,4})"
# 「平成31年度目標：」「【31年度の目標数値】・」「・3年度の目標数値　」「令和２年度目標：」
_RESTATED_YEAR = re.compile(rf"^[・【\[]*(?P<year>{_YEAR_TOKEN})年度(?:の)?目標(?:数値)?[】\]]?[:：・\s]*")
# 「目標：年２回実施（令和２年度）」: the year in brackets at the end
_TRAILING_YEAR = re.compile(rf"\((?P<year>{_YEAR_TOKEN})年度\)$")
_SPAN = re.compile(rf"\((?P<first>{_YEAR_TOKEN})(?:年度)?[~～〜\-ー](?P<last>{_YEAR_TOKEN})(?:年度)?\)")
_PERIOD_END = re.compile(rf"\((?P<year>{_YEAR_TOKEN})(?:年度末|年度|末)?\)$")
_EACH_YEAR = re.compile(r"\(各年度\)|各年度")
_NUMBER = r"(?P<number>\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"
_FIGURE = re.compile(rf"(?P<approx>約)?{_NUMBER}(?P<unit>[^\d\s(),、・]*)(?:\((?P<label>[^()\d]+)\))?")
_FREQUENCY = re.compile(rf"年{_NUMBER}回")
_COVERAGE = re.compile(rf"^(?:全)?{_NUMBER}?区市町村(?P<scope>対象)?(?:で各.*)?$")
_DIRECTION = re.compile(r"(増加|減少)$")
# 「約800人（過去3か年実績）」: a bracketed remark with figures of its own is not a component's label.
_REMARK = re.compile(r"\([^()]*\d[^()]*\)")


def read_target_wording(
    text: str,
    *,
    first_fiscal_year: int | None = None,
    last_fiscal_year: int | None = None,
    municipality_count: int = 62,
    known_totals: dict[str, int] | None = None,
    period_kind: Kind | str | None = None,
) -> TargetReading:
    """Read ``text`` into a typed target; the plan's years resolve 「年度末」 and era-less years.

    ``known_totals`` names how many of a unit the prefecture has (default ``KNOWN_TOTALS``, 「老人福祉圏域」:
    12), so that 「全老人福祉圏域」 reads as a number; municipalities are ``municipality_count``.
    ``period_kind`` is the kind of the indicator's period target, where it has one: a figure
    stated for one year beside a period total is that year's plan, a share of the total.
    """
    known_totals = KNOWN_TOTALS if known_totals is None else known_totals
    body = _normalise(text)
    fiscal_year, body = _restated_year(body, first_fiscal_year)
    first, last = None, None
    if span := _SPAN.search(body):
        first = _fiscal_year(span.group("first"), first_fiscal_year)
        last = _fiscal_year(span.group("last"), first_fiscal_year)
        body = (body[: span.start()] + body[span.end() :]).strip()
    elif fiscal_year is None and (trailing := _TRAILING_YEAR.search(body)):
        fiscal_year = _fiscal_year(trailing.group("year"), first_fiscal_year)
        body = body[: trailing.start()].strip()
    elif fiscal_year is None and (period_end := _PERIOD_END.search(body)):
        last = _fiscal_year(period_end.group("year"), first_fiscal_year)
        body = body[: period_end.start()].strip()
        return TargetReading(
            text=text,
            components=(_by_period_end(body, municipality_count, known_totals),),
            last_fiscal_year=last,
        )
    body = _REMARK.sub("", re.sub(r"^目標[:：]", "", body)).strip("・ ")
    components = _components(
        body,
        yearly=fiscal_year is not None,
        municipality_count=municipality_count,
        known_totals=known_totals,
    )
    if fiscal_year is not None and period_kind == Kind.CUMULATIVE:
        components = tuple(
            replace(component, kind=Kind.CUMULATIVE) if component.kind == Kind.PER_YEAR else component
            for component in components
        )
    return TargetReading(
        text=text, components=components, fiscal_year=fiscal_year, first_fiscal_year=first, last_fiscal_year=last
    )


def describe(reading: TargetReading) -> str:
    """Say in Japanese what was read, for the administrator to confirm: 「各年度 153人」."""
    if not reading.understood:
        return "読み取れませんでした（種類を選んでください）"
    parts = []
    for component in reading.components:
        if component.kind == Kind.DIRECTION:
            figure = "増加" if component.direction == Direction.INCREASE else "減少"
        else:
            figure = f"{'約' if component.approximate else ''}{format_quantity(component.value, component.unit)}"
        label = f"（{component.label}）" if component.label else ""
        parts.append(f"{KIND_LABELS[component.kind]} {figure}{label}")
    described = "、".join(parts)
    if reading.fiscal_year:
        described = f"{era_label(reading.fiscal_year)}の目標: {described}"
    if reading.first_fiscal_year and reading.last_fiscal_year:
        described += f"（{era_range_label(reading.first_fiscal_year, reading.last_fiscal_year)}）"
    elif reading.last_fiscal_year:
        described += f"（{era_label(reading.last_fiscal_year)}末まで）"
    return described


def _normalise(text: str) -> str:
    normalised = unicodedata.normalize("NFKC", text or "").strip()
    return re.sub(r"\s+", " ", normalised)


def _restated_year(body: str, first_fiscal_year: int | None) -> tuple[int | None, str]:
    match = _RESTATED_YEAR.match(body)
    if not match:
        return None, body
    return _fiscal_year(match.group("year"), first_fiscal_year), body[match.end() :].strip()


def _fiscal_year(token: str, first_fiscal_year: int | None) -> int | None:
    """Read 「H32」「令和2」「31」「元」: an era-less year is the era that puts it nearest the plan."""
    token = token.strip()
    wording = token if token.endswith("年度") else f"{token}年度"
    if (era_year := eraless_year_of(wording)) is not None:
        return eraless_fiscal_year(era_year, near=first_fiscal_year)
    try:
        return parse_fiscal_year(wording)
    except FiscalYearError:
        return None


def _components(
    body: str, *, yearly: bool, municipality_count: int, known_totals: dict[str, int]
) -> tuple[TargetComponent, ...]:
    if direction := _DIRECTION.search(body):
        return (TargetComponent(kind=Kind.DIRECTION, value=None, direction=_direction(direction.group(1))),)
    if coverage := _coverage(body, municipality_count):
        return (coverage,)
    if frequency := _FREQUENCY.search(body):
        return (TargetComponent(kind=Kind.FREQUENCY, value=_decimal(frequency.group("number")), unit=FREQUENCY_UNIT),)
    each_year = bool(_EACH_YEAR.search(body))
    body = _EACH_YEAR.sub("", body).strip()
    parts = [part.strip() for part in re.split(r"[、,]\s*(?=\D)", body) if part.strip()] if yearly else [body]
    components: list[TargetComponent] = []
    for part in parts:
        figures = list(_FIGURE.finditer(part))
        if not figures:
            return (TargetComponent(kind=None, value=None),)
        for figure in figures:
            components.append(_figure(part, figure, yearly=yearly or each_year, municipality_count=municipality_count))
    if len(components) == 1 and not yearly and not each_year and "で実施" in body:
        return (replace(components[0], kind=Kind.BY_PERIOD_END),)
    return tuple(components)


def _figure(part: str, figure: re.Match, *, yearly: bool, municipality_count: int) -> TargetComponent:
    value = _decimal(figure.group("number"))
    unit = _unit(figure.group("unit"))
    label = (figure.group("label") or "").strip() or _label_before(part, figure)
    approximate = bool(figure.group("approx"))
    if unit == MUNICIPALITY_UNIT and value == municipality_count:
        kind = Kind.COVERAGE
    elif unit == FREQUENCY_UNIT:
        kind = Kind.FREQUENCY
    else:
        kind = Kind.PER_YEAR if yearly else Kind.CUMULATIVE
    return TargetComponent(kind=kind, value=value, unit=unit, label=label, approximate=approximate)


def _by_period_end(body: str, municipality_count: int, known_totals: dict[str, int]) -> TargetComponent:
    body = re.sub(r"^目標[:：]", "", body).strip("・ ")
    if body.startswith("全"):
        unit = body.removeprefix("全")
        total = municipality_count if unit == MUNICIPALITY_UNIT else known_totals.get(unit)
        if total is None:
            return TargetComponent(kind=None, value=None)
        return TargetComponent(kind=Kind.BY_PERIOD_END, value=Decimal(total), unit=_unit(unit))
    figure = _FIGURE.search(body)
    if not figure:
        return TargetComponent(kind=None, value=None)
    unit = _unit(figure.group("unit"))
    return TargetComponent(kind=Kind.BY_PERIOD_END, value=_decimal(figure.group("number")), unit=unit)


def _coverage(body: str, municipality_count: int) -> TargetComponent | None:
    match = _COVERAGE.match(body)
    if not match:
        return None
    value = _decimal(match.group("number")) if match.group("number") else Decimal(municipality_count)
    if value != municipality_count:
        return None
    # 「62区市町村対象」 says who is eligible; only 「…で各１人以上」「全区市町村」 aim at covering them.
    kind = Kind.SCOPE if match.group("scope") else Kind.COVERAGE
    return TargetComponent(kind=kind, value=value, unit=MUNICIPALITY_UNIT)


def _unit(unit: str) -> str:
    # 「12センターで実施」: the unit is what is counted, not the verb after it.
    unit = re.split(r"で|を|に|の", unit, maxsplit=1)[0]
    # 「２市支援」「24区市」: municipalities, whichever of 区・市・町・村 the sheet names.
    return MUNICIPALITY_UNIT if re.match(r"^[区市町村]+(?:支援)?$", unit) else unit


def _label_before(part: str, figure: re.Match) -> str:
    label = part[: figure.start()].strip(" ・:：計")
    return "" if label in {"", "年"} else label


def _direction(word: str) -> Direction:
    return Direction.INCREASE if word == "増加" else Direction.DECREASE


def _decimal(number: str) -> Decimal:
    return Decimal(number.replace(",", ""))


@dataclass(frozen=True)
class TypedTarget:
    """The one target a wording states, ready to become a ``Target`` row (the wording kept verbatim)."""

    kind: Kind
    value: Decimal | None
    unit: str
    direction: Direction | None
    fiscal_year: int | None  # None: the whole plan period
    text: str


def typed_target_of(reading: TargetReading) -> TypedTarget | None:
    """Return the target the reading states, or None when it is unread or has several figures.

    Several figures (「600人(総論編) 180人(実践編)」) are one indicator each in the plan; a single
    target row cannot hold them, so the administrator splits the indicator or chooses the kind.
    """
    if not reading.understood or len(reading.components) != 1:
        return None
    component = reading.components[0]
    return TypedTarget(
        kind=component.kind,
        value=component.value,
        unit=component.unit,
        direction=component.direction,
        fiscal_year=reading.fiscal_year,
        text=reading.text,
    )


# -- Targets restated for one year inside a narrative -----------------------------------------------

# 「【31年度の目標数値】」 alone on its line: the figures follow, one 「・」 line each.
_RESTATED_HEADING = re.compile(rf"^[【\[](?P<year>{_YEAR_TOKEN})年度の目標(?:数値)?[】\]]$")
# 「（平成31年度　450人）」 inside a sentence: the year's figure in brackets.
_BRACKETED_YEAR_FIGURE = re.compile(rf"\((?P<year>{_YEAR_TOKEN})年度\s*(?P<figure>約?{_NUMBER}[^\d\s()]{{1,6}})\)")
# 「・２市支援（平成31年度）」: a short bullet that is only a figure and the year it is planned for.
_YEAR_BULLET = re.compile(rf"^・?\s*約?{_NUMBER}[^\d\s()]{{1,8}}\((?:平成|令和|H|R)?(?:元|\d{{1,4}})年度\)$")


def restated_targets(
    text: str, *, first_fiscal_year: int | None = None, municipality_count: int = 62
) -> tuple[TargetReading, ...]:
    """Return the targets a narrative restates for one year, each with its wording as the sheet prints it.

    The forms of seed 003: a line 「平成31年度目標：13回」「・31年度の目標数値　約800人」
    「・目標：年１回（平成31年度）」「・２市支援（平成31年度）」; a heading 「【31年度の目標数値】」
    over 「・」 lines (each read as the heading and its line: 「【31年度の目標数値】・研修　2回」);
    and 「（平成31年度　450人）」 at the end of a sentence. Only readings that name their year and
    are understood are returned: a narrative's other figures are results, not targets.
    """
    found: list[TargetReading] = []

    def read(wording: str) -> None:
        reading = read_target_wording(
            wording, first_fiscal_year=first_fiscal_year, municipality_count=municipality_count
        )
        if reading.understood and reading.fiscal_year is not None:
            found.append(reading)

    heading = ""
    for line in (text or "").split("\n"):
        body = _normalise(line)
        if not body:
            heading = ""
            continue
        if _RESTATED_HEADING.match(body):
            heading = line.strip()
            continue
        if heading and body.startswith("・"):
            read(f"{heading}{line.strip()}")
            continue
        heading = ""
        if _RESTATED_YEAR.match(body) or _YEAR_BULLET.match(body):
            read(line.strip())
        elif re.match(r"^・?目標[:：]", body) and _TRAILING_YEAR.search(body):
            read(line.strip().lstrip("・"))
        else:
            for match in _BRACKETED_YEAR_FIGURE.finditer(body):
                # Read as the restated form it abbreviates (「平成31年度目標：450人」), kept as typed.
                reading = read_target_wording(
                    f"{match.group('year')}年度目標：{match.group('figure')}",
                    first_fiscal_year=first_fiscal_year,
                    municipality_count=municipality_count,
                )
                if reading.understood and reading.fiscal_year is not None:
                    start, end = match.span()
                    found.append(replace(reading, text=_bracket_as_typed(line, body[start:end])))
    return tuple(found)


def _bracket_as_typed(line: str, normalised: str) -> str:
    """Return the bracket as the line types it (full-width 「（平成31年度　450人）」), else its normalised form."""
    for match in re.finditer(r"[（(][^（()）]*[）)]", line):
        if _normalise(match.group(0)) == normalised:
            return match.group(0)
    return normalised
