"""Reads for the entry screens: what one page needs, in a fixed number of queries."""

import datetime
import difflib
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connections, router
from django.db.models import Exists, OuterRef, Prefetch, QuerySet, Subquery

from accounts.permissions import is_reviewer, owned_section_ids
from programs.fiscal_years import era_label, today_in_tokyo
from programs.kinds import period_target_of, target_for_year
from programs.models import Indicator, Item, PlanPeriod, Target
from programs.quantities import QuantityError, format_quantity, format_rate
from programs.selectors import sheet_layout
from programs.sheet_layouts import LayoutSpec, YearFields

from . import due, policies
from .calculations import ResultFigure, indicator_achievement
from .changes import RATING, TEXT_FIELDS, IndicatorFacts, ItemYearState, StoredResult, StoredTarget
from .imports.plan_yaml import CHANGE_REASON as CHANGE_REASON_INITIAL_LOAD
from .models import NO_RECORD_VERSION, RESULT_LIMITS, Rating, ReportingYear, SelfEvaluation, YearlyResult
from .progress import NO_TARGET_LABEL, EntryStatus, ItemRow, YearCell, plan_progress, plans_progress, status_rule_get
from .quantity_input import ERROR_DIGITS, fitted_to, indicator_quantity


def plan_choices(*, today: datetime.date | None = None) -> list[PlanPeriod]:
    """Return every plan period, oldest first, annotated for choosing the default (one query).

    ``has_items``, ``has_results``, ``open_fiscal_year`` (its first reporting year not locked)
    and ``due_fiscal_year`` (its reporting year due next, ``evaluations.due``).
    """
    today = today or today_in_tokyo()
    alias = router.db_for_read(PlanPeriod)
    key = (alias, connections[alias].vendor, today)
    compiled = _PLAN_CHOICES_SQL.get(key)
    if compiled is None:
        if len(_PLAN_CHOICES_SQL) >= _PLAN_CHOICES_SQL_KEPT:
            _PLAN_CHOICES_SQL.clear()
        compiled = _PLAN_CHOICES_SQL[key] = _plan_choices_queryset(today=today).query.sql_with_params()
    plans = list(PlanPeriod.objects.using(alias).raw(*compiled))
    for plan in plans:  # SQLite answers EXISTS with 0/1; the ORM would have converted it
        plan.has_items, plan.has_results = bool(plan.has_items), bool(plan.has_results)
    return plans


# Every page reads plan_choices. Building and compiling its four correlated subqueries (one
# nested two deep) cost the ORM about 3 ms a request, a fifth of the dashboard's time, while
# the database runs the SQL in 0.1 ms. The SQL depends only on the database and the day, so it
# is compiled once per (database, day) and run as a raw query over the same columns. It holds
# SQL, never data (the day is a parameter): every call runs it, so a write is seen by the next
# call and the progress token (which keys every memo of data, evaluations.progress.cache) has
# nothing to invalidate here (tests/reports/test_derived_with_the_token.py).
_PLAN_CHOICES_SQL: dict[tuple[str, str, datetime.date], tuple[str, tuple]] = {}
_PLAN_CHOICES_SQL_KEPT = 8


def _plan_choices_queryset(*, today: datetime.date) -> QuerySet:
    results = YearlyResult.objects.filter(indicator__item__area__plan=OuterRef("pk"), value__isnull=False)
    open_years = ReportingYear.objects.filter(plan=OuterRef("pk"), is_locked=False).order_by("fiscal_year")
    return PlanPeriod.objects.annotate(
        has_items=Exists(Item.objects.filter(area__plan=OuterRef("pk"))),
        has_results=Exists(results),
        open_fiscal_year=Subquery(open_years.values("fiscal_year")[:1]),
        due_fiscal_year=due.due_fiscal_year_subquery(today=today),
    ).order_by("ordinal")


def plan_choice_of(*, plan_id: int) -> PlanPeriod:
    """Return one plan annotated as ``plan_choices`` annotates them (for a page reached by its item)."""
    return next(plan for plan in plan_choices() if plan.id == plan_id)


@dataclass(frozen=True)
class PlanYear:
    plan: PlanPeriod
    fiscal_year: int


