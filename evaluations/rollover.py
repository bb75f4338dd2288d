"""Start the next plan period from the current one (「次期計画の作成」).

Three steps, so that nothing is written before the administrator confirms:

1. ``source_plan_read`` reads the source period once into frozen records (fixed query count).
2. ``rollover_preview`` is pure: from those records, the new period and the administrator's
   decisions (continue / continue with changes / end for every area, item and indicator, and
   the items added in the new period) it returns the plan of what will be created.
3. ``plan_rollover`` (the service) reads the source again, rebuilds the same plan and, if it
   has no errors, creates everything in one transaction with history.

What continues, and how its targets are carried:
- per-year, frequency and direction targets of the whole period (「153人（各年度）」) are the
  same targets in the new period;
- period targets (cumulative, coverage, by the period's end) are the old period's figures:
  they are not carried but listed as 要設定 for the administrator to set;
- a target stated for a year of the new period (the next-year target an evaluation wrote in the
  old period's last year, 「令和３年度目標：13回」 with fiscal year 2021) becomes that year's
  target in the new period;
- targets restated for the old period's own years stay with the old period;
- a changed indicator's targets are what its new wording says, read by the target grammar.
Results and self-evaluations are never carried: the new period starts 未入力 everywhere.
The period itself (its layout and its reporting years with their deadlines) is made by the one
period writer, ``services.plan_period_create``, as for every other way a period is created.
Nor are references (参考資料) or attachments (別紙): they cite the old period's documents. The
carried ビジョン and 現状と課題 were written for the old period, so the preview marks them 要見直し.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.db.models import Prefetch

from accounts.permissions import system_admin_refusal
from programs.fiscal_years import era_label, era_span_label
from programs.kinds import Kind, TargetLine
from programs.models import (
    Indicator,
    Item,
    PlanPeriod,
    PolicyArea,
    Target,
    area_label_of,
    item_label_of,
    plan_label_of,
)
from programs.periods import figure_error, multi_line_error, name_key, single_line_error
from programs.structure import StructureRefused, area_create, indicator_create, item_create
from programs.target_wording import KIND_LABELS, describe, read_target_wording, typed_target_of

from .services import PeriodRefused, plan_period_create, plan_period_problems, plan_period_set_up
from .services import reporting_deadline_of as reporting_deadline_of  # re-exported for the rollover's callers

CHANGE_REASON = "次期計画の作成（{source}から）"
TO_SET = "要設定"

ERROR_HAS_ITEMS = "{name}にはすでに事項が登録されているため作成できません（何も変更していません）。"
ERROR_SAME_PERIOD = "作成元と新しい計画期間が同じです。"
ERROR_OVERLAP = "新しい計画期間の年度が作成元（{source}）と重なっています。"
ERROR_WORDING_REQUIRED = "変更後の目標の文言を入力してください。"
ERROR_WORDING_UNREAD = (
    "「{text}」を目標として読み取れませんでした（{described}）。"
    "「153人（各年度）」「年１回以上」のように書き直すか、「継続」にして管理画面で種類を選んでください。"
)
ERROR_TITLE_REQUIRED = "変更後の名称を入力してください。"
ERROR_NEW_ITEM_INCOMPLETE = "新しい事項には分野、事項名、指標名、目標の文言をすべて入力してください。"
ERROR_NEW_ITEM_AREA = "新しい事項の分野が見つからないか、終了になっています。"
ERROR_TOO_LONG = "{label}は{limit}文字以内にしてください（{length}文字あります）。"
ERROR_MEANWHILE = (
    "{name}はたった今ほかの操作で作成されました（何も変更していません）。ダッシュボードで内容を確かめてください。"
)


class RolloverRefused(ValueError):
    """The rollover cannot be made as asked; the message says why in Japanese. Nothing was written."""


class Choice(StrEnum):
    CONTINUE = "continue"
    CHANGE = "change"
    END = "end"


CHOICE_LABELS = {Choice.CONTINUE: "継続", Choice.CHANGE: "変更して継続", Choice.END: "終了"}
# Targets whose figure belongs to the old period's span: the administrator sets them again.
PERIOD_KINDS = {Kind.CUMULATIVE, Kind.COVERAGE, Kind.BY_PERIOD_END}


# -- the source, read once ----------------------------------------------------------------


SourceTarget = TargetLine  # a target of the period rolled over, as stored


@dataclass(frozen=True)
class SourceIndicator:
    id: int
    key: str
    name: str
    component: str
    unit: str
    type: str
    order: int
    targets: tuple[SourceTarget, ...]

    @property
    def label(self) -> str:
        return f"{self.name}（{self.component}）" if self.component else self.name

    @property
    def wording(self) -> str:
        """Return the wording of the indicator's targets, as the sheet prints them."""
        return " / ".join(target.text for target in self.targets)


