"""Writes of the sheets app: set a plan period up from its own self-evaluation sheet (issue 13 §3).

``plan_sheet_layouts`` gives the reader every layout the administrator has; ``plan_sheet_check``
adds what only the database knows (the period name, the visions and ratings the sheet names)
to the draft's problems; ``plan_sheet_import`` creates the period, its areas, items, indicators,
targets, results, self-evaluations and reporting years in one transaction, each row saved with
its history and the reason 「自己評価シートの取込」. Refused, with nothing written, when the draft
has a problem, the user is not a system administrator or the period already has items.
"""

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.permissions import system_admin_refusal
from evaluations.models import Rating, SelfEvaluation, YearlyResult
from evaluations.services import (
    PeriodRefused,
    approved_results_record,
    plan_period_create,
    plan_period_problems,
    plan_period_set_up,
)
from programs.fiscal_years import era_range_label
from programs.models import (
    Item,
    PlanPeriod,
    PolicyArea,
    Program,
    Section,
    SheetColumn,
    SheetLayout,
    Target,
    Vision,
)
from programs.periods import (
    ERROR_NAME_CONFUSABLE,
    confusable_name,
    figure_error,
    multi_line_error,
    name_key,
    name_problem,
    normalised_name,
    single_line_error,
)
from programs.sheet_layouts import LayoutSpec
from programs.structure import StructureRefused, area_create, indicator_create, item_create, structure_save

from .imports.plan_sheet import PlanDraft, SheetProblem

CHANGE_REASON = "自己評価シートの取込"
ERROR_HAS_ITEMS = "{name}にはすでに事項が登録されているため取り込めません（何も変更していません）。"
ERROR_YEARS_DIFFER = "{name}はすでに{existing}として登録されています。シートの年度（{years}）と合いません。"
ERROR_VISION = (
    "ビジョン・目標「{text}」が登録されていません。登録済みのビジョンと同じ書き方"
    "（例:「{example}」）に直すか、管理画面で登録してから取り込んでください。"
)
# A vision as the sheet prints it: 「②安心して暮らし続けられる」, below it 「　【②－３】地域で支え合える」.
_VISION_LINE = re.compile(
    r"^\s*(?:【(?P<bracketed>[^】]{1,20})】|(?P<circled>[\u2460-\u2473]))\s*(?P<title>\S.{0,199})$"
)
ERROR_RATING = "評定「{symbol}」は評定の尺度にありません（{known}）。"
ERROR_INVALID = "取り込めない欄があります（何も変更していません）。"
# The period's name, number and years are refused with the period rule's messages (programs.periods,
# evaluations.services.plan_period_problems), the same for every way a period is created.


class PlanSheetRefused(ValueError):
    """The sheet cannot be imported as asked; the message says why in Japanese. Nothing was written."""


@dataclass(frozen=True)
class Owners:
    """Who owns the imported items (担当課 ids): a default, overridden per area and per item.

    Areas are keyed 「7」 or 「2-1」 (number, sub-number), items 「7/1」 (area key / item number),
    as ``area_key`` and ``item_key`` give them; an item's own section in an export's 達成状況
    stands unless the administrator chose one for its item or area.
    """

    default: int | None = None
    areas: Mapping[str, int] = field(default_factory=dict)
    items: Mapping[str, int] = field(default_factory=dict)

    def section_id(self, area_key: str, item_key: str) -> int | None:
        return self.items.get(item_key) or self.areas.get(area_key)

    @property
    def section_ids(self) -> set[int]:
        return {i for i in (self.default, *self.areas.values(), *self.items.values()) if i}

    def as_params(self) -> dict:
        return {"default": self.default, "areas": dict(self.areas), "items": dict(self.items)}

    @classmethod
    def from_params(cls, params) -> "Owners":
        params = params or {}
        return cls(params.get("default"), dict(params.get("areas") or {}), dict(params.get("items") or {}))


def area_key(area) -> str:
    return f"{area.number}-{area.sub_number}" if area.sub_number else str(area.number)


def item_key(area, item) -> str:
    return f"{area_key(area)}/{item.number}"


ERROR_SECTION_GONE = "担当課が見つかりません（削除された可能性があります）。何も作成していません。選び直してください。"


@dataclass(frozen=True)
class PlanSheetImportResult:
    plan: PlanPeriod
    counts: dict[str, int]
    reporting_years_created: int


