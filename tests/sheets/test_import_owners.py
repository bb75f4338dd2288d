"""Issue 19 item 5: the sheet import's preview gives the imported items a 担当課, so they belong to someone.

A default for the whole import, overridden per area and per item; every choice checked before
anything is written (a forged id is refused with the preview shown again and the file kept), and
re-checked inside the import's transaction.
"""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.roles import STAFF
from accounts.services import roles_ensure
from programs.models import Item, PlanPeriod, Section
from sheets.forms import ERROR_SECTION_CHOICE
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.plan_sheet_preview import SESSION_KEY
from sheets.services import ERROR_SECTION_GONE, Owners, PlanSheetRefused, plan_sheet_import, plan_sheet_layouts

from .mapped_workbooks import MAPPING, other_layout_workbook

UPLOAD = "sheets:plan_sheet_upload"
CONFIRM = "sheets:plan_sheet_confirm"


@pytest.fixture
def administrator(db):
    return get_user_model().objects.create_user("admin", password="pw", is_superuser=True)


@pytest.fixture
def sections(db):
    return {
        name: Section.objects.create(name=name, order=order) for order, name in enumerate(("在宅支援課", "介護保険課"))
    }


def _preview(client, *, second_area=True):
    """Upload the prefecture's sheet, map it (first time only) and return the preview page."""
    data = other_layout_workbook(second_area=second_area)
    response = client.post(reverse(UPLOAD), {"file": SimpleUploadedFile("評価シート.xlsx", data), "plan": "第8期"})
    if response.status_code == 302:
        token = client.session[SESSION_KEY]["token"]
        response = client.post(reverse("sheets:plan_sheet_map"), {"token": token, "name": "〇〇県様式", **MAPPING})
    assert response.status_code == 200, response.content.decode()
    return response


def _owners_of_items() -> dict[tuple[int, int], str | None]:
    return {
        (item.area.number, item.number): item.section.name if item.section else None
        for item in Item.objects.select_related("area", "section").filter(area__plan__name="第8期")
    }


def test_the_default_owns_every_item(client, administrator, sections):
    client.force_login(administrator)
    preview = _preview(client)
    html = preview.content.decode()
    assert "担当課（取り込む事項すべての既定）" in html and "分野・事項ごとに担当課を選ぶ" in html
    token = preview.context["token"]
    response = client.post(reverse(CONFIRM), {"token": token, "default": sections["在宅支援課"].pk})
    assert response.status_code == 302
    assert _owners_of_items() == {(7, 1): "在宅支援課", (7, 2): "在宅支援課", (8, 1): "在宅支援課"}


def test_an_area_and_an_item_override_the_default(client, administrator, sections):
    client.force_login(administrator)
    token = _preview(client).context["token"]
    hoken = sections["介護保険課"].pk
    data = {"token": token, "default": sections["在宅支援課"].pk, "area_8": hoken, "item_7/2": hoken, "area_7": ""}
    assert client.post(reverse(CONFIRM), data).status_code == 302
    assert _owners_of_items() == {(7, 1): "在宅支援課", (7, 2): "介護保険課", (8, 1): "介護保険課"}


