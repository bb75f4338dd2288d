"""The entry workbook a staff member fills in offline and uploads again (実績・自己評価 入力用ブック).

Visible sheets hold one row per indicator (figures) and one row per item (texts), pre-filled
with what is recorded; every row carries a hidden, stable id, and a very hidden sheet names
the plan, the fiscal year and the format, so ``sheets.imports.entry`` can read it back
whatever the user did to the row order.
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter

from openpyxl import Workbook
from openpyxl.styles import Protection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from evaluations.models import NO_RECORD_VERSION
from evaluations.progress import PlanProgress
from programs.fiscal_years import era_label
from programs.models import item_label_of

from .layout import (
    A4,
    BORDER,
    HEADER_FILL,
    INTEGER,
    NUMBER,
    WRAP_TOP,
    CellStyle,
    Column,
    add_sheet,
    cell_range,
    font,
    freeze,
    new_workbook,
    position,
    print_setup,
    put,
    set_width,
    write_header,
    write_row,
)

FORMAT_NAME = "kaigo-plan-entry"
FORMAT_VERSION = 2  # 2: every row carries its record's version (a workbook without it cannot be checked)
RESULTS_SHEET = "実績入力"
EVALUATIONS_SHEET = "自己評価入力"
META_SHEET = "_meta"
YEAR_LABEL = "年度"
TITLE_ROW = 1
YEAR_ROW = 2
NOTE_ROW = 3
LABEL_COLUMN = 2  # column 1 holds the hidden ids
YEAR_COLUMN = 3
HEADER_ROW = 4
FIRST_DATA_ROW = HEADER_ROW + 1
META_KEYS = ("format", "version", "plan", "fiscal_year", "generated_at", "generated_by")

HEADER_INDICATOR_ID = "指標ID"
HEADER_ITEM_ID = "事項ID"
HEADER_VALUE = "実績（数値）"
HEADER_ACTUAL_TEXT = "実績（原文）"
HEADER_ACTIVITIES = "取組の実施内容・実績"
HEADER_SELF_ASSESSMENT = "自己評価"
HEADER_NEXT_STEPS = "今後の課題・対応策"
HEADER_VERSION = "版"
VALUE_PROMPT = "数値を入力してください（例: 144、1,350人、１，３５０人）。空欄にすると実績を消します。"
NOTE = (
    "白い欄に入力してください（色の付いた欄は参照用です）。非表示のA列の番号で照合するため、並べ替えても取り込めます。"
)
VALUE_PROMPT_ROWS = 1000  # the prompt covers rows a user may insert below the data

INPUT_STYLE = CellStyle(font=font(), border=BORDER, alignment=WRAP_TOP)
REFERENCE_STYLE = CellStyle(font=font(), fill=HEADER_FILL, border=BORDER, alignment=WRAP_TOP)
YEAR_STYLE = CellStyle(font=font(size=11, bold=True), border=BORDER)


@dataclass(frozen=True)
class ResultEntryRow:
    indicator_id: int
    area: str
    item: str
    indicator: str
    unit: str
    target_text: str
    value: Decimal | None
    actual_text: str
    version: int  # the item's self-evaluation version when downloaded (0: none yet)


@dataclass(frozen=True)
class EvaluationEntryRow:
    item_id: int
    area: str
    item: str
    activities: str
    self_assessment: str
    next_steps: str
    version: int


@dataclass(frozen=True)
class EntryTemplate:
    plan_name: str
    fiscal_year: int
    fiscal_year_choices: tuple[str, ...]
    results: tuple[ResultEntryRow, ...]
    evaluations: tuple[EvaluationEntryRow, ...]


RESULT_COLUMNS: tuple[Column[ResultEntryRow], ...] = (
    Column(HEADER_INDICATOR_ID, attrgetter("indicator_id"), number_format=INTEGER, width=8),
    Column("取組分野", attrgetter("area"), width=24),
    Column("事項", attrgetter("item"), width=30),
    Column("指標", attrgetter("indicator"), width=30),
    Column("単位", attrgetter("unit"), width=7),
    Column("目標", attrgetter("target_text"), width=18),
    Column(HEADER_VALUE, attrgetter("value"), number_format=NUMBER, width=14),
    Column(HEADER_ACTUAL_TEXT, attrgetter("actual_text"), width=36),
    Column(HEADER_VERSION, attrgetter("version"), number_format=INTEGER, width=6),
)
EVALUATION_COLUMNS: tuple[Column[EvaluationEntryRow], ...] = (
    Column(HEADER_ITEM_ID, attrgetter("item_id"), number_format=INTEGER, width=8),
    Column("取組分野", attrgetter("area"), width=20),
    Column("事項", attrgetter("item"), width=28),
    Column(HEADER_ACTIVITIES, attrgetter("activities"), width=44),
    Column(HEADER_SELF_ASSESSMENT, attrgetter("self_assessment"), width=44),
    Column(HEADER_NEXT_STEPS, attrgetter("next_steps"), width=44),
    Column(HEADER_VERSION, attrgetter("version"), number_format=INTEGER, width=6),
)
RESULT_INPUTS = (HEADER_VALUE, HEADER_ACTUAL_TEXT)
EVALUATION_INPUTS = (HEADER_ACTIVITIES, HEADER_SELF_ASSESSMENT, HEADER_NEXT_STEPS)


def entry_template(
    progress: PlanProgress, fiscal_year: int, versions: Mapping[int, int] | None = None
) -> EntryTemplate:
    """Pre-fill a row per indicator and per item with what is recorded for the fiscal year.

    ``versions`` maps item id → its self-evaluation's version: the import compares it with the
    version saved by then, so a workbook older than a colleague's save cannot undo it.
    """
    versions = versions or {}
    index = progress.fiscal_years.index(fiscal_year)
    results = []
    evaluations = []
    for area in progress.areas:
        for item in area.items:
            item_label = f"{item_label_of(item.number)} {item.short_title}"
            for indicator in item.indicators:
                cell = indicator.years[index]
                results.append(
                    ResultEntryRow(
                        indicator_id=indicator.id,
                        area=area.label,
                        item=item_label,
                        indicator=indicator.label,
                        unit=indicator.unit,
                        target_text=cell.target_text,
                        value=cell.actual,
                        actual_text=cell.actual_text,
                        version=versions.get(item.id, NO_RECORD_VERSION),
                    )
                )
            evaluation = item.evaluations[index]
            evaluations.append(
                EvaluationEntryRow(
                    item_id=item.id,
                    area=area.label,
                    item=item_label,
                    activities=evaluation.activities if evaluation else "",
                    self_assessment=evaluation.self_assessment if evaluation else "",
                    next_steps=evaluation.next_steps if evaluation else "",
                    version=versions.get(item.id, NO_RECORD_VERSION),
                )
            )
    return EntryTemplate(
        plan_name=progress.plan_name,
        fiscal_year=fiscal_year,
        fiscal_year_choices=tuple(era_label(year) for year in progress.fiscal_years),
        results=tuple(results),
        evaluations=tuple(evaluations),
    )


def entry_workbook(template: EntryTemplate, *, generated_by: str = "", generated_at: datetime.datetime) -> Workbook:
    workbook = new_workbook()
    results = add_sheet(workbook, RESULTS_SHEET)
    _write_sheet(results, template, "実績入力", RESULT_COLUMNS, template.results, RESULT_INPUTS)
    _add_value_prompt(results)
    evaluations = add_sheet(workbook, EVALUATIONS_SHEET)
    _write_sheet(evaluations, template, "自己評価入力", EVALUATION_COLUMNS, template.evaluations, EVALUATION_INPUTS)
    meta = add_sheet(workbook, META_SHEET)
    values = (
        FORMAT_NAME,
        FORMAT_VERSION,
        template.plan_name,
        template.fiscal_year,
        generated_at.isoformat(timespec="seconds"),
        generated_by,
    )
    for row, (key, value) in enumerate(zip(META_KEYS, values, strict=True), start=1):
        put(meta, row=row, column=1, value=key)
        put(meta, row=row, column=2, value=value)
    meta.sheet_state = "veryHidden"  # not listed by Excel's 「再表示」: the ids are not for editing
    return workbook


def _write_sheet(
    worksheet: Worksheet,
    template: EntryTemplate,
    title: str,
    columns: tuple[Column, ...],
    rows: tuple,
    inputs: tuple[str, ...],
) -> None:
    put(
        worksheet,
        row=TITLE_ROW,
        column=LABEL_COLUMN,
        value=f"{title}（{template.plan_name}）",
        style=CellStyle(font=font(size=14, bold=True)),
    )
    put(worksheet, row=YEAR_ROW, column=LABEL_COLUMN, value=YEAR_LABEL, style=CellStyle(font=font(bold=True)))
    year_cell = put(
        worksheet, row=YEAR_ROW, column=YEAR_COLUMN, value=era_label(template.fiscal_year), style=YEAR_STYLE
    )
    year_cell.protection = Protection(locked=False)
    choices = DataValidation(
        type="list",
        formula1='"{}"'.format(",".join(template.fiscal_year_choices)),
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="年度",
        error="計画期間の年度から選んでください。",
    )
    worksheet.add_data_validation(choices)
    choices.add(year_cell)
    put(worksheet, row=NOTE_ROW, column=LABEL_COLUMN, value=NOTE, style=CellStyle(font=font()))

    input_columns = {position(columns, header) for header in inputs}
    write_header(worksheet, columns, row=HEADER_ROW)

    def style(index: int, _column: Column) -> CellStyle:
        return INPUT_STYLE if index in input_columns else REFERENCE_STYLE

    for row_index, row in enumerate(rows, start=FIRST_DATA_ROW):
        lines = write_row(worksheet, columns, row, row=row_index, style=style)
        for index in input_columns:
            worksheet.cell(row=row_index, column=index).protection = Protection(locked=False)
        worksheet.row_dimensions[row_index].height = min(max(lines * 12.5 + 4, 18), 400)
    set_width(worksheet, 1, columns[0].width, hidden=True)  # the ids the import matches rows by
    # The version the import checks: hidden and (like every non-input cell) locked.
    set_width(worksheet, position(columns, HEADER_VERSION), columns[-1].width, hidden=True)
    freeze(worksheet, row=FIRST_DATA_ROW, column=LABEL_COLUMN)
    # Protect the layout but keep filtering, resizing and row insertion for users.
    worksheet.protection.sheet = True
    worksheet.protection.formatColumns = False
    worksheet.protection.formatRows = False
    worksheet.protection.autoFilter = False
    worksheet.protection.sort = False
    print_setup(worksheet, paper=A4, title_rows=(HEADER_ROW, HEADER_ROW))


def _add_value_prompt(worksheet: Worksheet) -> None:
    column = position(RESULT_COLUMNS, HEADER_VALUE)
    prompt = DataValidation(showInputMessage=True, promptTitle=HEADER_VALUE, prompt=VALUE_PROMPT)
    worksheet.add_data_validation(prompt)
    prompt.add(
        cell_range(
            first_row=FIRST_DATA_ROW,
            first_column=column,
            last_row=FIRST_DATA_ROW + VALUE_PROMPT_ROWS - 1,
            last_column=column,
        )
    )
