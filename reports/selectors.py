"""Report reads built on the progress read model (``evaluations.progress``).

Pure functions over its rows, plus the few lookups a report page needs (plans, reporting
years, the areas of a plan); each runs one query at most. Nothing here grades or computes a
rate: the read model did, with the administrator's status rule.
"""

import datetime
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.db.models import Count, F
from django.urls import reverse

from cycle import selectors as cycle_selectors
from evaluations.attention import AttentionEntry, attention_entries
from evaluations.calculations import achievement_rate
from evaluations.coverage import (
    CoverageSheetRow,
    IndicatorCoverage,
    coverage_sheet_rows,
    indicator_coverage,
    is_coverage_indicator,
)
from evaluations.due import PENDING_STATUSES, is_overdue
from evaluations.models import ReportingYear, SelfEvaluation
from evaluations.progress import (
    NO_TARGET_LABEL,  # noqa: F401  (reports read the one word here)
    AreaRow,
    EntryStatus,
    EvaluationCell,
    IndicatorRow,
    ItemRow,
    PendingFigure,
    PlanProgress,
    plan_progress,
    plans_progress,
    progress_derived,
    progress_narrowed,
    state_label_of,
)
from evaluations.selectors import (  # noqa: F401  (plan_choices, plan_choice_of: reports read them here)
    fiscal_year_default,
    plan_choice_of,
    plan_choices,
    plan_year_default,
)
from programs.fiscal_years import era_label
from programs.kinds import Status
from programs.models import Municipality, PlanPeriod, PolicyArea, item_label_of
from programs.municipality_codes import is_valid_code
from programs.quantities import format_quantity, format_rate
from programs.selectors import carried_targets_of, places_in_fiscal_years, programme_predecessors
from programs.tile_map import PLACE_FIELDS, Place, TileMap, by_region, places_of, tile_map

from .grants import GrantChart, GrantLink, item_grant_links, municipality_charts

# -- Reports built on plan_progress ----------------------------------------------------------
# Pure functions over the rows above, plus the few lookups a report page needs (plans, the
# status rule, reporting years, the areas of a plan); each runs one query at most.

NO_TARGET = "no_target"  # status filter value for cells with no target to grade against
ENTRY_ORDER = (
    EntryStatus.NOT_STARTED,
    SelfEvaluation.Status.DRAFT,
    SelfEvaluation.Status.RETURNED,
    SelfEvaluation.Status.SUBMITTED,
    SelfEvaluation.Status.APPROVED,
)
ENTRY_PENDING = PENDING_STATUSES  # evaluations.due: the one set of not-yet-submitted states
NO_SECTION_LABEL = "（担当課未設定）"


def plan_default(plans: list[PlanPeriod]) -> PlanPeriod | None:
    """Return the plan a report opens on (``evaluations.selectors.plan_year_default``)."""
    default = plan_year_default(plans)
    return default.plan if default else None


def plan_areas(*, plan: PlanPeriod) -> list[PolicyArea]:
    """Return the plan's areas in sheet order, each annotated with ``item_count``."""
    return list(
        PolicyArea.objects.filter(plan=plan)
        .annotate(item_count=Count("items"))
        .order_by("number", F("sub_number").asc(nulls_first=True))
    )


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int


def progress_with_status(progress: PlanProgress, statuses: str | Collection[str] | None = ()) -> PlanProgress:
    """Keep only the indicators whose headline has one of the statuses, and the items and areas holding them.

    No status: the progress as it is. A plain string is one status (callers before the filter took several).
    """
    if not statuses:
        return progress
    statuses = {statuses} if isinstance(statuses, str) else set(statuses)
    areas = []
    for area in progress.areas:
        items = []
        for item in area.items:
            indicators = tuple(ind for ind in item.indicators if _headline_status(ind) in statuses)
            if indicators:
                items.append(replace(item, indicators=indicators))
        if items:
            areas.append(replace(area, items=tuple(items)))
    return replace(progress, areas=tuple(areas))


