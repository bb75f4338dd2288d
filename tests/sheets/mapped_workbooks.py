"""Workbooks of a prefecture whose sheet has other columns than Tokyo's, typed from seed 000 (第8期 area 7).

The columns stand in another order under other headings (取組項目 · 数値目標 · 課題 · 所管課 · per year
実績値 and 評価 · 備考), with a title row above the headings: no registered layout matches them.
"""

import io
import re
from pathlib import Path

from openpyxl import Workbook

SEED = Path(__file__).resolve().parents[2] / ".." / "shared" / "seeds" / "000_55713fe49fe2b16b.txt"

AREA = "７　地域ケア会議の推進"
BACKGROUND = (
    "○　要支援者等が、地域で可能な限り自立した日常生活を送るためには、自身の生活機能の低下に早期に気付き、"
    "状態の改善とその維持に取り組むことが重要"
)
ITEM_1 = "自立支援・介護予防に向けた地域ケア会議の実践者養成研修の講師を育成するための研修を実施"
ITEM_2 = "自立支援・介護予防に向けた地域ケア会議に取り組む区市町村の連携強化・課題解決支援のため、実務者連絡会議を開催"
RELATED = "（関連する取組）\n・自立支援・介護予防に向けた地域ケア会議推進事業"
ASSESSMENT_1 = "・講師養成研修を３コース実施し、合計で144人が受講した。"
ASSESSMENT_2 = "・地域ケア会議の実務者を対象に実務者連絡会議を11月に実施し、85名が参加した。"
HEADINGS = {1: "取組項目", 2: "数値目標", 3: "課題", 4: "所管課", 11: "備考"}
YEARS = ((5, "令和３年度"), (7, "令和４年度"), (9, "令和５年度"))


def seed_text() -> str:
    return re.sub(r"\s+", "", SEED.read_text(encoding="utf-8"))


def in_seed(text: str) -> bool:
    """Return whether the seed prints the text (its PDF extraction breaks lines anywhere)."""
    return re.sub(r"\s+", "", text) in seed_text()


def other_layout_workbook(*, second_area: bool = False) -> bytes:
    """Return the prefecture's sheet: title row, a year row over 実績値 · 評価, one row per item."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "評価シート"
    sheet["A1"] = "介護保険事業支援計画　取組状況の自己評価"
    sheet.merge_cells("A1:K1")
    for column, heading in HEADINGS.items():
        sheet.cell(row=2, column=column, value=heading)
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for first, year in YEARS:
        sheet.cell(row=2, column=first, value=year)
        sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + 1)
        sheet.cell(row=3, column=first, value="実績値")
        sheet.cell(row=3, column=first + 1, value="評価")
    sheet["A4"] = AREA
    sheet.merge_cells("A4:K4")
    sheet["A5"] = f"{ITEM_1}\n{RELATED}"
    sheet["B5"] = "153人（各年度）"
    sheet["C5"] = BACKGROUND
    sheet.merge_cells("C5:C6")
    sheet["D5"] = "在宅支援課"
    sheet["E5"] = "144人"
    sheet["F5"] = ASSESSMENT_1
    sheet["K5"] = "別紙7-12"
    sheet["A6"] = f"{ITEM_2}\n{RELATED}"
    sheet["B6"] = "１回（各年度）"
    sheet["D6"] = "在宅支援課"
    sheet["E6"] = "1回"
    sheet["F6"] = ASSESSMENT_2
    if second_area:
        sheet["A7"] = "８　認知症施策の推進"
        sheet.merge_cells("A7:K7")
        sheet["A8"] = "認知症サポーターを養成"
        sheet["B8"] = "年１回以上"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# What the administrator chooses per column on the mapping screen (column → Source value).
MAPPING = {
    "column_1": "item",
    "column_2": "target",
    "column_3": "background",
    "column_4": "unused",
    "column_5": "actual",
    "column_6": "assessment",
    "column_7": "actual",
    "column_8": "assessment",
    "column_9": "actual",
    "column_10": "assessment",
    "column_11": "reference",
}


def many_items_workbook(areas: int, items_per_area: int = 10) -> bytes:
    """Return the prefecture's layout with many areas and items (for query counts at two sizes)."""
    workbook = Workbook()
    sheet = workbook.active
    for column, heading in HEADINGS.items():
        sheet.cell(row=2, column=column, value=heading)
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    for first, year in YEARS:
        sheet.cell(row=2, column=first, value=year)
        sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=first + 1)
        sheet.cell(row=3, column=first, value="実績値")
        sheet.cell(row=3, column=first + 1, value="評価")
    row = 4
    for area in range(1, areas + 1):
        sheet.cell(row=row, column=1, value=f"{area}　分野{area}")
        row += 1
        for number in range(1, items_per_area + 1):
            sheet.cell(row=row, column=1, value=f"{ITEM_1}（{area}-{number}）")
            sheet.cell(row=row, column=2, value="153人（各年度）")
            sheet.cell(row=row, column=5, value="144人")
            row += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
