"""An administrator sets a year's reminder schedule in the admin; the logs open read-only."""

import pytest
from django.urls import reverse

from cycle.models import ReminderSchedule
from evaluations.models import ReportingYear
from tests.workflow_world import OPEN_YEAR

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", ["reminderschedule", "defaultreminderschedule", "outgoingmail", "remindersent", "attachment"]
)
def test_cycle_admin_lists_open_in_japanese(admin_client, model):
    response = admin_client.get(reverse(f"admin:cycle_{model}_changelist"))
    assert response.status_code == 200


def test_an_administrator_sets_a_schedule_and_bad_days_are_refused(client, world):
    admin_client = client
    admin_client.force_login(world.users["admin"], backend="django.contrib.auth.backends.ModelBackend")
    reporting_year = ReportingYear.objects.get(plan=world.plan, fiscal_year=OPEN_YEAR)
    url = reverse("admin:cycle_reminderschedule_add")
    data = {"reporting_year": reporting_year.id, "days_before": "14,3,x", "repeat_after_days": "7", "is_active": "on"}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "カンマ区切り" in response.content.decode()
    assert ReminderSchedule.objects.count() == 0
    response = admin_client.post(url, {**data, "days_before": "14,3,0"})
    assert response.status_code == 302
    assert ReminderSchedule.objects.get().days_before_list == (14, 3, 0)
