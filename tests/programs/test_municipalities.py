"""Municipalities as reference data: Tokyo's 62 after migrate, six-digit codes, another list from CSV."""

import tempfile
from collections import Counter
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from evaluations.models import YearlyResult
from programs.imports.municipality_csv import municipality_rows
from programs.models import Municipality
from programs.municipality_codes import InvalidCode, check_digit, full_code, is_valid_code

pytestmark = pytest.mark.django_db


def test_check_digits_follow_jis_x_0402():
    assert check_digit("13101") == "6"  # 千代田区 131016: 27 mod 11 = 5, 11 − 5
    assert check_digit("13104") == "1"  # 新宿区 131041: 33 mod 11 = 0, 11 → 1
    assert check_digit("13421") == "0"  # 小笠原村 134210: 45 mod 11 = 1, 10 → 0
    assert check_digit("01100") == "2"  # 札幌市 011002
    assert full_code("13101") == "131016"
    assert full_code("131016") == "131016"
    with pytest.raises(InvalidCode, match=r"131019.*131016"):
        full_code("131019")
    with pytest.raises(InvalidCode):
        full_code("１３１０１")  # full-width digits are not a code
    assert not is_valid_code("13101")


def test_an_empty_installation_has_tokyos_62_with_valid_codes_and_regions():
    municipalities = list(Municipality.objects.current())
    assert len(municipalities) == 62
    assert all(is_valid_code(m.code) for m in municipalities)
    assert Counter(m.kind for m in municipalities) == {"ward": 23, "city": 26, "town": 5, "village": 8}
    assert Counter(m.region for m in municipalities) == {"区部": 23, "多摩": 30, "島しょ": 9}
    assert Municipality.objects.get(code="131016").name == "千代田区"
    assert Municipality.objects.get(code="134210").name == "小笠原村"
    assert Municipality.objects.get(name="八丈町").region == "島しょ"
    assert Municipality.objects.get(name="檜原村").region == "多摩"
    tiles = {(m.tile_row, m.tile_column) for m in municipalities}
    assert len(tiles) == 62 and None not in {t for tile in tiles for t in tile}


def test_a_code_without_its_check_digit_is_refused_by_the_model():
    municipality = Municipality(code="131019", name="架空区", kind="ward")
    with pytest.raises(ValidationError, match="検査数字"):
        municipality.full_clean()


HOKKAIDO = """団体コード,都道府県名（漢字）,市区町村名（漢字）
010006,北海道,
011002,北海道,札幌市
01202,北海道,函館市
013030,北海道,当別町
"""


def test_another_prefectures_published_list_loads_and_can_replace_tokyos():
    out = StringIO()
    path = _write(HOKKAIDO.encode("cp932"))
    call_command("load_municipalities", path, "--end-others-on", "2026-03-31", stdout=out)
    assert "追加 3" in out.getvalue() and "廃止日を設定 62" in out.getvalue()
    assert sorted(Municipality.objects.current().values_list("code", flat=True)) == ["011002", "012025", "013030"]
    assert Municipality.objects.get(code="013030").kind == "town"
    assert Municipality.objects.count() == 65  # Tokyo's rows stay, with their history


def test_a_merge_keeps_the_old_code_and_its_coverage_marks(workflow_indicator):
    result = YearlyResult.objects.create(indicator=workflow_indicator, fiscal_year=2000)
    path = _write(
        "code,name,kind,region,valid_from,valid_to,successor_code\n"
        "132161,田無市,市,多摩,,2001-01-20,132292\n"
        "132292,西東京市,市,多摩,2001-01-21,,\n".encode()
    )
    call_command("load_municipalities", path, stdout=StringIO())
    tanashi = Municipality.objects.get(code="132161")
    result.municipalities.add(tanashi)
    assert tanashi.successor.name == "西東京市"
    assert tanashi not in Municipality.objects.current()
    assert tanashi in Municipality.objects.in_fiscal_year(2000)
    assert "西東京市" not in set(Municipality.objects.in_fiscal_year(1999).values_list("name", flat=True))
    assert list(result.municipalities.all()) == [tanashi]


@pytest.mark.parametrize(
    "text, problem",
    [
        ("code,name\n131019,千代田区\n", "2行目: 団体コード131019の検査数字"),
        ("name\n千代田区\n", "code（団体コード）"),
        ("code,name\n131016,<b>x</b>\n", "2行目: 名称"),
        ("code,name,valid_from\n131016,千代田区,R3\n", "2001-01-21"),
        ("code,name\n131016,千代田区\n131016,千代田区\n", "3行目: 団体コード131016が重複"),
        ("code,name,tile_row\n131016,千代田区,99999999999999999999\n", "0～99"),
    ],
)
def test_a_bad_file_is_refused_line_by_line_and_writes_nothing(text, problem):
    _rows, problems = municipality_rows(text.encode())
    assert any(problem in p for p in problems), problems
    with pytest.raises(CommandError):
        call_command("load_municipalities", _write(text.encode()), stdout=StringIO())
    assert Municipality.objects.get(code="131016").name == "千代田区"
    assert Municipality.objects.count() == 62


def test_an_unknown_successor_refuses_the_whole_file():
    path = _write("code,name,successor_code\n011002,札幌市,131024\n012025,函館市,999997\n".encode())
    with pytest.raises(CommandError, match="999997"):
        call_command("load_municipalities", path, stdout=StringIO())
    assert not Municipality.objects.filter(code="011002").exists()


def _write(data: bytes) -> str:
    with tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False) as file:
        file.write(data)
    return file.name


@pytest.fixture
def workflow_indicator():
    from tests import factories

    return factories.indicator()