@dataclass(frozen=True)
class SourceItem:
    id: int
    number: int
    title: str
    related_activities: str
    section_id: int | None
    program_ids: tuple[int, ...]
    background: str
    item_vision: str
    reference: str
    indicators: tuple[SourceIndicator, ...]


@dataclass(frozen=True)
class SourceArea:
    id: int
    number: int
    sub_number: int | None
    parent_id: int | None
    title: str
    vision_id: int | None
    background: str
    outcome_indicator_text: str
    items: tuple[SourceItem, ...]

    @property
    def label(self) -> str:
        return area_label_of(self.number, self.sub_number, self.title)


@dataclass(frozen=True)
class SourcePlan:
    id: int
    name: str
    title: str
    uses_rating: bool
    first_fiscal_year: int
    last_fiscal_year: int
    areas: tuple[SourceArea, ...]


def source_plan_read(*, plan: PlanPeriod) -> SourcePlan:
    """Read the plan's areas, items, indicators and targets into frozen records (five queries)."""
    items = Item.objects.prefetch_related(
        "programs",
        Prefetch(
            "indicators",
            queryset=Indicator.objects.prefetch_related(Prefetch("targets", queryset=Target.objects.all())),
        ),
    )
    areas = PolicyArea.objects.filter(plan=plan).prefetch_related(Prefetch("items", queryset=items))
    return SourcePlan(
        id=plan.id,
        name=plan.name,
        title=plan.title,
        uses_rating=plan.uses_rating,
        first_fiscal_year=plan.first_fiscal_year,
        last_fiscal_year=plan.last_fiscal_year,
        areas=tuple(_source_area(area) for area in areas),
    )


def _source_area(area: PolicyArea) -> SourceArea:
    return SourceArea(
        id=area.id,
        number=area.number,
        sub_number=area.sub_number,
        parent_id=area.parent_id,
        title=area.title,
        vision_id=area.vision_id,
        background=area.background,
        outcome_indicator_text=area.outcome_indicator_text,
        items=tuple(
            SourceItem(
                id=item.id,
                number=item.number,
                title=item.title,
                related_activities=item.related_activities,
                section_id=item.section_id,
                program_ids=tuple(sorted(program.id for program in item.programs.all())),
                background=item.background,
                item_vision=item.item_vision,
                reference=item.reference,
                indicators=tuple(
                    SourceIndicator(
                        id=indicator.id,
                        key=indicator.key,
                        name=indicator.name,
                        component=indicator.component,
                        unit=indicator.unit,
                        type=indicator.type,
                        order=indicator.order,
                        targets=tuple(target.as_line() for target in indicator.targets.all()),
                    )
                    for indicator in item.indicators.all()
                ),
            )
            for item in area.items.all()
        ),
    )


# -- what the administrator asks for -------------------------------------------------------


@dataclass(frozen=True)
class NewPeriod:
    name: str
    ordinal: int
    first_fiscal_year: int
    last_fiscal_year: int

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def label(self) -> str:
        """Return 「第10期（令和9年度～令和11年度）」, as the period will be labelled once created."""
        return plan_label_of(self.name, self.first_fiscal_year, self.last_fiscal_year)


