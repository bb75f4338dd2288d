"""The comparison table writes its cells from the row records, in the order of its columns."""

import re

import pytest
from django.urls import reverse

from reports.tables import ProgressTable

pytestmark = pytest.mark.django_db


def test_the_row_template_follows_the_declared_columns():
    assert tuple(ProgressTable([], labels={}).columns.names()) == ProgressTable.BODY_COLUMNS


def test_every_row_has_one_cell_per_header(manager_client, tokyo_data):
    html = manager_client.get(reverse("reports:table"), {"plan": "第8期", "fiscal_year": 2021}).content.decode()
    table = html.split('class="progress-table"')[1].split("</table>")[0]
    headers = len(re.findall(r"<th scope=\"col\"", table))
    rows = re.findall(r"<tr><td>.*?</tr>", table, flags=re.S)
    assert rows and all(len(re.findall(r"<td[ >]", row)) == headers for row in rows)
    assert any("94.1%" in row and '<span class="status status-mostly_achieved">概ね達成</span>' in row for row in rows)