def status_counts(progress: PlanProgress) -> tuple[StatusCount, ...]:
    """Count the headline statuses of the indicators that have a target, in Status order."""
    counts = Counter(ind.headline.status for item in progress.items for ind in item.indicators if ind.has_target)
    return tuple(StatusCount(status=status.value, count=counts[status]) for status in Status if counts[status])


def _headline_status(indicator: IndicatorRow) -> str:
    status = indicator.headline.status
    return NO_TARGET if status is None else status.value


@dataclass(frozen=True)
class EntryCount:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class PendingItem:
    id: int
    label: str
    status: str


@dataclass(frozen=True)
class SectionEntry:
    section_id: int | None
    section_name: str
    counts: tuple[EntryCount, ...]
    total: int
    pending: tuple[PendingItem, ...]  # not submitted yet: 未入力, 入力中, 差戻し
    reminded: str = ""  # 「最終督促：11月20日」 when a reminder about the section was sent for the year


@dataclass(frozen=True)
class EntryProgress:
    """How far the entry of one fiscal year has got, per section."""

    fiscal_year: int
    deadline: datetime.date | None
    is_locked: bool
    is_overdue: bool
    sections: tuple[SectionEntry, ...]
    totals: tuple[EntryCount, ...]
    total: int
    pending_count: int


def reporting_years_of(*, plan: PlanPeriod) -> list[ReportingYear]:
    return list(ReportingYear.objects.filter(plan=plan).order_by("fiscal_year"))


def entry_progress(
    progress: PlanProgress,
    *,
    fiscal_year: int,
    reporting_years: list[ReportingYear],
    today: datetime.date,
    with_reminders: bool = False,
) -> EntryProgress:
    """Count the items of each section by their entry status for the fiscal year (and when each was last reminded)."""
    reporting_year = next((year for year in reporting_years if year.fiscal_year == fiscal_year), None)
    reminded = {}
    if with_reminders and reporting_year is not None:
        sent = cycle_selectors.last_reminders_by_section(reporting_year=reporting_year)
        reminded = {section_id: cycle_selectors.reminder_label(moment) for section_id, moment in sent.items()}
    by_section: dict[int | None, list[ItemRow]] = {}
    area_label = {item.id: area for area in progress.areas for item in area.items}
    for item in progress.items:
        by_section.setdefault(item.section_id, []).append(item)
    sections = []
    for section_id, items in by_section.items():
        statuses = [item.entry_status(fiscal_year, progress.fiscal_years) for item in items]
        counts = Counter(statuses)
        sections.append(
            SectionEntry(
                section_id=section_id,
                section_name=items[0].section_name or NO_SECTION_LABEL,
                counts=_entry_counts(counts),
                total=len(items),
                pending=tuple(
                    PendingItem(id=item.id, label=_item_label(area_label[item.id], item), status=status)
                    for item, status in zip(items, statuses, strict=True)
                    if status in ENTRY_PENDING
                ),
                reminded=reminded.get(section_id, ""),
            )
        )
    sections.sort(key=lambda row: (row.section_id is None, row.section_name))
    totals = Counter(item.entry_status(fiscal_year, progress.fiscal_years) for item in progress.items)
    pending_count = sum(len(section.pending) for section in sections)
    deadline = reporting_year.deadline if reporting_year else None
    is_locked = bool(reporting_year and reporting_year.is_locked)
    return EntryProgress(
        fiscal_year=fiscal_year,
        deadline=deadline,
        is_locked=is_locked,
        is_overdue=bool(pending_count) and is_overdue(deadline=deadline, is_locked=is_locked, today=today),
        sections=tuple(sections),
        totals=_entry_counts(totals),
        total=len(progress.items),
        pending_count=pending_count,
    )


def _entry_counts(counts: Counter) -> tuple[EntryCount, ...]:
    return tuple(
        EntryCount(status=status, label=EntryStatus.LABELS[status], count=counts[status]) for status in ENTRY_ORDER
    )


