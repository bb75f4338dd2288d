"""「実績の一括入力」: every indicator-year of a period on one screen, for the past figures a sheet did not hold.

第7期's published sheet has no 実績 column: its figures are in the narratives (「修了者352人」),
so an imported 第7期 says 未入力 everywhere. ``period_figures_read`` reads, in a fixed number of
queries, every indicator-year of a period with its target, what is recorded and the numbers its
own narrative states (``figure_suggestions``); ``period_figures_save`` records what the
administrator typed through the entry workflow's own change rules (``changes``), in one
transaction, validated before the first write:

- an item-year that is 承認済 (what an import records) keeps its approval; its figures are
  written with their history and the approved snapshot is rewritten by the approval service's
  one writer (``services.approved_results_record``), so the reports count them at once;
- any other item-year is saved as the entry screen saves it (``services.item_entry_save``):
  the figure is a draft until the item-year is submitted and approved;
- a 「増加」 (direction) target compares its first year with the year before the period, the
  baseline the sheet quotes (「（28年10月）58,589人⇒（29年10月）61,792人」): its indicator gets one more
  input for that year, recorded as a baseline outside the workflow, as the read model counts
  it (``progress._counted_figures``) and as the sheet import and Tokyo's loader store it.
"""

import hashlib
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.permissions import system_admin_refusal
from programs.fiscal_years import era_label
from programs.kinds import Kind, target_for_year
from programs.models import Indicator, Item, PlanPeriod
from programs.quantities import ERROR_WHOLE_NUMBER, breaks_whole_number_unit, format_quantity

from . import policies, selectors, services
from .changes import Submission, item_year_change
from .figure_suggestions import FigureSuggestion, figure_suggestions, verdict_sentences
from .models import ReportingYear, SelfEvaluation, Verdict, YearlyResult
from .quantity_input import ERROR_DIGITS, digit_limits, fitted_to

REASON_FIGURES = "実績の一括入力"
RESULT_LIMITS = digit_limits(YearlyResult, "value")
# The history keeps a reason of at most 100 characters (django-simple-history's field), prefix included.
REASON_MAX_LENGTH = 80
ERROR_REASON_TOO_LONG = "変更理由は{limit}文字以内で入力してください。"
ERROR_NOT_IN_PERIOD = "この計画期間の指標・年度ではありません（何も保存していません）。"
ERROR_LOCKED = "{label} {year}: {year}は確定されているため変更できません（何も保存していません）。"
ERROR_NEGATIVE = "{label} {year}: マイナスの値は入力できません。"
ERROR_VERDICT = "{label} {year}: 達成の判断は「達成」「未達成」から選んでください。"
ERROR_VERDICT_TEXT = "{label} {year}: 達成の判断には、その根拠となる自己評価の文を入力してください。"
ERROR_REASON = "一度承認を経た記録（{where}）の実績を変更するため、変更理由を入力してください。"


def value_name(indicator_id: int, fiscal_year: int) -> str:
    """Name the inputs of one indicator-year: the form, the service's errors and the page agree on it."""
    return f"value_{indicator_id}_{fiscal_year}"


def verdict_name(indicator_id: int, fiscal_year: int) -> str:
    return f"verdict_{indicator_id}_{fiscal_year}"


def verdict_text_name(indicator_id: int, fiscal_year: int) -> str:
    return f"verdict_text_{indicator_id}_{fiscal_year}"


@dataclass(frozen=True)
class FigureCell:
    indicator_id: int
    fiscal_year: int
    target_text: str  # the year's target as the plan words it; "" where there is none
    value: Decimal | None
    verdict: str
    verdict_text: str
    state: str | None  # the item-year's SelfEvaluation.Status, None without a record
    locked: bool
    suggestions: tuple[FigureSuggestion, ...]
    verdict_suggestions: tuple[str, ...]
    baseline: bool = False  # the year before the period, which a 「増加」 target's first year is compared with

    @property
    def has_target(self) -> bool:
        return bool(self.target_text)

    @property
    def digest(self) -> str:
        """Name what is stored now, as ``figure_digest`` names what the page showed or what was typed."""
        return figure_digest(self.value, self.verdict if self.has_target else None, self.verdict_text)

    @property
    def year_label(self) -> str:
        return f"{era_label(self.fiscal_year)}（増減の基準）" if self.baseline else era_label(self.fiscal_year)

    @property
    def state_label(self) -> str:
        return str(SelfEvaluation.Status(self.state).label) if self.state else "記録なし"

    @property
    def value_name(self) -> str:
        return value_name(self.indicator_id, self.fiscal_year)

    @property
    def verdict_name(self) -> str:
        return verdict_name(self.indicator_id, self.fiscal_year)

    @property
    def verdict_text_name(self) -> str:
        return verdict_text_name(self.indicator_id, self.fiscal_year)


