"""The published sheet, cell by cell: every official cell holds the stored text, verbatim (issue 11 §1, §2).

The expected text is read from the models here, independently of the export's own code, and
compared with what a client reads back from the saved workbook; LibreOffice then prints both
periods' sheets to PDF with the seeds' headings.
"""

import io
import shutil
import subprocess

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Item, PlanPeriod, SheetColumn, SheetLayout, Target
from programs.selectors import sheet_layout
from programs.sheet_layouts import AREA_SOURCES, Source, full_width

from .conftest import convert

SEED_HEADINGS = {
    "第7期": [
        "自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定",
        "《参考》第７期東京都高齢者保健福祉計画（平成30年度～平成32年度）ｐ378～380",
        "目標設定するに至った現状と課題（区市町村ニーズ）",
        "令和２年度までに目指すべきビジョン",
        "30年度",
        "令和元年度",
        "令和２年度",
        "取組の実施内容・実績",
        "自己評価と今後の課題・対応策",
        "参考資料",
    ],
    "第8期": [
        "目標設定するに至った現状と課題",
        "ビジョン・目標",
        "参考指標（アウトカム指標）",
        "目標に向けた取組",
        "指標(プロセス指標)",
        "令和３年度",
        "令和４年度",
        "令和５年度",
        "実績",
        "評定",
        "自己評価と評定のポイント",
        "参考資料",
    ],
}


def _pieces(heading: str, size: int = 5) -> list[str]:
    return [heading[start : start + size] for start in range(0, len(heading), size)]


def _export(plan: str, path) -> None:
    call_command("export_sheet", "--plan", plan, "--output", str(path), stdout=io.StringIO())


def _stored_text(item: Item, source: str, fiscal_year: int | None, layout: SheetLayout) -> str:
    """Return what the sheet must show for the item in a column, straight from the stored rows."""
    if source == Source.ITEM:
        parts = [f"事項{full_width(item.number)}", item.title]
        return "\n".join(parts + ([item.related_activities] if item.related_activities else []))
    if source == Source.TARGET:
        if item.target_wording:
            return item.target_wording  # the plan's 目標 cell as written (issue 21 item 2)
        texts = []
        for indicator in item.indicators.order_by("order", "id"):
            plan_target = indicator.targets.filter(source=Target.Source.PLAN).order_by("fiscal_year").first()
            if plan_target and plan_target.target_text not in texts:
                texts.append(plan_target.target_text)
        return "\n".join(texts)
    if source == Source.BACKGROUND:
        return item.background or item.area.background
    if source == Source.ITEM_VISION:
        return item.item_vision
    if source == Source.AREA_VISION:
        return item.area.vision.sheet_text if item.area.vision else ""
    if source == Source.OUTCOME_INDICATOR:
        return item.area.outcome_indicator_text
    if source == Source.REFERENCE:
        # The item's reference, then each year's own where it differs (no 別紙 attached here); a list
        # of documents 「別紙3、別紙5」 prints one a line, as the seed does (issue 21 item 3).
        texts = [
            item.reference,
            *SelfEvaluation.objects.filter(item=item).order_by("fiscal_year").values_list("reference", flat=True),
        ]
        lines = [line for text in texts if text for line in text.replace("、", "\n").splitlines()]
        return "\n".join(dict.fromkeys(lines))
    if source == Source.ACTUAL:
        return "\n".join(
            result.actual_text
            for result in YearlyResult.objects.filter(
                indicator__item=item, fiscal_year=fiscal_year, indicator__targets__source=Target.Source.PLAN
            )
            .distinct()
            .order_by("indicator__order", "indicator__id")
        )
    evaluation = SelfEvaluation.objects.filter(item=item, fiscal_year=fiscal_year).first()
    if evaluation is None:
        return ""
    if source == Source.ACTIVITIES:
        return evaluation.activities
    if source == Source.RATING:
        return evaluation.rating.symbol if evaluation.rating else ""
    # As seed 000 prints it: 「＜自己評価＞」 over the assessment, a blank line, 「＜今後の取組方針＞」 over
    # the next steps; 第7期's layout has no labels, so its cell is the assessment alone.
    if layout.name == "第8期様式":
        return f"＜自己評価＞\n{evaluation.self_assessment}" + (
            f"\n\n＜今後の取組方針＞\n{evaluation.next_steps}" if evaluation.next_steps else ""
        )
    assert not evaluation.next_steps, "第7期 keeps no next steps apart from the assessment"
    return evaluation.self_assessment


