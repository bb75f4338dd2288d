"""A plan period's sheet layout as data: which columns the published sheet has, in which order.

Each period publishes its own sheet (第7期: 事項 · 目標 · 現状と課題 · ビジョン · per year 取組の実施内容・実績
and 自己評価; 第8期: 現状と課題 · ビジョン・目標 · 参考指標 · 目標に向けた取組 · 指標 · per year 実績 and
自己評価, one 評定 at the period's end). A layout is a list of columns, each with its heading as
printed, the stored field it shows (``Source``) and, for the fields kept per fiscal year, which
years it appears under (``Years``). Pure and database-free: the export and the entry screen both
read the columns placed here, so the sheet and the screen ask for the same things.

Consecutive per-year columns form the year block, repeated for each fiscal year of the period and
filtered by ``Years``. The 第8期 block [実績 (each), 自己評価と今後の課題・対応策 (before last),
評定 (last), 自己評価と評定のポイント (last)] gives, for 令和３～５年度: 実績 · 自己評価 | 実績 · 自己評価 |
実績 · 評定 · 自己評価と評定のポイント.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import models

from .fiscal_years import era_label

_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


class Source(models.TextChoices):
    """The stored field a sheet column shows."""

    ITEM = "item", "事項（事項番号・取組・関連する取組）"
    TARGET = "target", "目標・指標（計画に書かれた文言）"
    BACKGROUND = "background", "目標設定するに至った現状と課題"
    ITEM_VISION = "item_vision", "目指すべきビジョン（事項）"
    AREA_VISION = "area_vision", "ビジョン・目標（分野）"
    OUTCOME_INDICATOR = "outcome_indicator", "参考指標（アウトカム指標）（分野）"
    ACTUAL = "actual", "実績（年度ごと・入力どおりの数値と単位）"
    ACTIVITIES = "activities", "取組の実施内容・実績（年度ごと）"
    ASSESSMENT = "assessment", "自己評価と今後の課題・対応策（年度ごと）"
    RATING = "rating", "評定"
    REFERENCE = "reference", "参考資料"
    # A column of a prefecture's own sheet that holds nothing the application keeps (mapped in the
    # browser as 「使わない」): recognised by its heading, its cells skipped, printed empty.
    UNUSED = "unused", "使わない（取り込まない列）"


class Years(models.TextChoices):
    """Under which fiscal years a per-year column appears."""

    EACH = "each", "各年度"
    BEFORE_LAST = "before_last", "最終年度を除く各年度"
    LAST = "last", "最終年度のみ（期末）"


PER_YEAR_SOURCES = frozenset({Source.ACTUAL, Source.ACTIVITIES, Source.ASSESSMENT, Source.RATING})
# Area-level fields: one cell merged down beside all the area's items.
AREA_SOURCES = frozenset({Source.AREA_VISION, Source.OUTCOME_INDICATOR})


@dataclass(frozen=True)
class ColumnSpec:
    heading: str
    source: str
    years: str = ""
    width: Decimal = Decimal(12)


@dataclass(frozen=True)
class PlacedColumn:
    """A column of the sheet as printed: per-year columns carry their fiscal year and its heading."""

    heading: str
    source: str
    width: float
    fiscal_year: int | None = None
    group: str = ""


def full_width(number: int | str) -> str:
    return str(number).translate(_FULL_WIDTH_DIGITS)


def year_heading(fiscal_year: int, index: int, headings: Sequence[str]) -> str:
    """Return the heading printed over a fiscal year: the layout's own (「30年度」), else 「令和３年度」."""
    if index < len(headings) and headings[index].strip():
        return headings[index].strip()
    return full_width(era_label(fiscal_year))


def applies(years: str, *, is_last: bool) -> bool:
    if years == Years.LAST:
        return is_last
    if years == Years.BEFORE_LAST:
        return not is_last
    return True


def placed_columns(
    columns: Sequence[ColumnSpec], fiscal_years: Sequence[int], headings: Sequence[str] = ()
) -> tuple[PlacedColumn, ...]:
    """Return the sheet's columns in order, each run of per-year columns repeated for every fiscal year."""
    placed: list[PlacedColumn] = []
    index = 0
    while index < len(columns):
        column = columns[index]
        if column.source not in PER_YEAR_SOURCES:
            placed.append(PlacedColumn(column.heading, column.source, float(column.width)))
            index += 1
            continue
        end = index
        while end < len(columns) and columns[end].source in PER_YEAR_SOURCES:
            end += 1
        for position, year in enumerate(fiscal_years):
            group = year_heading(year, position, headings)
            is_last = position == len(fiscal_years) - 1
            placed.extend(
                PlacedColumn(c.heading, c.source, float(c.width), fiscal_year=year, group=group)
                for c in columns[index:end]
                if applies(c.years, is_last=is_last)
            )
        index = end
    return tuple(placed)


@dataclass(frozen=True)
class YearFields:
    """What the sheet holds for an item in one fiscal year, so the entry screen asks for that and no more."""

    actual: bool
    activities: bool
    assessment: bool
    rating: bool
    assessment_heading: str  # 「自己評価と今後の課題・対応策」 or, at the period's end, 「自己評価と評定のポイント」


