"""Every workbook the application writes keeps user text as text, whatever the text looks like.

Each text field a user or an administrator can edit is set to formula-like text (OWASP's CSV
injection payloads), every export is downloaded through its view, and no cell may be a formula;
LibreOffice, a real client that evaluates formulas, must show the literal text. A plan name with
characters Excel forbids in a worksheet title must not break any export either.
"""

import csv
import io
from itertools import cycle

import pytest
from django.db.models import F, Max, Value
from django.db.models.functions import Concat
from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import Rating, SelfEvaluation, StatusRule, YearlyResult
from evaluations.progress import status_rule_get
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Program, Section, Target, Vision

from .conftest import convert

HYPERLINK = '=HYPERLINK("http://e.x","s")'
PAYLOADS = (HYPERLINK, "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1")
PLAN = "第8期"
FISCAL_YEAR = 2021
# LibreOffice's CSV filter: UTF-8, every worksheet into a file of its own (token 12 = -1).
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"

# (model, field, max_length or None, unique): every text a user or an administrator can edit that
# an export shows. Unique fields get the row's id appended, after the formula-like start.
FIELDS = (
    (PlanPeriod, "title", 200, False),
    (Section, "name", 100, True),
    (Program, "name", 200, True),
    (Vision, "title", 200, False),
    (PolicyArea, "title", 200, False),
    (PolicyArea, "background", None, False),
    (PolicyArea, "outcome_indicator_text", None, False),
    (Item, "title", None, False),
    (Item, "related_activities", None, False),
    (Item, "background", None, False),
    (Item, "item_vision", None, False),
    (Item, "reference", 100, False),
    (Indicator, "name", 200, False),
    (Indicator, "component", 50, False),
    (Indicator, "unit", 20, False),
    (Target, "unit", 20, False),
    (Target, "target_text", 500, False),
    (YearlyResult, "actual_text", 500, False),
    (SelfEvaluation, "activities", None, False),
    (SelfEvaluation, "self_assessment", None, False),
    (SelfEvaluation, "next_steps", None, False),
    (SelfEvaluation, "reference", 100, False),
    (Rating, "symbol", 5, True),
    (Rating, "label", 100, False),
)
STATUS_LABEL_FIELDS = tuple(f.name for f in StatusRule._meta.fields if f.name.startswith("label_"))


def _fit(payload: str, max_length: int | None) -> str:
    """Keep the payload whole where it fits, else a shorter text with the same formula-like start."""
    if max_length is None or len(payload) <= max_length:
        return payload
    return (payload[0] + "A1")[: max(max_length, 1)]


def _poison(payloads) -> dict[str, str]:
    """Set every editable text to a formula-like payload; return the plan's new name."""
    chosen = cycle(payloads)
    for model, field, max_length, unique in FIELDS:
        # A unique field gets the row's id appended: leave room for the longest id (on
        # PostgreSQL ids keep growing across tests, so 「=A」 + 1234 must still fit in five).
        suffix = len(str(model.objects.aggregate(top=Max("pk"))["top"] or 0)) if unique else 0
        payload = _fit(next(chosen), max_length and max_length - suffix)
        value = Concat(Value(payload), F("pk")) if unique else Value(payload)
        model.objects.update(**{field: value})
    rule = status_rule_get()
    for field in STATUS_LABEL_FIELDS:
        setattr(rule, field, _fit(next(chosen), 20) + field[6:9])  # labels must stay distinct
    rule.save()
    # The period rule refuses control characters in a name (issue 18 item 9), and every download
    # names its plan in the query: the name keeps the formula-like start without them.
    name = _fit(next(chosen), 20).lstrip("\t\r")
    PlanPeriod.objects.filter(name=PLAN).update(name=name)
    return name


