"""Item 1 of issue 12: a long or over-precise number never crashes the entry screen.

The model stores results and targets as DecimalField(max_digits=14, decimal_places=2); the
form reads those limits from the model fields and answers in Japanese, naming the field,
and keeps what was typed.
"""

import pytest
from django.test import Client
from django.urls import reverse

from evaluations.forms import ERROR_DIGITS, digit_limits
from evaluations.models import SelfEvaluation, YearlyResult
from programs.models import Target
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db


def _client(world) -> Client:
    client = Client()
    assert client.login(username=world.users["staff_own"].username, password=PASSWORD)
    return client


def _url(world):
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


def test_the_limits_are_read_from_the_model_fields():
    assert digit_limits(YearlyResult, "value") == (12, 2)
    assert digit_limits(Target, "value") == (12, 2)


@pytest.mark.parametrize(
    ("field", "typed", "label"),
    [
        ("value", "1.123456", "受講者数 実績"),
        ("next_target", "0.001", "受講者数 翌年度の目標"),
        ("next_target", "99999999999999999999", "受講者数 翌年度の目標"),
        ("value", "123456789012345", "受講者数 実績"),
        ("value", "99999999999999999999", "受講者数 実績"),
    ],
)
def test_an_over_long_or_over_precise_number_is_refused_on_its_field_in_japanese(world, field, typed, label):
    name = f"{field}_{world.indicator_id}"
    response = _client(world).post(
        _url(world), {name: typed, "activities": "研修を実施", "action": "save", "confirm_far": "on"}
    )
    assert response.status_code == 200
    page = response.content.decode()
    message = ERROR_DIGITS.format(label=label, integer=12, decimal=2)
    assert message == f"{label}: 整数部は12桁まで、小数は2桁までで入力してください"
    assert message in page
    assert response.context["form"].errors[name] == [message]
    assert f'value="{typed}"' in page  # what was typed stays on screen
    assert not SelfEvaluation.objects.exists()
    assert not YearlyResult.objects.exists()


def test_the_far_from_target_confirmation_then_a_long_number_is_refused_not_a_500(world):
    client = _client(world)
    name = f"value_{world.indicator_id}"
    first = client.post(_url(world), {name: "123456789012345", "activities": "研修を実施", "action": "save"})
    assert first.status_code == 200
    second = client.post(
        _url(world), {name: "123456789012345", "activities": "研修を実施", "action": "save", "confirm_far": "on"}
    )
    assert second.status_code == 200
    assert "整数部は12桁まで" in second.content.decode()
    assert not YearlyResult.objects.exists()


@pytest.mark.parametrize(
    ("model", "field", "typed"),
    [(YearlyResult, "value", "150"), (Target, "next_target", "160"), (SelfEvaluation, "activities", "")],
)
def test_a_model_validation_error_lands_on_the_form_field_it_names(world, monkeypatch, model, field, typed):
    """Whatever a model refuses is shown on the form field that typed it, with the typed text kept."""
    from django.core.exceptions import ValidationError

    model_field = "value" if model is not SelfEvaluation else "activities"

    def refuse(self, *args, **kwargs):
        raise ValidationError({model_field: ["この値は保存できません。"]})

    monkeypatch.setattr(model, "full_clean", refuse)
    name = f"{field}_{world.indicator_id}" if model is not SelfEvaluation else "activities"
    data = {f"value_{world.indicator_id}": "150", "activities": "研修を実施", "action": "save"}
    if typed:
        data[name] = typed
    response = _client(world).post(_url(world), data)
    assert response.status_code == 200
    assert "この値は保存できません。" in " ".join(response.context["form"].errors[name])
    assert not YearlyResult.objects.exists()


@pytest.mark.parametrize("version", ["99999999999999999999", "-1", "abc"])
def test_a_forged_version_is_not_a_server_error(world, version):
    from tests.workflow_world import evaluation

    evaluation(world.own_item, OPEN_YEAR)
    client = _client(world)
    submit = client.post(reverse("evaluations:submit", args=[world.own_item.id, OPEN_YEAR]), {"version": version})
    assert submit.status_code == 302
    save = client.post(
        _url(world), {f"value_{world.indicator_id}": "150", "activities": "x", "action": "save", "version": version}
    )
    assert save.status_code == 200
    assert SelfEvaluation.objects.get().status == SelfEvaluation.Status.DRAFT
