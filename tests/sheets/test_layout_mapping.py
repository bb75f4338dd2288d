"""Issue 19 item 3: a sheet no layout matches is mapped on one screen, saved as a layout, and recognised next time.

A fresh installation (migrate only, no Tokyo data) with one システム管理者; the workbooks are typed
from seed 000 in another prefecture's columns (tests/sheets/mapped_workbooks.py).
"""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from accounts.roles import MANAGER, STAFF
from accounts.services import roles_ensure
from programs.models import Item, PlanPeriod, SheetColumn, SheetLayout
from programs.shipped_layouts import LAYOUTS as SHIPPED
from sheets.exports.self_evaluation import SHEET_TITLE
from sheets.forms import ERROR_COLUMN_OUT_OF_RANGE
from sheets.imports import mapping
from sheets.imports.plan_sheet import plan_sheet_read
from sheets.plan_sheet_preview import SESSION_KEY
from sheets.services import ERROR_LAYOUT_NAME_TAKEN

from .mapped_workbooks import (
    AREA,
    ASSESSMENT_1,
    BACKGROUND,
    ITEM_1,
    ITEM_2,
    MAPPING,
    RELATED,
    in_seed,
    many_items_workbook,
    other_layout_workbook,
)
from .test_plan_sheet_import import draft_of, export_bytes

UPLOAD = "sheets:plan_sheet_upload"
MAP = "sheets:plan_sheet_map"
CONFIRM = "sheets:plan_sheet_confirm"

# The layouts every installation has after migrate (programs 0010); the mapping adds to them.
SHIPPED_NAMES = [layout["name"] for layout in SHIPPED]


def _mapped_layouts():
    return SheetLayout.objects.exclude(name__in=SHIPPED_NAMES)


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_user("admin", password="pw", is_superuser=True)


def _upload(client, data: bytes, plan: str = "第8期", **extra):
    return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile("評価シート.xlsx", data), "plan": plan, **extra})


def _map(client, name="〇〇県様式", **changes):
    token = client.session[SESSION_KEY]["token"]
    return client.post(reverse(MAP), {"token": token, "name": name, **MAPPING, **changes})


def test_the_workbook_is_typed_from_the_seed():
    for text in (AREA, BACKGROUND, ITEM_1, ITEM_2, RELATED, ASSESSMENT_1, "153人（各年度）", "144人", "別紙7-12"):
        assert in_seed(text), text


def test_the_header_rows_are_found_below_the_title_row():
    headings = mapping.sheet_headings(plan_sheet_read(other_layout_workbook()).sheet)
    assert (headings.header_row, headings.name_row) == (2, 3)
    assert [(c.letter, c.shown, c.year) for c in headings.columns] == [
        ("A", "取組項目", ""),
        ("B", "数値目標", ""),
        ("C", "課題", ""),
        ("D", "所管課", ""),
        ("E", "実績値", "令和３年度"),
        ("F", "評価", "令和３年度"),
        ("G", "実績値", "令和４年度"),
        ("H", "評価", "令和４年度"),
        ("I", "実績値", "令和５年度"),
        ("J", "評価", "令和５年度"),
        ("K", "備考", ""),
    ]


def test_an_unknown_layout_is_mapped_once_then_recognised(client, administrator):
    client.force_login(administrator)
    first = _upload(client, other_layout_workbook())
    assert first.status_code == 302 and first.url == reverse(MAP)
    page = client.get(reverse(MAP))
    html = page.content.decode()
    assert page.status_code == 200
    assert "取組項目" in html and "実績値" in html and "令和３年度" in html  # the header rows as typed
    assert not _mapped_layouts().exists() and not PlanPeriod.objects.exists()  # nothing written yet
    preview = _map(client)
    html = preview.content.decode()
    assert preview.status_code == 200, html
    assert "様式「〇〇県様式」を登録しました" in html and "この内容で作成する" in html
    layout = SheetLayout.objects.get(name="〇〇県様式")
    assert [(c.heading, c.source, c.years) for c in layout.columns.order_by("order")] == [
        ("取組項目", "item", ""),
        ("数値目標", "target", ""),
        ("課題", "background", ""),
        ("所管課", "unused", ""),
        ("実績値", "actual", "each"),
        ("評価", "assessment", "each"),
        ("備考", "reference", ""),
    ]
    confirmed = client.post(reverse(CONFIRM), {"token": preview.context["token"]})
    assert confirmed.status_code == 302
    plan = PlanPeriod.objects.get(name="第8期")
    assert plan.layout == layout
    first_item, second_item = Item.objects.filter(area__plan=plan).order_by("number")
    assert first_item.title == ITEM_1 and first_item.related_activities == RELATED
    assert first_item.reference == "別紙7-12" and first_item.area.background == BACKGROUND
    indicator = first_item.indicators.get()
    assert indicator.results.get(fiscal_year=2021).value == 144
    assert first_item.evaluations.get(fiscal_year=2021).self_assessment == ASSESSMENT_1
    assert second_item.title == ITEM_2
    # The next workbook with the same headings goes straight to the preview.
    # 「第8期（別）」 has the years of the 第8期 just created: the overlap is confirmed with the upload.
    second = _upload(client, other_layout_workbook(second_area=True), plan="第8期（別）", confirm_overlap="True")
    assert second.status_code == 200
    assert "様式: 〇〇県様式" in second.content.decode() and second.context["token"]
    assert _mapped_layouts().count() == 1


