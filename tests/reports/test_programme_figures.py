"""Programmes (事業) keep seed 001's figures as data and every page and workbook that shows them (issue 21 item 16).

Seed 001 (the FY2020 paper of 自立支援・介護予防に向けた地域ケア会議推進事業): ①実践者養成研修 「(2予算額
17,134千円)」, 【実施規模】 募集人数 540名, 【参考】令和元年度実績 募集人数 450名 受講決定者数 488名 (50区市町村);
②体制構築支援モデル事業 (参考)令和元年度実績 ・支援自治体数 2自治体 (立川市、多摩市) ・会議実施回数 4回.
"""

import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from programs.models import Item, Program, ProgramFigure

pytestmark = pytest.mark.django_db

TRAINING = "自立支援・介護予防に向けた地域ケア会議実践者養成研修"
MODEL = "体制構築支援モデル事業"


def _item(area: int, sub: int | None, number: int) -> Item:
    return Item.objects.get(area__plan__name="第7期", area__number=area, area__sub_number=sub, number=number)


def test_seed_001s_figures_are_data_not_comments(tokyo_data):
    training = Program.objects.get(name=TRAINING)
    assert [(b.fiscal_year, b.amount_thousand_yen) for b in training.budgets.all()] == [(2020, Decimal(17134))]
    figures = {
        (f.fiscal_year, f.kind, f.label): (f.value, f.unit, f.municipality_count)
        for f in ProgramFigure.objects.filter(program=training)
    }
    assert figures == {
        (2020, "plan", "募集人数"): (Decimal(540), "名", None),
        (2019, "result", "募集人数"): (Decimal(450), "名", None),
        (2019, "result", "受講決定者数"): (Decimal(488), "名", 50),
    }
    supported = ProgramFigure.objects.get(program__name=MODEL, fiscal_year=2019, label="支援自治体数")
    assert (supported.value, sorted(m.name for m in supported.municipalities.all())) == (
        Decimal(2),
        ["多摩市", "立川市"],
    )
    assert ProgramFigure.objects.get(program__name=MODEL, fiscal_year=2019, label="会議実施回数").value == 4
    # 2（1）事項1 (募集規模 360・450・540人) is the training's item; 2（1）事項2 the モデル事業's.
    assert TRAINING in _item(2, 1, 1).programs.values_list("name", flat=True)
    assert MODEL in _item(2, 1, 2).programs.values_list("name", flat=True)


def _programme_section(client, item: Item) -> str:
    response = client.get(reverse("reports:item", args=[item.id]))
    assert response.status_code == 200
    html = response.content.decode()
    return html[html.index("<h2>関連事業</h2>") :]


def test_the_item_page_shows_the_programmes_figures(manager_client, tokyo_data):
    training = _programme_section(manager_client, _item(2, 1, 1))
    assert TRAINING in training
    assert "令和2年度 17,134千円" in training
    assert "令和2年度 実施規模・予定 募集人数 540名" in training
    assert "令和元年度 実績 受講決定者数 488名（50区市町村）" in training
    model = _programme_section(manager_client, _item(2, 1, 2))
    assert "令和元年度 実績 支援自治体数 2自治体（立川市・多摩市）" in model
    assert "令和元年度 実績 会議実施回数 4回" in model
    assert "令和2年度 2,614千円" in model


def test_the_summary_workbook_lists_each_items_programmes_with_budget_and_figures(tokyo_data, tmp_path):
    path = tmp_path / "summary.xlsx"
    call_command("export_summary", "--output", str(path), stdout=io.StringIO())
    sheet = load_workbook(path)["関連事業"]
    header = [cell.value for cell in sheet[1]]
    rows = [dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)]
    training = next(r for r in rows if r["事業名"] == TRAINING)
    assert (training["計画期間"], training["取組分野"], training["事項"]) == ("第7期", "2（1）地域ケア会議", "事項1")
    assert training["予算額"] == "令和2年度 17,134千円"
    assert training["事業の実績・規模"] == (
        "令和2年度 実施規模・予定 募集人数 540名\n"
        "令和元年度 実績 募集人数 450名\n"
        "令和元年度 実績 受講決定者数 488名（50区市町村）"
    )
    model = next(r for r in rows if r["事業名"] == MODEL)
    assert "支援自治体数 2自治体（立川市・多摩市）" in model["事業の実績・規模"]
    assert "会議実施回数 4回" in model["事業の実績・規模"]
    # 第8期 7 事項1: 別紙7-12's R4予算額 15,640千円 and its 成果.
    later = next(r for r in rows if r["計画期間"] == "第8期" and r["事項"] == "事項1")
    assert later["予算額"] == "令和4年度 15,640千円"
    assert "１，１９９名" in later["これまでの事業成果"]


def test_the_summary_reads_programmes_in_a_fixed_number_of_queries(tokyo_data, django_assert_num_queries):
    from programs.models import PlanPeriod
    from programs.selectors import programmes_of_plans

    plans = list(PlanPeriod.objects.all())
    # items (with areas), their programmes, budgets, figures, the figures' municipalities
    with django_assert_num_queries(5):
        lines = programmes_of_plans(plan_ids=[plan.id for plan in plans])
        texts = [
            figure.shown for pairs in lines.values() for _, program in pairs for figure in program.figures_in_order
        ]
    assert "2自治体（立川市・多摩市）" in texts


def test_a_figure_names_unknown_municipalities_and_the_load_refuses(tokyo_data, tmp_path):
    import shutil

    import yaml
    from django.conf import settings

    from evaluations.imports.plan_yaml import PlanDataError, plan_data_load

    source = settings.BASE_DIR / "fixtures" / "tokyo"
    directory = tmp_path / "tokyo"
    shutil.copytree(source, directory)
    data = yaml.safe_load((directory / "programs.yaml").read_text(encoding="utf-8"))
    model = next(p for p in data["programs"] if p["name"] == MODEL)
    model["figures"][2]["municipalities"] = ["立川市", "多摩町"]
    (directory / "programs.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanDataError, match="多摩町"):
        plan_data_load(directory=directory)


def test_a_figure_of_an_unknown_kind_is_refused_with_its_programme_named(tokyo_data, tmp_path):
    import shutil

    import yaml
    from django.conf import settings

    from evaluations.imports.plan_yaml import PlanDataError, plan_data_load

    directory = tmp_path / "tokyo"
    shutil.copytree(settings.BASE_DIR / "fixtures" / "tokyo", directory)
    data = yaml.safe_load((directory / "programs.yaml").read_text(encoding="utf-8"))
    next(p for p in data["programs"] if p["name"] == TRAINING)["figures"][0]["kind"] = "予定"
    (directory / "programs.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PlanDataError, match=f"{TRAINING} 募集人数"):
        plan_data_load(directory=directory)
