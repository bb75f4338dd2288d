"""Tokyo's published sheets, typed as officials type them, imported into a fresh installation (issue 19).

The workbooks (tests/sheets/official_workbooks.py) are built from the seed texts as printed, not
from our export. No Tokyo data is loaded: ``migrate`` alone, as a new prefecture has it.
"""

import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import SelfEvaluation
from evaluations.progress import plan_progress
from programs.models import Item, PlanPeriod, PolicyArea, Target, Vision
from programs.selectors import sheet_layout
from programs.shipped_layouts import shipped_layouts_install
from reports.serializers import progress_json
from sheets.exports.self_evaluation import SHEET_TITLE, self_evaluation_workbook, sheet_data
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.services import plan_sheet_check, plan_sheet_import, plan_sheet_layouts

from . import official_workbooks as official

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shipped_layouts(db):
    """What ``migrate`` installs, put back where a transactional test's flush emptied the tables."""
    shipped_layouts_install(apps)


WORKBOOKS = {
    "第7期 one worksheet": ("第7期", official.seventh_one_sheet),
    "第7期 one worksheet per printed page": ("第7期", official.seventh_per_page),
    "第8期 area 7": ("第8期", official.eighth_area_7),
}

# Where the sheet says less than the transcription, each reading explained in fixtures/tokyo:
# the 募集規模 of 2（1）事項1 in 平成30 and 令和2 stand in the year's results (「修了者352人（募集規模360人）」),
# not as a target the sheet restates; 「全区市町村」 and 「全老人福祉圏域（Ｒ２）」 are read by the grammar
# as the plan prints them (reached by the period's end, counted in 老人福祉圏域).
NOT_ON_THE_SHEET = {
    ("第7期", 2, 1, 1): {("cumulative", Decimal(360), 2018), ("cumulative", Decimal(540), 2020)},
}


SEED = {"第7期": official.SEVENTH_SEED, "第8期": official.EIGHTH_SEED}


def _draft(data: bytes):
    return plan_sheet_parse(plan_sheet_read(data), layouts=plan_sheet_layouts())


def _export(plan: PlanPeriod) -> bytes:
    workbook = self_evaluation_workbook(sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan)))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _official_cells(data: bytes) -> dict[str, object]:
    sheet = load_workbook(io.BytesIO(data))[SHEET_TITLE]
    return {cell.coordinate: cell.value for row in sheet.iter_rows() for cell in row if cell.value not in (None, "")}


def _api_figures(plan: PlanPeriod) -> dict[tuple, dict]:
    data = progress_json(plan_progress(plan=plan))
    found = {}
    for area in data["areas"]:
        for item in area["items"]:
            for index, indicator in enumerate(item["indicators"]):
                for year in indicator["years"]:
                    found[(area["number"], area["section"], item["number"], index, year["fiscal_year"])] = year
                found[(area["number"], area["section"], item["number"], index, "cumulative")] = indicator["cumulative"]
    return found


def _import(plan_name: str, data: bytes) -> PlanPeriod:
    draft = _draft(data)
    assert [(p.place, p.message) for p in draft.problems] == []
    assert plan_sheet_check(draft=draft, plan_name=plan_name) == ()
    return plan_sheet_import(draft=draft, plan_name=plan_name).plan


def _targets(item_fixture: dict) -> set[tuple]:
    return {
        (target["kind"], Decimal(str(target["value"])) if target["value"] is not None else None, target["fiscal_year"])
        for indicator in item_fixture["indicators"]
        for target in indicator["targets"]
        # The 第7期 fixture dates a few plan targets with the plan's last year: the sheet's wording has none.
        if not (target["source"] == "plan" and target["fiscal_year"] is not None)
    }