def test_only_a_system_administrator_maps(client, administrator):
    groups = roles_ensure()
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    for role in (STAFF, MANAGER):
        user = get_user_model().objects.create_user(f"u-{role}", password="pw")
        user.groups.set([groups[role]])
        client.force_login(user)
        assert client.get(reverse(MAP)).status_code == 403
        assert client.post(reverse(MAP), {"token": "x", "name": "様式", **MAPPING}).status_code == 403
    assert not _mapped_layouts().exists()


def _refused(client, response, message: str):
    html = response.content.decode()
    assert response.status_code == 400, html
    assert message in html, html
    assert not _mapped_layouts().exists() and not SheetColumn.objects.exclude(layout__name__in=SHIPPED_NAMES).exists()
    # The upload is kept: the administrator corrects the choice without choosing the file again.
    assert client.get(reverse(MAP)).status_code == 200


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"column_1": "unused"}, "「事項」を表す列を１つ選んでください。"),
        ({"column_2": "unused"}, "「目標・指標」を表す列を１つ選んでください。"),
        ({"column_3": "item"}, "「事項」が２つの列（A・C）に選ばれています。"),
        ({"column_8": "actual"}, "令和４年度の「実績」が２つの列（G・H）に選ばれています。"),
        ({"column_7": "assessment", "column_8": "actual"}, "年度ごとの列の並びが年度によって違います（「実績値」）"),
        ({"column_3": "actual"}, "選べない内容です。"),  # a yearly field outside the year headings (forged)
        ({"column_5": "unused"}, "選べない内容です。"),
        ({"column_5": "<script>"}, "選べない内容です。"),
        ({"column_12": "reference"}, ERROR_COLUMN_OUT_OF_RANGE.format(columns="12")),
        ({"column_0": "item"}, ERROR_COLUMN_OUT_OF_RANGE.format(columns="0")),
        ({"column_99999999999999999999": "item"}, "シートにない列"),
        ({"name": "様式\x00名"}, "制御文字（NUL など）"),  # the project's NUL guard answers first
        ({"name": "様式\t名"}, "様式の名称に制御文字"),
        ({"name": "様式\n名"}, "様式の名称に制御文字"),
        ({"name": "様式\u200b名"}, "見えない文字"),
        ({"name": "　"}, "様式の名称を入力してください"),
    ],
)
def test_a_mapping_the_layout_cannot_hold_is_refused_in_japanese(client, administrator, changes, message):
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    _refused(client, _map(client, **changes), message)


def test_a_name_already_taken_width_insensitively_is_refused(client, administrator):
    # 第8期様式 ships with the application: a look-alike of it is taken.
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    response = _map(client, name="第８期 様式")
    assert response.status_code == 400
    assert ERROR_LAYOUT_NAME_TAKEN.format(name="第８期 様式", existing="第8期様式") in response.content.decode()
    assert not _mapped_layouts().exists()


def test_markup_in_the_layout_name_is_kept_as_text_and_shown_escaped(client, administrator):
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    response = _map(client, name="<b>様式</b>")
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;b&gt;様式&lt;/b&gt;" in html and "<b>様式</b>" not in html
    assert SheetLayout.objects.filter(name="<b>様式</b>").exists()


def test_a_double_submitted_mapping_saves_one_layout(client, administrator):
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    token = client.session[SESSION_KEY]["token"]
    first = client.post(reverse(MAP), {"token": token, "name": "〇〇県様式", **MAPPING})
    assert first.status_code == 200
    again = client.post(reverse(MAP), {"token": token, "name": "〇〇県様式", **MAPPING}, follow=True)
    assert "対応づけるシートが見つかりません" in again.content.decode()
    assert _mapped_layouts().count() == 1
    assert SheetColumn.objects.exclude(layout__name__in=SHIPPED_NAMES).count() == 7
    # The first submit's preview still confirms.
    assert client.post(reverse(CONFIRM), {"token": first.context["token"]}).status_code == 302
    assert PlanPeriod.objects.filter(name="第8期").exists()