@dataclass(frozen=True)
class FigureIndicator:
    id: int
    item_id: int
    label: str
    unit: str
    cells: tuple[FigureCell, ...]


@dataclass(frozen=True)
class FigureItem:
    id: int
    area_label: str
    label: str
    title: str
    indicators: tuple[FigureIndicator, ...]


@dataclass(frozen=True)
class PeriodFigures:
    plan: PlanPeriod
    fiscal_years: tuple[int, ...]
    items: tuple[FigureItem, ...]

    @property
    def indicators(self) -> list[FigureIndicator]:
        return [indicator for item in self.items for indicator in item.indicators]

    def cells(self) -> list[tuple[FigureIndicator, FigureCell]]:
        return [(indicator, cell) for indicator in self.indicators for cell in indicator.cells]


def period_figures_read(*, plan: PlanPeriod) -> PeriodFigures:
    """Return every indicator-year of ``plan`` with its target, record and suggestions (five queries)."""
    years = tuple(plan.fiscal_years)
    read_years = (baseline_year(plan), *years)
    items = list(Item.objects.filter(area__plan=plan).select_related("area"))
    indicators = defaultdict(list)
    for indicator in Indicator.objects.filter(item__area__plan=plan).prefetch_related("targets"):
        indicators[indicator.item_id].append(indicator)
    results = {
        (result.indicator_id, result.fiscal_year): result
        for result in YearlyResult.objects.filter(indicator__item__area__plan=plan, fiscal_year__in=read_years)
    }
    records = {
        (record.item_id, record.fiscal_year): record
        for record in SelfEvaluation.objects.filter(item__area__plan=plan, fiscal_year__in=years)
    }
    locked = ReportingYear.objects.locked_fiscal_years(plan_id=plan.id)
    rows = []
    for item in items:
        rows.append(
            FigureItem(
                id=item.id,
                area_label=item.area.label,
                label=item.label,
                title=item.short_title,
                indicators=tuple(
                    _indicator(indicator, years, results, records, locked) for indicator in indicators[item.id]
                ),
            )
        )
    return PeriodFigures(plan=plan, fiscal_years=years, items=tuple(rows))


def baseline_year(plan: PlanPeriod) -> int:
    """Return the year before the period: the one a 「増加」 target's first year is compared with."""
    return plan.first_fiscal_year - 1


def has_trend_target(targets) -> bool:
    return any(target.kind == Kind.DIRECTION for target in targets)


def _indicator(indicator, years, results, records, locked) -> FigureIndicator:
    targets = list(indicator.targets.all())
    cells = []
    if has_trend_target(targets):
        before, first = years[0] - 1, records.get((indicator.item_id, years[0]))
        result = results.get((indicator.id, before))
        cells.append(
            FigureCell(
                indicator_id=indicator.id,
                fiscal_year=before,
                target_text="",
                value=result.value if result else None,
                verdict="",
                verdict_text="",
                state=None,
                locked=False,
                # The first year's narrative quotes the year before (「（29年10月）61,792人⇒（30年10月）…」).
                suggestions=figure_suggestions(first.activities if first else "", unit=indicator.unit),
                verdict_suggestions=(),
                baseline=True,
            )
        )
    for year in years:
        target = target_for_year(targets, year)
        result = results.get((indicator.id, year))
        record = records.get((indicator.item_id, year))
        narrative = "\n".join((record.activities, record.self_assessment)) if record else ""
        cells.append(
            FigureCell(
                indicator_id=indicator.id,
                fiscal_year=year,
                target_text=(target.target_text or format_quantity(target.value, target.unit)) if target else "",
                value=result.value if result else None,
                verdict=result.verdict if result else "",
                verdict_text=result.verdict_text if result else "",
                state=record.status if record else None,
                locked=year in locked,
                suggestions=figure_suggestions(narrative, unit=indicator.unit),
                verdict_suggestions=verdict_sentences(record.self_assessment) if record and target else (),
            )
        )
    return FigureIndicator(
        id=indicator.id, item_id=indicator.item_id, label=indicator.label, unit=indicator.unit, cells=tuple(cells)
    )


