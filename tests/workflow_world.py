"""A small plan to exercise the entry workflow: two sections, a locked year and an open one.

Registered as a pytest plugin in tests/conftest.py, so every test module can ask for ``world``.
"""

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import MANAGER, STAFF
from accounts.services import roles_ensure
from evaluations.models import ReportingYear, SelfEvaluation
from programs.models import Item, PlanPeriod, Target
from tests import factories

OPEN_YEAR = 2023
LOCKED_YEAR = 2022
PASSWORD = "kaigo-test-2026"


@dataclass
class World:
    plan: PlanPeriod
    own_item: Item
    other_item: Item
    indicator_id: int
    users: dict


def make_user(username: str, *, role: str | None = None, section=None, superuser: bool = False):
    groups = roles_ensure()
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=username)
    if superuser:
        user.is_superuser = user.is_staff = True
        user.save()
    if role:
        user.groups.add(groups[role])
    if section is not None:
        section.members.add(user)
    return user


@pytest.fixture
def world(db) -> World:
    plan = factories.plan_period(name="第8期", ordinal=8, first_fiscal_year=2021, last_fiscal_year=2023)
    area = factories.policy_area(plan=plan, number=7, title="地域ケア会議の推進")
    own_section = factories.section(name="在宅支援課")
    other_section = factories.section(name="介護保険課")
    own_item = factories.item(area=area, number=1, section=own_section, title="講師養成研修")
    other_item = factories.item(area=area, number=2, section=other_section, title="実務者連絡会議")
    indicator = factories.indicator(item_=own_item, key="trainees", name="受講者数", unit="人")
    factories.target(indicator_=indicator, kind=Target.Kind.PER_YEAR, value=Decimal(153), target_text="153人（各年度）")
    other_indicator = factories.indicator(item_=other_item, key="meetings", name="開催回数", unit="回")
    factories.target(indicator_=other_indicator, kind=Target.Kind.FREQUENCY, value=Decimal(1), target_text="１回")
    ReportingYear.objects.create(plan=plan, fiscal_year=2021, is_locked=True)
    ReportingYear.objects.create(plan=plan, fiscal_year=LOCKED_YEAR, is_locked=True)
    ReportingYear.objects.create(plan=plan, fiscal_year=OPEN_YEAR)
    users = {
        "staff_own": make_user("staff-own", role=STAFF, section=own_section),
        "staff_other": make_user("staff-other", role=STAFF, section=other_section),
        "manager": make_user("manager", role=MANAGER),
        "admin": make_user("admin", superuser=True),
        "no_role": make_user("no-role"),
    }
    return World(plan=plan, own_item=own_item, other_item=other_item, indicator_id=indicator.id, users=users)


def evaluation(item, fiscal_year, status=SelfEvaluation.Status.DRAFT, **fields) -> SelfEvaluation:
    submitted = status != SelfEvaluation.Status.DRAFT
    return SelfEvaluation.objects.create(
        item=item,
        fiscal_year=fiscal_year,
        status=status,
        activities=fields.pop("activities", "研修を実施"),
        submitted_at="2024-04-30T10:00:00+09:00" if submitted else None,
        **fields,
    )


def complete_evaluation(item, fiscal_year, status=SelfEvaluation.Status.DRAFT, **fields) -> SelfEvaluation:
    """Create an entry that may be submitted: every narrative written and a figure for each indicator."""
    from evaluations.models import YearlyResult

    for indicator in item.indicators.all():
        YearlyResult.objects.get_or_create(
            indicator=indicator, fiscal_year=fiscal_year, defaults={"value": Decimal(1), "actual_text": "1"}
        )
    fields.setdefault("self_assessment", "概ね達成した")
    fields.setdefault("next_steps", "継続して実施する")
    return evaluation(item, fiscal_year, status, **fields)
