"""Which figure counts for an indicator-year: the live result, the approved snapshot, or a pending one.

See the package's docstring for the rule; ``compute`` asks it once per indicator.
"""

from dataclasses import dataclass

from ..models import SelfEvaluation
from .rows import APPROVED, PendingFigure

# The parts of a result that make its figure: a newer figure differs from the approved one in one of them.
FIGURE_FIELDS = (
    "value",
    "actual_text",
    "municipality_count",
    "verdict",
    "verdict_text",
    "period_municipality_count",
)


def _figure(result: dict | None) -> tuple | None:
    """Return what a result row says, comparable between a live result and an approved snapshot."""
    if result is None:
        return None
    return (
        result["value"],
        result["actual_text"],
        _covered(result),
        result["verdict"],
        result["verdict_text"],
        result["period_municipality_count"],
        result["municipality_codes"],
    )


def _has_figure(result: dict) -> bool:
    return any(part not in (None, "", 0, ()) for part in _figure(result))


@dataclass(frozen=True)
class CountedFigures:
    """An indicator's result rows that count, by fiscal year, with their states and the newer ones."""

    rows: dict  # fiscal year → result row (live or approved snapshot)
    states: dict  # fiscal year → the counted figure's workflow state
    pending: dict  # fiscal year → PendingFigure


def _counted_figures(live, snapshots, states, fiscal_years, include_unapproved) -> CountedFigures:
    """Decide, year by year, which figure counts: see the package's docstring (evaluations.progress)."""
    rows, row_states, pending = {}, {}, {}
    for year in sorted(set(live) | set(snapshots)):
        result, snapshot = live.get(year), snapshots.get(year)
        if year not in fiscal_years:  # a baseline outside the plan's years: no workflow, it counts as recorded
            if result is not None:
                rows[year], row_states[year] = result, APPROVED
            continue
        state = states.get(year)
        if state == APPROVED:
            # Approved results cannot be edited (policies.can_edit): the stored figure is the approved one.
            counted, counted_state = (result, APPROVED) if result is not None else (snapshot, APPROVED)
        else:
            counted, counted_state = (snapshot, APPROVED) if snapshot is not None else (None, None)
            if result is not None and _has_figure(result) and _figure(result) != _figure(snapshot):
                newer_state = state or SelfEvaluation.Status.DRAFT.value  # no record: written outside the workflow
                if include_unapproved:
                    counted, counted_state = result, newer_state
                else:
                    pending[year] = PendingFigure(
                        fiscal_year=year,
                        actual=result["value"],
                        actual_text=result["actual_text"],
                        verdict=result["verdict"],
                        verdict_text=result["verdict_text"],
                        state=newer_state,
                    )
        if counted is not None:
            rows[year], row_states[year] = counted, counted_state
    return CountedFigures(rows=rows, states=row_states, pending=pending)


def _covered(result: dict) -> int | None:
    """Return how many municipalities a result covers: the named ones, else the stated count."""
    return result["named"] or result["municipality_count"]
