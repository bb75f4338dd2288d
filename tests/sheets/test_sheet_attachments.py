"""The sheet's 参考資料 column lists the titles of the 別紙 attached to each item-year (issue 14 §4).

The stored reference text stays verbatim and first; the titles it does not already cite follow,
one a line, oldest fiscal year first and by number within a year. The Excel sheet, its PDF and
the command all read the titles through one selector, in one query whatever the number of files.
"""

import io
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from bench.synthetic import TOKYO_AREAS, grow_plan
from cycle.models import Attachment
from cycle.services import attachment_delete, attachment_upload
from evaluations.models import SelfEvaluation
from evaluations.progress import plan_progress
from programs.models import Item, PlanPeriod
from programs.selectors import sheet_layout
from programs.sheet_layouts import Source
from sheets.exports.self_evaluation import NOTES_TITLE, sheet_data

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


def _item(plan: str = "第8期", area: int = 7, number: int = 1, sub_number: int | None = None) -> Item:
    return Item.objects.get(area__plan__name=plan, area__number=area, area__sub_number=sub_number, number=number)


def _attach(item: Item, fiscal_year: int, title: str, by) -> Attachment:
    upload = SimpleUploadedFile("資料.pdf", PDF, content_type="application/pdf")
    return attachment_upload(item=item, fiscal_year=fiscal_year, title=title, upload=upload, by=by)


def _registered(item: Item, fiscal_year: int, title: str, by) -> Attachment:
    """Return a 別紙 row registered while its year was open (第7期's years are locked now)."""
    return Attachment.objects.create(
        item=item,
        fiscal_year=fiscal_year,
        title=title,
        file=f"attachments/{item.id}/{fiscal_year}/{title}.pdf",
        kind="pdf",
        original_name="資料.pdf",
        size=len(PDF),
        sha256="0" * 64,
        uploaded_by=by,
    )


def _workbook(client, **params):
    response = client.get(reverse("sheets:self_evaluation_sheet"), params)
    assert response.status_code == 200
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _download(client, **params):
    return _workbook(client, **params).worksheets[0]


def _cell_of(worksheet, item: Item) -> str:
    """Return the 参考資料 cell of the row whose item text holds the item's title."""
    header = next(row for row in worksheet.iter_rows() if any(cell.value == "参考資料" for cell in row))
    reference_column = next(cell.column for cell in header if cell.value == "参考資料")
    for row in worksheet.iter_rows(min_row=header[0].row + 1):
        for cell in row:
            if isinstance(cell.value, str) and cell.value.startswith("事項") and item.title in cell.value:
                # A text several items share is one merged cell (issue 21 item 5): read what it shows.
                for merged in worksheet.merged_cells.ranges:
                    if merged.min_col == reference_column and merged.min_row <= cell.row <= merged.max_row:
                        return worksheet.cell(row=merged.min_row, column=reference_column).value or ""
                return worksheet.cell(row=cell.row, column=reference_column).value or ""
    raise AssertionError(f"no row for {item.title}")


def _all_text(worksheet) -> str:
    return "\n".join(str(cell.value) for row in worksheet.iter_rows() for cell in row if cell.value is not None)


def test_the_excel_reference_cell_lists_the_attached_titles_after_the_stored_text(client, admin_user):
    cited, uncited = _item(number=1), _item(number=2)
    assert cited.reference == "別紙7-12"  # seed 000 prints 別紙7-12 beside both items
    Item.objects.filter(pk=uncited.pk).update(reference="")
    for item in (cited, uncited):
        _attach(item, 2022, "別紙7-13", admin_user)
        _attach(item, 2022, "別紙7-12", admin_user)
    client.force_login(admin_user)

    workbook = _workbook(client, plan="第8期")
    sheet = workbook.worksheets[0]

    # The stored 別紙7-12 stays and is not repeated; 別紙7-13 follows on its own line.
    assert _cell_of(sheet, cited) == "別紙7-12\n別紙7-13"
    assert _cell_of(sheet, uncited) == "別紙7-12\n別紙7-13"
    assert "添付された別紙の表題" in _all_text(workbook[NOTES_TITLE])


def test_titles_follow_the_years_then_their_numbers_and_the_stored_citations_are_not_repeated(tokyo_data):
    plan = PlanPeriod.objects.get(name="第7期")
    item = _item("第7期", 1, 1)
    assert item.reference == "別紙1"
    SelfEvaluation.objects.filter(item=item, fiscal_year=2019).update(reference="別紙15、別紙16")
    titles = {
        (item.id, 2020): ("別紙7-12", "別紙7-2", "別紙１"),
        (item.id, 2018): ("別紙16", "参考 研修の記録"),
        (item.id, 2019): ("別紙１６", "別紙7-2", "別紙１５－２"),
    }

    data = sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan), attachment_titles=titles)

    reference = next(index for index, column in enumerate(data.columns) if column.source == Source.REFERENCE)
    row = next(row for area in data.areas for row in area.rows if row.item_id == item.id)
    # Stored first (the item's, then the year's own); 別紙16/別紙１６ and 別紙１ are cited already
    # (width ignored); 別紙１５－２ is not 別紙15; by number in a year (7-2, 15-2); 別紙7-2 once, in 2019.
    # The stored 「別紙15、別紙16」 prints one document a line, as the seed does (issue 21 item 3).
    assert row.cells[reference].splitlines() == [
        "別紙1",
        "別紙15",
        "別紙16",
        "参考 研修の記録",
        "別紙7-2",
        "別紙１５－２",
        "別紙7-12",
    ]
    other_rows = [row for area in data.areas for row in area.rows if row.item_id != item.id]
    assert not any("別紙7-2" in row.cells[reference] for row in other_rows)