def _item_label(area: AreaRow, item: ItemRow) -> str:
    return f"{area.label} › {item_label_of(item.number)}"


# Above this many graded indicators the dashboard lists one summary row per area, each linking
# to the area's cards, instead of every card: a national-scale plan stays readable and fast.
DASHBOARD_CARD_LIMIT = 100
# The 要対応 list shows the most behind first; past this many the rest are counted, not listed.
DASHBOARD_ATTENTION_LIMIT = 30


@dataclass(frozen=True)
class AreaSummary:
    id: int
    label: str
    item_count: int
    indicator_count: int
    status_counts: tuple[StatusCount, ...]


@dataclass(frozen=True)
class YearTally:
    """The graded indicators of one fiscal year (of an area, or of all shown) by their status that year."""

    fiscal_year: int
    counts: tuple[StatusCount, ...]  # Status order, only the statuses present
    graded: int  # indicators with a target that year
    achieved: int  # graded 達成 (Status.ACHIEVED) that year

    @property
    def judged(self) -> int:
        """Return the graded indicators with a figure or a verdict that year (all but 未入力)."""
        return self.graded - sum(row.count for row in self.counts if row.status == Status.NOT_ENTERED)

    @property
    def rate(self) -> Decimal | None:
        """Return 達成 ÷ judged as a percentage (half-up to 0.1), None when nothing was judged."""
        return achievement_rate(self.achieved, self.judged) if self.judged else None


@dataclass(frozen=True)
class AreaYears:
    id: int
    label: str
    years: tuple[YearTally, ...]


@dataclass(frozen=True)
class YearChange:
    """A year's 達成 count and rate beside the previous year's (None: no previous year to compare)."""

    tally: YearTally
    achieved_change: int | None
    rate_change: Decimal | None  # percentage points


# Past this many areas the chart draws all areas together only: a national plan's hundreds of
# rows are no glance (and cost the page), and its areas are summarised in the table below.
DASHBOARD_CHART_AREA_LIMIT = 20


@dataclass(frozen=True)
class AchievementByYear:
    """Achievement by area and fiscal year, from the rows the dashboard already read (no query)."""

    fiscal_years: tuple[int, ...]
    areas: tuple[AreaYears, ...]  # none when the plan has more than DASHBOARD_CHART_AREA_LIMIT areas
    totals: tuple[YearTally, ...]
    areas_left_out: int = 0  # the areas counted in the totals but not drawn one by one
    # Its SVG and tables as rendered, by the status names they were rendered with (the
    # achievement_figures tag): kept on the chart, so they go when the chart does (the next write).
    rendered: dict[tuple, str] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def is_empty(self) -> bool:
        """Return whether no year has a graded indicator with a figure: the page says so in a sentence."""
        return not any(tally.judged for tally in self.totals)

    @property
    def changes(self) -> tuple[YearChange, ...]:
        changes, previous = [], None
        for tally in self.totals:
            compared = previous is not None and previous.judged and tally.judged
            changes.append(
                YearChange(
                    tally=tally,
                    achieved_change=tally.achieved - previous.achieved if compared else None,
                    rate_change=tally.rate - previous.rate if compared else None,
                )
            )
            previous = tally
        return tuple(changes)


def _year_tallies(statuses_by_year: list[Counter], fiscal_years: tuple[int, ...]) -> tuple[YearTally, ...]:
    return tuple(
        YearTally(
            fiscal_year=year,
            counts=tuple(StatusCount(status=s.value, count=counts[s]) for s in Status if counts[s]),
            graded=sum(counts.values()),
            achieved=counts[Status.ACHIEVED],
        )
        for year, counts in zip(fiscal_years, statuses_by_year, strict=True)
    )


def achievement_of(
    whole: PlanProgress, narrowed: PlanProgress, *, area_ids: list[int] | None, section_ids: list[int] | None
) -> AchievementByYear:
    """Return ``achievement_by_year(narrowed)``, counted once per data change (kept beside ``whole``)."""
    key = (tuple(area_ids or ()), tuple(section_ids or ()))
    return progress_derived(whole, "achievement", key, lambda: achievement_by_year(narrowed))