def plan_year_default(plans: list[PlanPeriod], *, today: datetime.date | None = None) -> PlanYear | None:
    """Return the plan and year every page opens on when none is chosen (plans from ``plan_choices``).

    By the calendar, not by what was created last: ``evaluations.due`` states the rule.
    """
    plan = due.period_default(plans, today=today)
    return PlanYear(plan, due.fiscal_year_due(plan, today=today)) if plan is not None else None


def fiscal_year_default(plan: PlanPeriod, *, today: datetime.date | None = None) -> int:
    """Return the year a page shows for a plan chosen without a year: its reporting year due next.

    Reads the annotations of ``plan_choices`` (``evaluations.due.fiscal_year_due``).
    """
    return due.fiscal_year_due(plan, today=today)


@dataclass(frozen=True)
class EntryPage:
    item: Item
    plan: PlanPeriod
    fiscal_year: int
    row: ItemRow
    labels: Mapping[str, str]  # status → name under the administrator's rule
    evaluation: SelfEvaluation | None
    previous: SelfEvaluation | None
    reporting_year: ReportingYear | None
    indicators: list[Indicator]
    results: dict[int, YearlyResult]
    targets_by_indicator: dict[int, tuple[Decimal | None, str]]
    next_targets: dict[int, Target]
    ratings: QuerySet | None
    fields: YearFields | None = None  # what the period's sheet prints for the year (programs.sheet_layouts)
    layout: LayoutSpec | None = None

    @property
    def entry_status(self) -> str:
        """Return the year's entry status as the read model decides it for every page (``EntryStatus``)."""
        return self.row.entry_status(self.fiscal_year, tuple(self.plan.fiscal_years))

    @property
    def entry_status_label(self) -> str:
        return EntryStatus.LABELS[self.entry_status]


def entry_page(*, item: Item, fiscal_year: int) -> EntryPage:
    plan = item.area.plan
    # Staff see what they typed, rated as typed: the newest figures, approved or not.
    progress = plan_progress(plan=plan, item_ids=[item.id], include_unapproved=True)
    row = progress.items[0]
    layout = sheet_layout(plan=plan)
    fields = layout.year_fields(fiscal_year, plan.fiscal_years)
    evaluations = {
        evaluation.fiscal_year: evaluation
        for evaluation in SelfEvaluation.objects.filter(
            item=item, fiscal_year__in=[fiscal_year - 1, fiscal_year]
        ).select_related("rating", "submitted_by", "approved_by")
    }
    indicators = list(
        item.indicators.order_by("order", "id").prefetch_related(
            "targets",
            Prefetch(
                "results",
                queryset=YearlyResult.objects.filter(fiscal_year=fiscal_year).prefetch_related("municipalities"),
                to_attr="year_results",
            ),
        )
    )
    targets_by_indicator = {}
    next_targets = {}
    for indicator in indicators:
        targets = list(indicator.targets.all())
        target = target_for_year(targets, fiscal_year)
        if target is not None:
            targets_by_indicator[indicator.id] = (target.value, target.kind)
        stated = next((t for t in targets if t.fiscal_year == fiscal_year + 1), None)
        if stated is not None:
            next_targets[indicator.id] = stated
    return EntryPage(
        item=item,
        plan=plan,
        fiscal_year=fiscal_year,
        row=row,
        labels=progress.labels,
        evaluation=evaluations.get(fiscal_year),
        previous=evaluations.get(fiscal_year - 1),
        reporting_year=ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year),
        indicators=indicators,
        results={indicator.id: indicator.year_results[0] for indicator in indicators if indicator.year_results},
        targets_by_indicator=targets_by_indicator,
        next_targets=next_targets,
        # 評定 only where the layout prints it (第8期: once, at the period's end).
        ratings=Rating.objects.filter(scale__is_default=True).order_by("order") if fields.rating else None,
        fields=fields,
        layout=layout,
    )