def plan_sheet_layouts() -> dict[str, LayoutSpec]:
    """Return every sheet layout by name with its columns in order (two queries)."""
    columns: dict[int, list] = {}
    for column in SheetColumn.objects.order_by("layout_id", "order", "id"):
        columns.setdefault(column.layout_id, []).append(column.as_spec())
    return {
        layout.name: layout.as_spec(tuple(columns.get(layout.id, ())))
        for layout in SheetLayout.objects.all()
        if columns.get(layout.id)
    }


def plan_sheet_name_problems(*, plan_name: str) -> list[str]:
    """Return why the period name is refused whatever the sheet holds, checked before the sheet is read.

    The name rule of every period writer (``programs.periods``: control and invisible characters,
    length, a look-alike of a registered name read width-insensitively) and a period that already
    has items. The sheet's years are checked with the sheet (``plan_sheet_check``).
    """
    if message := name_problem(plan_name):
        return [message]
    name = normalised_name(plan_name)
    existing = PlanPeriod.objects.filter(name=name).first()
    if existing is not None and Item.objects.filter(area__plan=existing).exists():
        return [ERROR_HAS_ITEMS.format(name=name)]
    if existing is None and (other := confusable_name(name, PlanPeriod.objects.values_list("name", flat=True))):
        return [ERROR_NAME_CONFUSABLE.format(name=name, existing=other)]
    return []


def plan_sheet_overlaps(*, draft: PlanDraft, plan_name: str) -> list[PlanPeriod]:
    """Return the other periods whose years the sheet's overlap: allowed, but only once the administrator confirms."""
    if not draft.fiscal_years:
        return []
    return list(
        PlanPeriod.objects.exclude(name=normalised_name(plan_name))
        .filter(first_fiscal_year__lte=draft.fiscal_years[-1], last_fiscal_year__gte=draft.fiscal_years[0])
        .order_by("first_fiscal_year", "ordinal")
    )


def plan_sheet_check(*, draft: PlanDraft, plan_name: str) -> tuple[SheetProblem, ...]:
    """Return the draft's problems and what the database refuses: the period, unknown visions and ratings.

    The period's name, number and years are checked by the one period writer's rule
    (``plan_period_problems``): a year typed as 「6」, a look-alike name, a control character.
    """
    problems = list(draft.problems)
    name = plan_name.strip()
    existing = PlanPeriod.objects.filter(name=name).first() if name else None
    if existing is not None and Item.objects.filter(area__plan=existing).exists():
        problems.append(SheetProblem("", None, None, ERROR_HAS_ITEMS.format(name=name)))
    elif (
        existing is not None
        and draft.fiscal_years
        and (existing.first_fiscal_year, existing.last_fiscal_year)
        != (
            draft.fiscal_years[0],
            draft.fiscal_years[-1],
        )
    ):
        years = era_range_label(draft.fiscal_years[0], draft.fiscal_years[-1])
        problems.append(
            SheetProblem("", None, None, ERROR_YEARS_DIFFER.format(name=name, existing=existing, years=years))
        )
    elif draft.fiscal_years:
        problems += [
            SheetProblem("", None, None, message)
            for message in plan_period_problems(
                name=plan_name,
                ordinal=None,
                first_fiscal_year=draft.fiscal_years[0],
                last_fiscal_year=draft.fiscal_years[-1],
            )
        ]
    elif message := name_problem(plan_name):
        problems.append(SheetProblem("", None, None, message))
    visions = _visions()
    ratings = _ratings()
    sheet = draft.sheet
    for area in draft.areas:
        if area.vision and not _vision_readable(area.vision, visions):
            row, column = area.vision_cell or (area.row, None)
            example = next(iter(visions), "②安心して暮らし続けられる　【②－３】地域で支え合える").replace("\n", "　")
            message = ERROR_VISION.format(text=area.vision[:60], example=example[:60])
            problems.append(SheetProblem(sheet, row, column, message))
        if message := single_line_error(area.title, label=f"{area.label} 分野名"):
            problems.append(SheetProblem(sheet, area.row, None, message))
        figures = [(PolicyArea, "number", area.number), (PolicyArea, "sub_number", area.sub_number)]
        problems += _figure_problems(sheet, area.row, figures)
        for item in area.items:
            figures = [(Item, "number", item.number)]
            if message := multi_line_error(item.title, label=f"{area.label} {item.label} 事項名"):
                problems.append(SheetProblem(sheet, item.row, None, message))
            for indicator in item.indicators:
                for text in (indicator.name, indicator.component, indicator.unit):
                    if message := single_line_error(text, label=f"{item.label} 指標「{indicator.label[:30]}」"):
                        problems.append(SheetProblem(sheet, item.row, None, message))
                figures += [(Target, "value", target.value) for target in indicator.targets]
                for result in indicator.results:
                    figures += [
                        (YearlyResult, name, getattr(result, name))
                        for name in ("value", "municipality_count", "period_municipality_count")
                    ]
            problems += _figure_problems(sheet, item.row, figures)
            for evaluation in item.evaluations:
                if evaluation.rating and evaluation.rating not in ratings:
                    known = "・".join(ratings) or "なし"
                    message = ERROR_RATING.format(symbol=evaluation.rating[:10], known=known)
                    problems.append(SheetProblem(sheet, item.row, evaluation.rating_column, message))
    return tuple(problems)