def achievement_by_year(progress: PlanProgress) -> AchievementByYear:
    """Count each area's graded indicators by their status in each fiscal year, and all areas together.

    A year's status is the one the 進捗一覧表 shows for it (``YearCell.graded_status``); an indicator
    without a target that year is not counted, as the dashboard's status counts leave it out.
    """
    years = progress.fiscal_years
    totals = [Counter() for _ in years]
    areas = []
    for area in progress.areas:
        by_year = [Counter() for _ in years]
        for item in area.items:
            for indicator in item.indicators:
                if not indicator.has_target:
                    continue
                for index, cell in enumerate(indicator.years):
                    status = cell.graded_status
                    if status is not None:
                        by_year[index][status] += 1
                        totals[index][status] += 1
        areas.append((area, by_year))
    if len(areas) > DASHBOARD_CHART_AREA_LIMIT:
        return AchievementByYear(
            fiscal_years=years, areas=(), totals=_year_tallies(totals, years), areas_left_out=len(areas)
        )
    return AchievementByYear(
        fiscal_years=years,
        areas=tuple(
            AreaYears(id=area.id, label=area.label, years=_year_tallies(by_year, years)) for area, by_year in areas
        ),
        totals=_year_tallies(totals, years),
    )


@dataclass(frozen=True)
class Dashboard:
    progress: PlanProgress  # narrowed by the status filter; no areas when collapsed
    status_counts: tuple[StatusCount, ...]  # before the status filter
    entry: EntryProgress
    reporting_years: tuple[ReportingYear, ...]
    area_summaries: tuple[AreaSummary, ...] = ()  # one per area when the cards are collapsed
    attention: tuple[AttentionEntry, ...] = ()  # 要対応, most behind first (evaluations.attention)
    achievement: AchievementByYear | None = None  # the chart at the top: by area and year, before the status filter

    @property
    def collapsed(self) -> bool:
        return bool(self.area_summaries)

    @property
    def attention_shown(self) -> tuple[AttentionEntry, ...]:
        """Return the entries the page lists: the most behind, at most ``DASHBOARD_ATTENTION_LIMIT``."""
        return self.attention[:DASHBOARD_ATTENTION_LIMIT]

    @property
    def attention_more(self) -> int:
        return max(len(self.attention) - DASHBOARD_ATTENTION_LIMIT, 0)


def area_summaries(progress: PlanProgress) -> tuple[AreaSummary, ...]:
    """Summarise each area: its items, graded indicators and their headline statuses."""
    return tuple(
        AreaSummary(
            id=area.id,
            label=area.label,
            item_count=len(area.items),
            indicator_count=sum(len(item.targeted_indicators) for item in area.items),
            status_counts=status_counts(replace(progress, areas=(area,))),
        )
        for area in progress.areas
    )


def dashboard_get(
    *,
    plan: PlanPeriod,
    progress: PlanProgress,
    area_ids: list[int] | None = None,
    section_ids: list[int] | None = None,
    status: str | Collection[str] | None = None,
    fiscal_year: int | None,
    reporting_years: list[ReportingYear],
    today: datetime.date,
) -> Dashboard:
    """Return the dashboard of a plan from its progress: 要対応, cards by area, status counts, entry progress.

    The 要対応 list follows the area and section chosen, not the status filter (it is its own selection).
    """
    whole = progress
    progress = progress_narrowed(progress, area_ids=area_ids, section_ids=section_ids)
    if fiscal_year is None or fiscal_year not in progress.fiscal_years:
        fiscal_year = fiscal_year_default(plan)
    shown = progress_with_status(progress, status)
    summaries = ()
    if not area_ids and sum(len(item.targeted_indicators) for item in shown.items) > DASHBOARD_CARD_LIMIT:
        summaries = area_summaries(shown)
        shown = replace(shown, areas=())
    return Dashboard(
        progress=shown,
        status_counts=status_counts(progress),
        entry=entry_progress(
            progress, fiscal_year=fiscal_year, reporting_years=reporting_years, today=today, with_reminders=True
        ),
        reporting_years=tuple(reporting_years),
        area_summaries=summaries,
        attention=attention_entries(progress, reporting_years=reporting_years, today=today),
        achievement=achievement_of(whole, progress, area_ids=area_ids, section_ids=section_ids),
    )


