"""One test per target kind, each with the seed's own example (DOMAIN.md)."""

from decimal import Decimal as D

import pytest

from evaluations.calculations import (
    Kind,
    ResultFigure,
    Status,
    TargetFigure,
    Trend,
    achievement_rate,
    components_achievement,
    coverage_achievement,
    cumulative_achievement,
    direction_achievement,
    direction_trend,
    frequency_achievement,
    indicator_achievement,
    per_year_achievement,
    status_of,
    target_for_year,
)

SEVENTH = {"first_fiscal_year": 2018, "last_fiscal_year": 2020}
EIGHTH = {"first_fiscal_year": 2021, "last_fiscal_year": 2023}


def test_rate_is_rounded_half_up_to_one_decimal_without_float_artefacts():
    assert achievement_rate(144, 153) == D("94.1")
    assert achievement_rate(2, 3) == D("66.7")
    # 0.05 % would round to 0.0 under half-even; half-up gives 0.1.
    assert achievement_rate(D("0.5"), 1000) == D("0.1")
    assert achievement_rate(D("1.0005"), 1) == D("100.1")
    assert str(achievement_rate(1199, 1350)) == "88.8"
    assert achievement_rate(None, 153) is None
    assert achievement_rate(144, 0) is None


def test_per_year_144_trainees_against_153_is_94_1_percent_and_not_met():
    achievement = per_year_achievement(fiscal_year=2021, target=D(153), actual=D(144))
    assert achievement.rate == D("94.1")
    assert achievement.met is False
    assert status_of(achievement) == Status.MOSTLY_ACHIEVED


def test_per_year_via_dispatcher_uses_the_period_target_for_each_year():
    targets = [TargetFigure(kind=Kind.PER_YEAR, value=D(153))]
    results = [ResultFigure(2021, D(144)), ResultFigure(2022, D(150))]
    assert indicator_achievement(targets=targets, results=results, fiscal_year=2021, **EIGHTH).rate == D("94.1")
    assert indicator_achievement(targets=targets, results=results, fiscal_year=2022, **EIGHTH).rate == D("98.0")
    not_entered = indicator_achievement(targets=targets, results=results, fiscal_year=2023, **EIGHTH)
    assert not_entered.rate is None
    assert status_of(not_entered) == Status.NOT_ENTERED


def test_cumulative_1199_of_1350_trainees_over_the_seventh_period():
    values = {2018: D(352), 2019: D(428), 2020: D(419)}
    first = cumulative_achievement(fiscal_year=2018, period_target=D(1350), values_by_year=values, **SEVENTH)
    assert first.running_total == D(352)
    assert first.target_to_date == D(450)
    assert first.pace_rate == D("78.2")
    assert first.rate == D("26.1")
    assert first.needed_per_remaining_year == D(499)  # (1350 - 352) / 2
    second = cumulative_achievement(fiscal_year=2019, period_target=D(1350), values_by_year=values, **SEVENTH)
    assert second.running_total == D(780)
    assert second.target_to_date == D(900)
    last = cumulative_achievement(fiscal_year=2020, period_target=D(1350), values_by_year=values, **SEVENTH)
    assert last.running_total == D(1199)
    assert last.rate == D("88.8")
    assert last.met is False
    assert last.needed_per_remaining_year is None
    assert status_of(last) == Status.NOT_ACHIEVED  # 88.8 % of the period target at its end


def test_cumulative_on_pace_is_not_shown_as_behind_in_its_first_year():
    on_pace = cumulative_achievement(fiscal_year=2018, period_target=D(1350), values_by_year={2018: D(460)}, **SEVENTH)
    assert on_pace.rate == D("34.1")
    assert status_of(on_pace) == Status.ACHIEVED


def test_several_components_are_measured_separately_then_combined():
    # 「540人(初任者) 180人(現任者)（H30～32）」: 172 + 171 + 155 = 498 and 60 × 3 = 180.
    beginners = cumulative_achievement(
        fiscal_year=2020, period_target=D(540), values_by_year={2018: D(172), 2019: D(171), 2020: D(155)}, **SEVENTH
    )
    current = cumulative_achievement(
        fiscal_year=2020, period_target=D(180), values_by_year={2018: D(60), 2019: D(60), 2020: D(60)}, **SEVENTH
    )
    assert beginners.rate == D("92.2")
    assert current.rate == D("100.0")
    item = components_achievement([beginners, current])
    assert item.rate == D("92.2")
    assert item.met is False
    assert components_achievement([current, current]).met is True


def test_frequency_once_a_year_or_more_is_met_or_not_met():
    assert frequency_achievement(fiscal_year=2021, target=D(1), actual=D(1)).met is True
    assert frequency_achievement(fiscal_year=2019, target=D(2), actual=D(3)).met is True
    not_met = frequency_achievement(fiscal_year=2020, target=D(3), actual=D(0))
    assert not_met.met is False
    assert status_of(not_met) == Status.NOT_ACHIEVED
    assert frequency_achievement(fiscal_year=2020, target=D(1), actual=None).met is None


