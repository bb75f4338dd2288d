"""Workbooks typed the way Tokyo's published sheets are laid out, built from the seed texts (issue 19).

Not our export: what an official types into Excel from the printed sheet (seed 003 = 第7期,
seed 000 = 第8期 area 7). The texts come from fixtures/tokyo/*.yaml, the transcription of the seeds
that tests/programs/test_tokyo_fixtures.py checks against them; the 目標 cells keep the line breaks
the seed prints inside them (「153人\\n（各年度）」, 「62区市町村\\nで各１人以上」), found in the seed
itself. Each printed page has the sheet's title and note lines, the area title row (and the
sub-heading 【（１）地域ケア会議】) above the header, the two header rows, then the items: a
separate 事項 label column (「事項１」) left of the item's text under one merged heading,
full-width digits as printed, 参考資料 merged down beside the items that share it.

Reusable: ``seventh_one_sheet()``, ``seventh_per_page()``, ``eighth_area_7()`` return the
workbook's bytes; ``seed_areas(plan)`` returns the transcription the tests compare against.
"""

import io
import re
from functools import cache
from pathlib import Path

import yaml
from openpyxl import Workbook
from openpyxl.styles import Alignment

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures" / "tokyo"
SEEDS = ROOT.parent / "shared" / "seeds"
SEVENTH_SEED = "003_a3875af2dfbcb7be.txt"
EIGHTH_SEED = "000_55713fe49fe2b16b.txt"

