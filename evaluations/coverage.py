"""Which municipalities an indicator reached, year by year and over the period, from the read model.

Pure: built from an ``IndicatorRow`` (the figures that count, approved ones for managers) and
the municipalities as ``Place`` rows, so the item page, the table workbook and the API list the
same names. A year whose figure only counts (「24区市 38人配置」, the sheets before names were
kept) stays a count and says so; the municipalities never reached are known only when every
year with a figure names its municipalities, and the page says which years it cannot tell.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from programs.fiscal_years import short_era_label
from programs.kinds import Kind
from programs.models import item_label_of
from programs.tile_map import Place, RegionGroup, TileMap, by_region, tile_map

from .progress import IndicatorRow, PlanProgress, state_label_of

COVERAGE_KINDS = {Kind.COVERAGE, Kind.SCOPE}
REACHED_MARK, NOT_REACHED_MARK, UNKNOWN_MARK, NO_FIGURE_MARK = "●", "－", "？", ""


@dataclass(frozen=True)
class CoverageYear:
    fiscal_year: int
    reached: tuple[Place, ...]  # the named municipalities of the counted figure
    count: int | None  # how many it covers (the named ones, else the stated count)
    state_label: str = ""  # 「下書き」「未承認」 where the figure counted is not approved

    @property
    def named(self) -> bool:
        return bool(self.reached)


@dataclass(frozen=True)
class IndicatorCoverage:
    indicator_id: int
    label: str
    fiscal_years: tuple[int, ...]  # the plan's years
    years: tuple[CoverageYear, ...]  # the years with a figure
    places: tuple[Place, ...]
    years_by_place: dict[int, tuple[int, ...]]  # municipality id → the years it was reached

    @property
    def complete(self) -> bool:
        """Tell whether every year with a figure names its municipalities (so 「未到達」 is known)."""
        return bool(self.years) and all(year.named for year in self.years)

    @property
    def count_only_years(self) -> tuple[CoverageYear, ...]:
        return tuple(year for year in self.years if not year.named)

    @property
    def reached(self) -> tuple[Place, ...]:
        return tuple(place for place in self.places if place.id in self.years_by_place)

    @property
    def never(self) -> tuple[Place, ...]:
        """Return the municipalities no named year reached (all of them 「未到達」 only when ``complete``)."""
        return tuple(place for place in self.places if place.id not in self.years_by_place)

    @property
    def never_by_region(self) -> tuple[RegionGroup, ...]:
        return by_region(self.never)

    @property
    def reached_by_region(self) -> tuple[RegionGroup, ...]:
        return by_region(self.reached)

    @property
    def map_id(self) -> str:
        return f"coverage-map-{self.indicator_id}"

    @property
    def map_title(self) -> str:
        return f"{self.label}の区市町村別の到達状況"

    @property
    def any_named(self) -> bool:
        return any(year.named for year in self.years)

    @property
    def reached_with_years(self) -> tuple[tuple[Place, str], ...]:
        """Return each municipality reached with its years (「千代田区 H30・R2」)."""
        return tuple((place, self.years_label(place)) for place in self.reached)

    def years_label(self, place: Place) -> str:
        return "・".join(short_era_label(year) for year in self.years_by_place.get(place.id, ()))

    def matrix(self) -> tuple[tuple[Place, tuple[str, ...]], ...]:
        """Return municipality × year marks: ● reached, － not (the year names others), ？ count only, "" no figure."""
        named = {year.fiscal_year: year.named for year in self.years}
        rows = []
        for place in self.places:
            reached = set(self.years_by_place.get(place.id, ()))
            marks = tuple(
                REACHED_MARK
                if year in reached
                else (NO_FIGURE_MARK if year not in named else (NOT_REACHED_MARK if named[year] else UNKNOWN_MARK))
                for year in self.fiscal_years
            )
            rows.append((place, marks))
        return tuple(rows)

    def map(self, href: Callable[[Place], str] = lambda place: "") -> TileMap:
        never = "未到達" if self.complete else ""
        return tile_map(
            self.places,
            marked=lambda place: place.id in self.years_by_place,
            note=lambda place: self.years_label(place) or never,
            href=href,
        )


def is_coverage_indicator(indicator: IndicatorRow) -> bool:
    """Tell whether an indicator counts municipalities (a coverage target or scope, or names some)."""
    return indicator.target_kind in COVERAGE_KINDS or any(cell.municipality_codes for cell in indicator.years)


def indicator_coverage(indicator: IndicatorRow, places: Iterable[Place]) -> IndicatorCoverage:
    """Return which of ``places`` the indicator reached, per year and over the period."""
    by_code = {place.code: place for place in places}
    years, years_by_place = [], {}
    for cell in indicator.years:
        if not cell.covered and not cell.municipality_codes:
            continue
        reached = tuple(by_code[code] for code in cell.municipality_codes if code in by_code)
        years.append(
            CoverageYear(
                fiscal_year=cell.fiscal_year,
                reached=tuple(sorted(reached, key=lambda p: p.code)),
                count=cell.covered,
                state_label=state_label_of(cell.state),
            )
        )
        for place in reached:
            years_by_place.setdefault(place.id, []).append(cell.fiscal_year)
    return IndicatorCoverage(
        indicator_id=indicator.id,
        label=indicator.label,
        fiscal_years=tuple(cell.fiscal_year for cell in indicator.years),
        years=tuple(years),
        places=tuple(sorted(by_code.values(), key=lambda p: p.code)),
        years_by_place={key: tuple(value) for key, value in years_by_place.items()},
    )


@dataclass(frozen=True)
class CoverageSheetRow:
    """One municipality of one indicator on the workbooks' 区市町村×年度 sheet."""

    item: str  # 「2（2） 事項2」
    indicator: str
    code: str
    name: str
    region: str
    marks: tuple[str, ...]  # per fiscal year: ● reached, － not (the year names others), ？ only counted
    reached_years: int


def coverage_sheet_rows(progress: PlanProgress, places: Iterable[Place]) -> list[CoverageSheetRow]:
    """Return municipality × year rows of every indicator that names municipalities in some year."""
    places = tuple(places)
    rows = []
    for area in progress.areas:
        for item in area.items:
            for indicator in item.indicators:
                if not is_coverage_indicator(indicator):
                    continue
                coverage = indicator_coverage(indicator, places)
                if not coverage.any_named:
                    continue
                for place, marks in coverage.matrix():
                    rows.append(
                        CoverageSheetRow(
                            item=f"{area.label} {item_label_of(item.number)}",
                            indicator=indicator.label,
                            code=place.code,
                            name=place.name,
                            region=place.region,
                            marks=marks,
                            reached_years=marks.count(REACHED_MARK),
                        )
                    )
    return rows
