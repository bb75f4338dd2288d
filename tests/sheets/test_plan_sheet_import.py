"""Set a plan period up from its own self-evaluation sheet (issue 13 §3): round trip, hand-typed sheets, refusals."""

import io
from dataclasses import replace
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from evaluations.models import ReportingYear, SelfEvaluation, YearlyResult
from evaluations.progress import plan_progress
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Target
from programs.selectors import sheet_layout
from reports.serializers import progress_json
from sheets.exports.self_evaluation import SHEET_TITLE, self_evaluation_workbook, sheet_data
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.services import PlanSheetRefused, plan_sheet_check, plan_sheet_import, plan_sheet_layouts


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


# -- A sheet typed by hand in the 第8期 layout ------------------------------------------------------


def hand_typed_eighth(vision: str, *, edit=None) -> bytes:
    """The 第8期 layout as a prefecture types it: merged cells, line breaks, full-width digits, 和暦 headings."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "自己評価シート"
    fixed = {
        1: "目標設定するに至った現状と課題",
        2: "ビジョン・目標",
        3: "参考指標（アウトカム指標）",
        4: "目標に向けた取組",
        5: "指標(プロセス指標)",
        13: "参考資料",
    }
    for column, heading in fixed.items():
        sheet.cell(row=1, column=column, value=heading)
        sheet.merge_cells(start_row=1, start_column=column, end_row=2, end_column=column)
    # Year headings typed three ways; each merged over its year's columns.
    for first, last, heading in ((6, 7, "R3"), (8, 9, "令和４年度"), (10, 12, "令和５年度")):
        sheet.cell(row=1, column=first, value=heading)
        sheet.merge_cells(start_row=1, start_column=first, end_row=1, end_column=last)
    per_year = {6: "実績", 7: "自己評価と今後の課題・対応策", 8: "実績", 9: "自己評価と今後の課題・対応策"}
    per_year |= {10: "実績", 11: "評定", 12: "自己評価と評定のポイント"}
    for column, heading in per_year.items():
        sheet.cell(row=2, column=column, value=heading)
    sheet.cell(row=3, column=1, value="７　地域ケア会議の推進")
    sheet.merge_cells("A3:M3")
    # Area-level cells merged down beside all three items.
    sheet["A4"] = "○　要支援者等が自立した生活を送るために\n○　地域ケア会議の推進が求められている"
    sheet.merge_cells("A4:A9")
    sheet["B4"] = vision
    sheet.merge_cells("B4:B9")
    sheet["C4"] = "・多職種が連携する体制ができている"
    sheet.merge_cells("C4:C9")
    # 事項１: two rows merged, a per-year target typed in full-width digits.
    sheet["D4"] = "事項１\n講師を育成する研修を実施\n（関連する取組）\n・地域ケア会議推進事業"
    sheet["E4"] = "１５３人（各年度）"
    sheet["F4"] = "１４４人"
    sheet["G4"] = "＜自己評価＞\n概ね目標どおり実施した。\n\n＜今後の取組方針＞\n継続して実施する。"
    sheet["H4"] = "１６０人"
    sheet["M4"] = "別紙7-12"
    for column in "DEFGHM":
        sheet.merge_cells(f"{column}4:{column}5")
    # 事項２: a frequency target; a rating at the period's end.
    sheet["D6"] = "事項２\n実務者連絡会議を開催"
    sheet["E6"] = "年１回以上"
    sheet["F6"] = "1回"
    sheet["J6"] = "２回"
    sheet["K6"] = "○"
    sheet["L6"] = "＜自己評価＞\n目標を達成した。"
    sheet.merge_cells("D6:D7")
    # 事項３: two components in one cell, one 実績 line each.
    sheet["D8"] = "事項３\n研修を実施"
    sheet["E8"] = "600人(総論編) 180人(実践編)"
    sheet["F8"] = "５００人\n１７０人"
    sheet.merge_cells("D8:D9")
    if edit:
        edit(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.django_db
def test_a_hand_typed_sheet_is_read_by_the_layout_and_the_target_grammar(vision_text):
    draft = draft_of(hand_typed_eighth(vision_text))
    assert draft.problems == ()
    assert draft.layout_name == "第8期様式"
    assert draft.fiscal_years == (2021, 2022, 2023)
    assert not draft.from_export
    (area,) = draft.areas
    assert (area.number, area.sub_number, area.title) == (7, None, "地域ケア会議の推進")
    assert area.vision == vision_text
    assert area.background.startswith("○　要支援者等") and "\n○" in area.background
    assert area.outcome_indicator_text == "・多職種が連携する体制ができている"
    first, second, third = area.items
    assert (first.number, first.title) == (1, "講師を育成する研修を実施")
    assert first.related_activities == "（関連する取組）\n・地域ケア会議推進事業"
    assert first.reference == "別紙7-12"
    (trainees,) = first.indicators
    (target,) = trainees.targets
    assert (target.kind, target.value, target.unit, target.fiscal_year) == ("per_year", 153, "人", None)
    assert target.text == "１５３人（各年度）"  # the wording verbatim
    assert [(r.fiscal_year, r.value, r.actual_text) for r in trainees.results] == [
        (2021, 144, "１４４人"),
        (2022, 160, "１６０人"),
    ]
    fy2021 = first.evaluations[0]
    assert (fy2021.self_assessment, fy2021.next_steps) == ("概ね目標どおり実施した。", "継続して実施する。")
    (meetings,) = second.indicators
    assert [(t.kind, t.value, t.unit) for t in meetings.targets] == [("frequency", 1, "回")]
    assert [(r.fiscal_year, r.value) for r in meetings.results] == [(2021, 1), (2023, 2)]
    assert [(e.fiscal_year, e.rating, e.self_assessment) for e in second.evaluations] == [
        (2023, "○", "目標を達成した。")
    ]
    assert [(i.component, i.targets[0].kind, i.targets[0].value) for i in third.indicators] == [
        ("総論編", "cumulative", 600),
        ("実践編", "cumulative", 180),
    ]
    assert [[(r.fiscal_year, r.value) for r in i.results] for i in third.indicators] == [[(2021, 500)], [(2021, 170)]]


@pytest.mark.django_db
def test_a_hand_typed_sheet_creates_the_period_with_history(vision_text):
    draft = draft_of(hand_typed_eighth(vision_text))
    result = plan_sheet_import(draft=draft, plan_name="第10期")
    plan = result.plan
    assert plan.ordinal == 10
    assert plan.layout.name == "第8期様式"
    assert plan.uses_rating
    area = PolicyArea.objects.get(plan=plan)
    assert area.vision.code == "②－３"
    target = Target.objects.get(indicator__item__area=area, indicator__item__number=1)
    assert (target.kind, target.value, target.target_text) == ("per_year", 153, "１５３人（各年度）")
    assert target.history.get().history_change_reason == "自己評価シートの取込"
    assert YearlyResult.objects.filter(indicator__item__area=area).count() == 6
    evaluation = SelfEvaluation.objects.get(item__area=area, item__number=2, fiscal_year=2023)
    assert evaluation.rating.symbol == "○"
    assert list(ReportingYear.objects.filter(plan=plan).values_list("fiscal_year", flat=True)) == [2021, 2022, 2023]
    years = {cell.fiscal_year: cell for cell in plan_progress(plan=plan).items[0].indicators[0].years}
    assert (years[2021].target, years[2021].actual, years[2021].rate) == (153, 144, Decimal("94.1"))


@pytest.mark.django_db
def test_the_imported_sheet_is_the_approved_record_managers_see(vision_text, django_user_model):
    admin = django_user_model.objects.create_superuser("importer", password="x")
    plan = plan_sheet_import(draft=draft_of(hand_typed_eighth(vision_text)), plan_name="第10期", by=admin).plan
    evaluations = SelfEvaluation.objects.filter(item__area__plan=plan)
    # Every item-year the sheet states, including one with figures and no narrative, is 承認済 by the importer.
    years_with_results = set(
        YearlyResult.objects.filter(indicator__item__area__plan=plan).values_list("indicator__item_id", "fiscal_year")
    )
    assert years_with_results <= set(evaluations.values_list("item_id", "fiscal_year"))
    assert {(e.status, e.approved_by_id) for e in evaluations} == {(SelfEvaluation.Status.APPROVED, admin.id)}
    cell = plan_progress(plan=plan).items[0].indicators[0].years[0]
    assert (cell.actual, cell.state, cell.pending) == (144, "approved", None)


@pytest.mark.django_db
def test_the_seventh_layout_typed_by_hand_with_heisei_headings(tokyo_data):
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "自立支援・介護予防・重度化防止等に取り組む区市町村への支援の取組と目標設定"
    headings = ["事項", "目標", "目標設定するに至った現状と課題（区市町村ニーズ）"]
    headings.append("令和２年度までに目指すべきビジョン")
    for column, heading in enumerate(headings, start=1):
        sheet.cell(row=3, column=column, value=heading)
        sheet.merge_cells(start_row=3, start_column=column, end_row=4, end_column=column)
    for index, heading in enumerate(("平成30年度", "令和元年度", "令和２年度")):
        column = 5 + 2 * index
        sheet.cell(row=3, column=column, value=heading)
        sheet.merge_cells(start_row=3, start_column=column, end_row=3, end_column=column + 1)
        sheet.cell(row=4, column=column, value="取組の実施内容・実績")
        sheet.cell(row=4, column=column + 1, value="自己評価と今後の課題・対応策")
    sheet.cell(row=3, column=11, value="参考資料")
    sheet["A5"] = "２（１）地域ケア会議"
    sheet["A6"] = "事項１\n実践者養成研修を実施"
    sheet["B6"] = "1,350人（H30～32）"
    sheet["E6"] = "修了者352人"
    buffer = io.BytesIO()
    workbook.save(buffer)
    draft = draft_of(buffer.getvalue())
    assert draft.problems == ()
    assert (draft.layout_name, draft.fiscal_years) == ("第7期様式", (2018, 2019, 2020))
    (area,) = draft.areas
    assert (area.number, area.sub_number, area.title) == (2, 1, "地域ケア会議")
    (target,) = area.items[0].indicators[0].targets
    assert (target.kind, target.value, target.unit) == ("cumulative", 1350, "人")
    assert area.items[0].evaluations[0].activities == "修了者352人"


# -- Bad input: every cell named, nothing written -------------------------------------------------


def row_counts() -> dict[str, int]:
    return {
        "plans": PlanPeriod.objects.count(),
        "items": Item.objects.count(),
        "indicators": Indicator.objects.count(),
        "targets": Target.objects.count(),
        "results": YearlyResult.objects.count(),
        "history": Target.history.count() + YearlyResult.history.count() + SelfEvaluation.history.count(),
    }


def _bad_cells(sheet):
    sheet["E6"] = "いくつか"  # no figure: not a target
    sheet["F8"] = "５００人"  # one line for two targets
    sheet["N10"] = "どこにも属さない"  # outside every item and column
    sheet["H6"] = "=1+1"  # a formula


@pytest.mark.django_db
def test_every_bad_cell_is_named_with_sheet_row_and_column_and_nothing_is_written(vision_text):
    before = row_counts()
    draft = draft_of(hand_typed_eighth(vision_text, edit=_bad_cells))
    places = {problem.place: problem.message for problem in draft.problems}
    assert "読み取れませんでした" in places["自己評価シート!E6"]
    assert "実績の行数" in places["自己評価シート!F8"]
    assert "この列には様式「第8期様式」の見出しがない" in places["自己評価シート!N10"]  # the cause, issue 19 item 6
    assert "数式" in places["自己評価シート!H6"]
    with pytest.raises(PlanSheetRefused, match="E6"):
        plan_sheet_import(draft=draft, plan_name="第10期")
    assert row_counts() == before


@pytest.mark.django_db
def test_an_unknown_layout_and_an_unreadable_year_heading_are_refused(vision_text):
    unknown = draft_of(hand_typed_eighth(vision_text, edit=lambda s: s.cell(row=1, column=5, value="目標の数")))
    assert [p.message for p in unknown.problems] == [unknown.problems[0].message]
    assert "様式を判別できませんでした" in unknown.problems[0].message
    bad_year = draft_of(hand_typed_eighth(vision_text, edit=lambda s: s.cell(row=1, column=8, value="来年度")))
    assert any(p.place == "自己評価シート!H1" and "来年度" in p.message for p in bad_year.problems)
    assert not bad_year.areas


@pytest.mark.django_db
def test_a_plan_that_already_has_items_is_refused(tokyo_data):
    draft = draft_of(export_bytes("第8期"))
    before = row_counts()
    with pytest.raises(PlanSheetRefused, match="すでに事項"):
        plan_sheet_import(draft=draft, plan_name="第7期")
    assert row_counts() == before


@pytest.mark.django_db
def test_an_export_whose_official_target_cell_was_edited_is_caught(tokyo_data):
    exported = load_workbook(io.BytesIO(export_bytes("第8期")))
    sheet = exported[SHEET_TITLE]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == "153人（各年度）")
    cell.value = "160人（各年度）"
    buffer = io.BytesIO()
    exported.save(buffer)
    draft = draft_of(buffer.getvalue())
    assert [p.place for p in draft.problems] == [f"{SHEET_TITLE}!{cell.coordinate}"]
    assert "達成状況" in draft.problems[0].message


@pytest.mark.django_db
def test_a_field_longer_than_it_holds_is_a_problem_at_its_cell(vision_text):
    limit = Item._meta.get_field("reference").max_length  # the model's limit, read by the import

    def long_reference(sheet):
        sheet["M4"] = "別" * (limit + 1)

    draft = draft_of(hand_typed_eighth(vision_text, edit=long_reference))
    assert [(p.place, f"{limit}文字以内" in p.message) for p in draft.problems] == [("自己評価シート!M4", True)]
    at_the_limit = draft_of(hand_typed_eighth(vision_text, edit=lambda sheet: sheet.cell(4, 13, "別" * limit)))
    assert at_the_limit.problems == ()


@pytest.mark.django_db
def test_a_reference_cell_the_export_lengthened_with_attachment_titles_is_imported_as_written(tokyo_data):
    """Issue 18 item 14: the export appends the 別紙 titles to 参考資料; importing that cell refused it (> 100)."""
    plan = PlanPeriod.objects.get(name="第8期")
    item = Item.objects.get(area__plan=plan, area__number=7, area__sub_number=None, number=1)
    titles = {
        (item.id, year): tuple(f"別紙7-{number} 地域ケア会議の実施状況（{year}年度）" for number in range(20, 23))
        for year in plan.fiscal_years
    }
    workbook = self_evaluation_workbook(
        sheet_data(plan_progress(plan=plan), sheet_layout(plan=plan), attachment_titles=titles)
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    exported = buffer.getvalue()
    cell = next(text for text in official_cells(exported).values() if isinstance(text, str) and "別紙7-20" in text)
    assert len(cell) > 100 and cell.startswith(item.reference)

    draft = draft_of(exported)
    assert draft.problems == ()
    copy = plan_sheet_import(draft=draft, plan_name="第8期（取込）").plan
    assert Item.objects.get(area__plan=copy, area__number=7, area__sub_number=None, number=1).reference == cell
    # Exported again (the copy has no 別紙 of its own), the official cells are the ones read.
    assert official_cells(export_bytes("第8期（取込）")) == official_cells(exported)


@pytest.mark.django_db
def test_the_layout_and_the_first_year_can_be_given(vision_text):
    data = hand_typed_eighth(vision_text)
    assert draft_of(data, first_fiscal_year=2024).fiscal_years == (2024, 2025, 2026)
    wrong = draft_of(data, layout_name="第7期様式")
    assert not wrong.areas and "様式を判別できませんでした" in wrong.problems[0].message
    assert "存在しない様式" not in plan_sheet_layouts()
    unknown = draft_of(data, layout_name="存在しない様式")
    assert "見つかりません" in unknown.problems[0].message


@pytest.mark.django_db
def test_a_second_cell_for_the_same_item_and_column_is_named(vision_text):
    def second_actual(sheet):
        sheet.unmerge_cells("F4:F5")
        sheet["F5"] = "追加の実績"

    draft = draft_of(hand_typed_eighth(vision_text, edit=second_actual))
    assert [p.place for p in draft.problems] == ["自己評価シート!F5"]
    assert "２つのセル" in draft.problems[0].message


@pytest.mark.django_db
def test_a_vision_or_rating_the_application_does_not_have_is_named_before_anything_is_written(vision_text):
    def unknown_names(sheet):
        sheet.title = "東京都"
        sheet["B4"] = "⑨まだ登録されていないビジョン"
        sheet["K6"] = "◇"

    draft = draft_of(hand_typed_eighth(vision_text, edit=unknown_names))
    assert draft.problems == ()
    problems = plan_sheet_check(draft=draft, plan_name="第10期")
    assert [p.place for p in problems] == ["東京都!B4", "東京都!K6"]
    assert "⑨まだ登録されていないビジョン" in problems[0].message and "「◇」" in problems[1].message
    before = row_counts()
    with pytest.raises(PlanSheetRefused):
        plan_sheet_import(draft=draft, plan_name="第10期")
    assert row_counts() == before


@pytest.mark.django_db
def test_an_assessment_cell_holding_two_full_narratives_is_imported_as_written(tokyo_data):
    """The export prints 自己評価 and 今後の課題 in one cell, each up to the model's 4,000: not one field."""
    limit = SelfEvaluation.NARRATIVE_MAX_LENGTH
    evaluation = SelfEvaluation.objects.filter(
        item__area__plan__name="第8期", status=SelfEvaluation.Status.APPROVED
    ).first()
    SelfEvaluation.objects.filter(pk=evaluation.pk).update(self_assessment="評" * limit, next_steps="策" * limit)
    exported = export_bytes("第8期")
    assert any(isinstance(text, str) and len(text) > 2 * limit for text in official_cells(exported).values())

    draft = draft_of(exported)
    assert draft.problems == ()
    copy = plan_sheet_import(draft=draft, plan_name="第8期（取込）").plan
    imported = SelfEvaluation.objects.get(
        item__area__plan=copy,
        item__area__number=evaluation.item.area.number,
        item__area__sub_number=evaluation.item.area.sub_number,
        item__number=evaluation.item.number,
        fiscal_year=evaluation.fiscal_year,
    )
    assert (imported.self_assessment, imported.next_steps) == ("評" * limit, "策" * limit)