@pytest.mark.parametrize("name", WORKBOOKS)
def test_the_typed_workbook_is_read_with_no_problem_and_no_worksheet_skipped(name):
    plan_name, build = WORKBOOKS[name]
    assert not PlanPeriod.objects.exists()  # a fresh installation: migrate only
    draft = _draft(build())
    assert draft.problems == ()
    assert draft.skipped == ()
    areas = official.seed_areas(plan_name)
    assert [(a.number, a.sub_number) for a in draft.areas] == [(a["number"], a["sub_number"]) for a in areas]
    if name.endswith("per printed page"):
        assert len(draft.sheets) == len(areas)  # every worksheet read


@pytest.mark.parametrize("name", WORKBOOKS)
def test_every_area_item_wording_and_narrative_of_the_seed_arrives_verbatim(name):
    plan_name, build = WORKBOOKS[name]
    plan = _import(plan_name, build())
    for area_fixture in official.seed_areas(plan_name):
        area = PolicyArea.objects.get(plan=plan, number=area_fixture["number"], sub_number=area_fixture["sub_number"])
        if area_fixture["sub_number"] is None:
            assert area.title == area_fixture["title"]
        else:
            assert (area.parent.title, area.title) == (area_fixture["title"], area_fixture["sub_title"])
        for field in ("background", "outcome_indicator_text"):
            assert getattr(area, field) == (area_fixture[field] or "")
        if area_fixture.get("vision"):
            assert area.vision.code == area_fixture["vision"]
        assert area.items.count() == len(area_fixture["items"])
        for item_fixture in area_fixture["items"]:
            item = Item.objects.get(area=area, number=item_fixture["number"])
            where = (plan_name, area.number, area.sub_number, item.number)
            assert item.title == item_fixture["title"], where
            assert item.related_activities == (item_fixture["related_activities"] or ""), where
            for field in ("background", "item_vision", "reference"):
                assert getattr(item, field) == (item_fixture[field] or ""), (where, field)
            # The 目標 wordings, verbatim; the cell as typed (the seed's line breaks) prints back as typed.
            plan_texts = [t.target_text for t in Target.objects.filter(indicator__item=item, source="plan")]
            if not item_fixture.get("target_wording"):
                assert set(plan_texts) == set(official.plan_targets(item_fixture)), where
            typed = official.target_cell(item_fixture, official.seed_text(SEED[plan_name]))
            assert (item.target_wording or "\n".join(dict.fromkeys(plan_texts))) == typed, where
            # Targets as DOMAIN.md reads them, the years the narratives restate included.
            # One indicator for each the transcription gives a target (observed-only ones come with figures).
            counted = [i for i in item_fixture["indicators"] if i["targets"]]
            assert item.indicators.count() == len(counted), where
            stored = {(t.kind, t.value, t.fiscal_year) for t in Target.objects.filter(indicator__item=item)}
            expected = _targets(item_fixture) - NOT_ON_THE_SHEET.get(where, set())
            assert expected - stored == set(), where
            # Every narrative of every year, verbatim.
            for evaluation_fixture in item_fixture.get("evaluations") or []:
                if not any(evaluation_fixture.get(f) for f in ("activities", "self_assessment", "next_steps")):
                    continue
                evaluation = SelfEvaluation.objects.get(item=item, fiscal_year=evaluation_fixture["fiscal_year"])
                for field in ("self_assessment", "next_steps"):
                    assert getattr(evaluation, field) == (evaluation_fixture[field] or ""), (where, field)
                if plan_name == "第7期":  # 第8期's sheet has no activities column
                    assert evaluation.activities == (evaluation_fixture["activities"] or ""), where


def test_restated_yearly_targets_are_that_years_targets():
    plan = _import("第7期", official.seventh_one_sheet())

    def restated(area, sub, number):
        return sorted(
            (t.fiscal_year, t.kind, t.value, t.target_text)
            for t in Target.objects.filter(
                indicator__item__area__plan=plan,
                indicator__item__area__number=area,
                indicator__item__area__sub_number=sub,
                indicator__item__number=number,
                source=Target.Source.EVALUATION,
            )
        )

    assert restated(5, None, 3) == [
        (2019, "frequency", 13, "・平成31年度目標：13回"),
        (2021, "frequency", 13, "・令和３年度目標：13回"),
    ]
    assert restated(2, 1, 1) == [(2019, "cumulative", 450, "（平成31年度　450人）")]
    assert restated(2, 1, 2) == [
        (2019, "cumulative", 2, "・２市支援（平成31年度）"),
        (2020, "cumulative", 1, "・１市支援（令和2年度）"),
    ]