def year_fields(columns: Sequence[ColumnSpec], fiscal_year: int, fiscal_years: Sequence[int]) -> YearFields:
    """Return which per-year fields the layout prints for the fiscal year."""
    is_last = fiscal_year == fiscal_years[-1]
    shown = [c for c in columns if c.source in PER_YEAR_SOURCES and applies(c.years, is_last=is_last)]
    sources = {c.source for c in shown}
    assessment = next((c.heading for c in shown if c.source == Source.ASSESSMENT), "")
    return YearFields(
        actual=Source.ACTUAL in sources,
        activities=Source.ACTIVITIES in sources,
        assessment=Source.ASSESSMENT in sources,
        rating=Source.RATING in sources,
        assessment_heading=assessment,
    )


ERROR_AREA_HEADINGS_LINE = "{line}行目「{text}」は「1: 30年度 令和元年度 令和２年度」の形で書いてください。"
ERROR_AREA_HEADINGS_TWICE = "分野「{key}」が2回書かれています。"
_AREA_KEY = re.compile(r"^(?P<number>\d+)(?:-(?P<sub>\d+))?$")
_AREA_LINE = re.compile(r"^(?P<key>[^:：]*)[:：](?P<headings>.*)$")


def area_key(number: int, sub_number: int | None) -> str:
    """Return how a layout names an area's page: 「1」, or 「2-1」 for 2（1）."""
    return f"{number}" if sub_number is None else f"{number}-{sub_number}"


def parse_area_year_headings(text: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Read 「1: 30年度 令和元年度 令和２年度」, a line an area, into (area key, its year headings).

    Raise ``ValueError`` with a Japanese message on a line of another form or an area given twice.
    """
    entries: dict[str, tuple[str, ...]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _AREA_LINE.match(line)
        key = unicodedata.normalize("NFKC", match.group("key")).strip() if match else ""
        # The headings as printed: full-width 「令和２年度」 stays full-width.
        headings = tuple(match.group("headings").split()) if match else ()
        if not _AREA_KEY.match(key) or not headings:
            raise ValueError(ERROR_AREA_HEADINGS_LINE.format(line=number, text=line.strip()))
        if key in entries:
            raise ValueError(ERROR_AREA_HEADINGS_TWICE.format(key=key))
        entries[key] = headings
    return tuple(entries.items())


@dataclass(frozen=True)
class LayoutSpec:
    """A whole layout, read once: the title lines, the year headings, the in-cell labels and the columns.

    ``area_year_headings`` are the year headings of the areas whose page prints another form than
    ``year_headings`` (seed 003: area 1's page 「30年度」, area 2's 「平成30年度」), by ``area_key``.
    """

    columns: tuple[ColumnSpec, ...]
    title: str = ""
    note: str = ""
    year_headings: tuple[str, ...] = ()
    assessment_label: str = ""
    next_steps_label: str = ""
    area_year_headings: tuple[tuple[str, tuple[str, ...]], ...] = ()

    def placed(self, fiscal_years: Sequence[int]) -> tuple[PlacedColumn, ...]:
        return placed_columns(self.columns, fiscal_years, self.year_headings)

    def year_headings_of(self, number: int, sub_number: int | None) -> tuple[str, ...]:
        """Return the year headings the area's page prints: its own where the layout gives them, else the layout's."""
        return dict(self.area_year_headings).get(area_key(number, sub_number), self.year_headings)

    def placed_for_area(self, fiscal_years: Sequence[int], number: int, sub_number: int | None):
        """Return the columns as the area's page prints them: the same columns, under the area's year headings."""
        return placed_columns(self.columns, fiscal_years, self.year_headings_of(number, sub_number))

    def year_fields(self, fiscal_year: int, fiscal_years: Sequence[int]) -> YearFields:
        return year_fields(self.columns, fiscal_year, fiscal_years)


# A plan without a layout (a period created before layouts existed) prints and asks for everything.
FALLBACK_COLUMNS = (
    ColumnSpec("事項", Source.ITEM, width=Decimal(26)),
    ColumnSpec("目標", Source.TARGET, width=Decimal(13)),
    ColumnSpec("目標設定するに至った現状と課題", Source.BACKGROUND, width=Decimal(28)),
    ColumnSpec("目指すべきビジョン", Source.ITEM_VISION, width=Decimal(24)),
    ColumnSpec("取組の実施内容・実績", Source.ACTIVITIES, Years.EACH, Decimal(30)),
    ColumnSpec("自己評価と今後の課題・対応策", Source.ASSESSMENT, Years.EACH, Decimal(30)),
    ColumnSpec("参考資料", Source.REFERENCE, width=Decimal(14)),
)
FALLBACK_RATING = ColumnSpec("評定", Source.RATING, Years.EACH, Decimal(5))


def fallback_layout(*, uses_rating: bool, title: str = "") -> LayoutSpec:
    """Return the layout of a period that has none: every field, 評定 each year where the period rates."""
    columns = FALLBACK_COLUMNS
    if uses_rating:
        columns = (*columns[:-1], FALLBACK_RATING, columns[-1])
    return LayoutSpec(columns=columns, title=title)
