"""Read a prefecture's own self-evaluation sheet (自己評価シート) into a plan draft, to set a period up from it.

``plan_sheet_read`` opens the upload with the entry import's defences (size, zip bomb, macros,
external links, parts the sheet never has, cells outside the bounds) and returns the rows of
the sheet, its merged ranges and formula cells, and the 「達成状況」 worksheet where there is one.
``plan_sheet_parse`` is pure: it identifies the layout from the header rows (or takes the one
named), reads the fiscal years from the year headings (「令和３年度」「30年度」「R3」「平成30年度」),
then every area and item row into a frozen ``PlanDraft``, and lists every cell it could not place
as a ``SheetProblem`` (sheet, row, column and a Japanese message).

Two ways to read an item's indicators:
- the application's own export carries, on 「達成状況」, the columns marked 取込用 (indicator keys,
  stored targets, coverage counts, verdicts): read from there, the round trip loses nothing, and
  the official cells are checked against them;
- a sheet typed by hand has only the official cells: the 目標 cell is read by the target grammar
  (``programs.target_wording``), one indicator per figure, and the 実績 cell (where the layout has
  one) gives each year's result.
Merged cells hold their text in the top-left cell; an item spans the rows its 事項 cell is merged
over; line breaks inside cells and full-width digits are kept verbatim in the texts.
"""

import datetime
import json
import re
import unicodedata
from array import array
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import range_boundaries

from evaluations.models import SelfEvaluation, Verdict
from programs.fiscal_years import FiscalYearError, era_label, parse_fiscal_year
from programs.kinds import Direction, Kind, TargetLine
from programs.models import Indicator, Item, Target, area_label_of, short_title_of
from programs.quantities import QuantityError, format_quantity, parse_quantity
from programs.sheet_layouts import AREA_SOURCES, PER_YEAR_SOURCES, LayoutSpec, PlacedColumn, Source
from programs.target_wording import describe, read_target_wording, restated_targets
from sheets.exports.self_evaluation import (
    HEADER_COMPONENT,
    HEADER_COVERED,
    HEADER_KEY,
    HEADER_NAME,
    HEADER_OUTSIDE_RESULTS,
    HEADER_PERIOD_COVERED,
    HEADER_PROGRAMS,
    HEADER_SECTION,
    HEADER_TARGET_WORDING,
    HEADER_TARGETS,
    HEADER_TYPE,
    HEADER_VERDICT,
    HEADER_VERDICT_TEXT,
    INDICATOR_TYPE_LABELS,
    PROGRESS_TITLE,
    SHEET_TITLE,
)

from .reader import BoundedWorkbook, Bounds, range_of

MAX_TEXT = 4000
NARRATIVE_MAX_LENGTH = SelfEvaluation.NARRATIVE_MAX_LENGTH
FIELD_SELF_ASSESSMENT = SelfEvaluation._meta.get_field("self_assessment").verbose_name
FIELD_NEXT_STEPS = SelfEvaluation._meta.get_field("next_steps").verbose_name
# The 参考資料 cell is stored whole in Item.reference: one limit, the model's, so the export's own cell
# (the stored text and the 別紙 titles it appends) is read back as written.
REFERENCE_MAX_LENGTH = Item._meta.get_field("reference").max_length
# Any text Excel holds in a cell is read (the assessment cell alone holds two narratives); the fields'
# limits are then checked cell by cell, and the reader bounds the sheet's text in all.
SHEET_BOUNDS = Bounds(rows=3000, columns=80)
PROGRESS_BOUNDS = Bounds(rows=20000, columns=40)  # its 取込用 cells (targets as JSON) may be long: Excel's limit
HEADER_SEARCH_ROWS = 12
# Worksheets read from one workbook (Tokyo's 第7期 sheet printed on 9 pages), and their text in all:
# twice what one sheet may hold, so a workbook of many full sheets costs what two do.
MAX_WORKSHEETS = 40
MAX_WORKBOOK_TEXT = 20_000_000
# Rows read before another worksheet is opened: openpyxl yields every row padded to the bounds' columns,
# so rows bound the work whatever the cells hold. One full sheet's worth, so a workbook costs at most
# about two full sheets (Tokyo's 第7期, 9 pages, is ~100 rows; a 3-sheet workbook of 3,000 rows each
# took 23 s to read and 15 s to parse here).
MAX_WORKBOOK_ROWS = SHEET_BOUNDS.rows
# A heading is short: longer cells are never compared with the layout's headings (a page's text is).
MAX_HEADING_LENGTH = 100
KNOWN_TOTALS = {"老人福祉圏域": 12}

ERROR_NO_SHEET = "ブックにシートがありません。"
ERROR_LAYOUT_UNKNOWN = (
    "見出しの行から様式を判別できませんでした（{layouts}のどれとも一致しません）。"
    "見出しを様式どおりにするか、様式を指定してください。"
)
ERROR_LAYOUT_NAMED_UNKNOWN = "様式「{name}」が見つかりません。"
ERROR_NO_YEARS = "年度の見出し（例: 令和３年度）が見つかりません。"
ERROR_YEAR_HEADING = "年度の見出し「{text}」を読み取れません（例: 令和３年度、30年度、R3）。"
ERROR_YEARS_NOT_CONSECUTIVE = "年度の見出しが連続していません（{years}）。"
ERROR_COLUMN_MISSING = (
    "様式「{layout}」の列「{heading}」{year}が見つかりません。見出しの行にこの見出しの列を入れてください"
    "（空の列でもかまいません）。"
)
ERROR_COLUMN_UNKNOWN = (
    "見出し「{heading}」は様式「{layout}」にない列です（この列は読みません）。"
    "様式の見出しに直すか、列ごと削除してください。"
)
ERROR_FORMULA = "数式は取り込めません。値（文字）を入力してください。"
ERROR_NO_AREA_ABOVE = (
    "この欄より上に分野の見出しの行（例:「１　保険者による地域分析…」）がないため、どの分野の欄か分かりません。"
    "分野の見出しを１つのセルに書いた行を、この欄より上に入れてください。"
)
ERROR_NO_ITEM_ON_ROW = (
    "「{heading}」の欄ですが、この行にもこの行を含む結合セルにも事項（「事項１」など）がないため、どの事項の欄か分かりません。"
    "事項の行に移すか、事項の欄を結合してこの行まで広げてください。"
)
ERROR_NO_COLUMN = (
    "この列には様式「{layout}」の見出しがないため、どの欄か分かりません（読み取った文字:「{text}」）。"
    "見出しのある列に移すか、不要なら消してください。"
)
ERROR_HEADING_ROW_WITH_CELLS = (
    "この行は分野の見出し（「{heading}」）として読みましたが、同じ行のほかの列にも文字があります。"
    "見出しの行には見出しだけを書き、ほかの欄は事項の行に入れてください。"
)
ERROR_BANNER = (
    "この行（「{text}」）は横に結合した１つのセルだけの行ですが、分野の見出し（例:「１　保険者による…」"
    "「【（１）地域ケア会議】」）とも、様式の表題・注記とも読めません。"
    "分野の見出しならその形に直し、表題や注記ならこの行を削除してください。"
)
ERROR_SUB_AREA_WITHOUT_PARENT = (
    "この行は小分野の見出し（「{heading}」）として読みましたが、"
    "その上に分野の見出し（例:「２　地域ケア会議…」）がありません。"
    "小分野の見出しの上に、分野の見出しの行を入れてください。"
)
ERROR_SHEET_YEARS_DIFFER = (
    "このシートの年度の見出し（{years}）が、シート「{first}」の年度（{first_years}）と違います。"
    "同じ計画期間の年度にそろえてください。"
)
REASON_NO_HEADER = "様式「{layout}」の見出しの行（「{headings}」など）がないため読みませんでした"
REASON_EMPTY = "空のシートのため読みませんでした"
REASON_NO_LAYOUT = "どの様式の見出しの行もないため読みませんでした"
REASON_TOO_MANY_SHEETS = "シートが{limit}枚を超えるため読みませんでした"
REASON_TOO_MANY_ROWS = "ブック全体の行数が上限（{limit:,}行）を超えるため読みませんでした"
REASON_TOO_MUCH_TEXT = "ブック全体の文字数が上限（{limit:,}文字）を超えるため読みませんでした"
ERROR_CELL_TWICE = "同じ事項の「{heading}」が２つのセルにあります。１つのセルにまとめてください（改行は使えます）。"
ERROR_AREA_TWICE = "同じ分野の「{heading}」が２か所にあります（最初の欄と違う内容です）。"
ERROR_ITEM_NUMBER_TWICE = (
    "事項{number}が同じ分野に２つあります。別の事項なら番号を直し、前の事項の続きの行なら"
    "事項の欄を結合して１つにしてください。"
)
ERROR_AREA_TWICE_NUMBER = (
    "この行は分野の見出し（「{label}」）として読みましたが、同じ番号の分野が別の名称ですでにあります。"
    "ページごとに繰り返した見出しなら同じ名称に、別の分野なら番号を直してください。"
)
ERROR_NO_ITEMS = "事項の行が見つかりません（「事項１」で始まる欄が必要です）。"
ERROR_TARGET_UNREAD = (
    "目標「{text}」を読み取れませんでした（{described}）。「153人（各年度）」「年１回以上」"
    "「1,350人（H30～32）」のように書き直してください。"
)
ERROR_ACTUAL_LINES = "実績の行数（{lines}行）が目標の数（{targets}）と合いません。目標ごとに１行で書いてください。"
ERROR_ACTUAL_NO_TARGET = "目標のない事項の実績は取り込めません。"
ERROR_TOO_LONG = "{limit}文字以内にしてください（{length}文字）。"
ERROR_FIELD_TOO_LONG = "「{field}」は{limit}文字以内にしてください（{length}文字）。"
ERROR_PROGRESS_HEADER = "「{sheet}」の見出し「{header}」がありません。"
ERROR_PROGRESS_ITEM = "「{sheet}」の{area} 事項{number}が自己評価シートにありません。"
ERROR_PROGRESS_VALUE = "「{value}」を{what}として読み取れません。"
ERROR_PROGRESS_MISMATCH = (
    "この欄が「{sheet}」（取込用の列）と一致しません。どちらかを直してください（シート: 「{found}」）。"
)
ERROR_KEY = "指標キー「{key}」は英数字・ハイフン・下線で書いてください。"