def _figure_problems(sheet: str, row: int, figures) -> list[SheetProblem]:
    """Name, at the row, each figure its model field refuses (the one rule: ``programs.periods.figure_error``).

    The preview must refuse what the confirm would: ``plan_sheet_import`` validates every row it saves.
    """
    return [
        SheetProblem(sheet, row, None, message)
        for model, name, value in figures
        if (message := figure_error(model, name, value))
    ]


def _visions() -> dict[str, Vision]:
    return {vision.sheet_text: vision for vision in Vision.objects.select_related("parent__parent")}


def printed_vision_chain(text: str) -> list[tuple[str, str]] | None:
    """Return the (code, title) of each line of a vision as printed, outermost first; None if it is not one."""
    chain = []
    for line in (line for line in text.split("\n") if line.strip()):
        match = _VISION_LINE.match(line)
        if match is None:
            return None
        chain.append((match.group("bracketed") or match.group("circled"), match.group("title").strip()))
    return chain or None


def _vision_readable(text: str, visions: dict[str, Vision]) -> bool:
    """Return whether the printed vision is registered, or is the first an installation without visions records.

    Where visions are registered, one the sheet names that is not among them is a typo or a vision
    still to be registered: named, never added behind the administrator's back.
    """
    return text in visions or (not visions and printed_vision_chain(text) is not None)


def _vision_of(text: str, visions: dict[str, Vision], reason: str) -> Vision | None:
    """Return the registered vision the sheet prints, registering it (and its parents) from the sheet if new.

    A fresh installation has no visions: the 第8期 sheet's own 「②安心して…／【②－３】地域で…」 is
    the prefecture's vision, so the import records it rather than refusing the sheet
    (``_vision_readable`` allows it only there).
    """
    if not text:
        return None
    if text in visions:
        return visions[text]
    parent = None
    for code, title in printed_vision_chain(text) or ():
        vision = Vision.objects.filter(code=code).first()
        if vision is None:
            vision = Vision(code=code, title=title, parent=parent)
            structure_save(vision, reason=reason, where=f"ビジョン・目標「{code}」")
        parent = vision
    if parent is not None:
        visions[parent.sheet_text] = parent
    return parent


def _ratings() -> dict[str, Rating]:
    ratings = {}
    for rating in Rating.objects.select_related("scale").order_by("-scale__is_default", "scale__name", "order"):
        ratings.setdefault(rating.symbol, rating)
    return ratings