def test_the_mapping_screen_without_a_kept_upload_sends_back_to_the_upload(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse(MAP), follow=True)
    assert "対応づけるシートが見つかりません" in response.content.decode()


def test_a_period_in_the_mapped_layout_exports_and_reads_back_in_it(client, administrator):
    """The unused column prints empty under its heading, and the export is recognised by the mapped layout."""
    client.force_login(administrator)
    _upload(client, other_layout_workbook())
    preview = _map(client)
    client.post(reverse(CONFIRM), {"token": preview.context["token"]})
    data = export_bytes("第8期")
    sheet = load_workbook(io.BytesIO(data))[SHEET_TITLE]
    headings = [cell.value for row in sheet.iter_rows(max_row=8) for cell in row if cell.value]
    assert "所管課" in headings and "在宅支援課" not in [c.value for row in sheet.iter_rows() for c in row]
    draft = draft_of(data)
    assert draft.layout_name == "〇〇県様式" and draft.problems == ()
    assert [item.title for item in draft.items] == [ITEM_1, ITEM_2]


def test_a_sheet_without_a_header_row_says_so(client, administrator):
    workbook = Workbook()
    workbook.active["A1"] = "メモ"
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(administrator)
    assert _upload(client, buffer.getvalue()).status_code == 302
    page = client.get(reverse(MAP))
    assert page.status_code == 400
    assert "見出しの行が見つかりません" in page.content.decode()
    posted = _map(client)
    assert posted.status_code == 400 and not _mapped_layouts().exists()


def test_a_name_saved_meanwhile_by_a_double_submit_is_refused_not_a_500(administrator, monkeypatch):
    """Two submits checked at once: the second save meets the unique name and writes nothing."""
    from sheets import services

    headings = mapping.sheet_headings(plan_sheet_read(other_layout_workbook()).sheet)
    choices = {int(key.removeprefix("column_")): value for key, value in MAPPING.items()}
    spec = mapping.mapped_layout(headings, choices).spec
    services.sheet_layout_create(name="〇〇県様式", spec=spec, by=administrator)
    monkeypatch.setattr(services, "sheet_layout_name_problem", lambda name: None)  # both passed the check
    with pytest.raises(services.PlanSheetRefused, match="すでに登録されています"):
        services.sheet_layout_create(name="〇〇県様式", spec=spec, by=administrator)
    assert _mapped_layouts().count() == 1 and SheetColumn.objects.exclude(layout__name__in=SHIPPED_NAMES).count() == 7


def test_only_a_system_administrator_may_save_a_layout_through_the_service(db):
    from sheets import services

    staff = get_user_model().objects.create_user("staff", password="pw")
    staff.groups.set([roles_ensure()[STAFF]])
    with pytest.raises(services.PlanSheetRefused, match="システム管理者のみ"):
        services.sheet_layout_create(name="様式", spec=None, by=staff)
    assert not _mapped_layouts().exists()


def _without_years(title: str = "計画の取組状況") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = title
    sheet.merge_cells("A1:C1")
    sheet["A2"], sheet["B2"], sheet["C2"] = "取組項目", "数値目標", "備考"
    sheet["A3"] = AREA
    sheet.merge_cells("A3:C3")
    sheet["A4"], sheet["B4"], sheet["C4"] = ITEM_1, "153人（各年度）", "メモ"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_sheet_without_year_headings_cannot_be_mapped_for_want_of_the_periods_years(client, administrator):
    client.force_login(administrator)
    assert _upload(client, _without_years()).status_code == 302
    token = client.session[SESSION_KEY]["token"]
    data = {"token": token, "name": "年度なし様式", "column_1": "item", "column_2": "target", "column_3": "unused"}
    _refused(client, client.post(reverse(MAP), data), mapping.ERROR_NO_YEARS)


def test_the_mapping_screen_and_its_preview_read_in_a_fixed_number_of_queries(client, administrator):
    """Two sheet sizes, the same queries: the owners' selects share one read of the sections."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from programs.models import Section

    Section.objects.create(name="在宅支援課")
    client.force_login(administrator)
    counts = []
    for size, name in ((1, "様式A"), (4, "様式B")):
        SheetLayout.objects.all().delete()
        _upload(client, many_items_workbook(size), plan=f"第{size}期")
        with CaptureQueriesContext(connection) as shown:
            assert client.get(reverse(MAP)).status_code == 200
        with CaptureQueriesContext(connection) as mapped:
            response = _map(client, name=name)
        assert response.status_code == 200 and len(response.context["draft"].items) == size * 10
        counts.append((len(shown), len(mapped)))
    assert counts[0] == counts[1], "\n".join(q["sql"] for q in mapped.captured_queries)
