"""Build entry workbooks the way a user would: download, fill in with openpyxl, save."""

import io
import zipfile
from collections.abc import Callable

from django.urls import reverse
from openpyxl import load_workbook

from evaluations.models import SelfEvaluation, YearlyResult
from sheets.exports.entry_template import EVALUATIONS_SHEET, HEADER_ROW, RESULTS_SHEET
from sheets.exports.layout import write_cell


class Formula(str):
    """A value typed as a formula (text beginning with = is otherwise typed as text, as with a leading ')."""


def download_template(client, plan: str = "第8期", fiscal_year: str = "2022") -> bytes:
    response = client.get(reverse("sheets:entry_template"), {"plan": plan, "fiscal_year": fiscal_year})
    assert response.status_code == 200, response.content
    return b"".join(response.streaming_content)


def headers(sheet) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[HEADER_ROW] if cell.value}


def fill(data: bytes, *, results: dict[int, dict] | None = None, evaluations: dict[int, dict] | None = None, year=None):
    """Set cells by id and header, as someone typing into Excel would; return the saved bytes."""
    workbook = load_workbook(io.BytesIO(data))
    for sheet_name, changes in ((RESULTS_SHEET, results or {}), (EVALUATIONS_SHEET, evaluations or {})):
        sheet = workbook[sheet_name]
        columns = headers(sheet)
        for row in sheet.iter_rows(min_row=HEADER_ROW + 1):
            for header, value in changes.get(row[0].value, {}).items():
                cell = sheet.cell(row=row[0].row, column=columns[header])
                if isinstance(value, Formula):
                    cell.value = str(value)
                else:
                    write_cell(cell, value)
        if year is not None:
            sheet["C2"].value = year
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def history_count() -> int:
    return YearlyResult.history.count() + SelfEvaluation.history.count()


def rezip(
    data: bytes,
    *,
    edit: dict[str, Callable[[str], str]] | None = None,
    add: dict[str, bytes | str] | None = None,
    drop: tuple[str, ...] = (),
) -> bytes:
    """Rebuild a workbook's zip as an attacker would: edit parts' XML text, add or drop parts."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename in drop:
                continue
            content = source.read(member)
            if edit and member.filename in edit:
                content = edit[member.filename](content.decode()).encode()
            target.writestr(member, content)
        for name, content in (add or {}).items():
            target.writestr(name, content)
    return buffer.getvalue()
