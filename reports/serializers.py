"""The progress API's JSON, read from the same rows as the dashboard (docs/api.md documents it)."""

from decimal import Decimal

from evaluations.progress import (
    CumulativeSummary,
    IndicatorRow,
    ItemRow,
    PendingFigure,
    PeriodCoverage,
    PlanProgress,
    YearCell,
)


def number(value: Decimal | None) -> int | float | None:
    """Return a Decimal as a JSON number: an int when whole (153), else a float (94.1); None stays null.

    Rates arrive already rounded half-up to 0.1 by the achievement rules; a float of one
    decimal prints exactly as that decimal, so nothing is rounded here.
    """
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def rate(value: Decimal | None) -> float | None:
    """Return a rate (already rounded half-up to 0.1 %) as a JSON number with its decimal: 100.0, 94.1."""
    return None if value is None else float(value)


def progress_json(progress: PlanProgress) -> dict:
    return {
        "plan": progress.plan_name,
        "fiscal_years": list(progress.fiscal_years),
        "includes_unapproved": progress.include_unapproved,
        "areas": [
            {
                "number": area.number,
                "section": area.sub_number,
                "title": area.title,
                "items": [_item(item) for item in area.items],
            }
            for area in progress.areas
        ],
    }


def _item(item: ItemRow) -> dict:
    return {"number": item.number, "title": item.title, "indicators": [_indicator(ind) for ind in item.indicators]}


def _indicator(indicator: IndicatorRow) -> dict:
    return {
        "name": indicator.label,
        "unit": indicator.unit,
        "target_kind": indicator.target_kind,
        # Every figure a page shows is here (issue 21 item 15): the wording of the target (the
        # period's, or who may take part for a scope), the running total and the period coverage.
        "target_text": indicator.target_text,
        "years": [_year(cell) for cell in indicator.years],
        "cumulative": _cumulative(indicator.cumulative),
        "period_coverage": _period_coverage(indicator.period_coverage),
    }


def _year(cell: YearCell) -> dict:
    return {
        "fiscal_year": cell.fiscal_year,
        "target": number(cell.target),
        "target_text": cell.target_text,
        "actual": number(cell.actual),
        "achievement_rate": rate(cell.rate),
        # Cumulative targets: "year_plan" (the year's figure against its stated plan) or "pace"
        # (the running total, "compared", against the target to date); null otherwise.
        "basis": cell.basis or None,
        "compared": number(cell.compared) if cell.basis else None,
        "status": cell.graded_status.value if cell.graded_status else None,
        # The workflow state of "actual" (approved unless ?unapproved=on; null: no figure), and a
        # newer figure awaiting approval, counted nowhere.
        "state": cell.state,
        "pending": _pending(cell.pending),
        # The six-digit codes of the municipalities the figure names (coverage); [] where it only counts.
        "municipalities": list(cell.municipality_codes),
        "municipality_count": cell.covered,
    }


def _pending(pending: PendingFigure | None) -> dict | None:
    if pending is None:
        return None
    return {
        "actual": number(pending.actual),
        "actual_text": pending.actual_text,
        "verdict": pending.verdict or None,
        "state": pending.state,
    }


def _cumulative(summary: CumulativeSummary | None) -> dict | None:
    if summary is None:
        return None
    return {
        "fiscal_year": summary.fiscal_year,
        "target": number(summary.target),
        "actual": number(summary.actual),
        "achievement_rate": rate(summary.rate),
        "target_to_date": number(summary.target_to_date),
        "pace_rate": rate(summary.pace_rate),
        "needed_per_remaining_year": number(summary.needed_per_remaining_year),
        "status": summary.status.value,
    }


def _period_coverage(coverage: PeriodCoverage | None) -> dict | None:
    if coverage is None:
        return None
    return {
        "fiscal_year": coverage.fiscal_year,
        "covered": number(coverage.covered),
        "target": number(coverage.target),
        "achievement_rate": rate(coverage.rate),
        "status": coverage.status.value,
        # "names": every year names its municipalities, "covered" is their union (listed);
        # "stated": the sheet's own period count stands.
        "basis": "names" if coverage.named else "stated",
        "municipalities": list(coverage.municipality_codes),
    }