def _exports(client, plan: str) -> dict[str, bytes]:
    """Download every export of the plan through its view."""
    requests = {
        "sheet": (reverse("sheets:self_evaluation_sheet"), {"plan": plan}),
        "summary": (reverse("sheets:summary"), {"plan": plan}),
        "summary-all": (reverse("sheets:summary"), {}),
        "table": (reverse("reports:table_xlsx"), {"plan": plan}),
        "entry": (reverse("sheets:entry_template"), {"plan": plan, "fiscal_year": FISCAL_YEAR}),
    }
    downloads = {}
    for name, (url, params) in requests.items():
        response = client.get(url, params)
        assert response.status_code == 200, (name, response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        downloads[name] = body
    return downloads


def _cells(data: bytes):
    workbook = load_workbook(io.BytesIO(data))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


@pytest.mark.django_db
@pytest.mark.parametrize("payload", PAYLOADS, ids=["hyperlink", "plus", "minus", "at", "tab", "cr"])
def test_no_export_writes_a_formula_whatever_the_text_begins_with(client, admin_user, payload):
    client.force_login(admin_user)
    plan = _poison([payload])
    for name, data in _exports(client, plan).items():
        cells = _cells(data)
        formulas = [(cell.parent.title, cell.coordinate, cell.value) for cell in cells if cell.data_type == "f"]
        assert formulas == [], name
        # The payload reached the export, as text, and kept its formula-like start.
        texts = [cell.value for cell in cells if isinstance(cell.value, str)]
        starts = (payload.replace("\r", "\n"), _fit(payload, 3).replace("\r", "\n"))
        assert any(text.startswith(starts) for text in texts), name
        assert all(cell.data_type == "s" for cell in cells if isinstance(cell.value, str)), name


@pytest.mark.django_db
def test_libreoffice_shows_the_literal_text_of_every_payload(client, admin_user, soffice, tmp_path):
    client.force_login(admin_user)
    plan = _poison(PAYLOADS)
    for name, data in _exports(client, plan).items():
        (tmp_path / f"{name}.xlsx").write_bytes(data)
        outdir = tmp_path / name
        outdir.mkdir()
        convert(soffice, tmp_path / f"{name}.xlsx", CSV_ALL_SHEETS, outdir, single_file=False)
        values = [
            value
            for path in outdir.glob("*.csv")
            for row in csv.reader(io.StringIO(path.read_text(encoding="utf-8")))
            for value in row
        ]
        assert values, name
        joined = "\n".join(values)
        # An evaluated formula would show its result or an error instead of its text.
        assert "Err:" not in joined and "#NAME?" not in joined and "#VALUE!" not in joined, name
        assert not any(value == "s" for value in values), name  # what =HYPERLINK(…,"s") displays
        starts = {value.lstrip("\t\r\n")[:2] for value in values}
        assert {"=H", "+1", "-1", "@S", "=1"} & starts, (name, sorted(starts)[:20])
    sheet = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "sheet").glob("*.csv"))
    for payload in (HYPERLINK, "+1", "-1", "@SUM(A1)", "\t=1+1"):
        assert payload.replace('"', '""') in sheet, payload


@pytest.mark.django_db
@pytest.mark.parametrize("character", list(":/\\?*[]"))
def test_every_export_accepts_a_plan_name_excel_forbids_in_a_sheet_title(client, admin_user, character):
    client.force_login(admin_user)
    name = f"第8期{character}改訂"
    PlanPeriod.objects.filter(name=PLAN).update(name=name)
    for export, data in _exports(client, name).items():
        workbook = load_workbook(io.BytesIO(data))
        assert all(len(title) <= 31 for title in workbook.sheetnames), export
        assert len(set(workbook.sheetnames)) == len(workbook.sheetnames), export
    summary = load_workbook(io.BytesIO(_exports(client, name)["summary"]))
    # The plan's table, its chart, and the items' programmes (issue 21 item 16).
    assert len(summary.sheetnames) == 3 and summary.sheetnames[2] == "関連事業"
    assert summary.sheetnames[1] == summary.sheetnames[0] + "グラフ"
    assert "改訂" in summary.sheetnames[0]


@pytest.mark.django_db
def test_plans_whose_names_clean_to_the_same_title_get_distinct_sheets(client, admin_user):
    client.force_login(admin_user)
    PlanPeriod.objects.filter(name="第7期").update(name="第?期")
    PlanPeriod.objects.filter(name="第8期").update(name="第？期")
    response = client.get(reverse("sheets:summary"))
    assert response.status_code == 200
    titles = load_workbook(io.BytesIO(b"".join(response.streaming_content))).sheetnames
    assert len(titles) == len({title.casefold() for title in titles})
    plan_titles = [title for title in titles if not title.endswith("グラフ") and title != "関連事業"]
    assert len(plan_titles) == PlanPeriod.objects.count()