@dataclass(frozen=True)
class NewItem:
    """An item added in the new period: its area (key of a source area), title, one indicator and target."""

    area_key: str
    title: str
    indicator_name: str
    wording: str


@dataclass(frozen=True)
class Decisions:
    """The administrator's choices, by key (「area-3」「item-12」「indicator-40」); unnamed keys continue."""

    choices: Mapping[str, Choice] = field(default_factory=dict)
    titles: Mapping[str, str] = field(default_factory=dict)  # areas and items continued with changes
    wordings: Mapping[str, str] = field(default_factory=dict)  # indicators continued with changes
    new_items: tuple[NewItem, ...] = ()

    def choice(self, key: str) -> Choice:
        return self.choices.get(key, Choice.CONTINUE)


def area_key(area_id: int) -> str:
    return f"area-{area_id}"


def item_key(item_id: int) -> str:
    return f"item-{item_id}"


def indicator_key(indicator_id: int) -> str:
    return f"indicator-{indicator_id}"


# -- the plan of what will be created --------------------------------------------------------


@dataclass(frozen=True)
class PlannedTarget:
    kind: str
    value: Decimal | None
    unit: str
    fiscal_year: int | None
    text: str
    source: str
    direction: str
    origin: str  # how it came to be, for the preview: 「計画の目標を継続」

    @property
    def described(self) -> str:
        year = f"{era_label(self.fiscal_year)}の目標" if self.fiscal_year else "期間の目標"
        return f"{year}「{self.text}」（{KIND_LABELS[Kind(self.kind)]}、{self.origin}）"


@dataclass(frozen=True)
class PlannedIndicator:
    key: str  # the decision key; 「new-0-indicator」 for a new item's indicator
    choice: Choice
    slug: str
    name: str
    component: str
    unit: str
    type: str
    order: int
    wording: str  # the old wording, or the changed one
    targets: tuple[PlannedTarget, ...]
    to_set: tuple[str, ...]  # 要設定: period targets the administrator sets again

    @property
    def label(self) -> str:
        return f"{self.name}（{self.component}）" if self.component else self.name

    @property
    def created(self) -> bool:
        return self.choice != Choice.END


REVIEW_BACKGROUND = "現状と課題"
REVIEW_VISION = "ビジョン"
NOTHING_TO_REVIEW = {"-", "－"}  # a cell printed as 「-」 says nothing to update


@dataclass(frozen=True)
class PlannedItem:
    key: str
    choice: Choice
    source_id: int | None  # None: added in the new period
    old_number: int | None
    number: int | None  # None when it ends
    title: str
    old_title: str
    related_activities: str
    section_id: int | None
    program_ids: tuple[int, ...]
    background: str
    item_vision: str
    reference: str
    indicators: tuple[PlannedIndicator, ...]

    @property
    def created(self) -> bool:
        return self.choice != Choice.END

    @property
    def to_review(self) -> tuple[str, ...]:
        """Return the carried texts the administrator should review: they were written for the old period."""
        if not self.created or self.source_id is None:
            return ()
        return tuple(
            label
            for label, text in ((REVIEW_BACKGROUND, self.background), (REVIEW_VISION, self.item_vision))
            if text.strip() and text.strip() not in NOTHING_TO_REVIEW
        )


@dataclass(frozen=True)
class PlannedArea:
    key: str
    choice: Choice
    source_id: int
    parent_id: int | None
    number: int
    sub_number: int | None
    title: str
    old_title: str
    vision_id: int | None
    background: str
    outcome_indicator_text: str
    items: tuple[PlannedItem, ...]

    @property
    def created(self) -> bool:
        return self.choice != Choice.END

    @property
    def label(self) -> str:
        return area_label_of(self.number, self.sub_number, self.title)

    @property
    def to_review(self) -> tuple[str, ...]:
        """Return the area's carried texts to review: its ビジョン and 現状と課題 (see ``PlannedItem``)."""
        if not self.created:
            return ()
        carried = ((REVIEW_VISION, self.vision_id is not None), (REVIEW_BACKGROUND, bool(self.background.strip())))
        return tuple(label for label, present in carried if present)


