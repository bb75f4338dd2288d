"""Achievement rules: how a yearly result is measured against its target.

Everything that shows an achievement rate (admin, pages, API, Excel) calls this module;
nothing else does the arithmetic. The functions are pure: they take plain values and
frozen dataclasses, never query the database, and return Decimals.

Rounding: a rate is a percentage rounded half-up to one decimal
(``Decimal.quantize(Decimal("0.1"), ROUND_HALF_UP)``), never Python's half-even ``round``
and never through float. 2/3 → 66.7 %, 0.05 % → 0.1 %.

Rules, one per target kind (DOMAIN.md), each with the seeds' example:

per_year
    rate = actual ÷ target of that year × 100; met when actual ≥ target.
    第8期 7 事項1: 144 ÷ 153 = 94.1 %.
cumulative
    running total = sum of the yearly results up to the year;
    target to date = period target × years elapsed ÷ years in the period;
    rate = running total ÷ period target; pace = running total ÷ target to date;
    needed per remaining year = (period target − running total) ÷ years left.
    第7期 2（1）事項1: 352 + 428 + 419 = 1,199 of 1,350 → 88.8 %; after FY2018 the target to
    date is 450, so 352 is 78.2 % of pace.
    A year whose plan the sheet states (募集規模 360, 450, 540 = 1,350; 「・２市支援（平成31年度）」)
    is measured on its own against that plan (``year_target``, ``year_rate``): 352/360 = 97.8 %,
    428/450 = 95.1 %, 419/540 = 77.6 %. A year with no stated plan is graded by pace, the
    running total against the target to date (第7期 3 事項1 初任者 540人: 172/180 = 95.6 % in
    the first year, never 172/540 = 31.9 %; 2（2）事項1 総論編 600人: 238/400 = 59.5 % after
    FY2019), never against an equal share nobody stated: an invented share grades a year the
    officials never planned (2（1）事項2 「9区市町村」: 2/3 in 平成31年度, when the sheet planned
    「・２市支援（平成31年度）」 and 2 were supported).
frequency
    met when actual count ≥ target count in the year (「年１回以上」: 1 ≥ 1 → met). An "at least N
    times" target has no percentage once met: 3 sessions against 「年１回以上」 is 「3回（目標
    年１回以上）達成」, never 300 % (``rate`` is None when met); below it, the rate shows how far
    short it fell (0 of 3 → 0.0 %).
coverage
    rate = municipalities covered ÷ municipalities aimed at (62 for 「62区市町村で各１人以上」);
    「24区市 38人配置」 → 24 ÷ 62 = 38.7 %.
    Over the period: the distinct municipalities reached since its first year, the named
    ones' union where every year names them, else the count the sheet states
    (【平成30～令和２年度累計】29区市町 → 29 ÷ 62 = 46.8 %), never the sum of the years.
scope (「62区市町村対象」)
    not a target: who may take part. The yearly count (「11区市　40件」) is an observed figure
    with the 62 as context; no rate, no status (``indicator_achievement`` returns None).
by_period_end
    rate = the latest value reached by the year ÷ target; met when it reaches the target
    (「12センターで実施（H32年度末）」).
direction
    compare the year's value with the previous one: 増加 / 横ばい / 減少; met when it moved
    the desired way. 2,366 → 2,316 → 2,399 → 2,410所: 減少, 増加, 増加.
several components (「600人(総論編) 180人(実践編)」)
    each component is an indicator measured by its own rule; the item's rate is its
    weakest component's rate and the item is met only when every component is met.
next-year figure stated in an evaluation (「【R3年度の目標数値】…1回」)
    becomes that year's target: ``target_for_year`` prefers a target of the fiscal year
    and falls back to the period target. It applies to the year it names only: 第7期 5 事項3
    「平成31年度目標：13回」 is FY2019's target; FY2020 has none, so 年12回 applies (13 ≥ 12: met).
the officials' verdict (「年1回開催するという目標は達成できている」 → 達成)
    where a year has no figure, its status follows the verdict staff recorded with the sentence
    it rests on; where a figure exists the computed status stands and a verdict that says
    otherwise is flagged (``verdict_disagrees``), never silently preferred.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

# The vocabulary lives with the plan (programs never imports from here); re-exported for callers.
from programs.kinds import (  # noqa: F401
    STATUS_LABELS,
    TREND_LABELS,
    Direction,
    Kind,
    Status,
    TargetFigure,
    Trend,
    period_target_of,
    target_for_year,
)

ONE_DECIMAL = Decimal("0.1")
HUNDRED = Decimal(100)
TOKYO_MUNICIPALITY_COUNT = 62


@dataclass(frozen=True)
class ResultFigure:
    fiscal_year: int
    value: Decimal | None
    municipality_count: int | None = None


@dataclass(frozen=True)
class Achievement:
    """How an indicator stands in one fiscal year."""

    kind: str
    fiscal_year: int
    target: Decimal | None
    actual: Decimal | None
    rate: Decimal | None
    met: bool | None
    # Cumulative targets only.
    running_total: Decimal | None = None
    target_to_date: Decimal | None = None
    pace_rate: Decimal | None = None
    needed_per_remaining_year: Decimal | None = None
    # Direction-only targets only.
    trend: Trend | None = None
    previous: Decimal | None = None  # the earlier value the trend is measured from
    # Cumulative targets only: the year on its own against its share of the period target.
    year_target: Decimal | None = None
    year_rate: Decimal | None = None

    @property
    def entered(self) -> bool:
        return self.actual is not None


def achievement_rate(actual: Decimal | int | None, target: Decimal | int | None) -> Decimal | None:
    """Return actual ÷ target as a percentage, half-up to 0.1; None when it cannot be computed."""
    if actual is None or target is None or Decimal(target) == 0:
        return None
    return (Decimal(actual) * HUNDRED / Decimal(target)).quantize(ONE_DECIMAL, ROUND_HALF_UP)


def _against_target(kind: Kind, fiscal_year: int, target: Decimal | None, actual: Decimal | None) -> Achievement:
    """Measure a value against a target of the same year: rate = actual ÷ target, met when actual ≥ target."""
    return Achievement(
        kind=kind,
        fiscal_year=fiscal_year,
        target=target,
        actual=actual,
        rate=achievement_rate(actual, target),
        met=_at_least(actual, target),
    )


def per_year_achievement(*, fiscal_year: int, target: Decimal | None, actual: Decimal | None) -> Achievement:
    return _against_target(Kind.PER_YEAR, fiscal_year, target, actual)


def frequency_achievement(*, fiscal_year: int, target: Decimal | None, actual: Decimal | None) -> Achievement:
    """Measure a count against an "at least N times" target: met, or the share reached when short."""
    achievement = _against_target(Kind.FREQUENCY, fiscal_year, target, actual)
    if achievement.met:
        return replace(achievement, rate=None)  # 3 of 「年１回以上」 is met, not 300 %
    return achievement


def coverage_achievement(
    *, fiscal_year: int, covered: int | Decimal | None, aimed_at: Decimal | int | None = TOKYO_MUNICIPALITY_COUNT
) -> Achievement:
    covered_value = None if covered is None else Decimal(covered)
    aimed_value = None if aimed_at is None else Decimal(aimed_at)
    return _against_target(Kind.COVERAGE, fiscal_year, aimed_value, covered_value)


def by_period_end_achievement(
    *, fiscal_year: int, target: Decimal | None, values_by_year: Mapping[int, Decimal | None]
) -> Achievement:
    """Measure the latest value reached up to the fiscal year against the period-end target."""
    return _against_target(Kind.BY_PERIOD_END, fiscal_year, target, _latest_value(values_by_year, up_to=fiscal_year))


def cumulative_achievement(
    *,
    fiscal_year: int,
    period_target: Decimal | None,
    values_by_year: Mapping[int, Decimal | None],
    first_fiscal_year: int,
    last_fiscal_year: int,
    year_share: Decimal | None = None,
) -> Achievement:
    """Measure the running total since the period began against the period target and its pace.

    The year's own value is measured against ``year_share`` where the sheet states the year's
    plan; without one there is no year target (the year is graded by pace, ``status_of``).
    """
    entered = [
        value
        for year, value in values_by_year.items()
        if first_fiscal_year <= year <= fiscal_year and value is not None
    ]
    year_value = values_by_year.get(fiscal_year)
    running_total = sum(entered, Decimal(0)) if entered else None
    years_in_period = last_fiscal_year - first_fiscal_year + 1
    years_elapsed = min(max(fiscal_year - first_fiscal_year + 1, 0), years_in_period)
    target_to_date = None
    needed = None
    if period_target is not None:
        target_to_date = (Decimal(period_target) * years_elapsed / years_in_period).quantize(
            Decimal("1"), ROUND_HALF_UP
        )
        years_left = years_in_period - years_elapsed
        if running_total is not None and years_left > 0:
            shortfall = max(Decimal(period_target) - running_total, Decimal(0))
            needed = (shortfall / years_left).quantize(Decimal("1"), ROUND_HALF_UP)
    year_target = year_share
    return Achievement(
        kind=Kind.CUMULATIVE,
        fiscal_year=fiscal_year,
        target=period_target,
        actual=year_value,
        rate=achievement_rate(running_total, period_target),
        met=_at_least(running_total, period_target),
        running_total=running_total,
        target_to_date=target_to_date,
        pace_rate=achievement_rate(running_total, target_to_date),
        needed_per_remaining_year=needed,
        year_target=year_target,
        year_rate=achievement_rate(year_value, year_target),
    )


def period_standing(achievement: Achievement) -> Achievement:
    """Return a cumulative achievement as the running total stands (graded by pace, not by the year's share)."""
    return replace(achievement, year_target=None, year_rate=None)


def direction_trend(previous: Decimal | None, current: Decimal | None) -> Trend | None:
    """Return how the value moved from the previous one; None when either is missing."""
    if previous is None or current is None:
        return None
    if current > previous:
        return Trend.UP
    if current < previous:
        return Trend.DOWN
    return Trend.FLAT


def direction_achievement(
    *, fiscal_year: int, direction: str | None, values_by_year: Mapping[int, Decimal | None]
) -> Achievement:
    """Compare the year's value with the latest earlier one (or the baseline year)."""
    current = values_by_year.get(fiscal_year)
    previous = _latest_value(values_by_year, up_to=fiscal_year - 1)
    trend = direction_trend(previous, current)
    met = None
    if trend is not None:
        wanted = Trend.DOWN if direction == Direction.DECREASE else Trend.UP
        met = trend == wanted
    return Achievement(
        kind=Kind.DIRECTION,
        fiscal_year=fiscal_year,
        target=None,
        actual=current,
        rate=None,
        met=met,
        trend=trend,
        previous=previous,
    )


def indicator_achievement(
    *,
    targets: Sequence[TargetFigure],
    results: Sequence[ResultFigure],
    fiscal_year: int,
    first_fiscal_year: int,
    last_fiscal_year: int,
) -> Achievement | None:
    """Apply the rule of the indicator's target kind for one fiscal year; None without a target."""
    target = target_for_year(targets, fiscal_year)
    if target is None:
        return None
    values_by_year = {result.fiscal_year: result.value for result in results}
    actual = values_by_year.get(fiscal_year)
    match target.kind:
        case Kind.PER_YEAR:
            return per_year_achievement(fiscal_year=fiscal_year, target=target.value, actual=actual)
        case Kind.FREQUENCY:
            return frequency_achievement(fiscal_year=fiscal_year, target=target.value, actual=actual)
        case Kind.COVERAGE:
            result = next((r for r in results if r.fiscal_year == fiscal_year), None)
            covered = None
            if result is not None:
                covered = result.municipality_count if result.municipality_count is not None else result.value
            return coverage_achievement(fiscal_year=fiscal_year, covered=covered, aimed_at=target.value)
        case Kind.BY_PERIOD_END:
            return by_period_end_achievement(
                fiscal_year=fiscal_year, target=target.value, values_by_year=values_by_year
            )
        case Kind.CUMULATIVE:
            period_target = period_target_of(targets) or target
            # A target of the year beside the period target is the year's share (its breakdown).
            share = target.value if target.fiscal_year == fiscal_year and period_target is not target else None
            return cumulative_achievement(
                fiscal_year=fiscal_year,
                period_target=period_target.value,
                values_by_year=values_by_year,
                first_fiscal_year=first_fiscal_year,
                last_fiscal_year=last_fiscal_year,
                year_share=share,
            )
        case Kind.DIRECTION:
            return direction_achievement(
                fiscal_year=fiscal_year, direction=target.direction, values_by_year=values_by_year
            )
        case Kind.SCOPE:
            return None  # who may take part: the count is observed, with the scope as context
    raise ValueError(f"unknown target kind {target.kind!r}")


@dataclass(frozen=True)
class ItemAchievement:
    rate: Decimal | None
    met: bool | None
    components: tuple[Achievement, ...]


def components_achievement(components: Iterable[Achievement]) -> ItemAchievement:
    """Combine several components: the weakest rate stands for the item; met only if all are met."""
    measured = tuple(components)
    rates = [c.rate for c in measured if c.rate is not None]
    verdicts = [c.met for c in measured]
    met: bool | None
    if not measured or any(v is None for v in verdicts):
        met = None if not any(v is False for v in verdicts) else False
    else:
        met = all(verdicts)
    return ItemAchievement(rate=min(rates) if rates else None, met=met, components=measured)


def _at_least(actual: Decimal | None, target: Decimal | None) -> bool | None:
    if actual is None or target is None:
        return None
    return Decimal(actual) >= Decimal(target)


def _latest_value(values_by_year: Mapping[int, Decimal | None], *, up_to: int) -> Decimal | None:
    years = sorted(year for year, value in values_by_year.items() if year <= up_to and value is not None)
    return values_by_year[years[-1]] if years else None


MOSTLY_ACHIEVED_FROM = Decimal(90)


def status_of(
    achievement: Achievement | None,
    *,
    mostly_from: Decimal = MOSTLY_ACHIEVED_FROM,
    achieved_from: Decimal = HUNDRED,
) -> Status:
    """Grade an achievement: 達成 ≥ 100 %, 概ね達成 ≥ 90 %, else 未達成; 未入力 without a figure.

    Both thresholds are parameters so that an administrator can change them (evaluations.models.StatusRule).

    A cumulative year is graded by its own value against the year's stated plan (``year_rate``),
    else by pace; the running total (``period_standing``) always by pace (the target to date), so
    a plan on pace is not shown as behind in its first year; a direction-only target reports its
    trend.
    """
    if achievement is None or not achievement.entered:
        return Status.NOT_ENTERED
    if achievement.kind == Kind.DIRECTION:
        if achievement.trend is None:
            return Status.NOT_ENTERED
        return {Trend.UP: Status.INCREASED, Trend.FLAT: Status.FLAT, Trend.DOWN: Status.DECREASED}[achievement.trend]
    rate = achievement.rate
    if achievement.kind == Kind.CUMULATIVE:
        rate = achievement.year_rate if achievement.year_rate is not None else achievement.pace_rate
    if rate is None:
        return Status.ACHIEVED if achievement.met else Status.NOT_ENTERED
    if rate >= achieved_from:
        return Status.ACHIEVED
    if rate >= mostly_from:
        return Status.MOSTLY_ACHIEVED
    return Status.NOT_ACHIEVED


FAR_FROM_TARGET_FACTOR = Decimal(10)


def far_from_target(value: Decimal | None, target: Decimal | None, *, factor: Decimal = FAR_FROM_TARGET_FACTOR) -> bool:
    """Tell whether a figure is implausibly far from its target (over ×10 or under ÷10): a likely typo."""
    if value is None or target is None or target <= 0:
        return False
    return value > target * factor or value < target / factor


# -- The officials' verdict -----------------------------------------------------------------------

VERDICT_ACHIEVED = "achieved"  # evaluations.models.Verdict
VERDICT_NOT_ACHIEVED = "not_achieved"
_GRADED = (Status.ACHIEVED, Status.MOSTLY_ACHIEVED, Status.NOT_ACHIEVED)


def status_with_verdict(status: Status, verdict: str) -> Status:
    """Return the status a cell shows: the verdict where there is no figure, else the computed one.

    第7期 4 事項1, 平成30年度: no count, 「年1回開催するという目標は達成できている」 → 達成.
    """
    if status == Status.NOT_ENTERED and verdict == VERDICT_ACHIEVED:
        return Status.ACHIEVED
    if status == Status.NOT_ENTERED and verdict == VERDICT_NOT_ACHIEVED:
        return Status.NOT_ACHIEVED
    return status


def verdict_disagrees(status: Status, verdict: str) -> bool:
    """Tell whether a recorded verdict contradicts the status computed from a figure (達成 vs not)."""
    if not verdict or status not in _GRADED:
        return False
    return (verdict == VERDICT_ACHIEVED) != (status == Status.ACHIEVED)


def period_coverage_achievement(
    *,
    fiscal_year: int,
    named_by_year: Mapping[int, frozenset[int]],
    stated_count: int | None,
    aimed_at: Decimal | int | None = TOKYO_MUNICIPALITY_COUNT,
) -> Achievement | None:
    """Measure the distinct municipalities reached since the period began against those aimed at.

    The union of the named municipalities where every year up to ``fiscal_year`` names them,
    else the count the sheet states for the period (``stated_count``); None when neither.
    第7期 2（2）事項2: 【平成30～令和２年度累計】29区市町 → 29 ÷ 62 = 46.8 %.
    """
    years = [year for year in named_by_year if year <= fiscal_year]
    covered: int | None = None
    if years and all(named_by_year[year] for year in years):
        covered = len(frozenset().union(*(named_by_year[year] for year in years)))
    elif stated_count is not None:
        covered = stated_count
    if covered is None:
        return None
    return coverage_achievement(fiscal_year=fiscal_year, covered=covered, aimed_at=aimed_at)
