"""Set a plan period up from its own self-evaluation sheet (issue 13 §3): round trip, hand-typed sheets, refusals."""

import io

import pytest
from openpyxl import load_workbook

from evaluations.models import ReportingYear
from evaluations.progress import plan_progress
from programs.models import Item, PlanPeriod
from programs.selectors import sheet_layout
from reports.serializers import progress_json
from sheets.exports.self_evaluation import SHEET_TITLE, self_evaluation_workbook, sheet_data
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.services import plan_sheet_import, plan_sheet_layouts


def export_bytes(plan_name: str) -> bytes:
    plan = PlanPeriod.objects.get(name=plan_name)
    workbook = self_evaluation_workbook(sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def draft_of(data: bytes, **options):
    return plan_sheet_parse(plan_sheet_read(data), layouts=plan_sheet_layouts(), **options)


def official_cells(data: bytes) -> dict[str, object]:
    """Every non-empty cell of the 自己評価シート worksheet, by coordinate."""
    sheet = load_workbook(io.BytesIO(data))[SHEET_TITLE]
    return {cell.coordinate: cell.value for row in sheet.iter_rows() for cell in row if cell.value not in (None, "")}


def api_years(plan_name: str) -> dict[tuple, dict]:
    """Target, actual, rate and status of every indicator-year as the API gives them."""
    data = progress_json(plan_progress(plan=PlanPeriod.objects.get(name=plan_name)))
    found = {}
    for area in data["areas"]:
        for item in area["items"]:
            for indicator in item["indicators"]:
                for year in indicator["years"]:
                    key = (area["number"], area["section"], item["number"], indicator["name"], year["fiscal_year"])
                    assert key not in found
                    found[key] = year
                found[(area["number"], area["section"], item["number"], indicator["name"], "cumulative")] = indicator[
                    "cumulative"
                ]
    return found


@pytest.mark.django_db
@pytest.mark.parametrize(("source", "copy"), [("第7期", "第7期（取込）"), ("第8期", "第8期（取込）")])
def test_round_trip_export_import_export_gives_the_same_cells_and_figures(tokyo_data, source, copy):
    exported = export_bytes(source)
    draft = draft_of(exported)
    assert draft.problems == ()
    assert draft.from_export
    result = plan_sheet_import(draft=draft, plan_name=copy)
    imported = result.plan
    original = PlanPeriod.objects.get(name=source)
    assert imported.ordinal not in {0, original.ordinal}
    assert (imported.first_fiscal_year, imported.last_fiscal_year) == (
        original.first_fiscal_year,
        original.last_fiscal_year,
    )
    assert imported.layout_id == original.layout_id
    assert imported.uses_rating == original.uses_rating
    assert Item.objects.filter(area__plan=imported).count() == Item.objects.filter(area__plan=original).count()
    assert ReportingYear.objects.filter(plan=imported).count() == len(original.fiscal_years)

    again = export_bytes(copy)
    assert official_cells(again) == official_cells(exported)
    assert api_years(copy) == api_years(source)
