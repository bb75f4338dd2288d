"""Integrity that lives in the database: a bad row is refused even when a form is bypassed."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from evaluations.models import SelfEvaluation, YearlyResult
from evaluations.progress import achievement_for
from programs.models import PlanPeriod, PolicyArea, Target
from tests import factories

pytestmark = pytest.mark.django_db


def _refused(create) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        create()


def test_plan_period_first_year_must_not_be_after_last():
    _refused(lambda: factories.plan_period(first_fiscal_year=2024, last_fiscal_year=2021))
    assert not PlanPeriod.objects.exists()


def test_one_result_per_indicator_and_fiscal_year():
    result = factories.yearly_result(fiscal_year=2021)
    _refused(lambda: factories.yearly_result(indicator_=result.indicator, fiscal_year=2021))
    assert YearlyResult.objects.count() == 1


def test_negative_result_is_refused_by_the_database_and_by_validation():
    indicator = factories.indicator()
    _refused(lambda: factories.yearly_result(indicator_=indicator, value=Decimal(-1)))
    with pytest.raises(ValidationError) as error:
        YearlyResult(indicator=indicator, fiscal_year=2021, value=Decimal(-1)).full_clean()
    assert "value" in error.value.message_dict
    assert not YearlyResult.objects.exists()


def test_negative_target_is_refused():
    _refused(lambda: factories.target(value=Decimal(-5)))
    assert not Target.objects.exists()


def test_one_period_target_and_one_target_per_year_per_indicator():
    target = factories.target(fiscal_year=None)
    _refused(lambda: factories.target(indicator_=target.indicator, fiscal_year=None))
    factories.target(indicator_=target.indicator, fiscal_year=2022, value=Decimal(3))
    _refused(lambda: factories.target(indicator_=target.indicator, fiscal_year=2022))
    assert Target.objects.count() == 2


def test_only_a_direction_target_may_have_no_value():
    _refused(lambda: factories.target(kind=Target.Kind.PER_YEAR, value=None))
    factories.target(kind=Target.Kind.DIRECTION, value=None, direction=Target.Direction.INCREASE)
    assert Target.objects.count() == 1


def test_one_self_evaluation_per_item_and_fiscal_year():
    evaluation = factories.self_evaluation(fiscal_year=2021)
    _refused(lambda: factories.self_evaluation(item_=evaluation.item, fiscal_year=2021))
    assert SelfEvaluation.objects.count() == 1


def test_area_numbers_are_unique_within_a_plan_including_top_level_areas():
    area = factories.policy_area(number=2)
    _refused(lambda: factories.policy_area(plan=area.plan, number=2))
    factories.policy_area(plan=area.plan, number=2, sub_number=1, parent=area)
    _refused(lambda: factories.policy_area(plan=area.plan, number=2, sub_number=1))
    assert PolicyArea.objects.count() == 2


def test_readable_names():
    plan = factories.plan_period(name="第8期", ordinal=8, first_fiscal_year=2021, last_fiscal_year=2023)
    area = factories.policy_area(plan=plan, number=7, title="地域ケア会議の推進")
    sub_area = factories.policy_area(plan=plan, number=2, sub_number=1, title="地域ケア会議")
    item = factories.item(area=area, number=1)
    result = factories.yearly_result(
        indicator_=factories.indicator(item_=item, name="受講者数"), fiscal_year=2021, actual_text=""
    )
    assert str(plan) == "第8期（令和3年度～令和5年度）"
    assert str(item) == "第8期 7 地域ケア会議の推進 › 事項1"
    assert sub_area.label == "2（1）地域ケア会議"
    assert str(result) == "受講者数 令和3年度: 144人"


def test_indicator_achievement_reads_its_targets_and_results():
    plan = factories.plan_period(first_fiscal_year=2021, last_fiscal_year=2023)
    indicator = factories.indicator(item_=factories.item(area=factories.policy_area(plan=plan)))
    factories.target(indicator_=indicator)
    factories.yearly_result(indicator_=indicator, fiscal_year=2021, value=Decimal(144))
    assert achievement_for(indicator, 2021).rate == Decimal("94.1")
