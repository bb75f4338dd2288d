"""A real client: LibreOffice opens the exported workbooks, prints them to PDF and saves them as CSV."""

import csv
import io

import pytest
from django.core.management import call_command

from sheets.exports.self_evaluation import SHEET_TITLE

from .conftest import CSV_FILTER, convert


def _csv_rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


@pytest.mark.django_db
def test_libreoffice_reads_the_self_evaluation_sheet(tokyo_data, soffice, tmp_path):
    workbook = tmp_path / "sheet8.xlsx"
    call_command("export_sheet", "--plan", "第8期", "--output", str(workbook), stdout=io.StringIO())

    pdf = convert(soffice, workbook, "pdf", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert pdf.stat().st_size > 10_000

    # The CSV filter writes the first worksheet, which must be the sheet itself.
    csv_path = convert(soffice, workbook, CSV_FILTER, tmp_path)
    rows = _csv_rows(csv_path)
    # The 第8期 layout: no title line, 令和３年度 over its 実績 and 自己評価, 「144人」 as written.
    assert rows[0][:3] == ["目標設定するに至った現状と課題", "ビジョン・目標", "参考指標（アウトカム指標）"]
    assert rows[0][5] == "令和３年度"
    trainees = next(row for row in rows if row[3].startswith("事項１"))
    assert trainees[4:6] == ["153人（各年度）", "144人"]
    assert "講師養成研修の受講者数：144人" not in csv_path.read_text(encoding="utf-8")  # computed: on 達成状況
    assert SHEET_TITLE  # the first sheet's title is asserted with openpyxl elsewhere


@pytest.mark.django_db
def test_libreoffice_reads_the_summary_figures_as_numbers(tokyo_data, soffice, tmp_path):
    workbook = tmp_path / "summary8.xlsx"
    call_command("export_summary", "--plan", "第8期", "--output", str(workbook), stdout=io.StringIO())
    rows = _csv_rows(convert(soffice, workbook, CSV_FILTER, tmp_path))
    header = rows[0]
    trainees = next(row for row in rows if "講師養成研修の受講者数" in row)
    record = dict(zip(header, trainees, strict=False))
    assert record["令和3年度 目標"] == "153"
    assert record["令和3年度 実績"] == "144"
    assert record["令和3年度 達成率"] == "94.1%"  # the number 0.941 shown through its 0.0% format
    assert record["令和3年度 状況"] == "概ね達成"
    assert convert(soffice, workbook, "pdf", tmp_path).stat().st_size > 5_000


@pytest.mark.django_db
def test_libreoffice_keeps_formula_like_text_as_text(tokyo_data, soffice, tmp_path):
    from evaluations.models import SelfEvaluation

    SelfEvaluation.objects.filter(item__area__plan__name="第8期", item__number=1, fiscal_year=2021).update(
        self_assessment="=1+1", next_steps="@SUM(A1)"
    )
    workbook = tmp_path / "injected.xlsx"
    call_command("export_sheet", "--plan", "第8期", "--output", str(workbook), stdout=io.StringIO())
    text = convert(soffice, workbook, CSV_FILTER, tmp_path).read_text(encoding="utf-8")
    assert "＜自己評価＞\n=1+1\n\n＜今後の取組方針＞\n@SUM(A1)" in text
    assert "Err:" not in text and "#NAME?" not in text


@pytest.mark.django_db
def test_libreoffice_reads_the_7th_plan_cumulative_figure(tokyo_data, soffice, tmp_path):
    workbook = tmp_path / "summary7.xlsx"
    call_command("export_summary", "--plan", "第7期", "--output", str(workbook), stdout=io.StringIO())
    rows = _csv_rows(convert(soffice, workbook, CSV_FILTER, tmp_path))
    record = dict(zip(rows[0], next(r for r in rows if r[0].startswith("2（1）") and r[1] == "事項1"), strict=False))
    assert (record["期間累計"], record["累計達成率"]) == ("1,199", "88.8%")