@transaction.atomic
def plan_sheet_import(
    *, draft: PlanDraft, plan_name: str, by=None, reason: str = CHANGE_REASON, owners: Owners | None = None
) -> PlanSheetImportResult:
    """Create the period the draft describes in one transaction, with history; refuse (writing nothing) otherwise.

    ``owners`` gives the items their 担当課; a section deleted since the preview refuses the import.
    """
    if by is not None and (refused := system_admin_refusal(by)):
        raise PlanSheetRefused(refused)
    owners = owners or Owners()
    by_id = Section.objects.in_bulk(owners.section_ids)
    if set(by_id) != owners.section_ids:
        raise PlanSheetRefused(ERROR_SECTION_GONE)
    # Lock an existing period first: another import of it waits, then finds its items (plan_sheet_check).
    PlanPeriod.objects.select_for_update().filter(name=plan_name.strip()).first()
    problems = plan_sheet_check(draft=draft, plan_name=plan_name)
    if problems or not draft.areas:
        raise PlanSheetRefused("\n".join([ERROR_INVALID, *(f"{p.place}: {p.message}" for p in problems)]))
    layout = SheetLayout.objects.filter(name=draft.layout_name).first()
    try:
        made = plan_period_create(
            name=plan_name,
            title=draft.title,
            first_fiscal_year=draft.fiscal_years[0],
            last_fiscal_year=draft.fiscal_years[-1],
            uses_rating=draft.uses_rating,
            layout=layout,
            reason=reason,
            origin=PlanPeriod.Origin.SHEET_IMPORT,
        )
    except PeriodRefused as refused:  # e.g. the same name or number, committed since the check
        raise PlanSheetRefused(str(refused)) from refused
    plan = made.plan
    try:
        _structure_write(plan, draft, owners, by_id, by, reason)
    except StructureRefused as refused:  # a value the model refuses: the transaction writes nothing
        raise PlanSheetRefused(str(refused)) from refused
    plan_period_set_up(plan=plan, reason=reason)
    return PlanSheetImportResult(plan=plan, counts=draft.counts, reporting_years_created=made.reporting_years_created)


def _structure_write(plan: PlanPeriod, draft: PlanDraft, owners: Owners, by_id: dict, by, reason: str) -> None:
    """Write the draft's areas, items, indicators and targets (the one structure writer), results and evaluations."""
    visions, ratings = _visions(), _ratings()
    approved_at = timezone.now()
    sections = {section.name: section for section in Section.objects.all()}
    programs = {program.name: program for program in Program.objects.all()}
    top_areas: dict[int, PolicyArea] = {}
    for area_draft in sorted(draft.areas, key=lambda a: (a.number, a.sub_number or 0)):
        if area_draft.sub_number and area_draft.parent_title and area_draft.number not in top_areas:
            # The parent heading has no items of its own; its sub-areas print under its title.
            parent = PolicyArea(plan=plan, number=area_draft.number, sub_number=None, title=area_draft.parent_title)
            structure_save(parent, reason=reason, where=f"{area_draft.number} {area_draft.parent_title}")
            top_areas[area_draft.number] = parent
        vision = _vision_of(area_draft.vision, visions, reason)
        area = area_create(
            plan=plan,
            source=area_draft,
            parent=top_areas.get(area_draft.number) if area_draft.sub_number else None,
            vision_id=vision.pk if vision else None,
            reason=reason,
            where=area_draft.label,
        )
        if area_draft.sub_number is None:
            top_areas[area.number] = area
        for item_draft in area_draft.items:
            where = f"{area_draft.label} {item_draft.label}"
            section = _owner(owners, by_id, sections, area_draft, item_draft)
            item = item_create(
                area=area,
                source=item_draft,
                section_id=section.pk if section else None,
                program_ids=[programs[name].pk for name in item_draft.programs if name in programs],
                reason=reason,
                where=where,
            )
            for order, indicator_draft in enumerate(item_draft.indicators):
                _indicator_and_results_create(item, order, indicator_draft, reason, f"{where} {indicator_draft.label}")
            # The sheet is the prefecture's published record: what it states is approved, by whoever
            # imported it, so the reports count it (evaluations.progress counts approved figures only).
            approved = {"status": SelfEvaluation.Status.APPROVED, "approved_at": approved_at, "approved_by": by}
            evaluated_years = set()
            records = []
            for evaluation in item_draft.evaluations:
                evaluated_years.add(evaluation.fiscal_year)
                records.append(
                    SelfEvaluation(
                        item=item,
                        fiscal_year=evaluation.fiscal_year,
                        activities=evaluation.activities,
                        self_assessment=evaluation.self_assessment,
                        next_steps=evaluation.next_steps,
                        rating=ratings.get(evaluation.rating) if evaluation.rating else None,
                        **approved,
                    )
                )
            result_years = {
                result.fiscal_year
                for indicator_draft in item_draft.indicators
                for result in indicator_draft.results
                if draft.fiscal_years[0] <= result.fiscal_year <= draft.fiscal_years[-1]
            }
            records += [
                SelfEvaluation(item=item, fiscal_year=fiscal_year, **approved)
                for fiscal_year in sorted(result_years - evaluated_years)
            ]
            for record in records:
                structure_save(record, reason=reason, where=where)
                # Approved figures are kept by the approval service's one writer, as for any approval.
                approved_results_record(evaluation=record)