@dataclass(frozen=True)
class RolloverPlan:
    source_name: str
    period: NewPeriod
    title: str
    uses_rating: bool
    areas: tuple[PlannedArea, ...]
    errors: Mapping[str, str]  # decision key (or 「new-0」) → the Japanese error

    @property
    def change_reason(self) -> str:
        return CHANGE_REASON.format(source=self.source_name)

    def counts(self) -> dict[str, int]:
        areas = [area for area in self.areas if area.created]
        items = [item for area in areas for item in area.items if item.created]
        indicators = [indicator for item in items for indicator in item.indicators if indicator.created]
        return {
            "areas": len(areas),
            "items": len(items),
            "ended_items": sum(1 for area in self.areas for item in area.items if not item.created),
            "indicators": len(indicators),
            "targets": sum(len(indicator.targets) for indicator in indicators),
            "to_set": sum(len(indicator.to_set) for indicator in indicators),
        }

    def lines(self) -> list[str]:
        """Return the plan in Japanese, one line per row (the command's --dry-run prints them)."""
        period = self.period
        span = era_span_label(period.first_fiscal_year, period.last_fiscal_year)
        lines = [f"{self.source_name} → {period.name}（{span}）"]
        for area in self.areas:
            lines.append(f"分野 {area.label}: {CHOICE_LABELS[area.choice]}")
            for item in area.items:
                number = item_label_of(item.number or item.old_number)
                source = "新規" if item.source_id is None else CHOICE_LABELS[item.choice]
                lines.append(f"  {number} {item.title.splitlines()[0][:40]}: {source}")
                if not item.created:
                    continue
                for indicator in item.indicators:
                    lines.append(f"    指標 {indicator.label}: {CHOICE_LABELS[indicator.choice]}")
                    if not indicator.created:
                        continue
                    lines.extend(f"      目標 {target.described}" for target in indicator.targets)
                    lines.extend(f"      {TO_SET}: {text}" for text in indicator.to_set)
        counts = self.counts()
        lines.append(
            f"作成: 分野{counts['areas']} 事項{counts['items']}（終了{counts['ended_items']}） "
            f"指標{counts['indicators']} 目標{counts['targets']} 要設定{counts['to_set']} "
            f"報告年度{len(period.fiscal_years)}"
        )
        lines.extend(f"エラー: {message}" for message in self.errors.values())
        return lines


def rollover_preview(*, source: SourcePlan, period: NewPeriod, decisions: Decisions) -> RolloverPlan:
    """Return what the rollover will create; pure: reads only its arguments."""
    errors: dict[str, str] = {}
    ended_areas: set[int] = set()
    areas = []
    for area in source.areas:
        key = area_key(area.id)
        choice = decisions.choice(key)
        if area.parent_id in ended_areas:
            choice = Choice.END  # a sub-area ends with its area
        if choice == Choice.END:
            ended_areas.add(area.id)
        title = _changed_title(key, choice, area.title, decisions, errors)
        items = _planned_items(area, choice, source, period, decisions, errors)
        areas.append(
            PlannedArea(
                key=key,
                choice=choice,
                source_id=area.id,
                parent_id=area.parent_id,
                number=area.number,
                sub_number=area.sub_number,
                title=title,
                old_title=area.title,
                vision_id=area.vision_id,
                background=area.background,
                outcome_indicator_text=area.outcome_indicator_text,
                items=tuple(items),
            )
        )
    area_keys = {area.key for area in areas if area.created}
    for index, new in enumerate(decisions.new_items):
        key = f"new-{index}"
        if not all([new.area_key, new.title.strip(), new.indicator_name.strip(), new.wording.strip()]):
            errors[key] = ERROR_NEW_ITEM_INCOMPLETE
        elif new.area_key not in area_keys:
            errors[key] = ERROR_NEW_ITEM_AREA
        _check_text(key, new.title.strip(), Item, "title", errors)
        _check_text(key, new.indicator_name.strip(), Indicator, "name", errors)
    return RolloverPlan(
        source_name=source.name,
        period=period,
        title=source.title,
        uses_rating=source.uses_rating,
        areas=tuple(areas),
        errors=errors,
    )


