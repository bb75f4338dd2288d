"""Item 3 of issue 12: submitting checks the entry; counts are whole numbers; submitted is read-only for staff."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from evaluations import policies, services
from evaluations.changes import IndicatorFacts, ItemYearState, StoredResult
from evaluations.completeness import ERROR_NARRATIVE_REQUIRED, ERROR_VALUE_REQUIRED, indicator_answered, submission_gaps
from evaluations.models import SelfEvaluation, YearlyResult
from programs.quantities import ERROR_WHOLE_NUMBER, WHOLE_NUMBER_UNITS, is_whole_number_unit
from tests.workflow_world import OPEN_YEAR, PASSWORD

pytestmark = pytest.mark.django_db
Status = SelfEvaluation.Status
NARRATIVES = ("activities", "self_assessment", "next_steps")
COMPLETE = {"activities": "研修を実施", "self_assessment": "概ね達成", "next_steps": "継続する"}


def _state(results=None, evaluation=None, has_target=True) -> ItemYearState:
    facts = (
        IndicatorFacts(1, "受講者数", "人", "per_year", has_target=has_target),
        IndicatorFacts(2, "参考値", "人", "per_year", has_target=False),
    )
    return ItemYearState(1, OPEN_YEAR, facts, results=results or {}, evaluation=evaluation or {}, status="draft")


# -- The rule, pure ---------------------------------------------------------------------------


def test_a_complete_entry_has_no_gaps():
    state = _state({1: StoredResult(Decimal(150), "150人")}, COMPLETE)
    assert submission_gaps(state, required_narratives=NARRATIVES) == {}


def test_each_missing_value_and_narrative_is_a_gap_on_its_field():
    state = _state({}, {"activities": "研修を実施", "self_assessment": " ", "next_steps": ""})
    gaps = submission_gaps(state, required_narratives=NARRATIVES)
    assert gaps == {
        "value_1": ERROR_VALUE_REQUIRED.format(label="受講者数 実績"),
        "self_assessment": ERROR_NARRATIVE_REQUIRED.format(label="自己評価"),
        "next_steps": ERROR_NARRATIVE_REQUIRED.format(label="今後の課題・対応策"),
    }
    assert gaps["value_1"] == "受講者数 実績: 提出するには入力してください。"


def test_only_the_narratives_the_form_shows_are_required_and_an_indicator_without_target_is_not():
    state = _state({1: StoredResult(Decimal(1), "1人")}, {"activities": "研修を実施"})
    assert submission_gaps(state, required_narratives=("activities",)) == {}
    assert "value_2" not in submission_gaps(_state(), required_narratives=())


def test_a_verdict_can_answer_an_indicator_later():
    assert not indicator_answered(StoredResult())
    assert indicator_answered(StoredResult(Decimal(0)))
    assert indicator_answered(StoredResult(), verdict="目標を達成")


def test_a_recorded_verdict_answers_an_indicator_without_a_figure():
    # The officials' verdict (issue 11) is the sheet's answer where no figure is given.
    state = _state({1: StoredResult(verdict="achieved", verdict_text="年1回開催した。")}, COMPLETE)
    assert submission_gaps(state, required_narratives=NARRATIVES) == {}


def test_counts_in_kai_and_nin_are_whole_numbers():
    assert frozenset({"回", "人"}) == WHOLE_NUMBER_UNITS
    assert is_whole_number_unit("人") and is_whole_number_unit("回") and not is_whole_number_unit("%")


# -- The service --------------------------------------------------------------------------------


def _save(world, **evaluation):
    return services.item_entry_save(
        item=world.own_item,
        fiscal_year=OPEN_YEAR,
        user=world.users["staff_own"],
        values={},
        evaluation=evaluation,
        expected_version=0,
    )


def test_the_service_refuses_an_incomplete_submission_and_writes_nothing(world):
    record = _save(world, activities="研修を実施")
    with pytest.raises(ValidationError) as refused:
        services.self_evaluation_submit(item=world.own_item, fiscal_year=OPEN_YEAR, user=world.users["staff_own"])
    assert set(refused.value.error_dict) == {f"value_{world.indicator_id}", "self_assessment", "next_steps"}
    record.refresh_from_db()
    assert (record.status, record.version, record.submitted_at) == (Status.DRAFT, 1, None)


def test_the_service_refuses_a_fraction_of_a_count(world):
    with pytest.raises(ValidationError) as refused:
        services.item_entry_save(
            item=world.own_item,
            fiscal_year=OPEN_YEAR,
            user=world.users["staff_own"],
            values={world.indicator_id: Decimal("1.5")},
            expected_version=0,
        )
    assert refused.value.error_dict[f"value_{world.indicator_id}"][0].messages == [
        ERROR_WHOLE_NUMBER.format(label="受講者数 実績", unit="人")
    ]
    assert not YearlyResult.objects.exists()


# -- The screen ---------------------------------------------------------------------------------


def _client(world, role) -> Client:
    client = Client()
    assert client.login(username=world.users[role].username, password=PASSWORD)
    return client


def _url(world):
    return reverse("evaluations:entry", args=[world.own_item.id, OPEN_YEAR])


def test_required_fields_are_marked_in_words_and_for_screen_readers(world):
    html = _client(world, "staff_own").get(_url(world)).content.decode()
    assert html.count('aria-required="true"') == 4  # the targeted figure and the three narratives
    assert "必須" in html


def test_submitting_an_incomplete_entry_shows_each_gap_on_its_field_and_keeps_what_was_typed(world):
    response = _client(world, "staff_own").post(
        _url(world), {f"value_{world.indicator_id}": "", "activities": "途中まで書いた取組", "action": "submit"}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) >= {f"value_{world.indicator_id}", "self_assessment", "next_steps"}
    assert "途中まで書いた取組" in response.content.decode()
    assert not SelfEvaluation.objects.filter(status=Status.SUBMITTED).exists()


def test_a_fraction_of_a_count_is_refused_on_the_screen(world):
    response = _client(world, "staff_own").post(
        _url(world), {f"value_{world.indicator_id}": "1.5", "action": "save", "confirm_far": "on"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"value_{world.indicator_id}"] == [
        ERROR_WHOLE_NUMBER.format(label="受講者数 実績", unit="人")
    ]


def test_a_complete_entry_is_submitted_then_read_only_for_staff_and_reviewable_for_managers(world):
    staff = _client(world, "staff_own")
    response = staff.post(_url(world), {f"value_{world.indicator_id}": "150", **COMPLETE, "action": "submit"})
    assert response.status_code == 302
    assert SelfEvaluation.objects.get().status == Status.SUBMITTED
    html = staff.get(_url(world)).content.decode()
    assert policies.REASON_SUBMITTED == "提出済みです。修正が必要な場合は管理職に差戻しを依頼してください。"
    assert policies.REASON_SUBMITTED in html
    assert f'name="value_{world.indicator_id}"' not in html
    assert "変更理由（必須）" not in html
    assert "保存（下書き）" not in html
    assert "概ね達成" in html  # the submitted text, read-only
    manager = _client(world, "manager").get(_url(world)).content.decode()
    assert "承認する" in manager and "差し戻す" in manager
