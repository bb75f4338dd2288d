"""The reporting year of a plan and a fiscal year is looked up one way (issue 22 item 2)."""

import pytest

from evaluations.models import ReportingYear
from tests.workflow_world import LOCKED_YEAR, OPEN_YEAR

pytestmark = pytest.mark.django_db


def test_the_reporting_year_of_a_plan_and_a_year_or_none(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        year = ReportingYear.objects.of(plan_id=world.plan.id, fiscal_year=LOCKED_YEAR)
    assert (year.fiscal_year, year.is_locked) == (LOCKED_YEAR, True)
    assert ReportingYear.objects.of(plan_id=world.plan.id, fiscal_year=OPEN_YEAR).is_locked is False
    assert ReportingYear.objects.of(plan_id=world.plan.id, fiscal_year=2030) is None