# Two digits at most: 「2024年度 自己評価シート」 above the header is a title, not area 2024.
_AREA = re.compile(r"^(?P<number>\d{1,2})(?!\d)\s*(?:\((?P<sub>\d+)\))?\s*(?P<title>\S.*)$")
# A sub-area under its parent's heading, as seed 003 prints area 2: 「【（１）地域ケア会議】」.
_SUB_AREA = re.compile(r"^【\s*\((?P<sub>\d+)\)\s*(?P<title>\S.*?)\s*】$")
_ITEM = re.compile(r"^事項\s*(?P<number>\d+)\s*(?P<rest>.*)$")
# A 事項 label alone in its cell (「事項１」), beside the cell holding the item's text.
_ITEM_LABEL = re.compile(r"^事項\s*(?P<number>\d+)$")
_RELATED = re.compile(r"^\s*[（(]関連する取組[）)]")
_ERALESS_YEAR = re.compile(r"^(?P<year>元|\d{1,2})年度?$")
_KEY = re.compile(r"^[-a-zA-Z0-9_]+$")


# -- The draft -----------------------------------------------------------------------------


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
class ItemDraft:
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

    @property
    def label(self) -> str:
        return f"事項{self.number}"

    @property
    def short_title(self) -> str:
        return short_title_of(self.title)


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


# -- Reading the upload (the entry import's defences) ------------------------------------------


@dataclass(frozen=True)
class SheetRows:
    name: str
    rows: tuple[tuple, ...]
    merged: tuple[str, ...] = ()
    formulas: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlanSheetRows:
    sheet: SheetRows | None
    progress: SheetRows | None = None
    # The workbook's other worksheets in order (a sheet typed one printed page per worksheet), and
    # those not read at all with the reason, which the preview names.
    others: tuple[SheetRows, ...] = ()
    skipped: tuple[tuple[str, str], ...] = ()


def plan_sheet_read(data: bytes) -> PlanSheetRows:
    """Open an uploaded sheet within bounds; raise UploadRejected with the user's message if it cannot be read.

    Every worksheet is read (「自己評価シート」 first where there is one), up to ``MAX_WORKSHEETS`` and
    ``MAX_WORKBOOK_TEXT`` characters in all; a worksheet beyond either is named as skipped.
    """
    with BoundedWorkbook(data) as workbook:
        if not workbook.sheetnames:
            return PlanSheetRows(sheet=None)
        name = SHEET_TITLE if SHEET_TITLE in workbook.sheetnames else workbook.sheetnames[0]
        sheet = _sheet_rows(workbook, name, SHEET_BOUNDS)
        progress = None
        if PROGRESS_TITLE in workbook.sheetnames and name != PROGRESS_TITLE:
            progress = _sheet_rows(workbook, PROGRESS_TITLE, PROGRESS_BOUNDS)
        others: list[SheetRows] = []
        skipped: list[tuple[str, str]] = []
        for other in workbook.sheetnames:
            if other in (name, PROGRESS_TITLE):
                continue
            if len(others) + 1 >= MAX_WORKSHEETS:
                skipped.append((other, REASON_TOO_MANY_SHEETS.format(limit=MAX_WORKSHEETS)))
            elif workbook.text_read > MAX_WORKBOOK_TEXT:
                skipped.append((other, REASON_TOO_MUCH_TEXT.format(limit=MAX_WORKBOOK_TEXT)))
            elif len(sheet.rows) + sum(len(rows.rows) for rows in others) >= MAX_WORKBOOK_ROWS:
                skipped.append((other, REASON_TOO_MANY_ROWS.format(limit=MAX_WORKBOOK_ROWS)))
            else:
                others.append(_sheet_rows(workbook, other, SHEET_BOUNDS))
        return PlanSheetRows(sheet=sheet, progress=progress, others=tuple(others), skipped=tuple(skipped))


def _sheet_rows(workbook: BoundedWorkbook, name: str, bounds: Bounds) -> SheetRows:
    rows = workbook.rows(name, bounds)
    return SheetRows(name, rows, workbook.merged_ranges.get(name, ()), workbook.formula_cells.get(name, ()))


# -- Parsing (pure) -----------------------------------------------------------------------------


def normalised(text: str) -> str:
    """Return a heading as compared: NFKC, no spaces or line breaks (「指標(プロセス指標)」)."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))


def cell_text(value: Any) -> str:
    """Return a cell's text as typed: line breaks kept (CR LF → LF), numbers without a trailing .0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return text if text.strip() else ""


class _Grid:
    """A sheet's values with its merged ranges: each merged cell reads as its range's top-left cell.

    The reader has refused any merged range outside the bounds or over another, so the ranges
    cover at most the cells read; each cell's origin is kept in one flat array over those cells
    (one integer per cell), never in a dict of every cell a range names.
    """

    def __init__(self, sheet: SheetRows):
        self.sheet = sheet
        self.rows = sheet.rows
        self.width = max((len(row) for row in self.rows), default=0)
        height = len(self.rows)
        # origin[(row - 1) * width + column - 1] = (origin row - 1) * width + origin column - 1, or -1
        self._origin = array("q", [-1]) * (height * self.width)
        self.last_row: dict[tuple[int, int], int] = {}
        for ref in sheet.merged:
            boundaries = range_of(ref)
            if boundaries is None:
                continue
            min_col, min_row, max_col, max_row = boundaries
            self.last_row[(min_row, min_col)] = max_row
            # Clipped to the cells read: the reader bounds them, this keeps the grid safe on its own.
            max_col = min(max_col, self.width)
            if min_col > max_col:
                continue
            origin = array("q", [(min_row - 1) * self.width + min_col - 1]) * (max_col - min_col + 1)
            for row in range(min_row, min(max_row, height) + 1):
                start = (row - 1) * self.width + min_col - 1
                self._origin[start : start + len(origin)] = origin

    def _origin_of(self, row: int, column: int) -> tuple[int, int]:
        if 1 <= row <= len(self.rows) and 1 <= column <= self.width:
            index = self._origin[(row - 1) * self.width + column - 1]
            if index >= 0:
                return index // self.width + 1, index % self.width + 1
        return row, column

    def raw(self, row: int, column: int) -> str:
        if row < 1 or row > len(self.rows) or column < 1 or column > len(self.rows[row - 1]):
            return ""
        return cell_text(self.rows[row - 1][column - 1])

    def value(self, row: int, column: int) -> str:
        """Return the text shown at the cell: its merged range's text where it is merged."""
        return self.raw(*self._origin_of(row, column))

    def is_origin(self, row: int, column: int) -> bool:
        return self._origin_of(row, column) == (row, column)

    def spans_to(self, row: int, column: int) -> int:
        return self.last_row.get((row, column), row)


