"""An 評価指標 workbook imported through the column-mapping screen into a fresh installation, and charted."""

import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook

from accounts.roles import MANAGER
from programs.models import GrantIndicator, GrantScore
from programs.municipality_codes import check_digit
from tests.workflow_world import make_user

pytestmark = pytest.mark.django_db
URL = "/sheets/grant-import/"

TOKYO_WARDS = [f"131{n:02d}" for n in range(1, 24)]


def _workbook(rows) -> io.BytesIO:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["市区町村名", "コード", "指標No.", "分野名", "配点", "点数"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "R6評価指標結果.xlsx"
    return buffer


def _rows():
    # Five-digit codes as the national lists print them; two indicators of two 分野.
    for index, code in enumerate(TOKYO_WARDS):
        yield ["", code, "Ⅱ(1)①", "介護予防", 10, index % 11]
        yield ["", code, "Ⅱ(2)①", "認知症総合支援", 20, 20 - index % 7]


def _upload(client, rows):
    response = client.post(URL, {"grant": "effort", "fiscal_year": 2024, "file": _workbook(rows)})
    assert response.status_code == 200
    html = response.content.decode()
    token = re.search(r'name="token" value="([^"]+)"', html).group(1)
    return html, token


def test_a_workbook_is_imported_through_the_mapping_screen_and_charted_on_a_fresh_installation(admin_client):
    assert not GrantIndicator.objects.exists()
    html, token = _upload(admin_client, list(_rows()))
    assert "46行を読み込みました" in html
    # The first guess: コード → 団体コード, 指標No. → 指標番号, 点数 → 得点, 分野名 → 分野, 配点 → 配点.
    for key, column in [("code", 1), ("number", 2), ("points", 5), ("field", 3), ("max_points", 4)]:
        assert re.search(rf'<select name="{key}"[^>]*>.*?<option value="{column}" selected>', html, re.S), key
    response = admin_client.post(
        URL,
        {
            "token": token,
            "grant": "effort",
            "fiscal_year": 2024,
            "code": 1,
            "number": 2,
            "points": 5,
            "field": 3,
            "max_points": 4,
        },
        follow=True,
    )
    assert "追加 46件、更新 0件、新しい指標 2件" in response.content.decode()
    assert GrantScore.objects.count() == 46 and not GrantScore.objects.filter(is_sample=True).exists()
    assert GrantScore.objects.get(municipality__code="131024", indicator__number="Ⅱ(1)①").points == Decimal(1)
    table = response.content.decode()  # redirected to the municipalities × 分野 table
    assert "介護保険保険者努力支援交付金（令和6年度）" in table and "サンプル" not in table
    chart = admin_client.get(reverse("reports:municipality", args=["131016"])).content.decode()
    assert "介護保険保険者努力支援交付金（令和6年度）" in chart and chart.count('class="bar-value"') == 2
    assert '<th scope="row">介護予防</th><td class="num">0.0</td><td class="num">10.0</td>' in chart


def test_a_bad_row_refuses_the_whole_file_and_names_the_row(admin_client):
    rows = list(_rows())
    rows[3][5] = 25  # over the 配点 of 20
    rows[5][1] = "13199"  # no such municipality
    rows[7][5] = "十点"
    html, token = _upload(admin_client, rows)
    response = admin_client.post(
        URL,
        {
            "token": token,
            "grant": "effort",
            "fiscal_year": 2024,
            "code": 1,
            "number": 2,
            "points": 5,
            "field": 3,
            "max_points": 4,
        },
    )
    html = response.content.decode()
    assert "9行目: 得点「十点」は数値ではありません" in html
    assert not GrantScore.objects.exists() and not GrantIndicator.objects.exists()
    rows[7][5] = 3
    html, token = _upload(admin_client, rows)
    html = admin_client.post(
        URL,
        {
            "token": token,
            "grant": "effort",
            "fiscal_year": 2024,
            "code": 1,
            "number": 2,
            "points": 5,
            "field": 3,
            "max_points": 4,
        },
    ).content.decode()
    assert "5行目: 得点 25.0 が配点 20.0 を超えています" in html
    assert f"7行目: 団体コード13199{check_digit('13199')}の区市町村が登録されていません" in html
    assert not GrantScore.objects.exists()


def test_the_mapping_screen_refuses_what_it_cannot_map_and_is_for_administrators_only(admin_client, client):
    _html, token = _upload(admin_client, list(_rows()))
    response = admin_client.post(URL, {"token": token, "grant": "effort", "fiscal_year": 2024, "code": 1, "points": 5})
    assert "「指標番号」の列を選んでください" in response.content.decode()
    response = admin_client.post(
        URL, {"token": "../../etc/passwd", "grant": "effort", "fiscal_year": 2024}, follow=True
    )
    assert "有効期限が切れました" in response.content.decode()
    client.force_login(make_user("a-manager", role=MANAGER))
    assert client.get(URL).status_code == 403
