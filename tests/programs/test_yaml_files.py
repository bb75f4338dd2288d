"""The reference YAML loaders' one upsert (programs.imports.yaml_files.row_upsert)."""

from decimal import Decimal

import pytest

from programs.imports.yaml_files import CREATED, UPDATED, row_upsert
from programs.models import PlanPeriod, ReferenceFigure, SheetLayout, Target
from tests import factories

pytestmark = pytest.mark.django_db

REASON = "YAMLの読込のテスト"


def test_a_row_is_created_then_updated_only_where_it_differs_then_left_alone():
    area = factories.policy_area()
    values = {"value": Decimal("1.50"), "unit": "%", "order": 1}

    created, outcome = row_upsert(ReferenceFigure, {"area": area, "label": "高齢化率"}, values)
    assert outcome == CREATED
    # The file's 1.5 is the database's Decimal("1.50"): not a change.
    again, outcome = row_upsert(ReferenceFigure, {"area": area, "label": "高齢化率"}, {**values, "value": 1.5})
    assert (again.pk, outcome) == (created.pk, None)
    updated, outcome = row_upsert(ReferenceFigure, {"area": area, "label": "高齢化率"}, {**values, "unit": "％"})
    assert (updated.pk, outcome) == (created.pk, UPDATED)
    assert ReferenceFigure.objects.get().unit == "％"


def test_a_foreign_key_is_compared_by_its_row():
    plan = factories.plan_period()
    layout = SheetLayout.objects.create(name="テスト様式")

    assert row_upsert(PlanPeriod, {"pk": plan.pk}, {"layout": layout})[1] == UPDATED
    # Another instance of the same layout (as the next load reads it) is no change.
    assert row_upsert(PlanPeriod, {"pk": plan.pk}, {"layout": SheetLayout.objects.get(pk=layout.pk)})[1] is None
    assert PlanPeriod.objects.get(pk=plan.pk).layout == layout


def test_the_reason_is_the_historys_and_none_keeps_the_historys_default():
    indicator = factories.indicator()
    values = {"kind": Target.Kind.PER_YEAR, "value": Decimal(3), "unit": "回", "target_text": "年3回"}

    target, _ = row_upsert(Target, {"indicator": indicator, "fiscal_year": None}, values, reason=REASON)
    row_upsert(Target, {"indicator": indicator, "fiscal_year": None}, {**values, "value": Decimal(4)})

    reasons = list(
        Target.history.filter(id=target.pk).order_by("history_id").values_list("history_change_reason", flat=True)
    )
    assert reasons == [REASON, None]