@dataclass(frozen=True)
class _Layout:
    name: str
    spec: LayoutSpec
    header_row: int  # the first header row (the year headings' row where the layout has them)
    name_row: int  # the row of the columns' own headings
    fiscal_years: tuple[int, ...]
    columns: dict[int, PlacedColumn]  # sheet column → the layout's column
    # A column under the same merged heading as the one left of it (「事項」 over the 「事項１」 label
    # and the item's text) → that first column: its cells are the same field.
    home: dict[int, int] = field(default_factory=dict)

    @property
    def item_columns(self) -> tuple[int, ...]:
        return tuple(sorted(c for c, p in self.columns.items() if p.source == Source.ITEM))


def plan_sheet_parse(
    read: PlanSheetRows,
    *,
    layouts: Mapping[str, LayoutSpec],
    layout_name: str | None = None,
    first_fiscal_year: int | None = None,
    municipality_count: int = 62,
) -> PlanDraft:
    """Turn the sheet's rows into a plan draft in its layout, listing every cell it could not place.

    The layout is identified on the first worksheet whose header rows match one (a cover sheet
    before it is named as skipped); every later worksheet with the same header is read in turn,
    an area printed over several pages or worksheets continuing where it stopped. A worksheet
    without the header is named in ``skipped`` with the reason, never dropped silently.
    """
    if read.sheet is None:
        return PlanDraft("", (), (), (SheetProblem("", None, None, ERROR_NO_SHEET),))
    worksheets = (read.sheet, *read.others)
    skipped: list[tuple[str, str]] = []
    problems: list[SheetProblem] = []
    first = next(
        (index for index, rows in enumerate(worksheets) if _matching_layout(_Grid(rows), layouts, layout_name)),
        None,
    )
    if first is None:
        first = 0  # no worksheet has a registered layout's header: the first one says so (an unknown layout)
    else:
        skipped += [(rows.name, _reason_not_read(rows, REASON_NO_LAYOUT)) for rows in worksheets[:first]]
    grid = _Grid(worksheets[first])
    sheet = grid.sheet.name
    _formula_problems(grid.sheet, problems)
    layout = _identify(grid, layouts, layout_name, first_fiscal_year, problems)
    if layout is None:
        skipped += [(rows.name, _reason_not_read(rows, REASON_NO_LAYOUT)) for rows in worksheets[first + 1 :]]
        # The hook of the mapping screen (sheets.imports.mapping): no registered layout's headings are here.
        unmatched = not layout_name and not any(_header_row(grid, spec) for spec in layouts.values())
        return PlanDraft(
            layout_name or "",
            (),
            (),
            tuple(problems),
            layout_unmatched=unmatched,
            sheet=sheet,
            skipped=(*skipped, *read.skipped),
        )
    progress = _progress_read(read.progress, layout.fiscal_years, problems)
    state = _AreaState()
    _areas(grid, layout, problems, state)
    sheets = [sheet]
    for rows in worksheets[first + 1 :]:
        other = _Grid(rows)
        if _header_row(other, layout.spec) is None:
            headings = "」「".join(c.heading for c in layout.spec.columns[:2])
            skipped.append(
                (rows.name, _reason_not_read(rows, REASON_NO_HEADER.format(layout=layout.name, headings=headings)))
            )
            continue
        _formula_problems(rows, problems)
        placed = _identify(other, {layout.name: layout.spec}, layout.name, first_fiscal_year, problems)
        if placed is None:
            continue
        if placed.fiscal_years != layout.fiscal_years:
            message = ERROR_SHEET_YEARS_DIFFER.format(
                years=_years_label(placed.fiscal_years), first=sheet, first_years=_years_label(layout.fiscal_years)
            )
            problems.append(SheetProblem(rows.name, placed.header_row, None, message))
            continue
        _areas(other, placed, problems, state)
        sheets.append(rows.name)
    areas = _area_drafts(state, problems, progress, municipality_count)
    if progress is not None:
        _progress_leftovers(progress, areas, problems)
    if not areas and not problems:
        problems.append(SheetProblem(sheet, None, None, ERROR_NO_ITEMS))
    return PlanDraft(
        layout_name=layout.name,
        fiscal_years=layout.fiscal_years,
        areas=tuple(areas),
        problems=tuple(problems),
        uses_rating=any(column.source == Source.RATING for column in layout.spec.columns),
        title=layout.spec.title,
        from_export=progress is not None,
        sheet=sheet,
        sheets=tuple(sheets),
        skipped=(*skipped, *read.skipped),
    )


def _formula_problems(rows: SheetRows, problems: list[SheetProblem]) -> None:
    for ref in rows.formulas:
        row, column = _cell_position(ref)
        problems.append(SheetProblem(rows.name, row, column, ERROR_FORMULA))


def _reason_not_read(rows: SheetRows, reason: str) -> str:
    empty = not any(cell_text(value) for row in rows.rows for value in row)
    return REASON_EMPTY if empty else reason


def _years_label(years: Sequence[int]) -> str:
    return "・".join(era_label(year) for year in years) or "なし"


def _matching_layout(grid: "_Grid", layouts: Mapping[str, LayoutSpec], layout_name: str | None) -> bool:
    candidates = [layouts[layout_name]] if layout_name in layouts else ([] if layout_name else layouts.values())
    return any(_header_row(grid, spec) is not None for spec in candidates)


def _cell_position(ref: str) -> tuple[int | None, int | None]:
    try:
        min_col, min_row, _, _ = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return None, None
    return min_row, min_col


# -- The layout and the fiscal years --------------------------------------------------------------


def _identify(
    grid: _Grid,
    layouts: Mapping[str, LayoutSpec],
    layout_name: str | None,
    first_fiscal_year: int | None,
    problems: list[SheetProblem],
) -> _Layout | None:
    sheet = grid.sheet.name
    if layout_name:
        if layout_name not in layouts:
            problems.append(SheetProblem(sheet, None, None, ERROR_LAYOUT_NAMED_UNKNOWN.format(name=layout_name)))
            return None
        candidates = {layout_name: layouts[layout_name]}
    else:
        candidates = dict(layouts)
    best = None
    for name, spec in candidates.items():
        found = _header_row(grid, spec)
        if found is None:
            continue
        row, score = found
        if best is None or score > best[2]:
            best = (name, spec, score, row)
    if best is None:
        names = "・".join(f"「{name}」" for name in candidates) or "登録された様式"
        problems.append(SheetProblem(sheet, None, None, ERROR_LAYOUT_UNKNOWN.format(layouts=names)))
        return None
    name, spec, _, header_row = best
    return _placed(grid, name, spec, header_row, first_fiscal_year, problems)


def _fixed_headings(spec: LayoutSpec) -> set[str]:
    return {normalised(c.heading) for c in spec.columns if c.source not in PER_YEAR_SOURCES}


def _header_row(grid: _Grid, spec: LayoutSpec) -> tuple[int, int] | None:
    """Return the first header row and how many of the layout's headings it holds, if it holds them all."""
    wanted = _fixed_headings(spec)
    yearly = {normalised(c.heading) for c in spec.columns if c.source in PER_YEAR_SOURCES}
    for row in range(1, min(HEADER_SEARCH_ROWS, len(grid.rows)) + 1):
        texts = {normalised(grid.value(r, c)) for r in (row, row + 1) for c in range(1, grid.width + 1)}
        if wanted <= texts and (not yearly or yearly <= texts):
            return row, len(wanted | yearly)
    return None