def dashboard_filtered(*, plan: PlanPeriod, progress: PlanProgress, filters, today: datetime.date) -> Dashboard:
    """Return the dashboard for the choices of the page's filter form (reports.filters.ProgressFilter)."""
    return dashboard_get(
        plan=plan,
        progress=progress,
        area_ids=filters.chosen_area_ids,
        section_ids=filters.chosen_section_ids,
        status=filters.chosen_statuses,
        fiscal_year=filters.chosen_fiscal_year,
        reporting_years=reporting_years_of(plan=plan),
        today=today,
    )


@dataclass(frozen=True)
class TableRow:
    """One indicator in one fiscal year: the comparison table, its Excel download and nothing else."""

    area_id: int
    area_label: str
    area_order: tuple[int, int]
    item_id: int
    item_number: int
    item_title: str
    section_id: int | None
    section_name: str
    indicator_id: int
    indicator_label: str
    unit: str
    target_kind: str | None
    fiscal_year: int
    target: Decimal | None
    target_text: str
    actual: Decimal | None
    actual_text: str
    rate: Decimal | None
    status: str  # a Status value, or NO_TARGET
    state: str | None = None  # the shown figure's workflow state (evaluations.progress.YearCell.state)
    pending: PendingFigure | None = None  # a newer figure awaiting approval, shown labelled

    @property
    def order(self) -> tuple:
        return (*self.area_order, self.item_number, self.indicator_id, self.fiscal_year)

    # Display forms for the HTML table, read as attributes: django-tables2 renders an attribute
    # for a fraction of what a render_<column> method costs it per cell (it inspects the method).
    @property
    def fiscal_year_label(self) -> str:
        return era_label(self.fiscal_year)

    @property
    def target_display(self) -> str:
        return format_quantity(self.target, self.unit)

    @property
    def actual_display(self) -> str:
        return format_quantity(self.actual, self.unit)

    @property
    def rate_display(self) -> str:
        return format_rate(self.rate)

    @property
    def state_label(self) -> str:
        """Return 「下書き」 or 「未承認」 for a figure counted before approval (the filter asked for it)."""
        return state_label_of(self.state)

    @property
    def pending_note(self) -> str:
        """Return 「下書き: 20人（令和5年度）」 for a newer figure awaiting approval, else ""."""
        return self.pending.note(self.unit) if self.pending else ""


class TableRows(list):
    """Rows of the table in their default order, remembering each ordering asked of them.

    The selector hands out the same object for the same plan data and filters (kept beside the
    plan's cached progress, ``progress_derived``), so a sort by rate at national scale is done
    once per data change, not on every request; the sorts go with the rows when the data change.
    """

    def __init__(self, rows):
        super().__init__(rows)
        self.orderings: dict[tuple, list[TableRow]] = {}


def progress_table_rows(
    progress: PlanProgress,
    *,
    area_ids: list[int] | None = None,
    section_ids: list[int] | None = None,
    fiscal_year: int | None = None,
    status: str | Collection[str] | None = None,
) -> TableRows:
    """Flatten the plan's progress into one row per indicator × fiscal year, optionally narrowed.

    ``progress`` is the plan's whole progress (``plan_progress(plan=...)``): the rows and each
    narrowing are kept beside it until the next write (``progress_derived``).
    """
    every = progress_derived(progress, "table_rows", (), lambda: TableRows(_table_rows(progress)))
    statuses = frozenset({status} if isinstance(status, str) else status or ())
    key = (tuple(area_ids or ()), tuple(section_ids or ()), fiscal_year, statuses or None)
    if not any(key):
        return every
    areas, sections = set(area_ids or ()), set(section_ids or ())
    return progress_derived(
        progress,
        "table_rows",
        key,
        lambda: TableRows(
            row
            for row in every
            if (not areas or row.area_id in areas)
            and (not sections or row.section_id in sections)
            and (fiscal_year is None or row.fiscal_year == fiscal_year)
            and (not statuses or row.status in statuses)
        ),
    )


