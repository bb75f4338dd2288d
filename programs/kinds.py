"""The vocabulary of targets and statuses, shared by the plan and everything that grades it.

These enums and the ``TargetFigure`` record describe a plan's targets; they live beside the
plan models so that ``programs`` never reaches up into ``evaluations`` for them. The
arithmetic that uses them stays in ``evaluations.calculations``.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol, TypeVar


class Kind(StrEnum):
    PER_YEAR = "per_year"
    CUMULATIVE = "cumulative"
    FREQUENCY = "frequency"
    COVERAGE = "coverage"
    BY_PERIOD_END = "by_period_end"
    DIRECTION = "direction"
    # Who may take part (「62区市町村対象」): context for an observed count, never graded. Issue 21 item 11.
    SCOPE = "scope"


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class Trend(StrEnum):
    UP = "up"
    FLAT = "flat"
    DOWN = "down"


TREND_LABELS = {Trend.UP: "増加", Trend.FLAT: "横ばい", Trend.DOWN: "減少"}


class Status(StrEnum):
    ACHIEVED = "achieved"
    MOSTLY_ACHIEVED = "mostly_achieved"
    NOT_ACHIEVED = "not_achieved"
    NOT_ENTERED = "not_entered"
    INCREASED = "increased"
    FLAT = "flat"
    DECREASED = "decreased"


STATUS_LABELS = {
    Status.ACHIEVED: "達成",
    Status.MOSTLY_ACHIEVED: "概ね達成",
    Status.NOT_ACHIEVED: "未達成",
    Status.NOT_ENTERED: "未入力",
    Status.INCREASED: "増加",
    Status.FLAT: "横ばい",
    Status.DECREASED: "減少",
}


@dataclass(frozen=True)
class TargetFigure:
    kind: str
    value: Decimal | None
    fiscal_year: int | None = None  # None: the whole plan period
    direction: str | None = None
    text: str = ""  # the target as worded in the plan (「各年度 153人」)


@dataclass(frozen=True)
class TargetLine:
    """One target as stored, wording included: what the read model carries, the rollover copies
    and the sheet import creates (``programs.models.Target.from_line`` makes the row)."""

    kind: str
    value: Decimal | None
    unit: str
    fiscal_year: int | None
    text: str
    source: str = "plan"  # programs.models.Target.Source
    direction: str = ""


class _HasFiscalYear(Protocol):
    fiscal_year: int | None


T = TypeVar("T", bound=_HasFiscalYear)


def target_for_year(targets: Iterable[T], fiscal_year: int) -> T | None:
    """Return the target of the fiscal year, else the period-wide target, else None.

    The one place that decides which target applies to a year: a target stated for the
    year (for example the next year's figure given in a self-evaluation) wins over the
    period's target. Works on ``TargetFigure`` records and on ``Target`` rows alike.
    """
    targets = list(targets)
    stated = next((target for target in targets if target.fiscal_year == fiscal_year), None)
    return stated if stated is not None else period_target_of(targets)


def period_target_of(targets: Iterable[T]) -> T | None:
    """Return the period-wide target (the one stated for no particular fiscal year), else None."""
    return next((target for target in targets if target.fiscal_year is None), None)
