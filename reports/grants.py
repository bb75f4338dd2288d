"""Reads of the national 評価指標 (GrantIndicator, GrantScore): charts per 分野 and the municipalities table.

Each function answers in a fixed number of queries whatever the number of municipalities
(aggregated in the database by 分野, never per municipality in Python loops over queries).
A figure computed from any score marked 「サンプル（架空の値）」 carries ``is_sample``, and
every page and export that shows it says so.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, Sum

from programs.fiscal_years import era_label
from programs.models import GrantIndicator, GrantScore, Municipality
from programs.tile_map import PLACE_FIELDS, Place, places_of

SAMPLE_MARK = "サンプル（架空の値）"
GRANT_LABELS = dict(GrantIndicator.Grant.choices)


def tenth(value) -> Decimal | None:
    """Return a sum as the database gives it (SQLite: 7, PostgreSQL: 7.0) to one decimal place, half-up."""
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def percent(points: Decimal | None, maximum: Decimal | None) -> Decimal | None:
    """Return points ÷ maximum as a percentage, half-up to 0.1 (None without a maximum)."""
    if points is None or not maximum:
        return None
    return (Decimal(points) * 100 / Decimal(maximum)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FieldScore:
    field: str
    points: Decimal | None  # the municipality's (None: not scored)
    max_points: Decimal
    mean: Decimal | None  # the prefecture's mean over the municipalities scored

    @property
    def rate(self) -> Decimal | None:
        return percent(self.points, self.max_points)

    @property
    def mean_rate(self) -> Decimal | None:
        return percent(self.mean, self.max_points)


@dataclass(frozen=True)
class GrantChart:
    """A municipality's points per 分野 against the prefecture's mean, for one grant and year."""

    grant: str
    fiscal_year: int
    fields: tuple[FieldScore, ...]
    is_sample: bool

    @property
    def grant_label(self) -> str:
        return GRANT_LABELS.get(self.grant, self.grant)

    @property
    def bars(self) -> tuple["Bar", ...]:
        return tuple(_bars(self.fields))

    @property
    def height(self) -> int:
        return len(self.fields) * 28 + 24

    @property
    def legend_y(self) -> int:
        return len(self.fields) * 28 + 16


@dataclass(frozen=True)
class Bar:
    """Geometry of one 分野 in the chart (percent of the maximum: 0–100 → 0–300 px)."""

    field: str
    y: int
    width: int
    mean_x: int | None
    label: str


CHART_SCALE = 3  # px per percent


def _bars(fields: Iterable[FieldScore]) -> Iterable[Bar]:
    for index, field in enumerate(fields):
        rate, mean = field.rate, field.mean_rate
        yield Bar(
            field=field.field,
            y=index * 28,
            width=int((rate or 0) * CHART_SCALE),
            mean_x=int(mean * CHART_SCALE) if mean is not None else None,
            label=f"{rate}%" if rate is not None else "得点なし",
        )


def _maxima():
    """Return the maximum points per (grant, year, 分野) (one query)."""
    rows = GrantIndicator.objects.values("grant", "fiscal_year", "field").annotate(maximum=Sum("max_points"))
    return {(r["grant"], r["fiscal_year"], r["field"]): tenth(r["maximum"]) for r in rows}


def _field_means(grant_years: set[tuple[str, int]]):
    """Return the prefecture's mean per (grant, year, 分野) and whether samples went into it (one query)."""
    rows = (
        GrantScore.objects.values("indicator__grant", "indicator__fiscal_year", "indicator__field")
        .annotate(
            total=Sum("points"),
            scored=Count("municipality", distinct=True),
            samples=Count("id", filter=Q(is_sample=True)),
        )
        .order_by()
    )
    means, samples = {}, set()
    for r in rows:
        key = (r["indicator__grant"], r["indicator__fiscal_year"], r["indicator__field"])
        if key[:2] in grant_years:
            means[key] = tenth(Decimal(r["total"]) / r["scored"]) if r["scored"] else None
            if r["samples"]:
                samples.add(key[:2])
    return means, samples


def municipality_charts(*, municipality: Municipality) -> tuple[GrantChart, ...]:
    """Return the municipality's latest year of each grant, per 分野, against the mean (three queries)."""
    own = (
        GrantScore.objects.filter(municipality=municipality)
        .values("indicator__grant", "indicator__fiscal_year", "indicator__field")
        .annotate(points=Sum("points"), samples=Count("id", filter=Q(is_sample=True)))
        .order_by()
    )
    points = defaultdict(dict)
    own_samples = set()
    for r in own:
        grant_year = (r["indicator__grant"], r["indicator__fiscal_year"])
        points[grant_year][r["indicator__field"]] = tenth(r["points"])
        if r["samples"]:
            own_samples.add(grant_year)
    latest = {}
    for grant, year in points:
        latest[grant] = max(year, latest.get(grant, year))
    chosen = {(grant, year) for grant, year in latest.items()}
    if not chosen:
        return ()
    maxima = _maxima()
    means, samples = _field_means(chosen)
    charts = []
    for grant, year in sorted(chosen):
        fields = sorted(field for (g, y, field) in maxima if (g, y) == (grant, year))
        charts.append(
            GrantChart(
                grant=grant,
                fiscal_year=year,
                fields=tuple(
                    FieldScore(
                        field=field,
                        points=points[(grant, year)].get(field),
                        max_points=maxima[(grant, year, field)],
                        mean=means.get((grant, year, field)),
                    )
                    for field in fields
                ),
                is_sample=(grant, year) in samples | own_samples,
            )
        )
    return tuple(charts)


