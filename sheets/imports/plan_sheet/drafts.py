"""The frozen plan draft the sheet is read into, and the problems found on the way (sheet, row, column)."""

from dataclasses import dataclass
from decimal import Decimal

from openpyxl.utils import get_column_letter

from programs.fiscal_years import era_label
from programs.kinds import Direction, Kind, TargetLine
from programs.models import ItemNaming, Target, area_label_of
from programs.quantities import format_quantity
from sheets.exports.self_evaluation import SHEET_TITLE

from .messages import ERROR_FIELD_TOO_LONG


@dataclass(frozen=True)
class SheetProblem:
    sheet: str
    row: int | None
    column: int | None
    message: str

    @property
    def place(self) -> str:
        """Return 「自己評価シート!D14」, or the sheet (and row) alone where no cell is meant."""
        if self.row is None:
            return self.sheet
        if self.column is None:
            return f"{self.sheet} {self.row}行目"
        return f"{self.sheet}!{get_column_letter(self.column)}{self.row}"


class TargetDraft(TargetLine):
    """A target read from the sheet, with how the preview describes it."""

    @property
    def described(self) -> str:
        figure = ("増加" if self.direction == Direction.INCREASE else "減少") if self.kind == Kind.DIRECTION else ""
        figure = figure or format_quantity(self.value, self.unit)
        year = f"（{era_label(self.fiscal_year)}）" if self.fiscal_year else ""
        return f"{dict(Target.Kind.choices).get(self.kind, self.kind)} {figure}{year}"


@dataclass(frozen=True)
class ResultDraft:
    fiscal_year: int
    value: Decimal | None
    actual_text: str
    municipality_count: int | None = None
    verdict: str = ""
    verdict_text: str = ""
    period_municipality_count: int | None = None


@dataclass(frozen=True)
class IndicatorDraft:
    key: str
    name: str
    component: str
    unit: str
    type: str
    targets: tuple[TargetDraft, ...]
    results: tuple[ResultDraft, ...]

    @property
    def label(self) -> str:
        return f"{self.name}（{self.component}）" if self.component else self.name

    @property
    def plan_target_text(self) -> str:
        return next((t.text for t in self.targets if t.source == Target.Source.PLAN), "")


@dataclass(frozen=True)
class EvaluationDraft:
    fiscal_year: int
    activities: str
    self_assessment: str
    next_steps: str
    rating: str
    rating_column: int | None = None  # where the 評定 stands on the item's row, for messages


@dataclass(frozen=True)
class ItemDraft(ItemNaming):
    number: int
    title: str
    related_activities: str
    background: str
    item_vision: str
    reference: str
    indicators: tuple[IndicatorDraft, ...]
    evaluations: tuple[EvaluationDraft, ...]
    row: int
    section: str = ""
    programs: tuple[str, ...] = ()
    target_wording: str = ""


@dataclass(frozen=True)
class AreaDraft:
    number: int
    sub_number: int | None
    title: str
    vision: str  # the vision as printed (「②安心して…\n　【②－３】…」); the service finds it
    background: str
    outcome_indicator_text: str
    items: tuple[ItemDraft, ...]
    row: int
    vision_cell: tuple[int, int] | None = None  # (row, column) of the ビジョン・目標 cell
    parent_title: str = ""  # a sub-area printed under its parent's heading

    @property
    def label(self) -> str:
        return area_label_of(self.number, self.sub_number, self.title)


@dataclass(frozen=True)
class PlanDraft:
    layout_name: str
    fiscal_years: tuple[int, ...]
    areas: tuple[AreaDraft, ...]
    problems: tuple[SheetProblem, ...]
    uses_rating: bool = False
    title: str = ""
    from_export: bool = False  # the indicators came from the 「達成状況」 columns marked 取込用
    sheet: str = SHEET_TITLE  # the worksheet read (the first one where no 「自己評価シート」 is named)
    sheets: tuple[str, ...] = ()  # every worksheet read, in order
    skipped: tuple[tuple[str, str], ...] = ()  # (worksheet, why it was not read): the preview names them

    layout_unmatched: bool = False  # no layout's headings were found: the administrator may map the columns

    @property
    def is_valid(self) -> bool:
        return not self.problems and bool(self.areas)

    @property
    def items(self) -> list[ItemDraft]:
        return [item for area in self.areas for item in area.items]

    @property
    def indicators(self) -> list[IndicatorDraft]:
        return [indicator for item in self.items for indicator in item.indicators]

    @property
    def counts(self) -> dict[str, int]:
        indicators = self.indicators
        return {
            "areas": len(self.areas),
            "items": len(self.items),
            "indicators": len(indicators),
            "targets": sum(len(i.targets) for i in indicators),
            "results": sum(len(i.results) for i in indicators),
            "evaluations": sum(len(item.evaluations) for item in self.items),
        }


def _limited(text: str, field: str, limit: int, place: SheetProblem, problems: list[SheetProblem]) -> str:
    """Return the text, listing a problem at the place when it is longer than the field holds."""
    if len(text) > limit:
        message = ERROR_FIELD_TOO_LONG.format(field=field, limit=limit, length=len(text))
        problems.append(SheetProblem(place.sheet, place.row, place.column, message))
    return text