def entry_initial(page: EntryPage) -> dict[str, Any]:
    """Return the form's initial values: what is saved, as staff would type it."""
    initial: dict[str, Any] = {"version": page.evaluation.version if page.evaluation else NO_RECORD_VERSION}
    for indicator in page.indicators:
        result = page.results.get(indicator.id)
        if result is not None and result.value is not None:
            initial[f"value_{indicator.id}"] = format_quantity(result.value)
        if result is not None:
            initial[f"municipalities_{indicator.id}"] = [m.id for m in result.municipalities.all()]
            initial[f"verdict_{indicator.id}"] = result.verdict
            initial[f"verdict_text_{indicator.id}"] = result.verdict_text
        stated = page.next_targets.get(indicator.id)
        if stated is not None and stated.value is not None:
            initial[f"next_target_{indicator.id}"] = format_quantity(stated.value)
    if page.evaluation is not None:
        for field in ("activities", "self_assessment", "next_steps", "reference"):
            initial[field] = getattr(page.evaluation, field)
        initial["rating"] = page.evaluation.rating_id
    return initial


@dataclass(frozen=True)
class Preview:
    rate: Decimal | None
    status: str
    label: str  # the status's name under the administrator's rule


# What the live display announces for a row, once per change (issue 12 item 4).
PREVIEW_SENTENCE = "達成率 {rate}、{status}（未保存）"
PREVIEW_NO_RATE = "達成率はありません（未保存）"


def achievement_preview_answer(*, indicator: Indicator, fiscal_year: int, typed: str) -> dict:
    """Answer the entry screen's live display: the rate and status a typed figure would have, or why not."""
    try:
        value = indicator_quantity(typed, unit=indicator.unit) if typed else None
    except QuantityError as error:
        return {"error": str(error), "sentence": str(error)}
    if value is not None and fitted_to(value, RESULT_LIMITS) is None:
        integer, decimal = RESULT_LIMITS
        error = ERROR_DIGITS.format(label=f"{indicator.label} 実績", integer=integer, decimal=decimal)
        return {"error": error, "sentence": error}
    result = achievement_preview(indicator=indicator, fiscal_year=fiscal_year, value=value)
    if result is None:
        return {"rate": None, "status": None, "status_key": None, "sentence": PREVIEW_NO_RATE}
    rate, status = format_rate(result.rate), result.label
    sentence = PREVIEW_SENTENCE.format(rate=rate, status=status)
    return {"rate": rate, "status": status, "status_key": str(result.status), "sentence": sentence}


def achievement_preview(*, indicator: Indicator, fiscal_year: int, value: Decimal | None) -> Preview | None:
    """Measure a value being typed as if it were saved, by the same rules as everything else."""
    plan = indicator.item.area.plan
    results = [result.as_figure() for result in indicator.results.all() if result.fiscal_year != fiscal_year]
    results.append(ResultFigure(fiscal_year=fiscal_year, value=value))
    achievement = indicator_achievement(
        targets=[target.as_figure() for target in indicator.targets.all()],
        results=results,
        fiscal_year=fiscal_year,
        first_fiscal_year=plan.first_fiscal_year,
        last_fiscal_year=plan.last_fiscal_year,
    )
    if achievement is None:
        return None
    rule = status_rule_get()
    status = rule.grade(achievement)
    return Preview(rate=achievement.rate, status=status, label=rule.labels.get(status, ""))


@dataclass(frozen=True)
class WorkRow:
    item_id: int
    area_label: str
    item_number: int
    short_title: str
    section_name: str
    status: str


def my_work_rows(*, plan: PlanPeriod, fiscal_year: int, section_ids: set[int] | None) -> list[WorkRow]:
    """List the plan's items (only those of ``section_ids`` when given) with their entry status for the year."""
    if section_ids is not None and not section_ids:
        return []
    progress = plan_progress(plan=plan, section_ids=sorted(section_ids) if section_ids else None)
    rows = []
    for area in progress.areas:
        for item in area.items:
            rows.append(
                WorkRow(
                    item_id=item.id,
                    area_label=area.label,
                    item_number=item.number,
                    short_title=item.short_title,
                    section_name=item.section_name,
                    status=item.entry_status(fiscal_year, progress.fiscal_years),
                )
            )
    return rows