def _placed(
    grid: _Grid,
    name: str,
    spec: LayoutSpec,
    header_row: int,
    first_fiscal_year: int | None,
    problems: list[SheetProblem],
) -> _Layout | None:
    sheet = grid.sheet.name
    fixed = _fixed_headings(spec)
    yearly_headings = {normalised(c.heading) for c in spec.columns if c.source in PER_YEAR_SOURCES}
    has_years = bool(yearly_headings)
    name_row = header_row + 1 if has_years else header_row
    # Each column: its heading, and the year heading above it (carried right over an unmerged group).
    columns: list[tuple[int, str, str]] = []
    group = ""
    for column in range(1, grid.width + 1):
        top = grid.value(header_row, column)
        below = grid.value(name_row, column) if has_years else ""
        if has_years and normalised(below) in yearly_headings and normalised(top) not in fixed:
            group = top or group
            columns.append((column, normalised(below), group))
        else:
            group = ""
            columns.append((column, normalised(top) or normalised(below), ""))
    year_texts = list(dict.fromkeys(text for _, _, text in columns if text))
    fiscal_years = _fiscal_years(year_texts, header_row, grid, first_fiscal_year, problems) if has_years else ()
    if has_years and not fiscal_years:
        if not any(p.message.startswith("年度") for p in problems):
            problems.append(SheetProblem(sheet, header_row, None, ERROR_NO_YEARS))
        return None
    year_of = dict(zip(year_texts, fiscal_years, strict=False))
    placed = spec.placed(fiscal_years)
    mapping: dict[int, PlacedColumn] = {}
    home: dict[int, int] = {}
    used: set[int] = set()
    for column, heading, year_text in columns:
        if not heading:
            continue
        if column - 1 in mapping and _same_heading_cell(grid, (header_row, name_row), column):
            mapping[column] = mapping[column - 1]
            home[column] = home.get(column - 1, column - 1)
            continue
        year = year_of.get(year_text) if year_text else None
        match = next(
            (
                index
                for index, p in enumerate(placed)
                if index not in used and normalised(p.heading) == heading and p.fiscal_year == year
            ),
            None,
        )
        if match is None:
            problems.append(
                SheetProblem(
                    sheet,
                    name_row if year_text else header_row,
                    column,
                    ERROR_COLUMN_UNKNOWN.format(heading=heading, layout=name),
                )
            )
            continue
        used.add(match)
        mapping[column] = placed[match]
    for index, p in enumerate(placed):
        if index not in used:
            year = f"（{era_label(p.fiscal_year)}）" if p.fiscal_year else ""
            message = ERROR_COLUMN_MISSING.format(layout=name, heading=p.heading, year=year)
            problems.append(SheetProblem(sheet, header_row, None, message))
    return _Layout(name, spec, header_row, name_row, tuple(fiscal_years), mapping, home)


def _same_heading_cell(grid: "_Grid", rows: tuple[int, int], column: int) -> bool:
    """Return whether the column's header cells are the merged cells of the column left of it."""
    return all(grid._origin_of(row, column) == grid._origin_of(row, column - 1) for row in set(rows))


def _fiscal_years(
    texts: Sequence[str], row: int, grid: _Grid, first_fiscal_year: int | None, problems: list[SheetProblem]
) -> tuple[int, ...]:
    """Read the year headings (「令和３年度」「30年度」「R3」); ``first_fiscal_year`` overrides what they say."""
    if first_fiscal_year is not None:
        return tuple(range(first_fiscal_year, first_fiscal_year + len(texts)))
    read: list[int | None] = []
    eraless: list[int] = []
    for index, text in enumerate(texts):
        try:
            read.append(parse_fiscal_year(text))
        except FiscalYearError:
            match = _ERALESS_YEAR.match(normalised(text))
            if match:
                read.append(None)
                eraless.append(index)
            else:
                column = next((c for c in range(1, grid.width + 1) if grid.value(row, c) == text), None)
                problems.append(SheetProblem(grid.sheet.name, row, column, ERROR_YEAR_HEADING.format(text=text)))
                return ()
    for index in eraless:
        # 「30年度」: 平成 or 令和, whichever fits the neighbouring headings (else 平成 from 20 up).
        era_year = _ERALESS_YEAR.match(normalised(texts[index])).group("year")
        number = 1 if era_year == "元" else int(era_year)
        known = [(i, year) for i, year in enumerate(read) if year is not None]
        if known:
            i, year = known[0]
            expected = year + (index - i)
            read[index] = min((1988 + number, 2018 + number), key=lambda candidate: abs(candidate - expected))
        else:
            read[index] = 1988 + number if number >= 20 else 2018 + number
    years = [year for year in read if year is not None]
    if years != list(range(years[0], years[0] + len(years))):
        labels = "・".join(texts)
        problems.append(SheetProblem(grid.sheet.name, row, None, ERROR_YEARS_NOT_CONSECUTIVE.format(years=labels)))
        return ()
    return tuple(years)


# -- Areas and items ---------------------------------------------------------------------------------


@dataclass
class _ItemCells:
    row: int
    number: int
    text: str
    grid: "_Grid"
    layout: _Layout
    cells: dict[int, str] = field(default_factory=dict)  # sheet column → text
    backgrounds: list[tuple[str, int]] = field(default_factory=list)  # (text, last row it spans)
    last_rows: dict[int, int] = field(default_factory=dict)  # sheet column → last row its cell spans


@dataclass
class _AreaCells:
    row: int
    number: int
    sub_number: int | None
    title: str
    sheet: str = ""
    parent_title: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    places: dict[str, tuple[int, int]] = field(default_factory=dict)
    items: list[_ItemCells] = field(default_factory=list)


@dataclass
class _AreaState:
    """The areas read so far, carried from one worksheet to the next (a page continues its area)."""

    areas: list[_AreaCells] = field(default_factory=list)
    current: _AreaCells | None = None
    parent: _AreaCells | None = None  # the last numbered heading: the parent of 「【（１）…】」 under it


def _area_heading(grid: _Grid, row: int) -> tuple[re.Match | None, bool]:
    """Return the heading the row's first cell holds, and whether other cells of the row hold text too."""
    text = grid.value(row, 1)
    if not text or not grid.is_origin(row, 1):
        return None, False
    first_line = unicodedata.normalize("NFKC", text.split("\n")[0]).strip()
    if _ITEM.match(first_line):
        return None, False
    others = any(grid.raw(row, c) for c in range(2, grid.width + 1) if grid.is_origin(row, c))
    return _AREA.match(first_line) or _SUB_AREA.match(first_line), others


def _header_rows(grid: _Grid, layout: _Layout) -> set[int]:
    """Return the rows of the header and of every repetition of it (one per printed page)."""
    rows = set(range(layout.header_row, layout.name_row + 1))
    wanted = _fixed_headings(layout.spec)
    yearly = {normalised(c.heading) for c in layout.spec.columns if c.source in PER_YEAR_SOURCES}
    height = layout.name_row - layout.header_row
    for row in range(1, len(grid.rows) + 1):
        own = {
            normalised(text)
            for c in range(1, grid.width + 1)
            if 0 < len(text := grid.raw(row, c)) <= MAX_HEADING_LENGTH
        }
        if not own & wanted:
            continue
        texts = {normalised(grid.value(r, c)) for r in (row, row + 1) for c in range(1, grid.width + 1)}
        if wanted <= texts and (not yearly or yearly <= texts):
            rows.update(range(row, row + height + 1))
    return rows


def _title_rows(grid: _Grid, spec: LayoutSpec) -> set[int]:
    """Return the rows holding only the layout's title or note line, printed again on every page."""
    lines = {normalised(spec.title), normalised(spec.note)} - {""}
    rows = set()
    for row in range(1, len(grid.rows) + 1):
        texts = [grid.raw(row, c) for c in range(1, grid.width + 1) if grid.is_origin(row, c) and grid.raw(row, c)]
        if len(texts) == 1 and normalised(texts[0]) in lines:
            rows.add(row)
    return rows