@pytest.mark.django_db
def test_a_narrative_over_the_models_limit_in_the_assessment_cell_is_a_problem_naming_it(tokyo_data):
    limit = SelfEvaluation.NARRATIVE_MAX_LENGTH
    evaluation = SelfEvaluation.objects.filter(
        item__area__plan__name="第8期", status=SelfEvaluation.Status.APPROVED
    ).first()
    SelfEvaluation.objects.filter(pk=evaluation.pk).update(self_assessment="評" * (limit + 1), next_steps="策")
    draft = draft_of(export_bytes("第8期"))
    assert [problem.message for problem in draft.problems] == [
        f"「自己評価」は{limit}文字以内にしてください（{limit + 1}文字）。"
    ]


@pytest.mark.django_db
def test_a_value_the_model_refuses_at_the_write_names_its_place_and_writes_nothing(vision_text):
    # A name longer than the model holds, in a draft built by hand (the reader would have named the
    # cell): the structure writer validates every row it saves, the import names the row as the sheet
    # does and writes nothing.
    draft = draft_of(hand_typed_eighth(vision_text))
    (area,) = draft.areas
    first = area.items[0]
    trainees = replace(first.indicators[0], name="受" * 201)
    area = replace(area, items=(replace(first, indicators=(trainees,)), *area.items[1:]))
    draft = replace(draft, areas=(area,))
    assert plan_sheet_check(draft=draft, plan_name="第10期") == ()
    with pytest.raises(ValidationError) as model_says:
        Indicator._meta.get_field("name").run_validators(trainees.name)
    before = row_counts()
    with pytest.raises(PlanSheetRefused) as refused:
        plan_sheet_import(draft=draft, plan_name="第10期")
    where = f"{area.label} {first.label} {trainees.label}"
    assert str(refused.value) == f"{where}: {' '.join(model_says.value.messages)}"
    assert row_counts() == before
    assert not PlanPeriod.objects.filter(name="第10期").exists()
