"""Small builders for test data: each returns a saved object with sensible defaults."""

from decimal import Decimal
from itertools import count

from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Section, Target

_sequence = count(1)


def plan_period(**fields) -> PlanPeriod:
    ordinal = fields.pop("ordinal", 100 + next(_sequence))
    defaults = {"name": f"第{ordinal}期", "first_fiscal_year": 2021, "last_fiscal_year": 2023}
    return PlanPeriod.objects.create(ordinal=ordinal, **{**defaults, **fields})


def policy_area(*, plan=None, **fields) -> PolicyArea:
    defaults = {"number": next(_sequence), "title": "テスト分野"}
    return PolicyArea.objects.create(plan=plan or plan_period(), **{**defaults, **fields})


def section(**fields) -> Section:
    return Section.objects.create(**{"name": f"テスト課{next(_sequence)}", **fields})


def item(*, area=None, **fields) -> Item:
    defaults = {"number": next(_sequence), "title": "テスト事項"}
    return Item.objects.create(area=area or policy_area(), **{**defaults, **fields})


def indicator(*, item_=None, **fields) -> Indicator:
    defaults = {"key": f"indicator-{next(_sequence)}", "name": "受講者数", "unit": "人"}
    return Indicator.objects.create(item=item_ or item(), **{**defaults, **fields})


def target(*, indicator_=None, **fields) -> Target:
    defaults = {"kind": Target.Kind.PER_YEAR, "value": Decimal(153), "unit": "人", "target_text": "153人（各年度）"}
    return Target.objects.create(indicator=indicator_ or indicator(), **{**defaults, **fields})


def yearly_result(*, indicator_=None, **fields) -> YearlyResult:
    defaults = {"fiscal_year": 2021, "value": Decimal(144), "actual_text": "144人"}
    return YearlyResult.objects.create(indicator=indicator_ or indicator(), **{**defaults, **fields})


def self_evaluation(*, item_=None, **fields) -> SelfEvaluation:
    defaults = {"fiscal_year": 2021, "activities": "研修を実施"}
    return SelfEvaluation.objects.create(item=item_ or item(), **{**defaults, **fields})
