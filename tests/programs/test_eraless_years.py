"""A year written without its era (「30年度」「元年度」) is resolved by one function, with one tie-break."""

import pytest

from programs.fiscal_years import eraless_fiscal_year, eraless_year_of
from programs.target_wording import read_target_wording
from sheets.imports.mapping import is_year_heading


@pytest.mark.parametrize(
    ("text", "era_year"),
    [("30年度", 30), ("元年度", 1), ("２年度", 2), ("3年", 3), (" 31 年度 ", 31)],
)
def test_eraless_year_of_reads_a_heading_without_its_era(text, era_year):
    assert eraless_year_of(text) == era_year


@pytest.mark.parametrize("text", ["令和3年度", "R3", "2021", "2021年度", "123年度", "30", "", "年度", "30年度<b>"])
def test_eraless_year_of_leaves_anything_else(text):
    assert eraless_year_of(text) is None


@pytest.mark.parametrize(
    ("era_year", "fiscal_year"),
    [(30, 2018), (1, 2019), (5, 2023), (15, 2033), (17, 2005), (20, 2008)],
)
def test_without_context_the_era_nearest_the_change_of_era(era_year, fiscal_year):
    assert eraless_fiscal_year(era_year) == fiscal_year


def test_a_tie_goes_to_the_later_era():
    # 16 is 平成16年度 (2004) or 令和16年度 (2034): both 15 years from FY2019.
    assert eraless_fiscal_year(16) == 2034
    # 15 beside a plan starting FY2018: 平成15年度 (2003) and 令和15年度 (2033) are both 15 years away.
    assert eraless_fiscal_year(15, near=2018) == 2033
    assert eraless_fiscal_year(15, near=2017) == 2003


@pytest.mark.parametrize(
    ("era_year", "near", "fiscal_year"),
    [(31, 2018, 2019), (2, 2020, 2020), (30, 2048, 2048), (1, 1990, 1989), (1, 2019, 2019)],
)
def test_the_context_decides_the_era(era_year, near, fiscal_year):
    assert eraless_fiscal_year(era_year, near=near) == fiscal_year


def test_the_target_wording_reads_eraless_years_through_the_one_function():
    # 「元」 alone was unread before (the wording's copy only took digits).
    assert read_target_wording("元年度目標：800人", first_fiscal_year=2018).fiscal_year == 2019
    assert read_target_wording("31年度目標：13回", first_fiscal_year=2018).fiscal_year == 2019
    reading = read_target_wording("1,350人（30～32）", first_fiscal_year=2018, last_fiscal_year=2020)
    assert (reading.first_fiscal_year, reading.last_fiscal_year) == (2018, 2020)
    # The tie-break is the function's: 「16年度」 near FY2019 is 令和16年度.
    assert read_target_wording("16年度目標：5回").fiscal_year == 2034


@pytest.mark.parametrize(
    ("text", "expected"), [("30年度", True), ("元年度", True), ("令和3年度", True), ("事項", False)]
)
def test_the_mapping_recognises_the_same_headings(text, expected):
    assert is_year_heading(text) is expected