def year_cells_of(*, plans: list[PlanPeriod]) -> dict[tuple[int, int], tuple[YearCell, str]]:
    """Return every indicator-year's cell of the plans, with its status named under the rule.

    Every figure, draft or approved, as the entry screen shows it (the admin lists them all),
    graded by the read model: the verdicts, readings and target kinds every page applies. The
    plans are read together, in the fixed number of queries of one.
    """
    cells = {}
    for progress in plans_progress(plans=plans, include_unapproved=True):
        for item in progress.items:
            for indicator in item.indicators:
                for cell in indicator.years:
                    label = progress.labels.get(cell.status, NO_TARGET_LABEL) if cell.status else NO_TARGET_LABEL
                    cells[(indicator.id, cell.fiscal_year)] = (cell, label)
    return cells


@dataclass(frozen=True)
class MyWorkPage:
    """入力状況 of one plan-year for one user: the rows they see, and whether they may lock or unlock it."""

    rows: list[WorkRow]
    reporting_year: ReportingYear | None
    sees_all: bool  # a reviewer sees every section; staff only their own
    lock_denied: str | None
    unlock_denied: str | None


def my_work_page(*, user, plan: PlanPeriod, fiscal_year: int) -> MyWorkPage:
    sees_all = is_reviewer(user)
    rows = my_work_rows(plan=plan, fiscal_year=fiscal_year, section_ids=None if sees_all else owned_section_ids(user))
    reporting_year = ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year)
    unapproved = sum(1 for row in rows if row.status != SelfEvaluation.Status.APPROVED)
    return MyWorkPage(
        rows=rows,
        reporting_year=reporting_year,
        sees_all=sees_all,
        lock_denied=policies.can_lock(user, reporting_year, unapproved, len(rows)) if reporting_year else "",
        unlock_denied=policies.can_unlock(user, reporting_year) if reporting_year else "",
    )


@dataclass(frozen=True)
class DiffPiece:
    """A run of text that both versions share ("same"), or that one deleted ("del") or inserted ("ins")."""

    kind: str
    text: str


# Values longer than this (or on several lines) are shown as one text with the changes marked,
# instead of the whole before and after side by side.
DIFF_THRESHOLD = 80


