"""Import round trip: download the entry workbook, fill it, upload, preview, confirm; and every refusal."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from evaluations.policies import REASON_NOT_OWNER, REASON_YEAR_LOCKED
from programs.models import Indicator, Item
from programs.quantities import ERROR_QUANTITY_NEGATIVE
from sheets.exports.entry_template import (
    EVALUATIONS_SHEET,
    HEADER_ACTIVITIES,
    HEADER_ACTUAL_TEXT,
    HEADER_NEXT_STEPS,
    HEADER_SELF_ASSESSMENT,
    HEADER_VALUE,
    META_SHEET,
    RESULTS_SHEET,
)
from sheets.imports import entry

from .helpers import Formula, download_template, fill, headers, history_count


@pytest.fixture
def area7(tokyo_data):
    item1 = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    item2 = Item.objects.get(area__plan__name="第8期", area__number=7, number=2)
    return {
        "item1": item1,
        "item2": item2,
        "trainees": Indicator.objects.get(item=item1, key="trainees"),
        "courses": Indicator.objects.get(item=item1, key="courses"),
        "meetings": Indicator.objects.get(item=item2, key="meetings"),
    }


def _upload(client, data: bytes, name: str = "入力.xlsx"):
    return client.post(reverse("sheets:import_upload"), {"file": SimpleUploadedFile(name, data)})


def _confirm(client, response):
    token = response.context["token"]
    assert token
    return client.post(reverse("sheets:import_confirm"), {"token": token}, follow=True)


@pytest.mark.django_db
def test_the_template_holds_hidden_ids_a_year_list_and_the_users_items(client, staff_user, area7):
    client.force_login(staff_user)
    workbook = load_workbook(io.BytesIO(download_template(client)))
    assert workbook.sheetnames == [RESULTS_SHEET, EVALUATIONS_SHEET, META_SHEET]
    assert workbook[META_SHEET].sheet_state == "veryHidden"
    results = workbook[RESULTS_SHEET]
    assert results.column_dimensions["A"].hidden is True
    assert results["C2"].value == "令和4年度"
    validations = results.data_validations.dataValidation
    year_list = next(v for v in validations if v.type == "list")
    assert year_list.formula1 == '"令和3年度,令和4年度,令和5年度"'
    assert "C2" in str(year_list.sqref)
    ids = [row[0].value for row in results.iter_rows(min_row=5) if row[0].value]
    assert set(ids) == set(
        Indicator.objects.filter(item__in=[area7["item1"], area7["item2"]]).values_list("id", flat=True)
    )
    evaluation_ids = [row[0].value for row in workbook[EVALUATIONS_SHEET].iter_rows(min_row=5) if row[0].value]
    assert evaluation_ids == [area7["item1"].id, area7["item2"].id]


@pytest.mark.django_db
def test_the_fy2021_template_is_prefilled_with_the_recorded_figures(client, staff_user, area7):
    client.force_login(staff_user)
    workbook = load_workbook(io.BytesIO(download_template(client, fiscal_year="令和3年度")))
    sheet = workbook[RESULTS_SHEET]
    columns = headers(sheet)
    row = next(r for r in sheet.iter_rows(min_row=5) if r[0].value == area7["trainees"].id)
    assert row[columns[HEADER_VALUE] - 1].value == 144
    assert row[columns["目標"] - 1].value == "153人（各年度）"


@pytest.mark.django_db
def test_round_trip_preview_then_confirm_writes_figures_and_audit_history(client, staff_user, area7):
    client.force_login(staff_user)
    filled = fill(
        download_template(client),
        results={
            area7["trainees"].id: {HEADER_VALUE: "１５０人"},  # full-width digits with the unit
            area7["courses"].id: {HEADER_VALUE: 3},
            area7["meetings"].id: {HEADER_VALUE: "1,002回", HEADER_ACTUAL_TEXT: "連絡会議 1,002回"},
        },
        evaluations={
            area7["item1"].id: {
                HEADER_ACTIVITIES: "講師養成研修を実施",
                HEADER_SELF_ASSESSMENT: "=1+1",
                HEADER_NEXT_STEPS: "継続する",
            }
        },
        year="R4",  # an era year typed by hand
    )
    before = history_count()
    response = _upload(client, filled)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.errors == ()
    assert preview.fiscal_year == 2022
    page = response.content.decode()
    assert "取込内容の確認" in page
    assert "（空欄）" in page and "150人" in page
    changed = {(change.field, change.old, change.new) for item in preview.changes for change in item.fields}
    assert ("講師養成研修の受講者数（実績（数値））", "（空欄）", "150人") in changed
    assert ("区市町村実務者連絡会議の開催回数（実績（数値））", "（空欄）", "1,002回") in changed
    assert (HEADER_SELF_ASSESSMENT, "（空欄）", "=1+1") in changed
    # Nothing is written by the preview.
    assert history_count() == before
    assert not YearlyResult.objects.filter(fiscal_year=2022, indicator=area7["trainees"]).exists()

    response = _confirm(client, response)
    assert "2件の事項を更新しました" in response.content.decode()
    trainees = YearlyResult.objects.get(indicator=area7["trainees"], fiscal_year=2022)
    assert (trainees.value, trainees.actual_text) == (Decimal(150), "150人")
    meetings = YearlyResult.objects.get(indicator=area7["meetings"], fiscal_year=2022)
    assert (meetings.value, meetings.actual_text) == (Decimal(1002), "連絡会議 1,002回")
    assert YearlyResult.objects.get(indicator=area7["courses"], fiscal_year=2022).value == 3
    evaluation = SelfEvaluation.objects.get(item=area7["item1"], fiscal_year=2022)
    assert (evaluation.activities, evaluation.self_assessment, evaluation.next_steps) == (
        "講師養成研修を実施",
        "=1+1",
        "継続する",
    )
    audit = trainees.history.get()
    assert audit.history_user == staff_user
    assert audit.history_change_reason == "Excel取込（入力.xlsx）"
    assert evaluation.history.filter(history_user=staff_user).exists()
    assert history_count() > before

    # The same file again changes nothing.
    after_first = history_count()
    response = _upload(client, filled)
    assert response.context["preview"].changes == ()
    assert response.context["token"] == ""
    assert "変更はありません" in response.content.decode()
    assert history_count() == after_first


@pytest.mark.django_db
def test_a_downloaded_and_untouched_workbook_changes_nothing(client, staff_user, area7):
    client.force_login(staff_user)
    response = _upload(client, download_template(client, fiscal_year="2021"))
    assert response.context["preview"].errors == ()
    assert response.context["preview"].changes == ()


@pytest.mark.django_db
def test_a_confirm_applies_in_one_transaction_so_a_late_failure_leaves_nothing(client, staff_user, area7, monkeypatch):
    client.force_login(staff_user)
    filled = fill(
        download_template(client),
        results={area7["trainees"].id: {HEADER_VALUE: 150}, area7["meetings"].id: {HEADER_VALUE: 1}},
    )
    response = _upload(client, filled)
    # Between preview and confirm an administrator locks the year: the second item is refused.
    real_save = entry.services.item_entry_save
    calls = []

    def save_then_lock(**kwargs):
        calls.append(kwargs["item"].id)
        if len(calls) == 2:
            ReportingYear.objects.filter(plan__name="第8期", fiscal_year=2022).update(is_locked=True)
        return real_save(**kwargs)

    monkeypatch.setattr(entry.services, "item_entry_save", save_then_lock)
    before = history_count()
    page = _confirm(client, response).content.decode()
    assert len(calls) == 2
    assert "何も反映していません" in page
    assert REASON_YEAR_LOCKED.format(year="令和4年度") in page
    assert history_count() == before
    assert not YearlyResult.objects.filter(
        fiscal_year=2022, indicator__item__in=[area7["item1"], area7["item2"]]
    ).exists()


@pytest.mark.django_db
def test_a_change_made_after_the_preview_is_a_conflict_and_nothing_is_written(client, staff_user, area7):
    from evaluations.services import item_entry_save

    client.force_login(staff_user)
    item_entry_save(item=area7["item1"], fiscal_year=2022, user=staff_user, values={}, evaluation={"activities": "先"})
    filled = fill(download_template(client), evaluations={area7["item1"].id: {HEADER_ACTIVITIES: "後"}})
    response = _upload(client, filled)
    item_entry_save(
        item=area7["item1"],
        fiscal_year=2022,
        user=staff_user,
        values={},
        evaluation={"activities": "別"},
        expected_version=SelfEvaluation.objects.get(item=area7["item1"], fiscal_year=2022).version,
    )
    before = history_count()
    page = _confirm(client, response).content.decode()
    assert "他の利用者が更新しました" in page
    assert history_count() == before
    assert SelfEvaluation.objects.get(item=area7["item1"], fiscal_year=2022).activities == "別"


@pytest.mark.django_db
def test_every_bad_row_is_listed_with_sheet_row_and_column_and_nothing_is_written(client, staff_user, area7):
    client.force_login(staff_user)
    filled = fill(
        download_template(client),
        results={
            area7["trainees"].id: {HEADER_VALUE: "たくさん"},
            area7["courses"].id: {HEADER_VALUE: "3人"},  # the indicator counts コース
            area7["meetings"].id: {HEADER_VALUE: -1},
        },
    )
    before = history_count()
    response = _upload(client, filled)
    preview = response.context["preview"]
    assert response.context["token"] == ""
    found = {(error.sheet, error.column, error.message) for error in preview.errors}
    assert (
        RESULTS_SHEET,
        "G列（実績（数値））",
        "「たくさん」は数値として読み取れません。例:「144」「1,350人」",
    ) in found
    assert (RESULTS_SHEET, "G列（実績（数値））", "単位「人」がこの指標の単位「コース」と違います。") in found
    assert (RESULTS_SHEET, "G列（実績（数値））", ERROR_QUANTITY_NEGATIVE.format(text="-1")) in found
    assert all(error.row and error.row >= 5 for error in preview.errors)
    page = response.content.decode()
    assert "エラー（3件）" in page and "この内容で反映する" not in page
    assert history_count() == before


@pytest.mark.django_db
def test_a_year_outside_the_plan_and_an_unknown_id_are_errors(client, staff_user, area7):
    client.force_login(staff_user)
    data = fill(download_template(client), year="令和9年度")
    errors = _upload(client, data).context["preview"].errors
    assert [(e.sheet, e.row, e.column, e.message) for e in errors] == [
        (RESULTS_SHEET, 2, "C列（年度）", "令和9年度は第8期の年度ではありません。")
    ]

    workbook = load_workbook(io.BytesIO(download_template(client)))
    workbook[RESULTS_SHEET]["A5"].value = 999999
    buffer = io.BytesIO()
    workbook.save(buffer)
    errors = _upload(client, buffer.getvalue()).context["preview"].errors
    assert [(e.row, e.message) for e in errors] == [(5, "指標ID 999999 はこの計画期間にありません。")]


@pytest.mark.django_db
def test_another_sections_staff_cannot_import_items_they_do_not_own(client, staff_user, other_staff_user, area7):
    client.force_login(staff_user)
    filled = fill(download_template(client), results={area7["trainees"].id: {HEADER_VALUE: 150}})
    client.force_login(other_staff_user)
    before = history_count()
    response = _upload(client, filled)
    errors = response.context["preview"].errors
    assert len(errors) == 1
    assert errors[0].message == f"事項1 {area7['item1'].short_title}: {REASON_NOT_OWNER}"
    assert response.context["token"] == ""
    assert history_count() == before


@pytest.mark.django_db
def test_a_locked_year_cannot_be_changed_by_import(client, staff_user, area7):
    client.force_login(staff_user)
    filled = fill(download_template(client, fiscal_year="2021"), results={area7["trainees"].id: {HEADER_VALUE: 150}})
    before = history_count()
    errors = _upload(client, filled).context["preview"].errors
    assert [e.message for e in errors] == [
        f"事項1 {area7['item1'].short_title}: {REASON_YEAR_LOCKED.format(year='令和3年度')}"
    ]
    assert YearlyResult.objects.get(indicator=area7["trainees"], fiscal_year=2021).value == 144
    assert history_count() == before


@pytest.mark.django_db
def test_a_foreign_workbook_is_not_an_entry_workbook(client, staff_user):
    from openpyxl import Workbook

    client.force_login(staff_user)
    buffer = io.BytesIO()
    Workbook().save(buffer)
    errors = _upload(client, buffer.getvalue()).context["preview"].errors
    assert [e.message for e in errors] == [entry.ERROR_NOT_TEMPLATE]


@pytest.mark.django_db
def test_formulas_are_read_as_their_cached_values(client, staff_user, area7):
    """A formula typed in Excel arrives as the value Excel cached; openpyxl stores none, so it reads blank."""
    client.force_login(staff_user)
    filled = fill(download_template(client), results={area7["trainees"].id: {HEADER_VALUE: Formula("=100+50")}})
    preview = _upload(client, filled).context["preview"]
    assert preview.errors == ()
    assert preview.changes == ()  # no cached value: read as blank, and blank is what is recorded


@pytest.mark.django_db
def test_a_confirm_without_a_preview_does_nothing(client, staff_user):
    client.force_login(staff_user)
    page = client.post(reverse("sheets:import_confirm"), {"token": "guess"}, follow=True).content.decode()
    assert "取込の内容が見つかりません" in page


@pytest.mark.django_db
def test_managers_cannot_use_the_entry_workbook(client, manager_user):
    client.force_login(manager_user)
    assert client.get(reverse("sheets:entry_template"), {"plan": "第8期", "fiscal_year": "2022"}).status_code == 403
    assert client.get(reverse("sheets:import_upload")).status_code == 403


@pytest.mark.django_db
def test_the_upload_page_offers_the_template(client, staff_user):
    client.force_login(staff_user)
    page = client.get(reverse("sheets:import_upload")).content.decode()
    assert 'action="/sheets/entry-template.xlsx"' in page
    assert '<label for="id_file">' in page


@pytest.mark.django_db
def test_a_bad_fiscal_year_in_the_template_url_is_a_bad_request(client, staff_user):
    client.force_login(staff_user)
    url = reverse("sheets:entry_template")
    assert client.get(url, {"plan": "第8期", "fiscal_year": "abc"}).status_code == 400
    assert client.get(url, {"plan": "第8期", "fiscal_year": "2019"}).status_code == 400
    assert client.get(url, {"plan": "第8期", "fiscal_year": "R4"}).status_code == 200
