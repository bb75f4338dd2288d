"""Computing plans' progress from the database: plain values() rows in a fixed number of queries, graded.

Only ``cache.plans_progress`` calls ``_compute``; everything else reads the cached result.
"""

from collections import defaultdict

from programs.kinds import Kind, TargetFigure, TargetLine, target_for_year
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target, short_title_of
from programs.models import indicator_label_of as _indicator_label

from ..calculations import (
    Achievement,
    ResultFigure,
    indicator_achievement,
    period_coverage_achievement,
    period_standing,
    status_with_verdict,
    verdict_disagrees,
)
from ..models import ApprovedResult, SelfEvaluation, StatusRule, YearlyResult
from .counted import FIGURE_FIELDS, CountedFigures, _counted_figures, _covered, _has_figure
from .rows import (
    BASIS_PACE,
    BASIS_YEAR_PLAN,
    AreaRow,
    CumulativeSummary,
    EntryStatus,
    EvaluationCell,
    IndicatorRow,
    ItemRow,
    PeriodCoverage,
    PlanProgress,
    YearCell,
)
from .rule import status_rule_get


def _compute(plans: list[PlanPeriod], *, include_unapproved: bool = False) -> dict[int, PlanProgress]:
    """Read the plans' rows as plain values in ten queries, then grade them with the rule."""
    plan_ids = [plan.id for plan in plans]
    rule = status_rule_get()
    areas = list(
        PolicyArea.objects.filter(plan_id__in=plan_ids)
        .select_related("vision__parent")
        .order_by("plan_id", "number", "sub_number")
    )
    item_values = list(
        Item.objects.filter(area__plan_id__in=plan_ids)
        .values(
            "id",
            "area_id",
            "number",
            "title",
            "related_activities",
            "background",
            "item_vision",
            "reference",
            "target_wording",
            "section_id",
            "section__name",
        )
        .order_by("area_id", "number")
    )
    programs = _grouped(
        Item.programs.through.objects.filter(item__area__plan_id__in=plan_ids)
        .order_by("program__name")
        .values_list("item_id", "program__name")
    )
    indicators = _grouped(
        (row["item_id"], row)
        for row in Indicator.objects.filter(item__area__plan_id__in=plan_ids)
        .order_by("order", "id")
        .values("id", "item_id", "key", "name", "component", "unit", "type")
    )
    targets = _grouped(
        (row["indicator_id"], row)
        for row in Target.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values("indicator_id", "kind", "value", "unit", "fiscal_year", "direction", "target_text", "source")
    )
    named = _grouped(
        YearlyResult.municipalities.through.objects.filter(yearlyresult__indicator__item__area__plan_id__in=plan_ids)
        .order_by("municipality__code")
        .values_list("yearlyresult_id", "municipality__code")
    )
    results = defaultdict(dict)
    for row in (
        YearlyResult.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values("id", "indicator_id", "fiscal_year", *FIGURE_FIELDS)
    ):
        ids = tuple(named.get(row["id"], ()))
        results[row["indicator_id"]][row["fiscal_year"]] = {**row, "named": len(ids), "municipality_codes": ids}
    approved = defaultdict(dict)
    for row in (
        ApprovedResult.objects.filter(indicator__item__area__plan_id__in=plan_ids)
        .order_by("fiscal_year")
        .values(*FIGURE_FIELDS, "indicator_id", "fiscal_year", "municipality_codes")
    ):
        # The count kept is the covered one; the codes are those named when it was approved.
        codes = tuple(sorted(row["municipality_codes"] or ()))
        approved[row["indicator_id"]][row["fiscal_year"]] = {**row, "named": 0, "municipality_codes": codes}
    evaluations = defaultdict(dict)
    for row in SelfEvaluation.objects.filter(item__area__plan_id__in=plan_ids).values(
        "item_id",
        "fiscal_year",
        "activities",
        "self_assessment",
        "next_steps",
        "rating__symbol",
        "rating__label",
        "reference",
        "status",
    ):
        evaluations[row["item_id"]][row["fiscal_year"]] = row

    items_by_area = defaultdict(list)
    by_plan = {plan.id: plan for plan in plans}
    area_plan = {area.id: by_plan[area.plan_id] for area in areas}
    for row in item_values:
        plan = area_plan[row["area_id"]]
        items_by_area[row["area_id"]].append(
            _item_row(
                row,
                plan,
                programs,
                indicators[row["id"]],
                targets,
                results,
                approved,
                evaluations[row["id"]],
                rule,
                include_unapproved,
            )
        )
    labels = rule.labels
    area_titles = {area.id: area.title for area in areas}
    computed = {}
    for plan in plans:
        plan_areas = sorted(
            (area for area in areas if area.plan_id == plan.id and items_by_area[area.id]),
            key=lambda a: (a.number, a.sub_number or 0),
        )
        computed[plan.id] = PlanProgress(
            plan_id=plan.id,
            plan_name=plan.name,
            title=plan.title,
            fiscal_years=tuple(plan.fiscal_years),
            uses_rating=plan.uses_rating,
            areas=tuple(
                AreaRow(
                    id=area.id,
                    number=area.number,
                    sub_number=area.sub_number,
                    label=area.label,
                    title=area.title,
                    vision=area.vision.sheet_text if area.vision else "",
                    background=area.background,
                    outcome_indicator_text=area.outcome_indicator_text,
                    items=tuple(items_by_area[area.id]),
                    parent_title=area_titles.get(area.parent_id, ""),
                )
                for area in plan_areas
            ),
            labels=labels,
            include_unapproved=include_unapproved,
        )
    return computed


