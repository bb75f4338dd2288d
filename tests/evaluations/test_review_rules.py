"""Who may approve what, and when a year may be locked: no self-approval, no empty year."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.roles import MANAGER, STAFF
from evaluations import policies, services
from evaluations.models import ReportingYear, SelfEvaluation
from tests import factories
from tests.workflow_world import OPEN_YEAR, PASSWORD, evaluation, make_user

pytestmark = pytest.mark.django_db
Status = SelfEvaluation.Status


def _client(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _submitted_by(world, user) -> SelfEvaluation:
    record = evaluation(world.own_item, OPEN_YEAR, status=Status.SUBMITTED, submitted_by=user)
    return record


@pytest.fixture
def staff_and_manager(world):
    """A section member who also holds the manager role."""
    user = make_user("both-roles", role=STAFF, section=world.own_item.section)
    user.groups.add(user.groups.model.objects.get(name=MANAGER))
    return user


# -- Item 9: self-approval ----------------------------------------------------------------------


def test_a_manager_cannot_approve_their_own_submission(world, staff_and_manager):
    record = _submitted_by(world, staff_and_manager)
    with pytest.raises(PermissionDenied, match=policies.REASON_SELF_APPROVAL):
        services.self_evaluation_approve(evaluation=record, user=staff_and_manager, expected_version=record.version)
    record.refresh_from_db()
    assert (record.status, record.version, record.approved_by) == (Status.SUBMITTED, 1, None)
    assert record.history.count() == 1


def test_the_entry_screen_withholds_the_approve_button_and_says_why(world, staff_and_manager):
    record = _submitted_by(world, staff_and_manager)
    client = _client(staff_and_manager)
    html = client.get(reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])).content.decode()
    assert policies.REASON_SELF_APPROVAL in html
    assert "承認する" not in html
    assert "差し戻す" in html  # returning one's own submission (withdrawing it) stays possible
    response = client.post(
        reverse("evaluations:review", args=[record.id]), {"action": "approve", "version": record.version}
    )
    assert response.status_code == 403
    assert policies.REASON_SELF_APPROVAL in response.content.decode()
    assert SelfEvaluation.objects.get().status == Status.SUBMITTED


def test_another_manager_still_approves_it(world, staff_and_manager):
    record = _submitted_by(world, staff_and_manager)
    services.self_evaluation_approve(evaluation=record, user=world.users["manager"], expected_version=record.version)
    assert SelfEvaluation.objects.get().status == Status.APPROVED


def test_an_administrator_approves_their_own_submission_only_with_a_recorded_reason(world):
    admin = world.users["admin"]
    record = _submitted_by(world, admin)
    assert policies.can_approve(admin, record, None) is None
    assert policies.approval_needs_reason(admin, record)
    with pytest.raises(ValidationError, match="理由"):
        services.self_evaluation_approve(evaluation=record, user=admin, expected_version=record.version, reason=" ")
    record.refresh_from_db()
    assert (record.status, record.history.count()) == (Status.SUBMITTED, 1)
    services.self_evaluation_approve(
        evaluation=record, user=admin, expected_version=record.version, reason="管理職不在のため代行"
    )
    record.refresh_from_db()
    assert (record.status, record.approved_by) == (Status.APPROVED, admin)
    assert record.history.first().history_change_reason == "承認（本人提出・システム管理者）: 管理職不在のため代行"


def test_an_administrator_self_approves_through_the_screen_with_the_reason_field(world):
    admin = world.users["admin"]
    record = _submitted_by(world, admin)
    client = _client(admin)
    url = reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])
    html = client.get(url).content.decode()
    assert 'name="reason"' in html and "本人が提出した記録" in html
    review = reverse("evaluations:review", args=[record.id])
    client.post(review, {"action": "approve", "version": record.version})
    assert SelfEvaluation.objects.get().status == Status.SUBMITTED
    client.post(review, {"action": "approve", "version": record.version, "reason": "管理職不在のため代行"})
    record.refresh_from_db()
    assert record.status == Status.APPROVED
    assert "管理職不在のため代行" in record.history.first().history_change_reason


# -- Item 10: locking a year with nothing to approve --------------------------------------------


@pytest.fixture
def empty_plan(world):
    """第9期 as seeded: the period exists, no area or item yet."""
    return factories.plan_period(name="第9期", ordinal=9, first_fiscal_year=2024, last_fiscal_year=2026)


def test_a_year_with_no_items_cannot_be_locked(world, empty_plan):
    with pytest.raises(PermissionDenied, match="承認する事項がない"):
        services.reporting_year_lock(plan=empty_plan, fiscal_year=2025, user=world.users["manager"])
    assert not ReportingYear.objects.filter(plan=empty_plan).exists()


def test_the_lock_view_refuses_an_empty_year_with_the_reason(world, empty_plan):
    ReportingYear.objects.create(plan=empty_plan, fiscal_year=2025)
    client = _client(world.users["manager"])
    page = client.get(reverse("evaluations:my_work") + "?plan=第9期&fiscal_year=2025").content.decode()
    assert "承認する事項がない" in page
    assert "を確定する" not in page
    response = client.post(reverse("evaluations:lock_year", args=[empty_plan.id, 2025]))
    assert response.status_code == 403
    assert "承認する事項がない" in response.content.decode()
    assert not ReportingYear.objects.get(plan=empty_plan, fiscal_year=2025).is_locked