def test_line_breaks_inside_a_target_cell_make_one_wording():
    plan = _import("第7期", official.seventh_one_sheet())
    coverage = Target.objects.get(
        indicator__item__area__plan=plan,
        indicator__item__area__number=2,
        indicator__item__area__sub_number=2,
        indicator__item__number=2,
    )
    assert (coverage.kind, coverage.value, coverage.target_text) == ("coverage", 62, "62区市町村で各１人以上")
    centres = Target.objects.get(
        indicator__item__area__plan=plan, indicator__item__area__number=6, indicator__item__number=1, source="plan"
    )
    assert (centres.kind, centres.value, centres.target_text) == ("by_period_end", 12, "12センターで実施（H32年度末）")
    item = Item.objects.get(area__plan=plan, area__number=6, number=1)
    assert item.target_wording == "12セン\nターで\n実施\n（H32年\n度末）"  # the cell as seed 003 wraps it
    eighth = _import("第8期", official.eighth_area_7())
    trainees = Target.objects.get(indicator__item__area__plan=eighth, indicator__item__number=1)
    assert (trainees.kind, trainees.value, trainees.target_text) == ("per_year", 153, "153人（各年度）")
    assert Vision.objects.get(code="②－３").parent.code == "②"


@pytest.mark.parametrize("name", WORKBOOKS)
def test_export_import_into_a_fresh_installation_export_keeps_the_official_cells_and_the_api_figures(name):
    plan_name, build = WORKBOOKS[name]
    plan = _import(plan_name, build())
    exported = _export(plan)
    figures = _api_figures(plan)
    # Empty the installation again: what an export carries must set the plan up on its own.
    PlanPeriod.objects.all().delete()
    Vision.objects.filter(parent__isnull=False).delete()
    Vision.objects.all().delete()
    again = _import(plan_name, exported)
    assert _official_cells(_export(again)) == _official_cells(exported)
    assert _api_figures(again) == figures


# -- The pages, in a fresh installation -----------------------------------------------------------------

UPLOAD = "sheets:plan_sheet_upload"
CONFIRM = "sheets:plan_sheet_confirm"


@pytest.fixture
def administrator(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("first-admin", password="pw-for-tests"))
    return client


def _upload(client, data: bytes, **fields):
    return client.post(reverse(UPLOAD), {"file": SimpleUploadedFile("第7期.xlsx", data), **fields})


