"""Tokyo's sheets as loaded by `make run`, checked against the seed text they were transcribed from."""

import unicodedata
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from evaluations.models import Rating, SelfEvaluation, YearlyResult
from evaluations.progress import achievement_for
from programs.models import Indicator, Item, Municipality, PlanPeriod, PolicyArea, Program, Target

pytestmark = pytest.mark.django_db
SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"

# (plan, area, sub-area, item, indicator key, fiscal year, value, phrase of the seed that states it)
KEY_FIGURES = [
    ("第8期", 7, None, 1, "trainees", 2021, 144, "合計で144人が受講した"),
    ("第8期", 7, None, 2, "meetings", 2021, 1, "実務者連絡会議を11月に実施"),
    ("第8期", 7, None, 2, "participants", 2021, 85, "85名が参加した"),
    ("第7期", 2, 1, 1, "trainees", 2018, 352, "修了者352人"),
    ("第7期", 2, 1, 1, "trainees", 2019, 428, "修了者428人"),
    ("第7期", 2, 1, 1, "trainees", 2020, 419, "修了者419人"),
    ("第7期", 2, 2, 2, "municipalities", 2019, 28, "28区市町44人配置"),
    ("第7期", 2, 2, 2, "staff", 2019, 44, "28区市町44人配置"),
    ("第7期", 2, 2, 1, "practical_course_1", 2020, 246, "実践編Ⅰ:246人"),
    ("第7期", 2, 2, 1, "practical_course_2", 2020, 213, "実践編Ⅱ:213人"),
    ("第7期", 8, None, 1, "municipalities", 2019, 43, "43区市町102事業"),
    ("第7期", 8, None, 1, "projects", 2019, 102, "43区市町102事業"),
    ("第7期", 5, None, 1, "home_visit_providers", 2020, 2410, "2,410所"),
]


def _normalised(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEEDS.is_dir():
        pytest.skip(f"seed texts not found at {SEEDS}")
    return _normalised("".join(path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))))


def _result(plan, area, sub_area, item, key, fiscal_year) -> YearlyResult:
    return YearlyResult.objects.get(
        indicator__item__area__plan__name=plan,
        indicator__item__area__number=area,
        indicator__item__area__sub_number=sub_area,
        indicator__item__number=item,
        indicator__key=key,
        fiscal_year=fiscal_year,
    )


@pytest.mark.parametrize(("plan", "area", "sub_area", "item", "key", "fiscal_year", "value", "phrase"), KEY_FIGURES)
def test_key_figures_match_the_seed(tokyo_data, seed_text, plan, area, sub_area, item, key, fiscal_year, value, phrase):
    assert _normalised(phrase) in seed_text
    assert _result(plan, area, sub_area, item, key, fiscal_year).value == Decimal(value)


def test_eighth_plan_area_7_item_1_stands_at_94_1_percent_in_fy2021(tokyo_data):
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    indicator = item.indicators.get(key="trainees")
    target = indicator.targets.get()
    assert (target.kind, target.value, target.target_text) == (Target.Kind.PER_YEAR, Decimal(153), "153人（各年度）")
    assert achievement_for(indicator, 2021).rate == Decimal("94.1")
    assert item.title.startswith("自立支援・介護予防に向けた地域ケア会議の実践者養成研修の講師を育成")
    assert item.section.name == "在宅支援課"


def test_seventh_plan_cumulative_trainees_reach_1199_of_1350(tokyo_data):
    indicator = Indicator.objects.get(
        item__area__plan__name="第7期", item__area__number=2, item__area__sub_number=1, item__number=1, key="trainees"
    )
    final = achievement_for(indicator, 2020)
    assert (final.running_total, final.target, final.rate) == (Decimal(1199), Decimal(1350), Decimal("88.8"))


def test_next_year_targets_stated_in_evaluations_are_year_targets(tokyo_data):
    stated = Target.objects.filter(source=Target.Source.EVALUATION)
    assert stated.filter(fiscal_year=2021).exists()  # 「【R3年度の目標数値】…」
    assert not stated.filter(fiscal_year__isnull=True).exists()
    subsidised = Target.objects.get(indicator__key="subsidised_staff", fiscal_year=2020)
    assert subsidised.value == Decimal(800)
    assert "2年度の目標数値　約800人" in subsidised.target_text


def test_every_area_and_item_of_both_sheets_is_present(tokyo_data):
    seventh = PolicyArea.objects.filter(plan__name="第7期")
    assert sorted(seventh.filter(sub_number__isnull=True).values_list("number", flat=True)) == list(range(1, 9))
    assert sorted(seventh.filter(parent__number=2).values_list("sub_number", flat=True)) == [1, 2]
    assert Item.objects.filter(area__plan__name="第7期").count() == 20
    assert Item.objects.filter(area__plan__name="第8期").count() == 2
    assert SelfEvaluation.objects.filter(item__area__plan__name="第7期").count() == 60
    assert Municipality.objects.count() == 62
    assert Municipality.objects.get(code="131016").name == "千代田区"
    assert Municipality.objects.get(code="134210").name == "小笠原村"
    assert list(Rating.objects.filter(scale__is_default=True).values_list("symbol", flat=True)) == ["◎", "○", "△", "×"]
    assert PlanPeriod.objects.get(name="第7期").fiscal_years == [2018, 2019, 2020]


def test_programmes_carry_their_budget(tokyo_data):
    program = Program.objects.get(name="自立支援・介護予防に向けた地域ケア会議推進事業")
    budget = program.budgets.get(fiscal_year=2022)
    assert budget.amount_thousand_yen == Decimal(15640)
    assert program.items.filter(area__plan__name="第8期", number=1).exists()


def _row_counts() -> dict[str, int]:
    models = [PlanPeriod, PolicyArea, Item, Indicator, Target, YearlyResult, SelfEvaluation, Program, Municipality]
    counts = {model.__name__: model.objects.count() for model in models}
    for model in (Target, YearlyResult, SelfEvaluation):
        counts[f"{model.__name__} history"] = model.history.count()
    return counts


def test_loading_twice_adds_no_rows_not_even_history(tokyo_data, capsys):
    before = _row_counts()
    call_command("load_tokyo_plan")
    assert _row_counts() == before
    assert "変更なし" in capsys.readouterr().out


def test_reloading_restores_a_changed_figure_and_records_it_in_history(tokyo_data):
    result = _result("第8期", 7, None, 1, "trainees", 2021)
    result.value = Decimal(1)
    result.save()
    call_command("load_tokyo_plan", verbosity=0)
    result.refresh_from_db()
    assert result.value == Decimal(144)
    # Issue 12 item 9: the history shows this reason to users, so it says what happened, not how.
    assert result.history.first().history_change_reason == "初期データの読込"


def test_loader_refuses_unknown_keys_and_writes_nothing(tmp_path, db):
    from django.core.management.base import CommandError

    source = Path(__file__).resolve().parents[2] / "fixtures" / "tokyo"
    for path in source.glob("*.yaml"):
        if not path.name.startswith("plan0"):
            (tmp_path / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / "plan99.yaml").write_text(
        "plan: 第8期\nareas:\n  - {number: 1, sub_number: null, title: x, colour: red}\n", encoding="utf-8"
    )
    with pytest.raises(CommandError, match="不明な項目"):
        call_command("load_tokyo_plan", directory=tmp_path)
    assert not PlanPeriod.objects.exists()