def _table_rows(progress: PlanProgress) -> list[TableRow]:
    rows = []
    for area in progress.areas:
        for item in area.items:
            for indicator in item.indicators:
                for cell in indicator.years:
                    cell_status = NO_TARGET if cell.graded_status is None else cell.graded_status.value
                    rows.append(
                        TableRow(
                            area_id=area.id,
                            area_label=area.label,
                            area_order=(area.number, area.sub_number or 0),
                            item_id=item.id,
                            item_number=item.number,
                            item_title=item.short_title,
                            section_id=item.section_id,
                            section_name=item.section_name,
                            indicator_id=indicator.id,
                            indicator_label=indicator.label,
                            unit=indicator.unit,
                            target_kind=indicator.target_kind,
                            fiscal_year=cell.fiscal_year,
                            target=cell.target,
                            target_text=cell.target_text,
                            actual=cell.actual,
                            actual_text=cell.actual_text,
                            rate=cell.rate,
                            status=cell_status,
                            state=cell.state,
                            pending=cell.pending,
                        )
                    )
    return rows


@dataclass(frozen=True)
class ItemYear:
    fiscal_year: int
    evaluation: EvaluationCell | None
    entry_status: str


def item_years(progress: PlanProgress, item: ItemRow) -> tuple[ItemYear, ...]:
    """Return the item's fiscal years with their narratives and entry status, side by side."""
    return tuple(
        ItemYear(fiscal_year=year, evaluation=evaluation, entry_status=status)
        for year, evaluation, status in zip(progress.fiscal_years, item.evaluations, item.entry_statuses, strict=True)
    )


@dataclass(frozen=True)
class ItemPage:
    """What the item page shows: the item's row in its area, its years side by side, the status names."""

    progress: PlanProgress  # narrowed to the item
    area: AreaRow
    row: ItemRow
    years: tuple[ItemYear, ...]
    labels: Mapping[str, str]
    coverages: tuple["ItemCoverage", ...] = ()  # its indicators that count municipalities
    grant_links: tuple[GrantLink, ...] = ()  # the 評価指標 it supports (linked in the admin)


@dataclass(frozen=True)
class ItemCoverage:
    """An indicator's municipalities with the tile map the item page draws (tiles open each municipality)."""

    coverage: IndicatorCoverage
    map: TileMap


def item_page_get(*, plan: PlanPeriod, item_id: int, include_unapproved: bool = False) -> ItemPage:
    """Return one item's progress with its years, read from the plan's read model."""
    progress = plan_progress(plan=plan, item_ids=[item_id], include_unapproved=include_unapproved)
    row = progress.items[0]
    coverages = item_coverages(plan=plan, item=row)
    named = [c.coverage for c in coverages if c.coverage.any_named]
    reached = {place.code for coverage in named for place in coverage.reached} if named else None
    return ItemPage(
        progress=progress,
        area=progress.areas[0],
        row=row,
        years=item_years(progress, row),
        labels=progress.labels,
        coverages=coverages,
        grant_links=item_grant_links(item_id=item_id, reached_codes=reached),
    )


def item_coverages(*, plan: PlanPeriod, item: ItemRow) -> tuple[ItemCoverage, ...]:
    """Return which municipalities each of the item's municipality indicators reached (one query, or none)."""
    indicators = [indicator for indicator in item.indicators if is_coverage_indicator(indicator)]
    if not indicators:
        return ()
    places = places_in_fiscal_years(first_fiscal_year=plan.first_fiscal_year, last_fiscal_year=plan.last_fiscal_year)
    coverages = [indicator_coverage(indicator, places) for indicator in indicators]
    return tuple(ItemCoverage(coverage=coverage, map=coverage.map(href=municipality_url)) for coverage in coverages)