@dataclass(frozen=True)
class MunicipalityScores:
    place: Place
    rates: tuple[Decimal | None, ...]  # per 分野, percent of the maximum
    total_rate: Decimal | None


@dataclass(frozen=True)
class ScoreTable:
    grant: str
    fiscal_year: int | None
    fields: tuple[str, ...]
    rows: tuple[MunicipalityScores, ...]  # lowest total first
    regions: tuple[str, ...]
    region: str
    is_sample: bool
    choices: tuple[tuple[str, int], ...]  # (grant, year) with scores

    @property
    def grant_label(self) -> str:
        return GRANT_LABELS.get(self.grant, self.grant)

    @property
    def options(self) -> tuple[tuple[str, str, bool], ...]:
        """Return (value, label, selected) of each grant and year with scores."""
        return tuple(
            (
                f"{grant}:{year}",
                f"{GRANT_LABELS[grant]} {era_label(year)}",
                (grant, year) == (self.grant, self.fiscal_year),
            )
            for grant, year in self.choices
        )


def score_table(*, grant: str = "", fiscal_year: int | None = None, region: str = "") -> ScoreTable:
    """Return municipalities × 分野 (percent of the maximum), lowest total first (five queries)."""
    choices = tuple(
        sorted(
            {
                (r["indicator__grant"], r["indicator__fiscal_year"])
                for r in GrantScore.objects.values("indicator__grant", "indicator__fiscal_year").order_by().distinct()
            },
            key=lambda c: (c[0], -c[1]),
        )
    )
    if (grant, fiscal_year) not in choices:
        grant, fiscal_year = choices[0] if choices else (grant, None)
    maxima = {k[2]: v for k, v in _maxima().items() if k[:2] == (grant, fiscal_year)}
    fields = tuple(sorted(maxima))
    sums = defaultdict(dict)
    sample = False
    for r in (
        GrantScore.objects.filter(indicator__grant=grant, indicator__fiscal_year=fiscal_year)
        .values("municipality_id", "indicator__field")
        .annotate(points=Sum("points"), samples=Count("id", filter=Q(is_sample=True)))
        .order_by()
    ):
        sums[r["municipality_id"]][r["indicator__field"]] = r["points"]
        sample = sample or bool(r["samples"])
    places = places_of(Municipality.objects.current().values(*PLACE_FIELDS))
    regions = tuple(dict.fromkeys(place.region for place in places if place.region))
    total_max = sum(maxima.values(), Decimal(0))
    rows = []
    for place in places:
        if (region and place.region != region) or place.id not in sums:
            continue
        own = sums[place.id]
        rows.append(
            MunicipalityScores(
                place=place,
                rates=tuple(percent(own.get(field), maxima[field]) for field in fields),
                total_rate=percent(sum(own.values(), Decimal(0)), total_max),
            )
        )
    rows.sort(key=lambda row: (row.total_rate if row.total_rate is not None else Decimal(999), row.place.code))
    return ScoreTable(
        grant=grant,
        fiscal_year=fiscal_year,
        fields=fields,
        rows=tuple(rows),
        regions=regions,
        region=region if region in regions else "",
        is_sample=sample,
        choices=choices,
    )


@dataclass(frozen=True)
class GrantLink:
    """A 評価指標 an item supports, with how the municipalities it reached and did not reach score."""

    indicator_id: int
    label: str  # 「保険者機能強化推進交付金 令和6年度 Ⅱ(1)①」
    field: str
    text: str
    max_points: Decimal
    reached_mean: Decimal | None
    not_reached_mean: Decimal | None
    mean: Decimal | None
    scored: int
    is_sample: bool


def item_grant_links(*, item_id: int, reached_codes: set[str] | None) -> tuple[GrantLink, ...]:
    """Return the item's linked 評価指標 with mean points (one query, two with links).

    ``reached_codes``: the municipalities the item's coverage marks name (None: it names none,
    so only the prefecture's mean is shown).
    """
    indicators = list(GrantIndicator.objects.filter(items=item_id).order_by("grant", "-fiscal_year", "order"))
    if not indicators:
        return ()
    scores = defaultdict(list)
    samples = set()
    for indicator_id, code, points, is_sample in GrantScore.objects.filter(indicator__in=indicators).values_list(
        "indicator_id", "municipality__code", "points", "is_sample"
    ):
        scores[indicator_id].append((code, points))
        if is_sample:
            samples.add(indicator_id)
    links = []
    for indicator in indicators:
        own = scores.get(indicator.id, [])
        reached = [points for code, points in own if reached_codes and code in reached_codes]
        others = [points for code, points in own if reached_codes is not None and code not in reached_codes]
        links.append(
            GrantLink(
                indicator_id=indicator.id,
                label=f"{indicator.get_grant_display()} {era_label(indicator.fiscal_year)} {indicator.number}",
                field=indicator.field,
                text=indicator.text,
                max_points=indicator.max_points,
                reached_mean=_mean(reached),
                not_reached_mean=_mean(others),
                mean=_mean([points for _, points in own]),
                scored=len(own),
                is_sample=indicator.id in samples or indicator.is_sample,
            )
        )
    return tuple(links)


def _mean(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