def test_coverage_24_of_62_municipalities():
    achievement = coverage_achievement(fiscal_year=2018, covered=24, aimed_at=62)
    assert achievement.rate == D("38.7")
    assert achievement.met is False
    assert coverage_achievement(fiscal_year=2018, covered=62).met is True


def test_coverage_counts_named_municipalities_through_the_dispatcher():
    targets = [TargetFigure(kind=Kind.COVERAGE, value=D(62))]
    results = [ResultFigure(2018, D(38), municipality_count=24)]
    achievement = indicator_achievement(targets=targets, results=results, fiscal_year=2018, **SEVENTH)
    assert achievement.actual == D(24)
    assert achievement.rate == D("38.7")


def test_by_period_end_12_centres_uses_the_value_reached_by_the_year():
    targets = [TargetFigure(kind=Kind.BY_PERIOD_END, value=D(12))]
    results = [ResultFigure(2018, D(7)), ResultFigure(2019, D(10))]
    in_2019 = indicator_achievement(targets=targets, results=results, fiscal_year=2019, **SEVENTH)
    assert in_2019.rate == D("83.3")
    # Nothing entered for FY2020 yet: the value reached so far still stands.
    in_2020 = indicator_achievement(targets=targets, results=results, fiscal_year=2020, **SEVENTH)
    assert in_2020.actual == D(10)
    assert in_2020.met is False


def test_direction_only_increase_follows_the_series_2366_2316_2399_2410():
    values = {2017: D(2366), 2018: D(2316), 2019: D(2399), 2020: D(2410)}
    trends = [
        direction_achievement(fiscal_year=year, direction="increase", values_by_year=values)
        for year in (2018, 2019, 2020)
    ]
    assert [a.trend for a in trends] == [Trend.DOWN, Trend.UP, Trend.UP]
    assert [a.met for a in trends] == [False, True, True]
    assert [status_of(a) for a in trends] == [Status.DECREASED, Status.INCREASED, Status.INCREASED]
    assert direction_trend(D(5), D(5)) == Trend.FLAT
    assert direction_achievement(fiscal_year=2018, direction="increase", values_by_year={2018: D(1)}).trend is None


def test_direction_decrease_is_met_when_the_value_falls():
    achievement = direction_achievement(fiscal_year=2019, direction="decrease", values_by_year={2018: 10, 2019: 8})
    assert achievement.met is True


def test_next_year_figure_stated_in_an_evaluation_becomes_that_years_target():
    # 「年１回以上」 for the period; 「【31年度の目標数値】…3回」 restated for FY2019.
    targets = [
        TargetFigure(kind=Kind.FREQUENCY, value=D(1)),
        TargetFigure(kind=Kind.FREQUENCY, value=D(3), fiscal_year=2019),
    ]
    assert target_for_year(targets, 2019).value == D(3)
    assert target_for_year(targets, 2020).value == D(1)
    results = [ResultFigure(2019, D(2)), ResultFigure(2020, D(2))]
    assert indicator_achievement(targets=targets, results=results, fiscal_year=2019, **SEVENTH).met is False
    assert indicator_achievement(targets=targets, results=results, fiscal_year=2020, **SEVENTH).met is True


def test_an_indicator_without_target_has_no_achievement():
    assert indicator_achievement(targets=[], results=[ResultFigure(2021, D(3))], fiscal_year=2021, **EIGHTH) is None


@pytest.mark.parametrize(
    ("actual", "status"),
    [(153, Status.ACHIEVED), (D("137.7"), Status.MOSTLY_ACHIEVED), (137, Status.NOT_ACHIEVED)],
)
def test_status_thresholds_100_and_90_percent(actual, status):
    assert status_of(per_year_achievement(fiscal_year=2021, target=D(153), actual=D(actual))) == status


def test_far_from_target_means_over_ten_times_or_under_a_tenth():
    from evaluations.calculations import far_from_target

    assert far_from_target(D(1531), D(153)) is True
    assert far_from_target(D(1530), D(153)) is False
    assert far_from_target(D(15), D(153)) is True
    assert far_from_target(D("15.3"), D(153)) is False
    assert far_from_target(D(0), D(153)) is True
    assert far_from_target(D(5), None) is False


def test_thresholds_are_parameters_an_administrator_can_change():
    achievement = per_year_achievement(fiscal_year=2021, target=D(153), actual=D(144))  # 94.1 %
    assert status_of(achievement, achieved_from=D(94)) == Status.ACHIEVED
    assert status_of(achievement, mostly_from=D(95)) == Status.NOT_ACHIEVED