def _areas(grid: _Grid, layout: _Layout, problems: list[SheetProblem], state: _AreaState) -> None:
    """Read the worksheet's area headings, items and cells into ``state``, naming every cell not placed.

    Area titles and sub-headings may stand above the header (as Tokyo prints them); the header,
    the title and the note lines, printed again on each page, are recognised and skipped; rows
    above the first header that are neither a heading nor a cell of a heading's area are the
    sheet's own title lines. A 「事項１」 label in a cell of its own marks the item of its row.
    """
    sheet = grid.sheet.name
    item_columns = layout.item_columns
    if not item_columns:
        return
    skip = _header_rows(grid, layout) | _title_rows(grid, layout.spec)
    item: _ItemCells | None = None
    item_last_row = 0
    for row in range(1, len(grid.rows) + 1):
        if row in skip:
            item = None
            continue
        heading, crowded = _area_heading(grid, row)
        if heading is not None and crowded:
            label = grid.value(row, 1).split("\n")[0][:40]
            problems.append(SheetProblem(sheet, row, 1, ERROR_HEADING_ROW_WITH_CELLS.format(heading=label)))
            item = None
            continue
        if heading is not None:
            _area_begin(grid, row, heading, problems, state)
            item = None
            continue
        if row < layout.header_row and state.current is None:
            continue  # the sheet's own title lines above its first header
        if (banner := _banner(grid, row)) is not None:
            # One text merged across the row is a heading or a title, never an item: say which it is not.
            problems.append(SheetProblem(sheet, row, banner[0], ERROR_BANNER.format(text=banner[1][:30])))
            item = None
            continue
        label_column, label_number = _item_label(grid, row, layout)
        text_column = next(
            (c for c in item_columns if c != label_column and grid.is_origin(row, c) and grid.raw(row, c)), None
        )
        if label_column is not None or text_column is not None:
            if state.current is None:
                problems.append(SheetProblem(sheet, row, text_column or label_column, ERROR_NO_AREA_ABOVE))
                item = None
                continue
            text = grid.raw(row, text_column) if text_column else ""
            if label_number is not None and not _ITEM.match(unicodedata.normalize("NFKC", text.split("\n")[0]).strip()):
                text = f"事項{label_number}\n{text}" if text else f"事項{label_number}"
            match = _ITEM.match(unicodedata.normalize("NFKC", text.split("\n")[0]).strip())
            items = state.current.items
            number = int(match.group("number")) if match else (items[-1].number + 1 if items else 1)
            if any(existing.number == number for existing in items):
                column = label_column or text_column
                problems.append(SheetProblem(sheet, row, column, ERROR_ITEM_NUMBER_TWICE.format(number=number)))
            item = _ItemCells(row, number, text, grid, layout)
            items.append(item)
            item_last_row = max(grid.spans_to(row, c) for c in (label_column, text_column) if c)
        for column in range(1, grid.width + 1):
            if not grid.is_origin(row, column) or column in item_columns or column == label_column:
                continue
            text = grid.raw(row, column)
            if not text:
                continue
            placed = layout.columns.get(column)
            if placed is not None and placed.source == Source.UNUSED:
                continue  # a column the administrator mapped as 「使わない」
            if placed is None:
                message = ERROR_NO_COLUMN.format(layout=layout.name, text=text.split("\n")[0][:20])
                problems.append(SheetProblem(sheet, row, column, message))
                continue
            if state.current is None:
                problems.append(SheetProblem(sheet, row, column, ERROR_NO_AREA_ABOVE))
                continue
            limit = _cell_limit(placed.source, layout.spec)
            if len(text) > limit:
                problems.append(SheetProblem(sheet, row, column, ERROR_TOO_LONG.format(limit=limit, length=len(text))))
                continue
            current = state.current
            if placed.source in AREA_SOURCES:
                previous = current.fields.get(placed.source)
                if previous is not None and previous != text:
                    problems.append(SheetProblem(sheet, row, column, ERROR_AREA_TWICE.format(heading=placed.heading)))
                current.fields.setdefault(placed.source, text)
                current.places.setdefault(placed.source, (row, column))
                continue
            if item is None or (item.row != row and item_last_row < row):
                problems.append(SheetProblem(sheet, row, column, ERROR_NO_ITEM_ON_ROW.format(heading=placed.heading)))
                continue
            key = layout.home.get(column, column)
            if placed.source == Source.BACKGROUND:
                item.backgrounds.append((text, grid.spans_to(row, column)))
            elif key in item.cells:
                problems.append(SheetProblem(sheet, row, column, ERROR_CELL_TWICE.format(heading=placed.heading)))
            else:
                item.cells[key] = text
                item.last_rows[key] = grid.spans_to(row, column)


def _banner(grid: _Grid, row: int) -> tuple[int, str] | None:
    """Return (column, text) where the row's only text is one cell merged across three columns or more."""
    texts = [c for c in range(1, grid.width + 1) if grid.is_origin(row, c) and grid.raw(row, c)]
    if len(texts) != 1:
        return None
    column = texts[0]
    span = sum(1 for c in range(column, grid.width + 1) if grid._origin_of(row, c) == (row, column))
    if span < 3 or _ITEM.match(normalised(grid.raw(row, column))):
        return None
    return column, grid.raw(row, column).split("\n")[0]


def _item_label(grid: _Grid, row: int, layout: _Layout) -> tuple[int | None, int | None]:
    """Return the column and number of a 「事項１」 label alone in a cell on the row, under 事項 or no heading."""
    for column in range(1, grid.width + 1):
        if not grid.is_origin(row, column):
            continue
        placed = layout.columns.get(column)
        if placed is not None and placed.source != Source.ITEM:
            continue
        match = _ITEM_LABEL.match(normalised(grid.raw(row, column)))
        if match:
            return column, int(match.group("number"))
    return None, None


def _area_begin(grid: _Grid, row: int, heading: re.Match, problems: list[SheetProblem], state: _AreaState) -> None:
    """Start the area a heading names, or continue it where the same heading was printed on an earlier page."""
    sheet = grid.sheet.name
    sub = heading.group("sub")
    title = _limited(heading.group("title").strip(), "分野名", 200, SheetProblem(sheet, row, 1, ""), problems)
    if "number" in heading.groupdict():
        number, sub_number, parent_title = int(heading.group("number")), int(sub) if sub else None, ""
    elif state.parent is not None:
        number, sub_number, parent_title = state.parent.number, int(sub), state.parent.title
    else:
        label = grid.value(row, 1).split("\n")[0][:40]
        problems.append(SheetProblem(sheet, row, 1, ERROR_SUB_AREA_WITHOUT_PARENT.format(heading=label)))
        state.current = None
        return
    if parent_title and not state.parent.items and state.parent in state.areas:
        state.areas.remove(state.parent)  # a heading over sub-areas, printed again on each of their pages
    existing = next((a for a in state.areas if (a.number, a.sub_number) == (number, sub_number)), None)
    if existing is not None and existing.title == title:
        state.current = existing  # the same heading printed again on the next page: the area continues
    else:
        if existing is not None:
            problems.append(SheetProblem(sheet, row, 1, ERROR_AREA_TWICE_NUMBER.format(label=title)))
        state.current = _AreaCells(row, number, sub_number, title, sheet=sheet, parent_title=parent_title)
        state.areas.append(state.current)
    if "number" in heading.groupdict():
        state.parent = state.current if sub_number is None else None


def _area_drafts(
    state: _AreaState, problems: list[SheetProblem], progress: "_Progress | None", municipalities: int
) -> list[AreaDraft]:
    drafts = []
    for area in state.areas:
        if not area.items:
            continue
        _share_merged_cells(area)
        drafts.append(_area_draft(area, problems, progress, municipalities))
    return drafts


def _share_merged_cells(area: _AreaCells) -> None:
    """Give a cell merged down beside several items to each of them: the export prints a shared text once."""
    for index, item in enumerate(area.items):
        own_last = max(item.grid.spans_to(item.row, c) for c in item.layout.item_columns)
        for column, last in item.last_rows.items():
            if last <= own_last:
                continue
            for other in area.items[index + 1 :]:
                if other.grid is item.grid and other.row <= last:
                    other.cells.setdefault(column, item.cells[column])


def _area_draft(
    area: _AreaCells,
    problems: list[SheetProblem],
    progress: "_Progress | None",
    municipalities: int,
) -> AreaDraft:
    # A 現状と課題 merged down beside several items is the area's; one beside a single item is the item's.
    area_background = ""
    item_backgrounds: dict[int, str] = {}
    for index, item in enumerate(area.items):
        for text, last_row in item.backgrounds:
            later = [other for other in area.items[index + 1 :] if other.grid is item.grid and other.row <= last_row]
            if later:
                area_background = text
            else:
                item_backgrounds[index] = text
    label_key = normalised(
        f"{area.number}{area.title}" if area.sub_number is None else f"{area.number}({area.sub_number}){area.title}"
    )
    items = tuple(
        _item_draft(
            item,
            item_backgrounds.get(index, ""),
            problems,
            progress.items.get((label_key, item.number)) if progress else None,
            municipalities,
        )
        for index, item in enumerate(area.items)
    )
    if progress is not None:
        progress.seen.update((label_key, item.number) for item in area.items)
    return AreaDraft(
        number=area.number,
        sub_number=area.sub_number,
        title=area.title,
        vision=area.fields.get(Source.AREA_VISION, ""),
        background=area_background,
        outcome_indicator_text=area.fields.get(Source.OUTCOME_INDICATOR, ""),
        items=items,
        row=area.row,
        vision_cell=area.places.get(Source.AREA_VISION),
        parent_title=area.parent_title,
    )


