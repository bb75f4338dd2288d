"""The plan sheet read as officials type it (issue 19 items 2, 6): small sheets, one habit each."""

import io

import pytest
from django.apps import apps
from openpyxl import Workbook, load_workbook

from programs.shipped_layouts import shipped_layouts_install
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read, target_wordings
from sheets.services import plan_sheet_layouts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def shipped_layouts(db):
    """What ``migrate`` installs, put back where a transactional test's flush emptied the tables."""
    shipped_layouts_install(apps)


HEADINGS = ["目標", "目標設定するに至った現状と課題（区市町村ニーズ）", "令和２年度までに目指すべきビジョン"]


def seventh(rows: dict[str, str], *, label_heading: bool = True) -> bytes:
    """A 第7期 sheet: 事項 label in A, text in B (one heading over both, or none over A), years F-K."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "第7期"
    sheet["A1"] = "１　保険者による地域分析及び事業計画の策定等への支援"  # above the header, as printed
    if label_heading:
        sheet["A2"] = "事項"
        sheet.merge_cells("A2:B3")
    else:
        sheet["B2"] = "事項"
        sheet.merge_cells("B2:B3")
    for offset, heading in enumerate(HEADINGS):
        sheet.cell(row=2, column=3 + offset, value=heading)
        sheet.merge_cells(start_row=2, start_column=3 + offset, end_row=3, end_column=3 + offset)
    for index, heading in enumerate(("30年度", "令和元年度", "令和２年度")):
        column = 6 + 2 * index
        sheet.cell(row=2, column=column, value=heading)
        sheet.merge_cells(start_row=2, start_column=column, end_row=2, end_column=column + 1)
        sheet.cell(row=3, column=column, value="取組の実施内容・実績")
        sheet.cell(row=3, column=column + 1, value="自己評価と今後の課題・対応策")
    sheet["L2"] = "参考資料"
    sheet.merge_cells("L2:L3")
    for ref, value in rows.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def draft_of(data: bytes):
    return plan_sheet_parse(plan_sheet_read(data), layouts=plan_sheet_layouts())


def only_target(draft):
    (area,) = draft.areas
    (item,) = area.items
    return item, [(t.kind, t.value, t.unit, t.fiscal_year, t.text) for i in item.indicators for t in i.targets]


@pytest.mark.parametrize(
    ("cell", "targets"),
    [
        ("153人\n（各年度）", [("per_year", 153, "人", None, "153人（各年度）")]),
        ("６２区市町村\nで各１人以上", [("coverage", 62, "区市町村", None, "６２区市町村で各１人以上")]),
        (
            "12センターで\n実施\n（H32年度末）",
            [("by_period_end", 12, "センター", None, "12センターで実施（H32年度末）")],
        ),
        (
            "全区市\n町村\n\n全老人\n福祉圏域\n（Ｒ２）",
            [
                ("coverage", 62, "区市町村", None, "全区市町村"),
                ("by_period_end", 12, "老人福祉圏域", None, "全老人福祉圏域（Ｒ２）"),
            ],
        ),
        (
            "540人(初任者)\n180人(現任者)（H30～\n32）",
            [
                ("cumulative", 540, "人", None, "540人(初任者)"),
                ("cumulative", 180, "人", None, "180人(現任者)（H30～32）"),
            ],
        ),
        # Two wordings on two lines with no blank line: each line is read when the whole is not one wording.
        (
            "1,350人\n年１回以上",
            [("cumulative", 1350, "人", None, "1,350人"), ("frequency", 1, "回", None, "年１回以上")],
        ),
    ],
)
def test_a_target_cell_is_one_wording_per_paragraph_whatever_its_line_breaks(cell, targets):
    draft = draft_of(seventh({"A4": "事項１", "B4": "研修を実施", "C4": cell}))
    assert draft.problems == ()
    item, read = only_target(draft)
    assert read == targets
    assert item.number == 1 and item.title == "研修を実施"
    # The cell as typed is kept where the wordings do not spell it, so the sheet prints it back as typed.
    assert item.target_wording == ("" if cell == "\n".join(t[-1] for t in targets) else cell)


def test_target_wordings_split_at_blank_lines_only():
    assert target_wordings("153人\n（各年度）") == [("153人（各年度）", ("153人", "（各年度）"))]
    assert [w for w, _ in target_wordings("全区市町村\n\n\n年１回以上\n")] == ["全区市町村", "年１回以上"]


def test_a_label_column_without_a_heading_marks_the_items_of_its_rows():
    rows = {
        "A4": "事項１",
        "B4": "研修を実施",
        "C4": "年１回以上",
        "A5": "事項２",
        "B5": "会議を開催",
        "C5": "年２回以上",
    }
    draft = draft_of(seventh(rows, label_heading=False))
    assert draft.problems == ()
    assert [(i.number, i.title) for i in draft.areas[0].items] == [(1, "研修を実施"), (2, "会議を開催")]


def test_each_problem_says_what_was_read_and_what_to_change():
    rows = {
        "A4": "事項１",
        "B4": "研修を実施",
        "C4": "年１回以上",
        "A6": "２　地域ケア会議",
        "F6": "見出しの行に書いた取組",  # a heading row with another cell
        "F7": "事項のない行の取組",  # no item on its row, after a heading that was not read as one
        "A8": "【（１）介護予防】",  # a sub-heading directly under area 1 reads as its sub-area
        "M9": "様式にない列",
    }
    draft = draft_of(seventh(rows))
    messages = {p.place: p.message for p in draft.problems}
    assert "この行は分野の見出し（「２　地域ケア会議」）として読みましたが" in messages["第7期!A6"]
    assert "「取組の実施内容・実績」の欄ですが、この行にも" in messages["第7期!F7"]
    assert "事項の行に移すか" in messages["第7期!F7"]
    assert "この列には様式「第7期様式」の見出しがない" in messages["第7期!M9"]


def test_a_cell_above_every_area_heading_says_to_add_the_heading():
    workbook_rows = {"A1": None, "A4": "事項１", "B4": "研修を実施"}
    data = seventh(workbook_rows)
    draft = draft_of(data)
    # Without the area title above the header, the item belongs to no area: named, with the fix.
    assert any("分野の見出しの行（例:「１　保険者による地域分析…」）がない" in p.message for p in draft.problems)
    assert not draft.areas


def test_a_banner_row_that_is_neither_a_heading_nor_the_layouts_title_is_named_not_read_as_an_item():
    data = seventh({"A4": "事項１", "B4": "研修を実施", "C4": "年１回以上", "A6": "《参考》ｐ381～383"})
    workbook = load_workbook(io.BytesIO(data))
    workbook.active.merge_cells("A6:L6")
    buffer = io.BytesIO()
    workbook.save(buffer)
    draft = draft_of(buffer.getvalue())
    (problem,) = draft.problems
    assert problem.place == "第7期!A6" and "《参考》ｐ381～383" in problem.message and "削除" in problem.message
    assert [item.number for item in draft.areas[0].items] == [1]


def _second_page(data: bytes, rows: dict[str, str]) -> bytes:
    """Print the header again below, as a second printed page, with its own cells."""
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook.active
    for source_row, target_row in ((2, 8), (3, 9)):
        for column in range(1, 13):
            value = sheet.cell(row=source_row, column=column).value
            if value is not None:
                sheet.cell(row=target_row, column=column, value=value)
    for ref, value in rows.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_an_area_printed_again_on_the_next_page_continues_and_another_title_under_its_number_is_named():
    first = seventh({"A4": "事項１", "B4": "研修を実施", "C4": "年１回以上"})
    same = _second_page(
        first, {"A7": "１　保険者による地域分析及び事業計画の策定等への支援", "A10": "事項２", "B10": "会議を開催"}
    )
    draft = draft_of(same)
    assert draft.problems == ()
    assert [(a.number, [i.number for i in a.items]) for a in draft.areas] == [(1, [1, 2])]
    other = _second_page(first, {"A7": "１　別の分野", "A10": "事項１", "B10": "会議を開催"})
    messages = {p.place: p.message for p in draft_of(other).problems}
    assert "同じ番号の分野が別の名称ですでにあります" in messages["第7期!A7"]