def _owner(owners: Owners, by_id: dict, sections: dict, area_draft, item_draft) -> Section | None:
    """Return the item's section: chosen for the item or its area, else its own (an export's), else the default."""
    chosen = owners.section_id(area_key(area_draft), item_key(area_draft, item_draft))
    if chosen:
        return by_id[chosen]
    return sections.get(item_draft.section) or by_id.get(owners.default)


def _indicator_and_results_create(item: Item, order: int, draft, reason: str, where: str) -> None:
    indicator = indicator_create(item=item, source=draft, key=draft.key, order=order, reason=reason, where=where)
    # Only the sheet import writes results: a sheet states the figures of the years it reports.
    for result in draft.results:
        structure_save(
            YearlyResult(
                indicator=indicator,
                fiscal_year=result.fiscal_year,
                value=result.value,
                actual_text=result.actual_text,
                municipality_count=result.municipality_count,
                verdict=result.verdict,
                verdict_text=result.verdict_text,
                period_municipality_count=result.period_municipality_count,
            ),
            reason=reason,
            where=where,
        )


# -- A layout mapped in the browser (issue 19 item 3) ----------------------------------------------

LAYOUT_NAME_MAX_LENGTH = SheetLayout._meta.get_field("name").max_length
ERROR_LAYOUT_NAME_REQUIRED = "様式の名称を入力してください。"
ERROR_LAYOUT_NAME_TOO_LONG = "様式の名称は{limit}文字以内にしてください。"
ERROR_LAYOUT_NAME_INVISIBLE = "様式の名称に見えない文字（ゼロ幅スペース・書式制御文字など）は使えません。"
ERROR_LAYOUT_NAME_TAKEN = "様式「{name}」はすでに登録されています（「{existing}」）。別の名称にしてください。"
MAPPED_LAYOUT_REASON = "自己評価シートの列の対応づけ"


def sheet_layout_name_problem(name: str) -> str | None:
    """Return why a new layout's name is refused: empty, too long, a control or invisible character, or taken.

    Taken as periods are: 「第８期様式」 and 「第8期 様式」 read as 「第8期様式」 (``name_key``).
    """
    if message := single_line_error(name, label="様式の名称"):
        return message
    if any(unicodedata.category(char) == "Cf" for char in name):
        return ERROR_LAYOUT_NAME_INVISIBLE
    stored = name.strip()
    if not stored:
        return ERROR_LAYOUT_NAME_REQUIRED
    if len(stored) > LAYOUT_NAME_MAX_LENGTH:
        return ERROR_LAYOUT_NAME_TOO_LONG.format(limit=LAYOUT_NAME_MAX_LENGTH)
    key = name_key(stored)
    existing = next(
        (other for other in SheetLayout.objects.values_list("name", flat=True) if name_key(other) == key), None
    )
    if existing is not None:
        return ERROR_LAYOUT_NAME_TAKEN.format(name=stored, existing=existing)
    return None


@transaction.atomic
def sheet_layout_create(*, name: str, spec: LayoutSpec, by) -> SheetLayout:
    """Save a layout mapped in the browser with its columns in one transaction; refuse (writing nothing) otherwise."""
    if refused := system_admin_refusal(by):
        raise PlanSheetRefused(refused)
    if message := sheet_layout_name_problem(name):
        raise PlanSheetRefused(message)
    layout = SheetLayout(name=name.strip())
    layout._change_reason = MAPPED_LAYOUT_REASON
    try:
        layout.full_clean(validate_unique=False, validate_constraints=False)
        with transaction.atomic():
            layout.save()
    except ValidationError as error:
        raise PlanSheetRefused(" ".join(error.messages)) from error
    except IntegrityError as error:  # the same name saved since the check (a double submit)
        raise PlanSheetRefused(ERROR_LAYOUT_NAME_TAKEN.format(name=layout.name, existing=layout.name)) from error
    for order, column in enumerate(spec.columns, start=1):
        row = SheetColumn(
            layout=layout,
            order=order,
            heading=column.heading,
            source=column.source,
            years=column.years,
            width=column.width,
        )
        row._change_reason = MAPPED_LAYOUT_REASON
        row.full_clean(validate_unique=False, validate_constraints=False)
        row.save()
    return layout