def _split_item_text(text: str) -> tuple[str, str]:
    """Split 「事項１\\n取組\\n（関連する取組）\\n・事業」 into the item's text and its related activities."""
    lines = text.split("\n")
    first = unicodedata.normalize("NFKC", lines[0]).strip()
    if match := _ITEM.match(first):
        rest = match.group("rest")
        lines = ([rest] if rest else []) + lines[1:]
    split = next((i for i, line in enumerate(lines) if _RELATED.match(line)), None)
    if split is None:
        split = next((i for i, line in enumerate(lines) if i > 0 and line.lstrip().startswith("・")), None)
    if split is None:
        return "\n".join(lines), ""
    return "\n".join(lines[:split]), "\n".join(lines[split:])


def _assessment(text: str, spec: LayoutSpec) -> tuple[str, str]:
    """Split an assessment cell at the layout's in-cell labels (＜自己評価＞ … ＜今後の取組方針＞ …)."""
    self_assessment, next_steps = text, ""
    label = spec.next_steps_label
    if label:
        marker = f"{label}\n"
        if self_assessment.startswith(marker):
            return "", self_assessment[len(marker) :]
        position = self_assessment.find(f"\n\n{marker}")
        if position >= 0:
            next_steps = self_assessment[position + len(marker) + 2 :]
            self_assessment = self_assessment[:position]
    if spec.assessment_label and self_assessment.startswith(f"{spec.assessment_label}\n"):
        self_assessment = self_assessment[len(spec.assessment_label) + 1 :]
    return self_assessment, next_steps


def _item_draft(
    cells: _ItemCells,
    background: str,
    problems: list[SheetProblem],
    from_progress: "_ProgressItem | None",
    municipalities: int,
) -> ItemDraft:
    grid, layout = cells.grid, cells.layout
    sheet = grid.sheet.name
    by_source: dict[tuple[str, int | None], tuple[int, str]] = {}
    for column, text in cells.cells.items():
        placed = layout.columns[column]
        by_source[(placed.source, placed.fiscal_year)] = (column, text)
    title, related = _split_item_text(cells.text)

    def text_of(source: str, year: int | None = None) -> str:
        return by_source.get((source, year), (0, ""))[1]

    def column_of(source: str, year: int | None = None) -> int | None:
        return by_source.get((source, year), (None, ""))[0] or next(
            (c for c, p in layout.columns.items() if p.source == source and p.fiscal_year == year), None
        )

    target_cell = text_of(Source.TARGET)
    typed_wording = ""
    has_actual_column = any(p.source == Source.ACTUAL for p in layout.columns.values())
    if from_progress is not None:
        indicators = from_progress.indicators
        # The official cells must say what 達成状況 says: a hand edit of either is caught, not guessed.
        if Source.TARGET in {p.source for p in layout.columns.values()}:
            expected = from_progress.target_wording or _target_cell(indicators)
            if expected != target_cell:
                problems.append(
                    SheetProblem(
                        sheet,
                        cells.row,
                        column_of(Source.TARGET),
                        ERROR_PROGRESS_MISMATCH.format(sheet=PROGRESS_TITLE, found=target_cell[:40]),
                    )
                )
        if has_actual_column:
            for year in layout.fiscal_years:
                expected = _actual_cell(indicators, year)
                found = text_of(Source.ACTUAL, year)
                if expected != found:
                    problems.append(
                        SheetProblem(
                            sheet,
                            cells.row,
                            column_of(Source.ACTUAL, year),
                            ERROR_PROGRESS_MISMATCH.format(sheet=PROGRESS_TITLE, found=found[:40]),
                        )
                    )
    else:
        indicators = _indicators_from_wording(
            target_cell, cells.row, column_of(Source.TARGET), title, layout, sheet, problems, municipalities
        )
        if has_actual_column:
            indicators = _with_actuals(indicators, layout, by_source, cells.row, sheet, problems)
        narratives = [
            text_of(source, year) for year in layout.fiscal_years for source in (Source.ACTIVITIES, Source.ASSESSMENT)
        ]
        indicators = _with_restated(indicators, narratives, title, layout.fiscal_years, municipalities)
        # The cell as typed where the wordings read from it do not spell it (line breaks inside a wording).
        composed = _target_cell(indicators)
        typed_wording = target_cell if target_cell.strip() and target_cell != composed else ""
    evaluations = []
    for year in layout.fiscal_years:
        activities = text_of(Source.ACTIVITIES, year)
        self_assessment, next_steps = _assessment(text_of(Source.ASSESSMENT, year), layout.spec)
        place = SheetProblem(sheet, cells.row, column_of(Source.ASSESSMENT, year), "")
        for field_name, text in ((FIELD_SELF_ASSESSMENT, self_assessment), (FIELD_NEXT_STEPS, next_steps)):
            _limited(text, field_name, NARRATIVE_MAX_LENGTH, place, problems)
        rating = text_of(Source.RATING, year).strip()
        if activities or self_assessment or next_steps or rating:
            evaluations.append(
                EvaluationDraft(year, activities, self_assessment, next_steps, rating, column_of(Source.RATING, year))
            )
    return ItemDraft(
        number=cells.number,
        title=title,
        related_activities=related,
        background=background or text_of(Source.BACKGROUND),
        item_vision=text_of(Source.ITEM_VISION),
        reference=_limited(
            text_of(Source.REFERENCE).strip(),
            "参考資料",
            REFERENCE_MAX_LENGTH,
            SheetProblem(sheet, cells.row, column_of(Source.REFERENCE), ""),
            problems,
        ),
        indicators=indicators,
        evaluations=tuple(evaluations),
        row=cells.row,
        section=from_progress.section if from_progress else "",
        programs=from_progress.programs if from_progress else (),
        target_wording=from_progress.target_wording if from_progress else typed_wording,
    )


def _cell_limit(source: str, spec: LayoutSpec) -> int:
    """Return the longest text a cell of the source may hold: what the export writes there at the most.

    The assessment cell holds the self-evaluation and the next steps under the layout's labels
    (sheets.exports.self_evaluation.assessment_text); each part is then held to its field's limit.
    """
    if source == Source.ASSESSMENT:
        return 2 * NARRATIVE_MAX_LENGTH + len(spec.assessment_label) + len(spec.next_steps_label) + 4
    return MAX_TEXT


def _limited(text: str, field: str, limit: int, place: SheetProblem, problems: list[SheetProblem]) -> str:
    """Return the text, listing a problem at the place when it is longer than the field holds."""
    if len(text) > limit:
        message = ERROR_FIELD_TOO_LONG.format(field=field, limit=limit, length=len(text))
        problems.append(SheetProblem(place.sheet, place.row, place.column, message))
    return text


def _target_cell(indicators: Sequence[IndicatorDraft]) -> str:
    """Return the 目標 cell as the export prints it (sheets.exports.self_evaluation.target_text)."""
    texts: list[str] = []
    for indicator in indicators:
        if indicator.plan_target_text and indicator.plan_target_text not in texts:
            texts.append(indicator.plan_target_text)
    return "\n".join(texts)


def _actual_cell(indicators: Sequence[IndicatorDraft], year: int) -> str:
    """Return a year's 実績 cell as the export prints it (sheets.exports.self_evaluation.actual_text)."""
    texts = []
    for indicator in indicators:
        if not indicator.plan_target_text:
            continue
        result = next((r for r in indicator.results if r.fiscal_year == year), None)
        if result is None:
            continue
        text = result.actual_text or format_quantity(result.value, indicator.unit, empty="")
        if text:
            texts.append(text)
    return "\n".join(texts)


# A line starting with one of these continues the wording above it (「62区市町村」「で各１人以上」).
_CONTINUATION = re.compile(r"^[\s　]*[（(）)、。でにをのがとへや〜～]")