def _shown(sheet, row: int, column: int):
    """Return what a reader sees in the cell: a text shared by several items is one merged cell (issue 21 item 5)."""
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= row <= merged.max_row and merged.min_col <= column <= merged.max_col:
            return sheet.cell(row=merged.min_row, column=merged.min_col).value
    return sheet.cell(row=row, column=column).value


@pytest.mark.django_db
@pytest.mark.parametrize("plan_name", ["第7期", "第8期"])
def test_every_official_cell_equals_the_stored_text(tokyo_data, tmp_path, plan_name):
    plan = PlanPeriod.objects.select_related("layout").get(name=plan_name)
    placed = sheet_layout(plan=plan).placed(plan.fiscal_years)
    path = tmp_path / "sheet.xlsx"
    _export(plan_name, path)
    sheet = load_workbook(path).worksheets[0]
    item_column = next(index for index, column in enumerate(placed, start=1) if column.source == Source.ITEM)
    rows_by_text = {
        sheet.cell(row=row, column=item_column).value: row
        for row in range(1, sheet.max_row + 1)
        if isinstance(sheet.cell(row=row, column=item_column).value, str)
    }
    compared = 0
    mismatches = []
    items = (
        Item.objects.filter(area__plan=plan)
        .select_related("area__vision__parent")
        .order_by("area__number", "area__sub_number", "number")
    )
    for item in items:
        expected_item = _stored_text(item, Source.ITEM, None, plan.layout)
        row = rows_by_text[expected_item]
        first_of_area = item.number == min(i.number for i in items if i.area_id == item.area_id)
        shared_background = item.area.background and not any(i.background for i in items if i.area_id == item.area_id)
        for index, column in enumerate(placed, start=1):
            area_level = column.source in AREA_SOURCES or (column.source == Source.BACKGROUND and shared_background)
            if area_level and not first_of_area:
                continue  # merged: the area's text stands in its first item's row
            expected = _stored_text(item, column.source, column.fiscal_year, plan.layout) or None
            actual = _shown(sheet, row, index)
            compared += 1
            if actual != expected:
                mismatches.append((f"事項{item.number}", column.heading, column.fiscal_year, expected, actual))
    assert mismatches == []
    assert compared >= {"第7期": 20 * 11, "第8期": 2 * 13 - 3}[plan_name]


@pytest.mark.django_db
def test_an_administrator_edits_a_heading_and_the_sheet_follows(tokyo_data, tmp_path):
    column = SheetColumn.objects.get(layout__name="第8期様式", source=Source.OUTCOME_INDICATOR)
    column.heading = "参考指標"
    column.save()
    path = tmp_path / "sheet.xlsx"
    _export("第8期", path)
    assert load_workbook(path).worksheets[0].cell(row=1, column=3).value == "参考指標"


@pytest.mark.django_db
def test_libreoffice_prints_each_periods_layout_with_the_seed_headings(tokyo_data, soffice, tmp_path, artifacts_dir):
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed")
    for plan_name, number in (("第7期", "07"), ("第8期", "08")):
        workbook = tmp_path / f"sheet{number}.xlsx"
        _export(plan_name, workbook)
        pdf = convert(soffice, workbook, "pdf", tmp_path)
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, check=True, text=True)
        printed = "".join(text.stdout.split())
        # A heading wraps in its narrow column as it does on the seed; each line of it must print.
        missing = [heading for heading in SEED_HEADINGS[plan_name] if not all(p in printed for p in _pieces(heading))]
        assert missing == [], plan_name
        assert "【実績】\n・講師養成研修" not in text.stdout
        if shutil.which("pdftoppm"):
            # Page 1 of each sheet, to look at beside the seed (test-artifacts/, not committed).
            subprocess.run(
                ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(pdf), str(artifacts_dir / f"sheet{number}")],
                check=True,
            )
