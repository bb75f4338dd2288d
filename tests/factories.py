"""Small builders for test data: each returns a saved object with sensible defaults."""

from decimal import Decimal
from itertools import count, cycle

from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Indicator, Item, PlanPeriod, PolicyArea, Section, Target

_sequence = count(1)
# Plans of their own numbers, within validate_ordinal's 1–999 however many tests ran before (Tokyo's are 7–9).
_ordinals = cycle(range(100, 1000))


def plan_period(**fields) -> PlanPeriod:
    ordinal = fields.pop("ordinal", next(_ordinals))
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


def synthetic_plan(*, items: int, name: str, ordinal: int, first_fiscal_year: int, indicators_per_item: int = 2):
    """Return a period of ``items`` items in areas of 30, each with its indicators and a per-year target (bulk)."""
    plan = plan_period(name=name, ordinal=ordinal, first_fiscal_year=first_fiscal_year,
                       last_fiscal_year=first_fiscal_year + 2)  # fmt: skip
    areas = PolicyArea.objects.bulk_create(
        PolicyArea(plan=plan, number=number, title=f"分野{number}") for number in range(1, (items + 29) // 30 + 1)
    )
    made = Item.objects.bulk_create(
        Item(area=areas[index // 30], number=index % 30 + 1, title=f"事項{index + 1}") for index in range(items)
    )
    made_indicators = Indicator.objects.bulk_create(
        Indicator(item=item, key=f"indicator-{number}", name=f"指標{number}", unit="人", order=number)
        for item in made
        for number in range(1, indicators_per_item + 1)
    )
    Target.objects.bulk_create(
        Target(
            indicator=indicator, kind=Target.Kind.PER_YEAR, value=Decimal(10), unit="人", target_text="10人（各年度）"
        )
        for indicator in made_indicators
    )
    return plan