def municipality_url(place: Place) -> str:
    return reverse("reports:municipality", args=[place.code])


@dataclass(frozen=True)
class CarriedLine:
    """A target the earlier item wrote for a year after its period, and the later item that carries it."""

    fiscal_year: int
    text: str
    carried_by_id: int | None
    carried_by_label: str  # 「第8期 7 地域ケア会議の推進 事項1」; empty where no later item carries it


@dataclass(frozen=True)
class ComparisonRow:
    earlier: ItemRow | None
    later: ItemRow | None
    similarity: float
    by_programme: bool = False  # continues the earlier item's programme (renamed or restructured)
    # What the earlier item wrote for the next period (issue 21 item 17); ``by_carried``: the later item carries it.
    carried: tuple[CarriedLine, ...] = ()
    by_carried: bool = False


@dataclass(frozen=True)
class PeriodComparison:
    earlier_plan: PlanPeriod | None
    later_plan: PlanPeriod
    earlier_area: PolicyArea | None
    later_area: PolicyArea | None
    rows: tuple[ComparisonRow, ...]
    labels: dict[str, str]


def _comparison_text(item: ItemRow) -> str:
    return " ".join([item.title, *(indicator.name for indicator in item.indicators)])


def period_comparison(
    *, earlier: PlanPeriod | None, later: PlanPeriod, later_area: PolicyArea | None
) -> PeriodComparison:
    """Set the later plan's area beside the earlier plan's area it continues, item by item (reports.continuity)."""
    from . import continuity

    earlier_area = None
    if earlier is not None and later_area is not None:
        earlier_area = continuity.area_match(later_area, plan_areas(plan=earlier))
    plans = [later, earlier] if earlier is not None else [later]
    progresses = plans_progress(plans=plans)
    later_items = progress_narrowed(progresses[0], area_ids=[later_area.id]).items if later_area else []
    earlier_items = progress_narrowed(progresses[1], area_ids=[earlier_area.id]).items if earlier_area else []
    ancestors = continuity.ancestors_of(programme_predecessors()) if earlier_items and later_items else {}
    carried = carried_targets_of(item_ids=[item.id for item in earlier_items]) if earlier_items else {}
    carriers = {(item_id, t.carried_by_id) for item_id, targets in carried.items() for t in targets}

    def by_programme(old: ItemRow, new: ItemRow) -> bool:
        return continuity.continues_programme(old.programs, new.programs, ancestors)

    pairs = continuity.item_pairs(
        earlier_items,
        later_items,
        text_of=_comparison_text,
        linked=lambda old, new: (old.id, new.id) in carriers or by_programme(old, new),
    )
    return PeriodComparison(
        earlier_plan=earlier,
        later_plan=later,
        earlier_area=earlier_area,
        later_area=later_area,
        rows=tuple(
            ComparisonRow(
                earlier=p.earlier,
                later=p.later,
                similarity=p.score,
                by_programme=bool(p.earlier and p.later and by_programme(p.earlier, p.later)),
                carried=tuple(_carried_line(t) for t in carried.get(p.earlier.id, ())) if p.earlier else (),
                by_carried=bool(p.earlier and p.later and (p.earlier.id, p.later.id) in carriers),
            )
            for p in pairs
        ),
        labels=dict(progresses[0].labels),
    )


def _carried_line(target) -> CarriedLine:
    carrier = target.carried_by
    label = f"{carrier.area.plan.name} {carrier.area.label} {carrier.label}" if carrier else ""
    return CarriedLine(
        fiscal_year=target.fiscal_year, text=target.text, carried_by_id=target.carried_by_id, carried_by_label=label
    )


def plan_previous(plans: list[PlanPeriod], plan: PlanPeriod) -> PlanPeriod | None:
    """Return the plan period just before the given one, if any."""
    earlier = [p for p in plans if p.ordinal < plan.ordinal]
    return earlier[-1] if earlier else None