def target_wordings(text: str, understood=lambda wording: False) -> list[tuple[str, tuple[str, ...]]]:
    """Return each wording of a 目標 cell: (the wording without its line breaks, its lines as typed).

    A cell is one wording whatever its line breaks (「153人\\n（各年度）」 is 「153人（各年度）」,
    「62区市町村\\nで各１人以上」 one coverage target). Wordings stand apart where a blank line
    separates them (as seed 003 prints 「全区市町村」 over 「全老人福祉圏域（Ｒ２）」), or where the
    lines above read as a whole target with their brackets closed, the next line does too and does not
    begin as a continuation (「1,350人」 over 「年１回以上」): ``understood`` tells whether the grammar
    reads a text.
    """
    wordings: list[list[str]] = [[]]
    for line in text.split("\n"):
        if not line.strip():
            if wordings[-1]:
                wordings.append([])
            continue
        current = wordings[-1]
        joined = unicodedata.normalize("NFKC", "".join(current))
        if (
            current
            and not _CONTINUATION.match(line)
            and joined.count("(") <= joined.count(")")  # 「（H30～」 over 「32）」: an open bracket continues
            and understood("".join(part.strip() for part in current))
            and understood(line.strip())
        ):
            wordings.append([])
        wordings[-1].append(line)
    return [("".join(line.strip() for line in lines), tuple(lines)) for lines in wordings if lines]


def _indicators_from_wording(
    text: str,
    row: int,
    column: int | None,
    title: str,
    layout: _Layout,
    sheet: str,
    problems: list[SheetProblem],
    municipalities: int,
) -> tuple[IndicatorDraft, ...]:
    """Read the 目標 cell by the target grammar: one indicator per figure of each wording (``target_wordings``)."""
    indicators: list[IndicatorDraft] = []
    years = layout.fiscal_years

    def read(wording: str):
        return read_target_wording(
            wording,
            first_fiscal_year=years[0] if years else None,
            last_fiscal_year=years[-1] if years else None,
            municipality_count=municipalities,
            known_totals=KNOWN_TOTALS,
        )

    place = SheetProblem(sheet, row, column, "")
    for line, _ in target_wordings(text, understood=lambda wording: read(wording).understood):
        reading = read(line)
        if len(line) > 500:
            _limited(line, "目標", 500, place, problems)
            continue
        if any(len(component.unit) > 20 for component in reading.components):
            unit = next(c.unit for c in reading.components if len(c.unit) > 20)
            _limited(unit, "単位", 20, place, problems)
            continue
        if not reading.understood:
            message = ERROR_TARGET_UNREAD.format(text=line, described=describe(reading))
            problems.append(SheetProblem(sheet, row, column, message))
            continue
        for component in reading.components:
            number = len(indicators) + 1
            indicators.append(
                IndicatorDraft(
                    key=f"target-{number}",
                    name=short_title_of(title) or f"指標{number}",
                    component=component.label[:50],
                    unit=component.unit,
                    type=Indicator.Type.PROCESS,
                    targets=(
                        TargetDraft(
                            kind=component.kind,
                            value=component.value,
                            unit=component.unit,
                            fiscal_year=reading.fiscal_year,
                            text=line,
                            direction=component.direction or "",
                        ),
                    ),
                    results=(),
                )
            )
    return tuple(indicators)


def _with_restated(
    indicators: tuple[IndicatorDraft, ...],
    narratives: Sequence[str],
    title: str,
    years: tuple[int, ...],
    municipalities: int,
) -> tuple[IndicatorDraft, ...]:
    """Add the targets the narratives restate for one year (「平成31年度目標：13回」) to the indicators they count.

    A restated figure goes to the indicator of its unit (the one already given that label where
    several share the unit); a figure of a unit no indicator counts, or a second label of a unit
    already claimed, is an indicator of its own. Beside a period total (cumulative), the year's
    figure is its share of the total (programs.target_wording, ``period_kind``). The first
    statement of an indicator's year wins: the same line repeated in a later cell adds nothing.
    """
    found = [
        reading
        for text in narratives
        for reading in restated_targets(
            text, first_fiscal_year=years[0] if years else None, municipality_count=municipalities
        )
    ]
    if not found:
        return indicators
    drafts = [dict(indicator.__dict__) for indicator in indicators]
    claimed: dict[int, str] = {}  # indicator index → the label its restated figures carry
    for reading in found:
        for component in reading.components:
            same_unit = [i for i, d in enumerate(drafts) if d["unit"] == component.unit]
            index = next((i for i in same_unit if claimed.get(i) == component.label), None)
            if index is None:
                index = next((i for i in same_unit if i not in claimed), None)
            if index is None:
                number = len(drafts) + 1
                drafts.append(
                    {
                        "key": f"target-{number}",
                        "name": short_title_of(title) or f"指標{number}",
                        "component": component.label[:50],
                        "unit": component.unit,
                        "type": Indicator.Type.PROCESS,
                        "targets": (),
                        "results": (),
                    }
                )
                index = len(drafts) - 1
            claimed.setdefault(index, component.label)
            targets = drafts[index]["targets"]
            if any(t.fiscal_year == reading.fiscal_year for t in targets):
                continue
            period = next((t for t in targets if t.fiscal_year is None), None)
            kind = component.kind
            if period is not None and period.kind == Kind.CUMULATIVE and kind == Kind.PER_YEAR:
                kind = Kind.CUMULATIVE
            restated = TargetDraft(
                kind=kind,
                value=component.value,
                unit=component.unit,
                fiscal_year=reading.fiscal_year,
                text=reading.text[:500],
                source=Target.Source.EVALUATION,
                direction=component.direction or "",
            )
            drafts[index]["targets"] = (*targets, restated)
    return tuple(IndicatorDraft(**draft) for draft in drafts)


def _with_actuals(
    indicators: tuple[IndicatorDraft, ...],
    layout: _Layout,
    by_source: dict[tuple[str, int | None], tuple[int, str]],
    row: int,
    sheet: str,
    problems: list[SheetProblem],
) -> tuple[IndicatorDraft, ...]:
    """Give each indicator its year's 実績: one line per indicator, or the whole cell for a single one."""
    results: dict[int, list[ResultDraft]] = {index: [] for index in range(len(indicators))}
    for year in layout.fiscal_years:
        column, text = by_source.get((Source.ACTUAL, year), (None, ""))
        if not text:
            continue
        lines = [line for line in text.split("\n") if line.strip()]
        if not indicators:
            problems.append(SheetProblem(sheet, row, column, ERROR_ACTUAL_NO_TARGET))
            continue
        if len(indicators) == 1:
            lines = [text]
        elif len(lines) != len(indicators):
            problems.append(
                SheetProblem(sheet, row, column, ERROR_ACTUAL_LINES.format(lines=len(lines), targets=len(indicators)))
            )
            continue
        for index, line in enumerate(lines):
            line = _limited(line, "実績", 500, SheetProblem(sheet, row, column, ""), problems)
            results[index].append(ResultDraft(year, _quantity_value(line, indicators[index].unit), line))
    return tuple(
        IndicatorDraft(**{**indicator.__dict__, "results": tuple(results[index])})
        for index, indicator in enumerate(indicators)
    )


def _quantity_value(text: str, unit: str) -> Decimal | None:
    """Return the figure of 「１４４人」「1,350人」; None where the text is not a single figure (kept as text)."""
    try:
        quantity = parse_quantity(text)
    except QuantityError:
        return None
    if quantity.unit and unit and quantity.unit != unit:
        return None
    return quantity.value


# -- 達成状況: the export's own columns marked 取込用 ---------------------------------------------

PROGRESS_REQUIRED = ("分野", "事項", "年度", "実績（原文）", "実績", "単位")
PROGRESS_MACHINE = (
    HEADER_KEY,
    HEADER_NAME,
    HEADER_COMPONENT,
    HEADER_TYPE,
    HEADER_TARGETS,
    HEADER_COVERED,
    HEADER_PERIOD_COVERED,
    HEADER_VERDICT,
    HEADER_VERDICT_TEXT,
    HEADER_SECTION,
    HEADER_PROGRAMS,
    HEADER_OUTSIDE_RESULTS,
)
TYPE_OF_LABEL = {label: value for value, label in INDICATOR_TYPE_LABELS.items()}
VERDICT_OF_LABEL = {label: value for value, label in Verdict.choices}


