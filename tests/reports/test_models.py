"""Status rules are data with one row; the admin edits them and issues API tokens."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from evaluations.models import StatusRule
from evaluations.progress import achievement_for, status_rule_get
from reports.models import ApiToken

pytestmark = pytest.mark.django_db


def test_the_default_rule_exists_with_the_issue_thresholds_and_labels():
    rule = status_rule_get()
    assert rule.mostly_achieved_from == Decimal("90.0")
    assert rule.labels == {
        "achieved": "達成",
        "mostly_achieved": "概ね達成",
        "not_achieved": "未達成",
        "not_entered": "未入力",
        "increased": "増加",
        "flat": "横ばい",
        "decreased": "減少",
    }


def test_without_a_saved_row_the_default_rule_applies():
    StatusRule.objects.all().delete()
    assert status_rule_get().mostly_achieved_from == Decimal("90.0")


def test_only_one_rule_and_a_percentage():
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusRule.objects.create(id=2)
    rule = status_rule_get()
    rule.mostly_achieved_from = Decimal("120")
    with pytest.raises(ValidationError):
        rule.full_clean()


def test_admin_edits_the_rule_and_issues_a_token_shown_once(admin_client, admin_user):
    url = reverse("admin:evaluations_statusrule_change", args=[1])
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(
        reverse("admin:reports_apitoken_add"), {"user": admin_user.id, "name": "BI", "is_active": "on"}, follow=True
    )
    assert response.status_code == 200
    message = next(str(m) for m in response.context["messages"])
    key = message.rsplit(": ", 1)[1]
    token = ApiToken.objects.get()
    assert token.key_digest == ApiToken.digest(key)
    assert token.prefix == key[:8]
    assert admin_client.get(reverse("admin:reports_apitoken_changelist")).status_code == 200


def test_an_administrator_can_raise_or_lower_the_achieved_threshold(tokyo_data):
    from evaluations.calculations import Status
    from programs.models import Indicator

    indicator = Indicator.objects.get(
        item__area__plan__name="第8期", item__area__number=7, item__number=1, key="trainees"
    )
    rule = status_rule_get()
    rule.achieved_from = Decimal("94.0")
    rule.save()
    assert rule.grade(achievement_for(indicator, 2021)) == Status.ACHIEVED  # 94.1 %
    with pytest.raises(IntegrityError), transaction.atomic():
        StatusRule.objects.filter(pk=rule.pk).update(mostly_achieved_from=Decimal("95.0"))
