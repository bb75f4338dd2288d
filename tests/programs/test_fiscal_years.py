import datetime

import pytest

from programs.fiscal_years import (
    FiscalYearError,
    era_date_label,
    era_label,
    fiscal_year_of,
    parse_fiscal_year,
    short_era_label,
)


@pytest.mark.parametrize(
    ("fiscal_year", "label"),
    [(2018, "平成30年度"), (2019, "令和元年度"), (2020, "令和2年度"), (2021, "令和3年度"), (2023, "令和5年度")],
)
def test_era_label_uses_reiwa_from_fy2019_and_gan_for_its_first_year(fiscal_year, label):
    assert era_label(fiscal_year) == label


def test_short_era_label():
    assert short_era_label(2021) == "R3"
    assert short_era_label(2018) == "H30"


@pytest.mark.parametrize(
    ("text", "fiscal_year"),
    [
        ("2021", 2021),
        (2021, 2021),
        ("２０２１年度", 2021),
        ("R3", 2021),
        ("r3", 2021),
        ("Ｒ３", 2021),
        ("令和3年度", 2021),
        ("令和３年度", 2021),
        ("令和元年度", 2019),
        ("R元", 2019),
        ("H31", 2019),
        ("平成31年度", 2019),
        ("H32", 2020),
        ("平成32年度", 2020),
        ("H30", 2018),
        ("平成30年度", 2018),
        (" 令和 4 年度 ", 2022),
    ],
)
def test_parse_fiscal_year_accepts_every_form_in_the_seeds(text, fiscal_year):
    assert parse_fiscal_year(text) == fiscal_year


@pytest.mark.parametrize("text", ["", "来年度", "R", "令和年度", "2021-22", "1850", "令和0年度"])
def test_parse_fiscal_year_refuses_nonsense_with_a_japanese_message(text):
    with pytest.raises(FiscalYearError, match="年度"):
        parse_fiscal_year(text)


@pytest.mark.parametrize(
    ("day", "fiscal_year"),
    [
        (datetime.date(2021, 4, 1), 2021),
        (datetime.date(2022, 3, 31), 2021),
        (datetime.date(2019, 4, 30), 2019),
        (datetime.date(2019, 5, 1), 2019),
    ],
)
def test_fiscal_year_starts_in_april(day, fiscal_year):
    assert fiscal_year_of(day) == fiscal_year


@pytest.mark.parametrize(
    ("day", "label"),
    [
        (datetime.date(2026, 11, 20), "令和8年11月20日"),
        (datetime.date(2019, 5, 1), "令和元年5月1日"),
        (datetime.date(2019, 4, 30), "平成31年4月30日"),
        (datetime.date(1989, 1, 8), "平成元年1月8日"),
    ],
)
def test_era_date_label_uses_the_era_current_on_the_day(day, label):
    assert era_date_label(day) == label


def test_era_date_label_with_weekday():
    assert era_date_label(datetime.date(2026, 11, 20), weekday=True) == "令和8年11月20日（金）"


def test_era_date_label_shows_a_day_before_heisei_in_western_years():
    # A stored deadline no era names is displayed, never a 500 (issue 18 item 1); forms refuse such years.
    assert era_date_label(datetime.date(1989, 1, 7)) == "1989年1月7日"


@pytest.mark.parametrize(
    ("first", "last", "label"),
    [
        (2027, 2029, "令和9～11年度"),
        (2018, 2020, "平成30～令和2年度"),
        (2019, 2021, "令和元～3年度"),
        (1985, 1987, "1985～1987年度"),
    ],
)
def test_a_span_of_years_in_short_wareki(first, last, label):
    from programs.fiscal_years import era_span_label

    assert era_span_label(first, last) == label