def text_diff(before: str, after: str) -> tuple[DiffPiece, ...]:
    """Return ``after`` as runs of unchanged, deleted and inserted text, compared character by character.

    Japanese has no spaces between words, so characters are the unit; runs are merged so a
    reader sees 「…を<del>3</del><ins>4</ins>コース…」 rather than a list of lines.
    """
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    pieces: list[DiffPiece] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append(DiffPiece("same", before[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(DiffPiece("del", before[i1:i2]))
        if j2 > j1:
            pieces.append(DiffPiece("ins", after[j1:j2]))
    return tuple(pieces)


@dataclass(frozen=True)
class HistoryChange:
    field: str
    before: str
    after: str
    diff: tuple[DiffPiece, ...] = ()  # set for long texts: the page shows it instead of before → after


@dataclass(frozen=True)
class HistoryEntry:
    when: datetime.datetime
    who: str
    subject: str
    action: str
    reason: str
    changes: tuple[HistoryChange, ...]


_HISTORY_LABELS = {"+": "作成", "~": "変更", "-": "削除"}
# Reasons recorded under an older wording, shown as they read today.
_REASON_WORDING = {"計画データ（YAML）の読込": CHANGE_REASON_INITIAL_LOAD}
_TRACKED = {
    SelfEvaluation: (
        "status",
        "activities",
        "self_assessment",
        "next_steps",
        "reference",
        "rating_id",
        "manager_comment",
    ),
    YearlyResult: ("value", "actual_text", "municipality_count"),
    Target: ("kind", "value", "target_text", "fiscal_year", "source"),
}


def item_history(*, item: Item) -> list[HistoryEntry]:
    """Return every recorded change to the item's targets, results and self-evaluations, newest first."""
    indicators = {indicator.id: indicator for indicator in item.indicators.all()}
    ratings = {rating.id: rating.symbol for rating in Rating.objects.all()}
    sources = [
        (SelfEvaluation, SelfEvaluation.history.filter(item_id=item.id)),
        (YearlyResult, YearlyResult.history.filter(indicator_id__in=list(indicators))),
        (Target, Target.history.filter(indicator_id__in=list(indicators))),
    ]
    entries = []
    for model, records in sources:
        by_object = defaultdict(list)
        for record in records.select_related("history_user").order_by("history_date", "history_id"):
            by_object[record.id].append(record)
        for versions in by_object.values():
            previous = None
            for record in versions:
                entries.append(_history_entry(model, record, previous, indicators, ratings))
                previous = record
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries


def _history_entry(model, record, previous, indicators, ratings) -> HistoryEntry:
    changes = []
    for field in _TRACKED[model]:
        before = getattr(previous, field) if previous is not None else None
        after = getattr(record, field)
        if before != after and not (previous is None and after in (None, "")):
            shown_before, shown_after = _show(model, field, before, ratings), _show(model, field, after, ratings)
            long = any(
                isinstance(value, str) and (len(value) > DIFF_THRESHOLD or "\n" in value) for value in (before, after)
            )
            diff = text_diff(before or "", after or "") if long else ()
            changes.append(HistoryChange(_field_label(model, field), shown_before, shown_after, diff))
    if model is SelfEvaluation:
        subject = f"自己評価 {era_label(record.fiscal_year)}"
    else:
        indicator = indicators.get(record.indicator_id)
        label = indicator.label if indicator else "（削除された指標）"
        year = era_label(record.fiscal_year) if record.fiscal_year else "期間"
        subject = f"{'実績' if model is YearlyResult else '目標'} {label} {year}"
    user = record.history_user
    return HistoryEntry(
        when=record.history_date,
        who=(user.get_full_name() or user.get_username()) if user else "システム",
        subject=subject,
        action=_HISTORY_LABELS.get(record.history_type, record.history_type),
        reason=_REASON_WORDING.get(record.history_change_reason or "", record.history_change_reason or ""),
        changes=tuple(changes),
    )


def _field_label(model, field: str) -> str:
    name = field.removesuffix("_id")
    return str(model._meta.get_field(name).verbose_name)


def _show(model, field: str, value: Any, ratings: dict[int, str]) -> str:
    if value is None or value == "":
        return "（空欄）"
    if field == "rating_id":
        return ratings.get(value, str(value))
    choices = dict(model._meta.get_field(field.removesuffix("_id")).flatchoices)
    if choices:
        # A code such as "per_year" means nothing to a reader; show its label (「各年度」).
        return str(choices.get(value, value))
    if isinstance(value, Decimal):
        return format_quantity(value)
    return str(value)


def item_year_states(
    *, fiscal_year: int, item_ids: Collection[int] | None = None, plan_id: int | None = None
) -> dict[int, ItemYearState]:
    """Return what is stored for each item (of ``item_ids``, or of the plan) in the year.

    Six queries for given items, seven for a plan, however many indicators and results they have.
    """
    indicators = Indicator.objects.order_by("item_id", "order", "id").prefetch_related("targets")
    evaluations = SelfEvaluation.objects.filter(fiscal_year=fiscal_year)
    results = YearlyResult.objects.filter(fiscal_year=fiscal_year).prefetch_related("municipalities")
    items = Item.objects.order_by("id")
    if item_ids is not None:
        indicators = indicators.filter(item_id__in=item_ids)
        evaluations = evaluations.filter(item_id__in=item_ids)
        results = results.filter(indicator__item_id__in=item_ids)
        items = items.filter(id__in=item_ids)
    if plan_id is not None:
        indicators = indicators.filter(item__area__plan_id=plan_id)
        evaluations = evaluations.filter(item__area__plan_id=plan_id)
        results = results.filter(indicator__item__area__plan_id=plan_id)
        items = items.filter(area__plan_id=plan_id)
    facts_by_item: dict[int, list[IndicatorFacts]] = defaultdict(list)
    stated: dict[int, dict[int, StoredTarget]] = defaultdict(dict)
    for indicator in indicators:
        targets = list(indicator.targets.all())
        period = period_target_of(targets) or (targets[0] if targets else None)
        facts_by_item[indicator.item_id].append(
            IndicatorFacts(
                indicator.id,
                indicator.label,
                indicator.unit,
                period.kind if period else Target.Kind.PER_YEAR,
                has_target=target_for_year(targets, fiscal_year) is not None,
            )
        )
        for target in targets:
            if target.fiscal_year == fiscal_year + 1:
                stated[indicator.item_id][indicator.id] = StoredTarget(
                    target.kind, target.value, target.unit, target.target_text, target.source
                )
    stored: dict[int, dict[int, StoredResult]] = defaultdict(dict)
    item_of = {facts.id: item_id for item_id, all_facts in facts_by_item.items() for facts in all_facts}
    for result in results:
        stored[item_of[result.indicator_id]][result.indicator_id] = stored_result(result)
    records = {record.item_id: record for record in evaluations}
    rating_labels = {rating.id: rating.symbol for rating in Rating.objects.all()}
    ids = list(item_ids) if item_ids is not None and plan_id is None else items.values_list("id", flat=True)
    return {
        item_id: ItemYearState(
            item_id=item_id,
            fiscal_year=fiscal_year,
            indicators=tuple(facts_by_item[item_id]),
            results=stored[item_id],
            next_targets=stated[item_id],
            evaluation=stored_evaluation(records.get(item_id)),
            status=records[item_id].status if item_id in records else None,
            version=records[item_id].version if item_id in records else NO_RECORD_VERSION,
            rating_labels=rating_labels,
        )
        for item_id in ids
    }


def stored_result(result, *, audited: bool = False) -> StoredResult:
    """Return a result as the change rules read it; an audit record's municipalities are not known."""
    municipality_ids = None if audited else tuple(sorted(m.id for m in result.municipalities.all()))
    return StoredResult(
        value=result.value,
        actual_text=result.actual_text,
        municipality_ids=municipality_ids,
        verdict=result.verdict,
        verdict_text=result.verdict_text,
    )


def stored_evaluation(record) -> dict[str, Any]:
    """Return a self-evaluation (or an audit record of one) as the change rules read it; {} for none."""
    if record is None:
        return {}
    return {**{name: getattr(record, name) for name in TEXT_FIELDS}, RATING: record.rating_id}


# -- What a weighty action will do, shown before it is done (issue 20 item 5) -------------------


@dataclass(frozen=True)
class ApprovalFigure:
    """One indicator's figure as the manager approves it."""

    label: str
    actual_text: str
    target_text: str
    rate_text: str
    status_label: str


@dataclass(frozen=True)
class ApprovalPreview:
    page: EntryPage
    figures: tuple[ApprovalFigure, ...]


def approval_preview(*, evaluation: SelfEvaluation) -> ApprovalPreview:
    """Return the figures a manager is about to approve: the submitted year's, as the entry screen rates them."""
    page = entry_page(item=evaluation.item, fiscal_year=evaluation.fiscal_year)
    index = page.plan.fiscal_years.index(page.fiscal_year)
    figures = []
    for indicator in page.row.indicators:
        cell = indicator.years[index]
        figures.append(
            ApprovalFigure(
                label=indicator.label,
                actual_text=format_quantity(cell.actual, indicator.unit) if cell.actual is not None else "未入力",
                target_text=cell.target_text or "—",
                rate_text=format_rate(cell.rate) if cell.rate is not None else "—",
                status_label=page.labels.get(cell.status, "") if cell.status else "",
            )
        )
    return ApprovalPreview(page=page, figures=tuple(figures))


@dataclass(frozen=True)
class LockPreview:
    reporting_year: ReportingYear | None
    item_count: int
    unapproved_count: int


def lock_preview(*, plan: PlanPeriod, fiscal_year: int) -> LockPreview:
    """Return what locking a year freezes: its items (all approved, or the count still waiting)."""
    rows = my_work_rows(plan=plan, fiscal_year=fiscal_year, section_ids=None)
    return LockPreview(
        reporting_year=ReportingYear.objects.of(plan_id=plan.id, fiscal_year=fiscal_year),
        item_count=len(rows),
        unapproved_count=sum(1 for row in rows if row.status != SelfEvaluation.Status.APPROVED),
    )
