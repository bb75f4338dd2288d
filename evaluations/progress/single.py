"""One indicator's achievement for one year, outside a plan listing (read from prefetched model rows)."""

from programs.models import Indicator

from ..calculations import Achievement, indicator_achievement


def achievement_for(indicator: Indicator, fiscal_year: int) -> Achievement | None:
    """Measure the fiscal year's result of one indicator against its target by the target kind's rule.

    Reads ``targets``, ``results`` (with their ``municipalities``) and the plan through
    ``item.area.plan``: callers listing many indicators prefetch them, so this adds no query.
    """
    plan = indicator.item.area.plan
    return indicator_achievement(
        targets=[target.as_figure() for target in indicator.targets.all()],
        results=[result.as_figure() for result in indicator.results.all()],
        fiscal_year=fiscal_year,
        first_fiscal_year=plan.first_fiscal_year,
        last_fiscal_year=plan.last_fiscal_year,
    )
