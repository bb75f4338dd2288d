"""The test builders give valid rows however many tests ran before in the same process."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_plan_period_is_valid_after_a_thousand_other_rows():
    # With a test process per core, one process builds thousands of rows: the ordinal stays 1–999.
    for _ in range(1000):
        next(factories._sequence)
        next(factories._ordinals)
    plan = factories.plan_period()
    plan.full_clean()