def _grouped(pairs) -> defaultdict:
    """Return the values of (owner id, value) pairs listed by owner, in the order the query gives them."""
    grouped = defaultdict(list)
    for owner_id, value in pairs:
        grouped[owner_id].append(value)
    return grouped


def _item_row(
    row, plan, programs, indicator_rows, targets, results, approved, evaluations, rule, include_unapproved
) -> ItemRow:
    fiscal_years = tuple(plan.fiscal_years)
    states = {year: evaluation["status"] for year, evaluation in evaluations.items()}
    indicators = tuple(
        _indicator_row(
            indicator,
            plan,
            fiscal_years,
            targets[indicator["id"]],
            _counted_figures(
                results[indicator["id"]], approved[indicator["id"]], states, fiscal_years, include_unapproved
            ),
            rule,
        )
        for indicator in indicator_rows
    )
    entered_years = {
        year
        for indicator in indicator_rows
        for year, result in results[indicator["id"]].items()
        if result["value"] is not None or result["actual_text"]
    }
    return ItemRow(
        id=row["id"],
        number=row["number"],
        title=row["title"],
        short_title=short_title_of(row["title"]),
        related_activities=row["related_activities"],
        background=row["background"],
        item_vision=row["item_vision"],
        reference=row["reference"],
        section_id=row["section_id"],
        section_name=row["section__name"] or "",
        programs=tuple(programs.get(row["id"], ())),
        indicators=indicators,
        evaluations=tuple(_evaluation_cell(evaluations.get(year)) for year in fiscal_years),
        entry_statuses=tuple(_entry_status(evaluations.get(year), year in entered_years) for year in fiscal_years),
        target_wording=row["target_wording"],
    )


def _entry_status(evaluation: dict | None, has_results: bool) -> str:
    if evaluation is not None:
        return evaluation["status"]
    return SelfEvaluation.Status.DRAFT if has_results else EntryStatus.NOT_STARTED


def _evaluation_cell(evaluation: dict | None) -> EvaluationCell | None:
    if evaluation is None:
        return None
    return EvaluationCell(
        fiscal_year=evaluation["fiscal_year"],
        activities=evaluation["activities"],
        self_assessment=evaluation["self_assessment"],
        next_steps=evaluation["next_steps"],
        rating_symbol=evaluation["rating__symbol"] or "",
        rating_label=evaluation["rating__label"] or "",
        reference=evaluation["reference"],
        status=evaluation["status"],
    )


