"""The one Excel home: worksheet titles, the rate as a fraction, print set-up, and that every export uses it."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook

from sheets.exports.layout import (
    A3,
    MAX_TITLE_LENGTH,
    add_sheet,
    cell_range,
    cell_ref,
    excel_fraction,
    new_workbook,
    print_setup,
    sheet_title,
)

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = sorted((ROOT / "sheets" / "exports").glob("*.py")) + sorted((ROOT / "reports" / "exports").glob("*.py"))
HOME = ROOT / "sheets" / "exports" / "layout.py"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("第8期", "第8期"),
        ("第8期:改訂", "第8期：改訂"),
        ("a/b\\c?d*e[f]g", "a／b＼c？d＊e［f］g"),
        ("'第8期'", "第8期"),
        ("", "シート"),
        ("History", "History（2）"),
    ],
)
def test_sheet_title_replaces_what_excel_forbids(name, expected):
    assert sheet_title(name) == expected


def test_sheet_title_keeps_the_suffix_within_31_characters_and_numbers_a_taken_title():
    long_name = "第8期" + "あ" * 40
    title = sheet_title(long_name, suffix="グラフ")
    assert len(title) == MAX_TITLE_LENGTH and title.endswith("グラフ")
    assert sheet_title("第?期", taken=["第？期"]) == "第？期（2）"
    assert sheet_title("abc", taken=["ABC", "abc（2）"]) == "abc（3）"
    numbered = sheet_title(long_name, taken=[sheet_title(long_name)])
    assert len(numbered) == MAX_TITLE_LENGTH and numbered.endswith("（2）")


def test_add_sheet_makes_every_title_valid_and_unique_in_the_workbook():
    workbook = new_workbook()
    assert workbook.sheetnames == []
    for name in ("第8期:", "第8期：", "第8期:"):
        add_sheet(workbook, name)
    assert workbook.sheetnames == ["第8期：", "第8期：（2）", "第8期：（3）"]


def test_the_rate_becomes_the_exact_fraction_a_percent_cell_holds():
    assert excel_fraction(Decimal("94.1")) == Decimal("0.941")
    assert excel_fraction(Decimal("327.8")) == Decimal("3.278")
    assert excel_fraction(None) is None


def test_coordinates_come_from_numbers():
    assert cell_ref(row=5, column=2) == "B5"
    assert cell_range(first_row=1, first_column=1, last_row=10, last_column=28) == "A1:AB10"


def test_print_setup_prints_an_ampersand_in_the_header_as_itself():
    sheet = Workbook().active
    print_setup(sheet, paper=A3, title_rows=(3, 4), header_right="第8期 R&D", page_numbers=True)
    assert sheet.page_setup.paperSize == 8  # A3
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    assert sheet.print_title_rows == "$3:$4"
    assert sheet.oddHeader.right.text == "第8期 R&&D"


@pytest.mark.parametrize("path", EXPORTS, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_every_export_writes_through_the_one_home(path):
    """No export assigns a cell, appends a row, names a sheet or types a coordinate itself."""
    if path == HOME:
        return
    source = path.read_text(encoding="utf-8")
    forbidden = {
        "cell value assigned directly": r"\.value\s*=",
        "row appended": r"\.append\(\[",
        "workbook made directly": r"Workbook\(\)",
        "worksheet titled directly": r"(?:sheet|worksheet|ws|active)\.title\s*=",
        "sheet created directly": r"create_sheet\(",
        "coordinate typed by hand": r"[\"'][A-Z]{1,3}[0-9]+(?::[A-Z]{1,3}[0-9]+)?[\"']",
        "column letter made here": r"get_column_letter",
        "print set-up done here": r"page_setup\.|print_title_rows|freeze_panes\s*=",
    }
    found = [what for what, pattern in forbidden.items() if re.search(pattern, source)]
    assert found == [], path
