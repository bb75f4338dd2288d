"""The summary workbook: a row per indicator, rates as numbers with a percent format, autofilter, a chart."""

import io
import zipfile

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Item


def _download(client, **params):
    response = client.get(reverse("sheets:summary"), params)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _rows(sheet) -> list[dict]:
    header = [cell.value for cell in sheet[1]]
    return [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]


@pytest.mark.django_db
def test_the_8th_plan_sheet_has_144_of_153_as_a_real_percentage(client, manager_user):
    client.force_login(manager_user)
    workbook = _download(client, plan="第8期")
    # The items' programmes (事業) follow on their own worksheet (issue 21 item 16).
    assert workbook.sheetnames == ["第8期", "第8期グラフ", "関連事業"]
    sheet = workbook["第8期"]
    rows = _rows(sheet)
    trainees = next(row for row in rows if row["指標"] == "講師養成研修の受講者数")
    assert trainees["取組分野"] == "7 地域ケア会議の推進"
    assert trainees["事項"] == "事項1"
    assert (trainees["令和3年度 目標"], trainees["令和3年度 実績"]) == (153, 144)
    assert trainees["令和3年度 達成率"] == pytest.approx(0.941)
    assert trainees["令和3年度 状況"] == "概ね達成"
    assert trainees["令和4年度 状況"] == "未入力"
    rate_cell = next(cell for cell in sheet[1] if cell.value == "令和3年度 達成率")
    row_number = rows.index(trainees) + 2
    assert sheet.cell(row=row_number, column=rate_cell.column).number_format == "0.0%"
    assert sheet.cell(row=row_number, column=rate_cell.column).data_type == "n"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(row=1, column=sheet.max_column).column_letter}{len(rows) + 1}"
    assert sheet.freeze_panes == "D2"


@pytest.mark.django_db
def test_the_7th_plan_sheet_has_the_cumulative_1199_of_1350(client, manager_user):
    client.force_login(manager_user)
    rows = _rows(_download(client, plan="第7期")["第7期"])
    trainees = next(row for row in rows if row["取組分野"].startswith("2（1）") and row["事項"] == "事項1")
    assert trainees["目標（原文）"] == "1,350人"
    assert [trainees[f"{era} 実績"] for era in ("平成30年度", "令和元年度", "令和2年度")] == [352, 428, 419]
    assert trainees["期間累計"] == 1199
    assert trainees["累計達成率"] == pytest.approx(0.888)


@pytest.mark.django_db
def test_the_chart_is_a_native_bar_chart_of_target_and_actual(client, manager_user):
    client.force_login(manager_user)
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    workbook = _download(client, plan="第8期", item=item.id)
    chart_sheet = workbook["第8期グラフ"]
    assert [cell.value for cell in chart_sheet[1][:3]] == ["指標", "目標", "実績"]
    assert [cell.value for cell in chart_sheet[2][:3]] == ["7-事項1 講師養成研修の受講者数（令和3年度）", 153, 144]
    assert chart_sheet.max_row == 2  # only the chosen item
    # openpyxl does not read charts back; check the drawing part in the archive instead.
    response = client.get(reverse("sheets:summary"), {"plan": "第8期", "item": item.id})
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    chart_xml = archive.read("xl/charts/chart1.xml").decode()
    assert "<barChart>" in chart_xml
    assert "'第8期グラフ'!$B$2" in chart_xml  # 目標
    assert "'第8期グラフ'!$C$2" in chart_xml  # 実績


@pytest.mark.django_db
def test_without_a_plan_every_plan_gets_a_sheet(client, admin_user):
    client.force_login(admin_user)
    workbook = _download(client)
    assert workbook.sheetnames[:4] == ["第7期", "第7期グラフ", "第8期", "第8期グラフ"]
    assert "第9期" in workbook.sheetnames


@pytest.mark.django_db
def test_staff_may_not_download_the_summary(client, staff_user):
    client.force_login(staff_user)
    assert client.get(reverse("sheets:summary"), {"plan": "第8期"}).status_code == 403


@pytest.mark.django_db
def test_export_summary_command(tokyo_data, tmp_path):
    output = tmp_path / "summary.xlsx"
    call_command("export_summary", "--plan", "第8期", "--output", str(output), stdout=io.StringIO())
    rows = _rows(load_workbook(output)["第8期"])
    assert any(row["令和3年度 実績"] == 144 for row in rows)
