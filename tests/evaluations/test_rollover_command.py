"""`manage.py rollover_plan`: creates the next period, refuses a filled one, and a dry run writes nothing."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from evaluations.models import ReportingYear
from programs.models import Item, PlanPeriod, Target


def _run(*args) -> str:
    out = StringIO()
    call_command("rollover_plan", *args, stdout=out)
    return out.getvalue()


def test_command_fills_the_seeded_empty_9th_period_from_the_8th(tokyo_data):
    assert not Item.objects.filter(area__plan__name="第9期").exists()  # load_tokyo_plan leaves it empty
    output = _run("--from", "第8期", "--to", "第9期")
    assert "第9期（令和6～8年度）を第8期から作成しました" in output  # 和暦 in short (issue 20 item 6)
    assert Item.objects.filter(area__plan__name="第9期").count() == 2
    assert Target.objects.filter(indicator__item__area__plan__name="第9期").count() == 2
    assert ReportingYear.objects.filter(plan__name="第9期").count() == 3


def test_command_creates_a_missing_period_with_three_years_from_first_year(tokyo_data):
    _run("--from", "第8期", "--to", "第10期", "--first-year", "2027")
    plan = PlanPeriod.objects.get(name="第10期")
    assert (plan.ordinal, plan.first_fiscal_year, plan.last_fiscal_year) == (10, 2027, 2029)


def test_command_refuses_a_period_that_has_items_changing_nothing(tokyo_data):
    _run("--from", "第8期", "--to", "第9期")
    before = Item.objects.count(), Target.objects.count(), ReportingYear.objects.count()
    with pytest.raises(CommandError, match="第9期にはすでに事項が登録されているため作成できません"):
        _run("--from", "第8期", "--to", "第9期")
    assert (Item.objects.count(), Target.objects.count(), ReportingYear.objects.count()) == before


def test_command_skip_if_filled_succeeds_quietly_for_make_seed(tokyo_data):
    _run("--from", "第8期", "--to", "第9期", "--skip-if-filled")
    before = Item.objects.count()
    assert "すでに事項があるため" in _run("--from", "第8期", "--to", "第9期", "--skip-if-filled")
    assert Item.objects.count() == before


def test_command_dry_run_prints_the_plan_in_japanese_and_writes_nothing(tokyo_data):
    before = PlanPeriod.objects.count(), Item.objects.count(), ReportingYear.objects.count()
    output = _run("--from", "第7期", "--to", "第10期", "--first-year", "2027", "--dry-run")
    assert "（試行: 何も書き込みません）" in output
    assert "第7期 → 第10期（令和9～11年度）" in output
    assert "要設定: 期間累計" in output
    assert (PlanPeriod.objects.count(), Item.objects.count(), ReportingYear.objects.count()) == before


@pytest.mark.parametrize("first_year", ["令和9", "R9", "r９", "令和9年度", "2027"])
def test_the_first_year_is_read_in_wareki_or_western_years_and_printed_in_wareki(tokyo_data, first_year):
    output = _run("--from", "第8期", "--to", "第10期", "--first-year", first_year)
    assert "第10期（令和9～11年度）を第8期から作成しました" in output
    plan = PlanPeriod.objects.get(name="第10期")
    assert (plan.first_fiscal_year, plan.last_fiscal_year) == (2027, 2029)


@pytest.mark.parametrize("first_year", ["令和", "R999", "来年"])
def test_an_unreadable_first_year_is_refused_in_japanese_writing_nothing(tokyo_data, first_year):
    with pytest.raises(CommandError, match="年度「"):
        _run("--from", "第8期", "--to", "第10期", "--first-year", first_year)
    assert not PlanPeriod.objects.filter(name="第10期").exists()