@pytest.mark.parametrize(
    "forged",
    [
        {"default": "999999"},
        {"default": "abc"},
        {"default": "99999999999999999999999"},
        {"area_7": "999999"},
        {"item_7/1": "-1"},
        {"item_7/1": "<script>"},
    ],
)
def test_a_forged_section_is_refused_with_the_preview_and_the_file_kept(client, administrator, sections, forged):
    client.force_login(administrator)
    token = _preview(client).context["token"]
    data = {"token": token, "default": sections["在宅支援課"].pk, **forged}
    response = client.post(reverse(CONFIRM), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert ERROR_SECTION_CHOICE in html and "この内容で作成する" in html
    assert "<script>" not in html.split("</header>")[1]
    assert not PlanPeriod.objects.exists()
    # The file is still kept: the corrected choice confirms without choosing it again.
    again = {"token": response.context["token"], "default": sections["在宅支援課"].pk}
    assert client.post(reverse(CONFIRM), again).status_code == 302
    assert set(_owners_of_items().values()) == {"在宅支援課"}


def test_the_default_is_required_where_sections_exist(client, administrator, sections):
    client.force_login(administrator)
    token = _preview(client).context["token"]
    response = client.post(reverse(CONFIRM), {"token": token})
    assert response.status_code == 400
    assert "担当課を選んでください。" in response.content.decode()
    assert not PlanPeriod.objects.exists()


def test_a_fresh_installation_without_sections_imports_without_owners(client, administrator):
    client.force_login(administrator)
    preview = _preview(client)
    assert "担当課が登録されていないため" in preview.content.decode()
    assert client.post(reverse(CONFIRM), {"token": preview.context["token"]}).status_code == 302
    assert set(_owners_of_items().values()) == {None}


def test_a_section_deleted_since_the_preview_refuses_the_whole_import(client, administrator, sections):
    client.force_login(administrator)
    _preview(client)  # registers the layout
    draft = plan_sheet_parse(plan_sheet_read(other_layout_workbook()), layouts=plan_sheet_layouts())
    gone = Section.objects.create(name="廃止課")
    owners = Owners(default=sections["在宅支援課"].pk, items={"7/1": gone.pk})
    gone.delete()
    with pytest.raises(PlanSheetRefused, match=ERROR_SECTION_GONE):
        plan_sheet_import(draft=draft, plan_name="第8期", by=administrator, owners=owners)
    assert not PlanPeriod.objects.exists() and not Item.objects.exists()


def test_the_imported_items_reach_the_sections_entry_status(client, administrator, sections):
    client.force_login(administrator)
    token = _preview(client).context["token"]
    data = {"token": token, "default": sections["在宅支援課"].pk, "area_8": sections["介護保険課"].pk}
    client.post(reverse(CONFIRM), data)
    staff = get_user_model().objects.create_user("staff", password="pw")
    staff.groups.set([roles_ensure()[STAFF]])
    sections["在宅支援課"].members.add(staff)
    client.force_login(staff)
    page = client.get(reverse("evaluations:my_work"), {"plan": "第8期", "fiscal_year": "2021"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "地域ケア会議の実践者養成研修" in html  # 分野7 事項1, 在宅支援課's
    assert "認知症サポーターを養成" not in html  # 分野8, 介護保険課's
    home = client.get("/").content.decode()
    mine = home.split('id="my-work-heading"')[1].split("</section>")[0]
    assert "地域ケア会議の実践者養成研修" in mine and "認知症サポーターを養成" not in mine
    client.force_login(administrator)
    dashboard = client.get(reverse("reports:dashboard"), {"plan": "第8期", "fiscal_year": "2021"}).content.decode()
    by_section = dashboard.split('id="entry-progress"')[1].split("</table>")[0]
    assert "在宅支援課" in by_section and "介護保険課" in by_section


def test_an_exports_items_keep_their_own_sections_unless_an_area_is_given_another(client, tokyo_data):
    """Every item of our own export names its 担当課: no default is asked for, and a chosen area's wins."""
    from .conftest import _user
    from .test_plan_sheet_import import export_bytes

    client.force_login(_user("admin", None, superuser=True))
    data = export_bytes("第8期")
    # 「第8期（取込）」 has 第8期's years: the overlap is confirmed with the upload (issue 19 item 6).
    upload = {"file": SimpleUploadedFile("s.xlsx", data), "plan": "第8期（取込）", "confirm_overlap": "True"}
    response = client.post(reverse(UPLOAD), upload)
    assert "どの事項もシートに担当課が書かれています" in response.content.decode()
    other = Section.objects.exclude(items__area__plan__name="第8期", items__area__number=7).first()
    confirmed = client.post(reverse(CONFIRM), {"token": response.context["token"], "area_7": other.pk})
    assert confirmed.status_code == 302
    source = {
        (i.area.number, i.area.sub_number, i.number): i.section_id
        for i in Item.objects.select_related("area").filter(area__plan__name="第8期")
    }
    copied = {
        (i.area.number, i.area.sub_number, i.number): i.section_id
        for i in Item.objects.select_related("area").filter(area__plan__name="第8期（取込）")
    }
    assert {key: value for key, value in copied.items() if key[0] != 7} == {
        key: value for key, value in source.items() if key[0] != 7
    }
    assert {value for key, value in copied.items() if key[0] == 7} == {other.pk}


def test_a_large_sheet_offers_owners_per_area_so_the_confirm_stays_under_djangos_field_limit(
    client, administrator, sections
):
    from sheets.forms import MAX_ITEM_OWNER_CHOICES

    from .mapped_workbooks import many_items_workbook

    client.force_login(administrator)
    data = many_items_workbook(MAX_ITEM_OWNER_CHOICES // 10 + 1)
    response = client.post(reverse(UPLOAD), {"file": SimpleUploadedFile("s.xlsx", data), "plan": "第8期"})
    token = client.session[SESSION_KEY]["token"]
    response = client.post(reverse("sheets:plan_sheet_map"), {"token": token, "name": "様式", **MAPPING})
    form = response.context["owners"]
    assert not form.per_item and not any(name.startswith("item_") for name in form.fields)
    assert "分野ごとに担当課を選ぶ" in response.content.decode()
    posted = {"token": response.context["token"], "default": sections["在宅支援課"].pk}
    posted |= {name: "" for name in form.fields if name.startswith("area_")}
    assert len(posted) < 1000
    assert client.post(reverse(CONFIRM), posted).status_code == 302
    assert Item.objects.filter(section=sections["在宅支援課"]).count() == MAX_ITEM_OWNER_CHOICES + 10