def _with_cover_and_blank_sheets(data: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    cover = workbook.create_sheet("表紙", 0)
    cover["A1"] = "東京都高齢者保健福祉計画 自己評価"
    workbook.create_sheet("空白")
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_the_preview_names_every_worksheet_read_and_every_one_skipped_with_the_reason(administrator):
    response = _upload(administrator, _with_cover_and_blank_sheets(official.seventh_per_page()), plan="第7期")
    html = response.content.decode()
    assert response.status_code == 200, response.context["problems"]
    draft = response.context["draft"]
    assert len(draft.sheets) == 9
    assert draft.skipped == (
        ("表紙", "どの様式の見出しの行もないため読みませんでした"),
        ("空白", "空のシートのため読みませんでした"),
    )
    assert "読み取ったシート（9枚）" in html and "表紙" in html and "空のシートのため読みませんでした" in html
    confirmed = administrator.post(reverse(CONFIRM), {"token": response.context["token"]})
    assert confirmed.status_code == 302
    assert Item.objects.filter(area__plan__name="第7期").count() == 20


def test_a_name_already_taken_is_corrected_without_choosing_the_file_again(administrator):
    _import("第8期", official.eighth_area_7())
    refused = _upload(administrator, official.eighth_area_7(), plan="第８期")  # full width: the same name
    assert refused.status_code == 400
    assert "紛らわしい" in " ".join(refused.context["form"].errors["plan"])
    kept = refused.context["kept_token"]
    assert kept and "選び直す必要はありません" in refused.content.decode()
    taken = administrator.post(reverse(UPLOAD), {"kept": kept, "plan": "第8期"})
    assert "すでに事項が登録されている" in " ".join(taken.context["form"].errors["plan"])
    kept = taken.context["kept_token"]
    corrected = administrator.post(reverse(UPLOAD), {"kept": kept, "plan": "第8期（取込検証）"})
    # 第8期（取込検証） shares 第8期's years: a warning to confirm, the file still kept.
    assert corrected.status_code == 400 and not corrected.context["token"]
    assert "年度が重なる計画期間があります" in corrected.content.decode()
    assert [plan.name for plan in corrected.context["overlaps"]] == ["第8期"]
    confirmed = administrator.post(
        reverse(UPLOAD),
        {"kept": corrected.context["kept_token"], "plan": "第8期（取込検証）", "confirm_overlap": "True"},
    )
    assert confirmed.status_code == 200 and confirmed.context["token"]
    assert confirmed.context["file_name"] == "第7期.xlsx"
    assert not PlanPeriod.objects.filter(name="第8期（取込検証）").exists()  # nothing written before the confirm


def test_a_kept_file_belongs_to_its_session_and_user(administrator, client, django_user_model):
    refused = _upload(administrator, official.eighth_area_7(), plan="")
    kept = refused.context["kept_token"]
    assert kept
    other = django_user_model.objects.create_superuser("other-admin", password="pw-for-tests")
    client.force_login(other)  # a new session: the token is not its own
    forged = client.post(reverse(UPLOAD), {"kept": kept, "plan": "第8期"})
    assert forged.status_code == 400
    assert "ファイルを選んでください" in " ".join(forged.context["form"].errors["file"])


def test_worksheets_beyond_the_workbooks_bounds_are_named_never_read(monkeypatch):
    """Every worksheet costs a read: past the bounds the rest are named as skipped, not read, not dropped."""
    from sheets.imports.plan_sheet import workbook as reading  # the module that reads the limits

    monkeypatch.setattr(reading, "MAX_WORKBOOK_ROWS", 20)
    draft = _draft(official.seventh_per_page())
    assert len(draft.sheets) + len(draft.skipped) == 9
    assert draft.skipped and all("行数が上限（20行）" in reason for _, reason in draft.skipped)
    monkeypatch.setattr(reading, "MAX_WORKBOOK_ROWS", 3000)
    monkeypatch.setattr(reading, "MAX_WORKSHEETS", 3)
    draft = _draft(official.seventh_per_page())
    assert [name for name, _ in draft.skipped] == ["3", "4", "5", "6", "7", "8"]


def test_the_name_is_answered_before_any_file_is_sent(administrator):
    _import("第8期", official.eighth_area_7())
    url = reverse("sheets:plan_sheet_name_check")
    assert administrator.get(url, {"plan": "第９期"}).json() == {"problems": []}
    (look_alike,) = administrator.get(url, {"plan": "第 8 期"}).json()["problems"]
    assert "紛らわしい" in look_alike
    (taken,) = administrator.get(url, {"plan": "第8期"}).json()["problems"]
    assert "すでに事項が登録されている" in taken
    assert administrator.get(url, {"plan": "x" * 101}).status_code == 400
    assert not PlanPeriod.objects.filter(name="第９期").exists()


def test_the_name_check_is_for_system_administrators_only(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("clerk", password="pw-for-tests"))
    assert client.get(reverse("sheets:plan_sheet_name_check"), {"plan": "第9期"}).status_code == 403