def _changed_title(
    key: str, choice: Choice, old: str, decisions: Decisions, errors: dict[str, str], *, model=PolicyArea
) -> str:
    if choice != Choice.CHANGE:
        return old
    title = decisions.titles.get(key, "").strip()
    if not title:
        errors[key] = ERROR_TITLE_REQUIRED
        return old
    _check_text(key, title, model, "title", errors)
    return title


def text_problem(value: str, model, field_name: str) -> str | None:
    """Return why the model field refuses the text (its max_length, a control character), in Japanese, or None.

    The limits are read from the model, so the preview refuses exactly what the confirm's
    ``full_clean`` would (a title of 300 characters, a wording of 600, a unit of 21, a NUL).
    """
    field = model._meta.get_field(field_name)
    label = field.verbose_name
    if field.max_length is not None and len(value) > field.max_length:
        return ERROR_TOO_LONG.format(label=label, limit=field.max_length, length=len(value))
    multi_line = field.get_internal_type() == "TextField"
    return (multi_line_error if multi_line else single_line_error)(value, label=label)


def _check_text(key: str, value: str, model, field_name: str, errors: dict[str, str]) -> None:
    if key not in errors and (problem := text_problem(value, model, field_name)):
        errors[key] = problem


def _planned_items(area, area_choice, source, period, decisions, errors) -> list[PlannedItem]:
    items = []
    number = 0
    for item in area.items:
        key = item_key(item.id)
        choice = Choice.END if area_choice == Choice.END else decisions.choice(key)
        if choice != Choice.END:
            number += 1
        title = _changed_title(key, choice, item.title, decisions, errors, model=Item)
        indicators = tuple(
            _planned_indicator(indicator, choice, source, period, decisions, errors) for indicator in item.indicators
        )
        items.append(
            PlannedItem(
                key=key,
                choice=choice,
                source_id=item.id,
                old_number=item.number,
                number=number if choice != Choice.END else None,
                title=title,
                old_title=item.title,
                related_activities=item.related_activities,
                section_id=item.section_id,
                program_ids=item.program_ids,
                background=item.background,
                item_vision=item.item_vision,
                # 参考資料 cites the old period's 別紙 (「別紙7-12」): the new period has its own, so
                # neither the reference nor the attachments are carried.
                reference="",
                indicators=indicators,
            )
        )
    if area_choice == Choice.END:
        return items
    for index, new in enumerate(decisions.new_items):
        if new.area_key != area_key(area.id) or not new.title.strip():
            continue
        number += 1
        key = f"new-{index}"
        indicator = _new_indicator(key, new, period, errors)
        items.append(
            PlannedItem(
                key=key,
                choice=Choice.CONTINUE,
                source_id=None,
                old_number=None,
                number=number,
                title=new.title.strip(),
                old_title="",
                related_activities="",
                section_id=_area_section(area),
                program_ids=(),
                background="",
                item_vision="",
                reference="",
                indicators=(indicator,) if indicator else (),
            )
        )
    return items


def _area_section(area: SourceArea) -> int | None:
    # A new item belongs to the section that owns the area's items, so its staff can enter it at once.
    sections = {item.section_id for item in area.items if item.section_id}
    return sections.pop() if len(sections) == 1 else None