@dataclass
class _ProgressItem:
    row: int
    indicators: tuple[IndicatorDraft, ...]
    section: str
    programs: tuple[str, ...]
    target_wording: str = ""  # the 目標 cell as the plan words it; "": composed from the indicators


@dataclass
class _Progress:
    items: dict[tuple[str, int], _ProgressItem]
    seen: set[tuple[str, int]] = field(default_factory=set)


def _progress_read(
    sheet: SheetRows | None, fiscal_years: tuple[int, ...], problems: list[SheetProblem]
) -> _Progress | None:
    """Read the indicators of every item from 「達成状況」 when it has the columns marked 取込用, else None."""
    if sheet is None or not sheet.rows:
        return None
    header = {cell_text(value).strip(): index for index, value in enumerate(sheet.rows[0]) if cell_text(value)}
    if HEADER_KEY not in header:
        return None  # a 達成状況 without the import's columns (or typed by hand): the grammar reads the sheet
    for ref in sheet.formulas:
        row, column = _cell_position(ref)
        problems.append(SheetProblem(sheet.name, row, column, ERROR_FORMULA))
    missing = [h for h in (*PROGRESS_REQUIRED, *PROGRESS_MACHINE) if h not in header]
    for name in missing:
        problems.append(SheetProblem(sheet.name, 1, None, ERROR_PROGRESS_HEADER.format(sheet=sheet.name, header=name)))
    if missing:
        return _Progress({})
    grouped: dict[tuple[str, int], dict[str, dict]] = {}
    rows_of: dict[tuple[str, int], int] = {}
    extras: dict[tuple[str, int], tuple[str, tuple[str, ...], str]] = {}

    def problem(row: int, heading: str, message: str) -> None:
        problems.append(SheetProblem(sheet.name, row, header[heading] + 1, message))

    for row_number, values in enumerate(sheet.rows[1:], start=2):

        def get(heading: str, values=values) -> Any:
            index = header[heading]
            return values[index] if index < len(values) else None

        if not any(cell_text(v) for v in values):
            continue
        match = _ITEM.match(unicodedata.normalize("NFKC", cell_text(get("事項"))).strip())
        if not match:
            problem(row_number, "事項", ERROR_PROGRESS_VALUE.format(value=cell_text(get("事項"))[:30], what="事項番号"))
            continue
        key = (normalised(cell_text(get("分野"))), int(match.group("number")))
        rows_of.setdefault(key, row_number)
        extras.setdefault(
            key,
            (
                cell_text(get(HEADER_SECTION)).strip(),
                tuple(p for p in cell_text(get(HEADER_PROGRAMS)).split("\n") if p.strip()),
                # Optional: a workbook exported before the column existed has none.
                cell_text(get(HEADER_TARGET_WORDING)) if HEADER_TARGET_WORDING in header else "",
            ),
        )
        indicator_key = cell_text(get(HEADER_KEY)).strip()
        if not _KEY.match(indicator_key):
            problem(row_number, HEADER_KEY, ERROR_KEY.format(key=indicator_key[:30]))
            continue
        try:
            fiscal_year = parse_fiscal_year(cell_text(get("年度")))
        except FiscalYearError as error:
            problem(row_number, "年度", str(error))
            continue
        indicators = grouped.setdefault(key, {})
        if indicator_key not in indicators:
            targets = _targets_json(cell_text(get(HEADER_TARGETS)))
            if targets is None:
                problem(row_number, HEADER_TARGETS, ERROR_PROGRESS_VALUE.format(value="…", what="登録目標"))
                continue
            outside = _outside_results_json(cell_text(get(HEADER_OUTSIDE_RESULTS)), fiscal_years)
            if outside is None:
                problem(row_number, HEADER_OUTSIDE_RESULTS, ERROR_PROGRESS_VALUE.format(value="…", what="期間外の実績"))
                continue
            indicators[indicator_key] = {
                "outside": outside,
                "name": cell_text(get(HEADER_NAME)),
                "component": cell_text(get(HEADER_COMPONENT)),
                "unit": cell_text(get("単位")),
                "type": TYPE_OF_LABEL.get(cell_text(get(HEADER_TYPE)), Indicator.Type.PROCESS),
                "targets": targets,
                "results": [],
            }
        value = _number(get("実績"))
        covered = _number(get(HEADER_COVERED))
        period_covered = _number(get(HEADER_PERIOD_COVERED))
        if value is False or covered is False or period_covered is False:
            problem(row_number, "実績", ERROR_PROGRESS_VALUE.format(value=cell_text(get("実績"))[:20], what="数値"))
            continue
        verdict_label = cell_text(get(HEADER_VERDICT)).strip()
        result = ResultDraft(
            fiscal_year=fiscal_year,
            value=value,
            actual_text=cell_text(get("実績（原文）")),
            municipality_count=int(covered) if covered is not None else None,
            verdict=VERDICT_OF_LABEL.get(verdict_label, ""),
            verdict_text=cell_text(get(HEADER_VERDICT_TEXT)),
            period_municipality_count=int(period_covered) if period_covered is not None else None,
        )
        if any((value is not None, result.actual_text, covered, result.verdict, period_covered)):
            indicators[indicator_key]["results"].append(result)
    items = {}
    for key, indicators in grouped.items():
        drafts = tuple(
            IndicatorDraft(
                key=indicator_key,
                name=data["name"],
                component=data["component"],
                unit=data["unit"],
                type=data["type"],
                targets=data["targets"],
                results=tuple(sorted((*data["outside"], *data["results"]), key=lambda r: r.fiscal_year)),
            )
            for indicator_key, data in indicators.items()
        )
        section, programs, target_wording = extras[key]
        items[key] = _ProgressItem(rows_of[key], drafts, section, programs, target_wording)
    return _Progress(items)


def _progress_leftovers(progress: _Progress, areas: list[AreaDraft], problems: list[SheetProblem]) -> None:
    for (area, number), item in progress.items.items():
        if (area, number) not in progress.seen:
            message = ERROR_PROGRESS_ITEM.format(sheet=PROGRESS_TITLE, area=area, number=number)
            problems.append(SheetProblem(PROGRESS_TITLE, item.row, None, message))


def _number(value: Any) -> Decimal | bool | None:
    """Return a numeric cell as a Decimal, None when blank, False when it is not a number."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    try:
        return Decimal(unicodedata.normalize("NFKC", str(value)).replace(",", "").strip())
    except InvalidOperation:
        return False


def _outside_results_json(text: str, fiscal_years: tuple[int, ...]) -> tuple[ResultDraft, ...] | None:
    """Read the 期間外の実績 cell written by the export (a baseline year's result); None when unreadable."""
    if not text.strip():
        return ()
    try:
        results = []
        for entry in json.loads(text):
            fiscal_year = entry["fiscal_year"]
            if not isinstance(fiscal_year, int) or fiscal_year in fiscal_years:
                return None
            value = None if entry["value"] is None else Decimal(str(entry["value"]))
            results.append(ResultDraft(fiscal_year, value, str(entry["actual_text"])[:500]))
    except (ValueError, TypeError, KeyError, AttributeError, InvalidOperation):
        return None
    return tuple(results)


def _targets_json(text: str) -> tuple[TargetDraft, ...] | None:
    """Read the 登録目標 cell written by the export; None when it is not what the export writes."""
    try:
        data = json.loads(text or "[]")
        targets = []
        for entry in data:
            kind = Kind(entry["kind"])
            value = None if entry["value"] is None else Decimal(str(entry["value"]))
            fiscal_year = entry["fiscal_year"]
            if fiscal_year is not None and not isinstance(fiscal_year, int):
                return None
            source = Target.Source(entry["source"])
            direction = Direction(entry["direction"]) if entry["direction"] else ""
            if kind != Kind.DIRECTION and value is None:
                return None
            targets.append(
                TargetDraft(
                    kind=kind.value,
                    value=value,
                    unit=str(entry["unit"])[:20],
                    fiscal_year=fiscal_year,
                    text=str(entry["text"])[:500],
                    source=source.value,
                    direction=str(direction),
                )
            )
    except (ValueError, TypeError, KeyError, AttributeError, InvalidOperation):
        return None
    return tuple(targets)
