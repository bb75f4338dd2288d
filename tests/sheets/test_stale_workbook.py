"""A stale workbook never overwrites a colleague's save (red-team finding on the Excel import).

Staff downloads the entry workbook; a colleague then saves item 1 on screen; staff imports the
old workbook. Each row carries its record's version in a hidden, protected column, so the
preview lists item 1 as a conflict with the colleague's change and confirming writes nothing
for it, while the other items of the workbook import as usual.
"""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evaluations import services
from evaluations.models import SelfEvaluation
from programs.models import Indicator, Item
from sheets.exports.entry_template import EVALUATIONS_SHEET, HEADER_ACTIVITIES, HEADER_VERSION, RESULTS_SHEET

from .helpers import download_template, fill, headers

pytestmark = pytest.mark.django_db


def _upload(client, data: bytes):
    return client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile("入力.xlsx", data)})


def test_the_version_column_is_hidden_and_locked(client, staff_user):
    client.force_login(staff_user)
    workbook = load_workbook(io.BytesIO(download_template(client)))
    for name in (RESULTS_SHEET, EVALUATIONS_SHEET):
        sheet = workbook[name]
        column = headers(sheet)[HEADER_VERSION]
        letter = sheet.cell(row=1, column=column).column_letter
        assert sheet.column_dimensions[letter].hidden is True
        assert sheet.protection.sheet is True
        assert sheet.cell(row=5, column=column).protection.locked is True


def test_a_stale_workbook_is_a_conflict_for_the_item_a_colleague_saved_and_nothing_is_written_for_it(
    client, staff_user, admin_user
):
    item1 = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    item2 = Item.objects.get(area__plan__name="第8期", area__number=7, number=2)
    client.force_login(staff_user)
    stale = download_template(client)
    record = SelfEvaluation.objects.filter(item=item1, fiscal_year=2022).first()
    # The colleague saves item 1 on screen after the download.
    services.item_entry_save(
        item=item1,
        fiscal_year=2022,
        user=admin_user,
        values={},
        evaluation={"activities": "同僚が画面で保存した取組"},
        expected_version=record.version if record else 0,
    )
    colleague = SelfEvaluation.objects.get(item=item1, fiscal_year=2022)
    # Staff types into item 2 only; item 1's row still holds the old text.
    data = fill(stale, evaluations={item2.id: {HEADER_ACTIVITIES: "担当者がExcelで入力した取組"}})
    response = _upload(client, data)
    preview = response.context["preview"]
    html = response.content.decode()
    assert [conflict.item_id for conflict in preview.conflicts] == [item1.id]
    assert "同僚が画面で保存した取組" in html  # the colleague's change is shown
    assert "他の利用者が" in html
    assert [update.item_id for update in preview.updates] == [item2.id]
    client.post(reverse("sheets:import_confirm"), {"token": response.context["token"]}, follow=True)
    colleague_after = SelfEvaluation.objects.get(item=item1, fiscal_year=2022)
    assert colleague_after.activities == "同僚が画面で保存した取組"
    assert colleague_after.version == colleague.version
    assert SelfEvaluation.objects.get(item=item2, fiscal_year=2022).activities == "担当者がExcelで入力した取組"


def test_a_stale_figure_is_a_conflict_too(client, staff_user, admin_user):
    item1 = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    trainees = Indicator.objects.get(item=item1, key="trainees")
    client.force_login(staff_user)
    stale = download_template(client)
    record = SelfEvaluation.objects.filter(item=item1, fiscal_year=2022).first()
    services.item_entry_save(
        item=item1,
        fiscal_year=2022,
        user=admin_user,
        values={trainees.id: Decimal(151)},
        expected_version=record.version if record else 0,
    )
    response = _upload(client, fill(stale, results={trainees.id: {"実績（原文）": "担当者の原文"}}))
    preview = response.context["preview"]
    assert [conflict.item_id for conflict in preview.conflicts] == [item1.id]
    assert not preview.updates
    assert not response.context["token"]


def test_a_fraction_of_a_count_is_refused_at_the_preview(client, staff_user):
    item2 = Item.objects.get(area__plan__name="第8期", area__number=7, number=2)
    meetings = Indicator.objects.get(item=item2, key="meetings")
    client.force_login(staff_user)
    response = _upload(client, fill(download_template(client), results={meetings.id: {"実績（数値）": 1.5}}))
    messages = [error.message for error in response.context["preview"].errors]
    assert messages == ["区市町村実務者連絡会議の開催回数 実績: 回で数える値は整数で入力してください。"]
    assert not response.context["token"]