def test_a_deleted_attachment_leaves_the_sheet(client, admin_user):
    item = _item(number=2)
    Item.objects.filter(pk=item.pk).update(reference="")
    kept = _attach(item, 2022, "別紙7-20", admin_user)
    dropped = _attach(item, 2022, "別紙7-21", admin_user)
    client.force_login(admin_user)
    assert _cell_of(_download(client, plan="第8期"), item) == "別紙7-20\n別紙7-21"

    attachment_delete(attachment=dropped, by=admin_user)

    assert _cell_of(_download(client, plan="第8期"), item) == kept.title
    assert "別紙7-21" not in _all_text(_download(client, plan="第8期"))


def test_another_plans_or_areas_attachments_do_not_leak(client, admin_user):
    _registered(_item("第7期", 1, 1), 2019, "別紙99-1", admin_user)
    _registered(_item("第7期", 3, 1), 2019, "別紙99-3", admin_user)
    client.force_login(admin_user)

    assert "別紙99" not in _all_text(_download(client, plan="第8期"))
    area_1 = _item("第7期", 1, 1).area_id
    area_sheet = _all_text(_download(client, plan="第7期", area=area_1))
    assert "別紙99-1" in area_sheet
    assert "別紙99-3" not in area_sheet


def test_the_sheet_download_reads_the_titles_in_one_query_whatever_their_number(client, admin_user, settings):
    # Built in the request at both sizes (the tenfold plan would otherwise go to the worker), so
    # that the two counts compare the same work.
    settings.BACKGROUND_EXPORT_MIN_ITEMS = 10_000
    client.force_login(admin_user)
    url = reverse("sheets:self_evaluation_sheet")

    def count() -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, {"plan": "第7期"})
            b"".join(response.streaming_content)
        assert response.status_code == 200
        return len(context), [query["sql"] for query in context.captured_queries]

    count()  # compute the plan's progress once
    small, _ = count()
    plan = PlanPeriod.objects.get(name="第7期")
    grow_plan(plan, areas=TOKYO_AREAS * 10)
    items = list(Item.objects.filter(area__plan=plan))
    Attachment.objects.bulk_create(
        Attachment(
            item=item,
            fiscal_year=year,
            title=f"別紙{item.id}-{year}",
            file=f"attachments/{item.id}/{year}/x.pdf",
            kind="pdf",
            original_name="x.pdf",
            size=1,
            sha256="0" * 64,
            uploaded_by=admin_user,
        )
        for item in items
        for year in plan.fiscal_years
    )
    count()  # the plan grew: compute its progress again
    large, sql = count()

    assert large == small, f"{small} queries before, {large} with {len(items)} items and their 別紙\n" + "\n".join(sql)
    assert sum("cycle_attachment" in query for query in sql) == 1


def test_the_pdf_lists_the_attached_titles(client, admin_user, soffice, tmp_path):
    item = _item(number=2)
    Item.objects.filter(pk=item.pk).update(reference="")
    _attach(item, 2022, "別紙7-12", admin_user)
    _attach(item, 2022, "別紙7-13", admin_user)
    client.force_login(admin_user)

    asked = client.get(reverse("sheets:self_evaluation_pdf"), {"plan": "第8期"})
    assert asked.status_code == 302 and asked["Location"].startswith("/jobs/")  # built by the worker
    response = client.get(asked["Location"] + "download/")

    assert response.status_code == 200
    path = tmp_path / "sheet.pdf"
    path.write_bytes(b"".join(response.streaming_content))
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is required (apt-get install poppler-utils)"
    text = subprocess.run([pdftotext, str(path), "-"], check=True, capture_output=True, text=True).stdout
    assert "別紙7-13" in "".join(text.split())
    assert "".join(text.split()).count("別紙7-12") >= 2  # both items cite it: one stored, one attached


def test_a_year_still_in_the_workflow_lends_the_sheet_neither_its_reference_nor_its_titles(
    client, admin_user, manager_user
):
    """The official sheet prints approved text only: a draft's 参考資料 and 別紙 wait for the approval."""
    item = _item(number=2)
    Item.objects.filter(pk=item.pk).update(reference="")
    _attach(item, 2022, "別紙7-30", admin_user)
    evaluation, _ = SelfEvaluation.objects.update_or_create(
        item=item, fiscal_year=2022, defaults={"status": SelfEvaluation.Status.DRAFT, "reference": "下書きの別紙7-31"}
    )
    client.force_login(manager_user)

    assert _cell_of(_download(client, plan="第8期"), item) == ""
    for url in ("sheets:self_evaluation_sheet", "sheets:summary", "reports:table_xlsx"):
        response = client.get(reverse(url), {"plan": "第8期"})
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text = "\n".join(
            str(cell.value) for sheet in load_workbook(io.BytesIO(body)) for row in sheet.iter_rows() for cell in row
        )
        assert "下書きの別紙7-31" not in text and "別紙7-30" not in text, url

    SelfEvaluation.objects.filter(pk=evaluation.pk).update(status=SelfEvaluation.Status.APPROVED)
    assert _cell_of(_download(client, plan="第8期"), item) == "下書きの別紙7-31\n別紙7-30"