def _planned_indicator(indicator, item_choice, source, period, decisions, errors) -> PlannedIndicator:
    key = indicator_key(indicator.id)
    choice = Choice.END if item_choice == Choice.END else decisions.choice(key)
    wording = indicator.wording
    targets: tuple[PlannedTarget, ...] = ()
    to_set: tuple[str, ...] = ()
    if choice == Choice.CHANGE:
        wording = decisions.wordings.get(key, "").strip()
        if not wording:
            errors[key] = ERROR_WORDING_REQUIRED
        else:
            target = _read_wording(key, wording, period, errors, unit=indicator.unit)
            targets = (target,) if target else ()
    elif choice == Choice.CONTINUE:
        targets, to_set = _carried_targets(indicator.targets, source, period)
    return PlannedIndicator(
        key=key,
        choice=choice,
        slug=indicator.key,
        name=indicator.name,
        component=indicator.component,
        unit=indicator.unit,
        type=indicator.type,
        order=indicator.order,
        wording=wording,
        targets=targets,
        to_set=to_set,
    )


def _new_indicator(key: str, new: NewItem, period: NewPeriod, errors: dict[str, str]) -> PlannedIndicator | None:
    wording = new.wording.strip()
    if not wording or not new.indicator_name.strip():
        return None
    target = _read_wording(key, wording, period, errors, unit="")
    return PlannedIndicator(
        key=f"{key}-indicator",
        choice=Choice.CONTINUE,
        slug="indicator-1",
        name=new.indicator_name.strip(),
        component="",
        unit=target.unit if target else "",
        type=Indicator.Type.PROCESS,
        order=1,
        wording=wording,
        targets=(target,) if target else (),
        to_set=(),
    )


def _read_wording(key: str, wording: str, period: NewPeriod, errors: dict[str, str], *, unit: str):
    if problem := text_problem(wording, Target, "target_text"):
        errors[key] = problem
        return None
    reading = read_target_wording(
        wording,
        first_fiscal_year=period.first_fiscal_year,
        last_fiscal_year=period.last_fiscal_year,
    )
    typed = typed_target_of(reading)
    if typed is None or (typed.fiscal_year is not None and typed.fiscal_year not in period.fiscal_years):
        errors[key] = ERROR_WORDING_UNREAD.format(text=wording, described=describe(reading))
        return None
    if typed.unit and (problem := text_problem(typed.unit, Target, "unit")):
        errors[key] = problem
        return None
    if problem := figure_error(Target, "value", typed.value):
        errors[key] = problem
        return None
    return PlannedTarget(
        kind=typed.kind,
        value=typed.value,
        unit=typed.unit or unit,
        fiscal_year=typed.fiscal_year,
        text=wording,
        source=Target.Source.PLAN,
        direction=typed.direction or "",
        origin="変更後の文言",
    )


def _carried_targets(
    targets: tuple[SourceTarget, ...], source: SourcePlan, period: NewPeriod
) -> tuple[tuple[PlannedTarget, ...], tuple[str, ...]]:
    carried, to_set = [], []
    for target in targets:
        if target.kind in PERIOD_KINDS:
            to_set.append(f"{KIND_LABELS[Kind(target.kind)]}「{target.text}」は{source.name}の期間の目標です")
        elif target.fiscal_year is None:
            carried.append(_carried(target, target.fiscal_year, "計画の目標を継続"))
        elif target.fiscal_year in period.fiscal_years and not (
            source.first_fiscal_year <= target.fiscal_year <= source.last_fiscal_year
        ):
            carried.append(_carried(target, target.fiscal_year, f"{source.name}で示した翌年度目標"))
    return tuple(carried), tuple(to_set)


def _carried(target: SourceTarget, fiscal_year: int | None, origin: str) -> PlannedTarget:
    return PlannedTarget(
        kind=target.kind,
        value=target.value,
        unit=target.unit,
        fiscal_year=fiscal_year,
        text=target.text,
        source=target.source,
        direction=target.direction,
        origin=origin,
    )


# -- the service ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RolloverResult:
    plan: PlanPeriod
    rollover: RolloverPlan
    reporting_years_created: int