SEVENTH_TITLE = "自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定"
SEVENTH_NOTE = "《参考》第７期東京都高齢者保健福祉計画（平成30年度～平成32年度）ｐ378～380"
# As printed: area 1's page heads its years 「30年度」, area 2's 「平成30年度」 (fixtures/tokyo/layouts.yaml).
SEVENTH_YEARS = ("30年度", "令和元年度", "令和２年度")
SEVENTH_YEARS_HEISEI = ("平成30年度", "令和元年度", "令和２年度")
SEVENTH_FIXED = (
    "目標",
    "目標設定するに至った\n現状と課題（区市町村\nニーズ）",
    "令和２年度までに\n目指すべきビジョン",
)
EIGHTH_YEARS = ("令和３年度", "令和４年度", "令和５年度")
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@cache
def seed_text(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


@cache
def seed_areas(plan: str) -> tuple[dict, ...]:
    """Return the plan's areas as transcribed from the seed (fixtures/tokyo), in the sheet's order."""
    areas = []
    for path in sorted(FIXTURES.glob("plan0*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if data["plan"] == plan:
            areas += data["areas"]
    return tuple(sorted(areas, key=lambda a: (a["number"], a["sub_number"] or 0)))


def as_printed(text: str, seed: str) -> str:
    """Return the text with the line breaks the seed prints inside it (「153人\\n（各年度）」), else as it is."""
    pattern = r"\n{0,2}".join(re.escape(character) for character in text)
    match = re.search(pattern, seed)
    return re.sub(r"\n+", "\n", match.group(0)) if match else text


def plan_targets(item: dict) -> list[str]:
    """Return the 目標 wordings of the item as its plan prints them, one per target cell paragraph."""
    if item.get("target_wording"):
        return [item["target_wording"]]
    texts = []
    for indicator in item["indicators"]:
        for target in indicator["targets"]:
            if target["source"] == "plan" and target["text"] not in texts:
                texts.append(target["text"])
    return texts


def target_cell(item: dict, seed: str) -> str:
    # Two wordings in one cell are two paragraphs, as seed 003 prints 「全区市町村」 over 「全老人福祉圏域（Ｒ２）」.
    return "\n\n".join(as_printed(text, seed) for text in plan_targets(item))


def item_cell(item: dict) -> str:
    related = item.get("related_activities") or ""
    return f"{item['title']}\n{related}" if related else item["title"]


def area_heading(area: dict) -> str:
    return f"{str(area['number']).translate(FULL_WIDTH)}　{area['title']}"


def sub_heading(area: dict) -> str:
    return f"【（{str(area['sub_number']).translate(FULL_WIDTH)}）{area['sub_title']}】"


def evaluation_of(item: dict, fiscal_year: int) -> dict:
    return next((e for e in item.get("evaluations") or [] if e["fiscal_year"] == fiscal_year), {})


def _save(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _put(sheet, row: int, column: int, value: str | None) -> None:
    if value:
        cell = sheet.cell(row=row, column=column, value=value)
        cell.alignment = Alignment(wrap_text=True, vertical="top")


# -- 第7期 (seed 003) --------------------------------------------------------------------------------

# 事項 label · 事項 text (one heading over both) · 目標 · 現状と課題 · ビジョン · per year 取組, 自己評価 · 参考資料
SEVENTH_WIDTH = 12
SEVENTH_YEARS_OF_PLAN = (2018, 2019, 2020)


def _seventh_page(sheet, row: int, area: dict, *, parent_heading: bool) -> int:
    """Write one printed page of the 第7期 sheet from ``row``; return the next free row."""
    seed = seed_text(SEVENTH_SEED)
    last = SEVENTH_WIDTH
    for text in (SEVENTH_TITLE, SEVENTH_NOTE):
        _put(sheet, row, 1, text)
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        row += 1
    if area["sub_number"] is None or parent_heading:
        _put(sheet, row, 1, area_heading(area))
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        row += 1
    if area["sub_number"] is not None:
        _put(sheet, row, 1, sub_heading(area))
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=last)
        row += 1
    # The header: fixed headings merged over both rows, each year's heading over its two columns.
    _put(sheet, row, 1, "事項")
    sheet.merge_cells(start_row=row, start_column=1, end_row=row + 1, end_column=2)
    for offset, heading in enumerate(SEVENTH_FIXED):
        _put(sheet, row, 3 + offset, heading)
        sheet.merge_cells(start_row=row, start_column=3 + offset, end_row=row + 1, end_column=3 + offset)
    years = SEVENTH_YEARS_HEISEI if area["number"] == 2 else SEVENTH_YEARS
    for index, heading in enumerate(years):
        column = 6 + 2 * index
        _put(sheet, row, column, heading)
        sheet.merge_cells(start_row=row, start_column=column, end_row=row, end_column=column + 1)
        _put(sheet, row + 1, column, "取組の実施内容・実績")
        _put(sheet, row + 1, column + 1, "自己評価と\n今後の課題・対応策")
    _put(sheet, row, last, "参考\n資料")
    sheet.merge_cells(start_row=row, start_column=last, end_row=row + 1, end_column=last)
    row += 2
    first_item_row = row
    for item in area["items"]:
        _put(sheet, row, 1, f"事項{str(item['number']).translate(FULL_WIDTH)}")
        _put(sheet, row, 2, item_cell(item))
        _put(sheet, row, 3, target_cell(item, seed))
        _put(sheet, row, 4, item.get("background"))
        _put(sheet, row, 5, item.get("item_vision"))
        for index, fiscal_year in enumerate(SEVENTH_YEARS_OF_PLAN):
            evaluation = evaluation_of(item, fiscal_year)
            _put(sheet, row, 6 + 2 * index, evaluation.get("activities"))
            assessment = "\n\n".join(t for t in (evaluation.get("self_assessment"), evaluation.get("next_steps")) if t)
            _put(sheet, row, 7 + 2 * index, assessment)
        row += 1
    _references(sheet, area["items"], first_item_row, last)
    return row


def _references(sheet, items: list[dict], first_row: int, column: int) -> None:
    """Write 参考資料 once, merged down beside consecutive items that share it, as the seeds print it."""
    index = 0
    while index < len(items):
        end = index
        while end + 1 < len(items) and items[end + 1].get("reference") == items[index].get("reference"):
            end += 1
        _put(sheet, first_row + index, column, items[index].get("reference"))
        if end > index and items[index].get("reference"):
            sheet.merge_cells(
                start_row=first_row + index, start_column=column, end_row=first_row + end, end_column=column
            )
        index = end + 1


def seventh_one_sheet() -> bytes:
    """第7期 on one worksheet: every printed page below the last, the header repeated on each."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "第7期"
    row = 1
    for area in seed_areas("第7期"):
        row = _seventh_page(sheet, row, area, parent_heading=True) + 1
    return _save(workbook)


def seventh_per_page() -> bytes:
    """第7期 with one worksheet per printed page (an area, or a sub-area of area 2), named as officials do."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    for area in seed_areas("第7期"):
        name = f"{area['number']}" if area["sub_number"] is None else f"{area['number']}（{area['sub_number']}）"
        _seventh_page(workbook.create_sheet(name), 1, area, parent_heading=True)
    return _save(workbook)


# -- 第8期 area 7 (seed 000) ------------------------------------------------------------------------

EIGHTH_VISION = "②安心して暮らし続けられる\n　【②－３】地域で支え合える"
EIGHTH_BACKGROUND_AS_PRINTED = True


def eighth_area_7() -> bytes:
    """第8期 area 7 as seed 000 prints it: area title above the header, 事項 label beside 目標に向けた取組."""
    seed = seed_text(EIGHTH_SEED)
    (area,) = seed_areas("第8期")
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "取組分野７"
    # Columns: A 現状と課題 · B ビジョン・目標 · C 参考指標 · D 事項 label · E 目標に向けた取組 · F 指標 ·
    # G/H 令和３年度 実績・自己評価 · I/J 令和４年度 · K/L/M 令和５年度 実績・評定・評定のポイント · N 参考資料
    last = 14
    _put(sheet, 1, 1, area_heading(area))
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=last)
    fixed = {
        1: "目標設定する\nに至った\n現状と課題",
        2: "ビジョン\n・目標",
        3: "参考指標\n（アウトカム\n指標）",
        6: "指標\n(プロセス指標)",
        last: "参考\n資料",
    }
    for column, heading in fixed.items():
        _put(sheet, 2, column, heading)
        sheet.merge_cells(start_row=2, start_column=column, end_row=3, end_column=column)
    _put(sheet, 2, 4, "目標に向けた取組")
    sheet.merge_cells(start_row=2, start_column=4, end_row=3, end_column=5)
    for first, end, heading in ((7, 8, EIGHTH_YEARS[0]), (9, 10, EIGHTH_YEARS[1]), (11, 13, EIGHTH_YEARS[2])):
        _put(sheet, 2, first, heading)
        sheet.merge_cells(start_row=2, start_column=first, end_row=2, end_column=end)
    per_year = {7: "実績", 8: "自己評価と\n今後の課題・対応策", 9: "実績", 10: "自己評価と\n今後の課題・対応策"}
    per_year |= {11: "実績", 12: "評定", 13: "自己評価と\n評定のポイント"}
    for column, heading in per_year.items():
        _put(sheet, 3, column, heading)
    first_row, rows = 4, len(area["items"])
    for column, text in ((1, area["background"]), (2, EIGHTH_VISION), (3, area["outcome_indicator_text"])):
        _put(sheet, first_row, column, text)
        sheet.merge_cells(start_row=first_row, start_column=column, end_row=first_row + rows - 1, end_column=column)
    for offset, item in enumerate(area["items"]):
        row = first_row + offset
        _put(sheet, row, 4, f"事項{str(item['number']).translate(FULL_WIDTH)}")
        _put(sheet, row, 5, item_cell(item))
        _put(sheet, row, 6, target_cell(item, seed))
        for index, fiscal_year in enumerate((2021, 2022, 2023)):
            evaluation = evaluation_of(item, fiscal_year)
            actual = "\n".join(
                result["text"]
                for result in item.get("results") or []
                if result["fiscal_year"] == fiscal_year
                and any(i["key"] == result["indicator"] and i["targets"] for i in item["indicators"])
            )
            _put(sheet, row, 7 + 2 * index, actual)
            parts = []
            if evaluation.get("self_assessment"):
                parts.append(f"＜自己評価＞\n{evaluation['self_assessment']}")
            if evaluation.get("next_steps"):
                parts.append(f"＜今後の取組方針＞\n{evaluation['next_steps']}")
            column = 13 if fiscal_year == 2023 else 8 + 2 * index
            _put(sheet, row, column, "\n\n".join(parts))
    _references(sheet, area["items"], first_row, last)
    return _save(workbook)