# -- Municipalities ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MunicipalityReach:
    """An item's indicator that reached the municipality, in which years (from the coverage marks)."""

    plan_name: str
    item_id: int
    item_label: str  # 「2（2） › 事項2」
    item_title: str
    indicator_label: str
    fiscal_years: tuple[int, ...]
    state_labels: tuple[str, ...] = ()  # 「下書き」「未承認」 of years counted unapproved (include_unapproved)

    @property
    def years(self) -> tuple[tuple[int, str], ...]:
        return tuple(zip(self.fiscal_years, self.state_labels, strict=True))


@dataclass(frozen=True)
class CountOnly:
    """An item's municipality indicator whose years only count: it may have reached the municipality."""

    plan_name: str
    item_id: int
    item_label: str
    indicator_label: str
    fiscal_years: tuple[int, ...]


@dataclass(frozen=True)
class MunicipalityPage:
    municipality: Municipality
    reaches: tuple[MunicipalityReach, ...]
    count_only: tuple[CountOnly, ...]
    include_unapproved: bool
    charts: tuple[GrantChart, ...] = ()  # its 評価指標 per 分野 against the prefecture's mean


def municipality_page_get(*, code: str, include_unapproved: bool = False) -> MunicipalityPage:
    """Return every item of every period whose figures that count name the municipality, with years.

    Read from the plans' read model (approved figures unless ``include_unapproved``), so the
    page lists what the item pages list; a fixed number of queries whatever the number of
    municipalities, plans or items. Raise ``Municipality.DoesNotExist`` for an unknown code.
    """
    if not is_valid_code(code):  # nothing else reaches the database (PostgreSQL refuses a NUL in a string)
        raise Municipality.DoesNotExist(code)
    municipality = Municipality.objects.select_related("successor").get(code=code)
    reaches, count_only = [], []
    for progress in plans_progress(plans=plan_choices(), include_unapproved=include_unapproved):
        for area in progress.areas:
            for item in area.items:
                for indicator in item.indicators:
                    if not is_coverage_indicator(indicator):
                        continue
                    cells = [cell for cell in indicator.years if municipality.code in cell.municipality_codes]
                    counted = [
                        cell.fiscal_year for cell in indicator.years if cell.covered and not cell.municipality_codes
                    ]
                    common = {
                        "plan_name": progress.plan_name,
                        "item_id": item.id,
                        "item_label": _item_label(area, item),
                    }
                    if cells:
                        reaches.append(
                            MunicipalityReach(
                                **common,
                                item_title=item.title,
                                indicator_label=indicator.label,
                                fiscal_years=tuple(cell.fiscal_year for cell in cells),
                                state_labels=tuple(state_label_of(cell.state) for cell in cells),
                            )
                        )
                    if counted:
                        count_only.append(
                            CountOnly(**common, indicator_label=indicator.label, fiscal_years=tuple(counted))
                        )
    return MunicipalityPage(
        municipality=municipality,
        reaches=tuple(reaches),
        count_only=tuple(count_only),
        include_unapproved=include_unapproved,
        charts=municipality_charts(municipality=municipality),
    )


def municipality_index_get() -> tuple[TileMap, tuple]:
    """Return every municipality as a tile map and as lists by region (one query)."""
    places = places_of(Municipality.objects.current().values(*PLACE_FIELDS))
    return tile_map(places, href=municipality_url), by_region(places)


def coverage_sheet_of(*, plan: PlanPeriod, progress: PlanProgress, filters) -> list[CoverageSheetRow]:
    """Return the 区市町村×年度 rows of the items the table's ``filters`` chose (one query, whatever the data holds)."""
    progress = progress_narrowed(progress, filters.chosen_area_ids, filters.chosen_section_ids)
    places = places_in_fiscal_years(first_fiscal_year=plan.first_fiscal_year, last_fiscal_year=plan.last_fiscal_year)
    return coverage_sheet_rows(progress, places)