def figure_digest(value: Decimal | None, verdict: str | None, verdict_text: str) -> str:
    """Return a short name of an indicator-year's figure and verdict (12 hex digits; 150 = 150.00).

    The page carries the name of what it showed; a POST whose input still names that was not
    touched, and one whose stored figure no longer does was changed by someone else meanwhile.
    """
    shown = "" if value is None else format(value.normalize(), "f")
    text = (verdict_text or "").strip() if verdict is not None else ""
    return hashlib.sha256(repr((shown, verdict or "", text)).encode()).hexdigest()[:12]


@dataclass(frozen=True)
class FigureEntry:
    """What the administrator typed for one indicator-year: the figure (None: blank) and the verdict."""

    value: Decimal | None
    verdict: str | None = None  # None: the year has no verdict input (no target)
    verdict_text: str = ""


@dataclass(frozen=True)
class FiguresSaved:
    approved: int  # approved item-years whose figures changed (the reports count them now)
    drafts: int  # other item-years, saved as drafts of the entry workflow
    baselines: int = 0  # figures of the year before the period (「増加」 targets), counted at once

    def __bool__(self) -> bool:
        return bool(self.approved or self.drafts or self.baselines)


@transaction.atomic
def period_figures_save(
    *, plan: PlanPeriod, user, entries: Mapping[tuple[int, int], FigureEntry], change_reason: str = ""
) -> FiguresSaved:
    """Record the typed figures of ``plan`` (keys: (indicator id, fiscal year)); write nothing if anything is refused.

    Raises PermissionDenied for a user who is not a system administrator or an indicator-year of
    another period, ValidationError (keyed by the screen's input names) for a figure or verdict
    the entry workflow would refuse, a locked year, or a missing reason where one is needed.
    """
    if refused := system_admin_refusal(user):
        raise PermissionDenied(refused)
    facts = {
        indicator.id: indicator
        for indicator in Indicator.objects.filter(item__area__plan=plan)
        .select_related("item__area")
        .prefetch_related("targets")
    }
    baselines = {
        key: entry
        for key, entry in entries.items()
        if key[1] == baseline_year(plan) and key[0] in facts and has_trend_target(facts[key[0]].targets.all())
    }
    if any(entry.verdict for entry in baselines.values()):
        raise PermissionDenied(ERROR_NOT_IN_PERIOD)  # a baseline is not graded: no page offers a verdict for it
    if any(
        indicator_id not in facts or not (plan.contains(year) or (indicator_id, year) in baselines)
        for indicator_id, year in entries
    ):
        raise PermissionDenied(ERROR_NOT_IN_PERIOD)
    _check_entries(entries, facts)
    entries = {key: entry for key, entry in entries.items() if key not in baselines}

    # Every change is computed, and refused, before the first write.
    by_year: dict[int, dict[int, dict[int, FigureEntry]]] = defaultdict(lambda: defaultdict(dict))
    for (indicator_id, year), entry in entries.items():
        by_year[year][facts[indicator_id].item_id][indicator_id] = entry
    locked = ReportingYear.objects.locked_fiscal_years(plan_id=plan.id)
    records = {
        (record.item_id, record.fiscal_year): record
        for record in SelfEvaluation.objects.filter(item__area__plan=plan, fiscal_year__in=by_year)
    }
    errors: dict[str, list[str]] = {}
    planned = []
    for year, per_item in sorted(by_year.items()):
        states = selectors.item_year_states(fiscal_year=year, item_ids=list(per_item))
        for item_id, typed in per_item.items():
            submission = Submission(
                values={indicator_id: entry.value for indicator_id, entry in typed.items()},
                verdicts={
                    indicator_id: (entry.verdict, entry.verdict_text)
                    for indicator_id, entry in typed.items()
                    if entry.verdict is not None
                },
            )
            change = item_year_change(states[item_id], submission)
            if not change:
                continue
            indicator = facts[next(iter(typed))]
            if year in locked:
                name = value_name(indicator.id, year)
                errors[name] = [ERROR_LOCKED.format(label=indicator.label, year=era_label(year))]
                continue
            record = records.get((item_id, year))
            planned.append((indicator.item, year, record, submission, change))
    if errors:
        raise ValidationError(errors)
    if len(change_reason.strip()) > REASON_MAX_LENGTH:
        raise ValidationError(ERROR_REASON_TOO_LONG.format(limit=REASON_MAX_LENGTH))
    reason = REASON_FIGURES + (f": {change_reason.strip()}" if change_reason.strip() else "")
    needing_reason = [
        f"{item.area.label} {item.label} {era_label(year)}"
        for item, year, record, _, _ in planned
        if record is not None and policies.change_needs_reason(record)
    ]
    if needing_reason and not change_reason.strip():
        raise ValidationError(ERROR_REASON.format(where="、".join(needing_reason[:3])))

    approved = drafts = 0
    for item, year, record, submission, change in planned:
        if record is not None and record.status == SelfEvaluation.Status.APPROVED:
            services.approved_figures_correct(evaluation=record, change=change, user=user, reason=reason)
            approved += 1
        else:
            services.item_entry_save(
                item=item,
                fiscal_year=year,
                user=user,
                values=dict(submission.values),
                verdicts=dict(submission.verdicts),
                expected_version=record.version if record is not None else services.NO_RECORD_VERSION,
                change_reason=reason,
            )
            drafts += 1
    for (indicator_id, year), entry in baselines.items():
        _baseline_write(facts[indicator_id], year, entry.value, user=user, reason=reason)
    return FiguresSaved(approved=approved, drafts=drafts, baselines=len(baselines))


