"""The shared plan-and-year choice opens every page on the same default (Tokyo: 第8期 令和5年度).

Issue 20 item 2: the year is the round due next, the latest overdue first (令和5年度, due
令和6年5月31日), no longer the first open year (令和4年度).
"""

import pytest

from evaluations.selectors import fiscal_year_default, plan_choices, plan_year_default
from programs.forms import PlanYearForm

pytestmark = pytest.mark.django_db


def _chosen(data):
    plans = plan_choices()
    form = PlanYearForm(data, plans=plans, default=plan_year_default(plans), year_default=fiscal_year_default)
    plan, year = form.chosen
    return plan.name, year


def test_without_a_choice_the_current_open_year_of_the_latest_plan_with_items(tokyo_data):
    # 第9期 has no items yet; of 第8期's overdue years the latest, 令和5年度, is the round due.
    assert _chosen({}) == ("第8期", 2023)


def test_a_closed_plan_opens_on_its_latest_year_with_results(tokyo_data):
    assert _chosen({"plan": "第7期"}) == ("第7期", 2020)


def test_a_valid_year_is_kept_and_a_year_outside_the_plan_falls_back(tokyo_data):
    assert _chosen({"plan": "第8期", "fiscal_year": "2021"}) == ("第8期", 2021)
    assert _chosen({"plan": "第8期", "fiscal_year": "2019"}) == ("第8期", 2023)
    assert _chosen({"plan": "第99期"}) == ("第8期", 2023)


def test_a_period_with_every_year_locked_opens_on_the_year_today_falls_in_or_its_last(tokyo_data):
    # Issue 20 item 2: by the calendar (today is past 第8期), not the latest year with results.
    from programs.models import PlanPeriod

    PlanPeriod.objects.get(name="第8期").reporting_years.update(is_locked=True)
    assert _chosen({}) == ("第8期", 2023)