def rollover_period_check(*, source: PlanPeriod, period: NewPeriod) -> None:
    """Refuse a new period that cannot be made: same as the source, overlapping, taken, not empty or out of range.

    The name, number and years are the period writer's rule (``plan_period_problems``), as for
    every other way a period is created.
    """
    if name_key(period.name) == name_key(source.name):
        raise RolloverRefused(ERROR_SAME_PERIOD)
    if problems := plan_period_problems(
        name=period.name,
        ordinal=period.ordinal,
        first_fiscal_year=period.first_fiscal_year,
        last_fiscal_year=period.last_fiscal_year,
    ):
        raise RolloverRefused("\n".join(problems))
    if period.first_fiscal_year <= source.last_fiscal_year and period.last_fiscal_year >= source.first_fiscal_year:
        raise RolloverRefused(ERROR_OVERLAP.format(source=source.name))
    existing = PlanPeriod.objects.filter(name=period.name).first()
    if existing is not None and Item.objects.filter(area__plan=existing).exists():
        raise RolloverRefused(ERROR_HAS_ITEMS.format(name=period.name))


@transaction.atomic
def plan_rollover(*, source: PlanPeriod, period: NewPeriod, decisions: Decisions, by=None) -> RolloverResult:
    """Create the new period from ``source`` as the decisions say, in one transaction with history.

    The plan is rebuilt from the database here, not taken from the preview page, so what is
    written is what the source holds now. The period itself (its layout, taken from the source,
    and its reporting years with their deadlines) is made by the one period writer. Refused
    (nothing written) for a user who is not a system administrator, a period that cannot be
    made, a plan with errors, or a rollover to the same period confirmed meanwhile by someone else.
    """
    if by is not None and (refused := system_admin_refusal(by)):
        raise RolloverRefused(refused)
    # Lock the new period's row if it exists: a second confirm waits here, then finds its items.
    PlanPeriod.objects.select_for_update().filter(name=period.name).first()
    rollover_period_check(source=source, period=period)
    rollover = rollover_preview(source=source_plan_read(plan=source), period=period, decisions=decisions)
    if rollover.errors:
        raise RolloverRefused("\n".join(rollover.errors.values()))
    reason = rollover.change_reason
    try:
        with transaction.atomic():
            made = plan_period_create(
                name=period.name,
                ordinal=period.ordinal,
                title=rollover.title,
                first_fiscal_year=period.first_fiscal_year,
                last_fiscal_year=period.last_fiscal_year,
                uses_rating=rollover.uses_rating,
                layout=source.layout,
                reason=reason,
                origin=PlanPeriod.Origin.ROLLOVER,
            )
            plan = made.plan
            if not made.created and Item.objects.filter(area__plan=plan).exists():
                # Another confirm filled the period after our check (we now hold its row lock).
                raise RolloverRefused(ERROR_MEANWHILE.format(name=period.name))
            _structure_create(plan, rollover, reason)
            plan_period_set_up(plan=plan, reason=reason)
    except (PeriodRefused, StructureRefused) as refused:
        raise RolloverRefused(str(refused)) from refused
    except IntegrityError as error:  # another confirm committed the same areas or items since our check
        raise RolloverRefused(ERROR_MEANWHILE.format(name=period.name)) from error
    return RolloverResult(plan=plan, rollover=rollover, reporting_years_created=made.reporting_years_created)


def _structure_create(plan: PlanPeriod, rollover: RolloverPlan, reason: str) -> None:
    # The preview checked the same limits (text_problem), so a refusal here is a value the source
    # itself holds: the writer names which row.
    new_areas: dict[int, PolicyArea] = {}
    for area in rollover.areas:
        if not area.created:
            continue
        new_area = area_create(
            plan=plan,
            source=area,
            parent=new_areas.get(area.parent_id) if area.parent_id else None,
            vision_id=area.vision_id,
            reason=reason,
        )
        new_areas[area.source_id] = new_area
        for planned in area.items:
            if not planned.created:
                continue
            item = item_create(
                area=new_area,
                source=planned,
                section_id=planned.section_id,
                program_ids=planned.program_ids,
                reason=reason,
            )
            for indicator in planned.indicators:
                if indicator.created:
                    indicator_create(
                        item=item, source=indicator, key=indicator.slug, order=indicator.order, reason=reason
                    )