def _indicator_row(indicator, plan, fiscal_years, targets, counted: CountedFigures, rule: StatusRule) -> IndicatorRow:
    results = counted.rows
    target_figures = [
        TargetFigure(
            kind=t["kind"],
            value=t["value"],
            fiscal_year=t["fiscal_year"],
            direction=t["direction"] or None,
            text=t["target_text"],
        )
        for t in targets
    ]
    result_figures = [
        ResultFigure(fiscal_year=year, value=r["value"], municipality_count=_covered(r)) for year, r in results.items()
    ]
    period_target = next((t for t in targets if t["fiscal_year"] is None), None)
    headline = period_target or (targets[0] if targets else None)

    cells = []
    for year in fiscal_years:
        achievement = indicator_achievement(
            targets=target_figures,
            results=result_figures,
            fiscal_year=year,
            first_fiscal_year=plan.first_fiscal_year,
            last_fiscal_year=plan.last_fiscal_year,
        )
        year_target = target_for_year(target_figures, year)
        result = results.get(year)
        if restates_no_figure(achievement, result):
            achievement = None  # nothing new to compare: no trend, and no 未入力 for a year the sheet filled
        computed = rule.grade(achievement)
        verdict = result["verdict"] if result else ""
        target, rate = (achievement.target, achievement.rate) if achievement else (None, None)
        basis = ""
        if achievement is not None and achievement.kind == Kind.CUMULATIVE:
            # A year on its own against the plan the sheet states for it; without one, the
            # running total against the target to date (the pace), as status_of grades it.
            if achievement.year_target is not None:
                target, rate, basis = achievement.year_target, achievement.year_rate, BASIS_YEAR_PLAN
            else:
                target, rate, basis = achievement.target_to_date, achievement.pace_rate, BASIS_PACE
        cells.append(
            YearCell(
                fiscal_year=year,
                target=target,
                target_text=year_target.text if year_target else "",
                actual=result["value"] if result else None,
                actual_text=result["actual_text"] if result else "",
                rate=rate,
                status=status_with_verdict(computed, verdict) if achievement is not None else computed,
                achievement=achievement,
                verdict=verdict,
                verdict_text=result["verdict_text"] if result else "",
                verdict_disagrees=achievement is not None and verdict_disagrees(computed, verdict),
                state=counted.states.get(year) if result is not None and _has_figure(result) else None,
                pending=counted.pending.get(year),
                covered=_covered(result) if result else None,
                period_covered=result["period_municipality_count"] if result else None,
                municipality_codes=result["municipality_codes"] if result else (),
                basis=basis,
            )
        )

    cumulative = None
    if period_target is not None and period_target["kind"] == Kind.CUMULATIVE:
        entered = [cell for cell in cells if cell.actual is not None]
        last = (entered[-1] if entered else cells[0]).achievement
        if last is not None:
            cumulative = CumulativeSummary(
                fiscal_year=last.fiscal_year,
                target=last.target,
                actual=last.running_total,
                rate=last.rate,
                target_to_date=last.target_to_date,
                pace_rate=last.pace_rate,
                needed_per_remaining_year=last.needed_per_remaining_year,
                status=rule.grade(period_standing(last)),
            )
    return IndicatorRow(
        id=indicator["id"],
        key=indicator["key"],
        name=indicator["name"],
        label=_indicator_label(indicator["name"], indicator["component"]),
        component=indicator["component"],
        unit=indicator["unit"],
        type=indicator["type"],
        target_kind=headline["kind"] if headline else None,
        target_text=headline["target_text"] if headline else "",
        years=tuple(cells),
        cumulative=cumulative,
        plan_target_text=next((t["target_text"] for t in targets if t["source"] == Target.Source.PLAN), ""),
        period_coverage=_period_coverage(period_target, results, fiscal_years, rule),
        targets=tuple(
            TargetLine(
                kind=t["kind"],
                value=t["value"],
                unit=t["unit"],
                fiscal_year=t["fiscal_year"],
                text=t["target_text"],
                source=t["source"],
                direction=t["direction"],
            )
            for t in targets
        ),
        outside_results=tuple(
            (year, r["value"], r["actual_text"]) for year, r in sorted(results.items()) if year not in fiscal_years
        ),
    )


def restates_no_figure(achievement: Achievement | None, result: dict | None) -> bool:
    """Tell whether a direction target's year is reported in words with no figure of its own.

    第7期 8 事項2, 令和元年度: the cell repeats 「（28年10月）58,589人⇒（29年10月）61,792人」, the
    figures 平成30年度 already reported; a trend needs a new figure, so the year has none (neither
    横ばい nor 未入力). A verdict recorded for such a year still grades it.
    """
    return (
        achievement is not None
        and achievement.kind == Kind.DIRECTION
        and result is not None
        and result["value"] is None
        and bool(result["actual_text"])
        and not result["verdict"]
    )


def _period_coverage(period_target, results, fiscal_years, rule: StatusRule) -> PeriodCoverage | None:
    """Return the distinct municipalities reached over the period as of its latest year with a figure.

    Each municipality counts once: the union of the years' named municipalities where every year
    with a figure names them, else the count the sheet states for the period (the latest year
    stating one); None when neither (a year that only counts cannot be united with the others).
    """
    if period_target is None or period_target["kind"] != Kind.COVERAGE:
        return None
    entered = {year: r for year, r in results.items() if year in fiscal_years and _covered(r)}
    stated = [(year, r["period_municipality_count"]) for year, r in entered.items() if r["period_municipality_count"]]
    named_by_year = {year: frozenset(r["municipality_codes"]) for year, r in entered.items()}
    if not entered:
        return None
    year = max(entered)
    every_year_named = all(named_by_year.values())
    if not every_year_named:
        if not stated:
            return None
        year, count = max(stated)
    achievement = period_coverage_achievement(
        fiscal_year=year,
        named_by_year=named_by_year,
        stated_count=None if every_year_named else count,
        aimed_at=period_target["value"],
    )
    return PeriodCoverage(
        fiscal_year=year,
        covered=achievement.actual,
        target=achievement.target,
        rate=achievement.rate,
        status=rule.grade(achievement),
        named=every_year_named,
        municipality_codes=tuple(sorted(frozenset().union(*named_by_year.values()))) if every_year_named else (),
    )