def _baseline_write(indicator: Indicator, fiscal_year: int, value: Decimal | None, *, user, reason: str) -> None:
    """Record the figure of the year before the period, with its history; a blank removes it."""
    result = YearlyResult.objects.filter(indicator=indicator, fiscal_year=fiscal_year).first()
    if result is None and value is None:
        return
    # Who and why, for django-simple-history (as services._stamp tells it).
    result = result or YearlyResult(indicator=indicator, fiscal_year=fiscal_year)
    result._history_user, result._change_reason = user, reason
    if value is None:
        result.delete()
        return
    result.value, result.actual_text = value, format_quantity(value, indicator.unit)
    result.full_clean()
    result.save()


def _check_entries(entries: Mapping[tuple[int, int], FigureEntry], facts: Mapping[int, Indicator]) -> None:
    """Refuse, all at once and keyed by input, what the entry workflow refuses: the form's checks, again."""
    errors: dict[str, list[str]] = {}
    for (indicator_id, year), entry in entries.items():
        indicator, shown_year = facts[indicator_id], era_label(year)
        value = entry.value
        if value is not None and value < 0:
            errors[value_name(indicator_id, year)] = [ERROR_NEGATIVE.format(label=indicator.label, year=shown_year)]
        elif value is not None and fitted_to(value, RESULT_LIMITS) is None:
            integer, decimal = RESULT_LIMITS
            label = f"{indicator.label} {shown_year} 実績"
            message = ERROR_DIGITS.format(label=label, integer=integer, decimal=decimal)
            errors[value_name(indicator_id, year)] = [message]
        elif breaks_whole_number_unit(value, indicator.unit):
            label = f"{indicator.label} {shown_year} 実績"
            errors[value_name(indicator_id, year)] = [ERROR_WHOLE_NUMBER.format(label=label, unit=indicator.unit)]
        if entry.verdict is not None and entry.verdict not in ("", *Verdict.values):
            errors[verdict_name(indicator_id, year)] = [ERROR_VERDICT.format(label=indicator.label, year=shown_year)]
        elif entry.verdict and not entry.verdict_text.strip():
            message = ERROR_VERDICT_TEXT.format(label=indicator.label, year=shown_year)
            errors[verdict_text_name(indicator_id, year)] = [message]
    if errors:
        raise ValidationError(errors)
