"""The one computation of an item-year's change: pure, no database."""

from decimal import Decimal

import pytest

from evaluations.changes import (
    EMPTY,
    TEXT_FIELDS,
    IndicatorFacts,
    ItemYearState,
    StoredResult,
    StoredTarget,
    Submission,
    item_year_change,
    reworded_actual_text,
    state_change,
)
from evaluations.models import SelfEvaluation
from programs.models import Target

TRAINEES = IndicatorFacts(id=1, label="受講者数", unit="人", target_kind=Target.Kind.PER_YEAR)
MEETINGS = IndicatorFacts(id=2, label="開催回数", unit="回", target_kind=Target.Kind.FREQUENCY)


def _state(**fields) -> ItemYearState:
    return ItemYearState(item_id=10, fiscal_year=2022, indicators=(TRAINEES, MEETINGS), **fields)


def _changed(change) -> list[tuple]:
    return [(field.indicator_id, field.field, field.old, field.new) for field in change.fields]


@pytest.mark.parametrize(
    ("stored", "value", "typed", "wording", "kept"),
    [
        # The screen offers no wording (None): a new figure is worded, an unchanged one keeps its text.
        (StoredResult(Decimal(144), "144人"), Decimal(150), None, "", "150人"),
        (StoredResult(Decimal(144), "約144人"), Decimal(144), None, "", "約144人"),
        (StoredResult(), Decimal(1350), None, "", "1,350人"),
        # The import: wording left as stored (it described the old figure) or blank → the new figure's.
        (StoredResult(Decimal(144), "144人"), Decimal(150), "144人", "", "150人"),
        (StoredResult(Decimal(144), "144人"), Decimal(150), "", "150 人", "150 人"),
        # A blank wording beside an unchanged figure keeps the record; a typed one is kept as typed.
        (StoredResult(Decimal(144), "144人"), Decimal(144), "", "", "144人"),
        (StoredResult(Decimal(144), "144人"), Decimal(150), "連絡会議 150人", "", "連絡会議 150人"),
        (StoredResult(Decimal(144), "144人"), Decimal(144), "延べ144人", "", "延べ144人"),
        # Clearing a figure clears a wording that described it.
        (StoredResult(Decimal(144), "144人"), None, None, "", ""),
    ],
)
def test_the_wording_of_a_figure_follows_one_rule(stored, value, typed, wording, kept):
    assert reworded_actual_text(stored=stored, value=value, typed=typed, wording=wording, unit="人") == kept


def test_a_new_figure_changes_value_and_wording_with_units_shown():
    stored = _state(results={1: StoredResult(Decimal(144), "144人")})
    change = item_year_change(stored, Submission(values={1: Decimal(150), 2: None}))
    assert _changed(change) == [(1, "value", Decimal(144), Decimal(150)), (1, "actual_text", "144人", "150人")]
    assert [(f.label, f.before, f.after) for f in change.fields] == [
        ("受講者数", "144人", "150人"),
        ("受講者数（実績（原文））", "144人", "150人"),
    ]
    assert change.result_writes() == {1: {"value": Decimal(150), "actual_text": "150人"}}


def test_nothing_submitted_or_the_same_submitted_is_no_change():
    stored = _state(
        results={1: StoredResult(Decimal(144), "144人", (3, 5))},
        evaluation={"activities": "研修を実施", "rating": 7},
        status=SelfEvaluation.Status.DRAFT,
    )
    assert not item_year_change(stored, Submission())
    same = Submission(
        values={1: Decimal(144)},
        municipalities={1: [5, 3]},
        evaluation={"activities": "研修を実施\n", "rating": 7},  # white space around a narrative is no change
    )
    assert not item_year_change(stored, same)


def test_every_narrative_field_is_compared_and_only_those_submitted():
    stored = _state(evaluation=dict.fromkeys(TEXT_FIELDS, "前の文"), status=SelfEvaluation.Status.DRAFT)
    submitted = Submission(evaluation={name: f"新しい{name}" for name in SelfEvaluation.NARRATIVE_FIELDS})
    change = item_year_change(stored, submitted)
    assert [field.field for field in change.fields] == list(SelfEvaluation.NARRATIVE_FIELDS)
    assert change.evaluation_writes() == {name: f"新しい{name}" for name in SelfEvaluation.NARRATIVE_FIELDS}


def test_a_stated_target_takes_the_plans_kind_the_unit_and_one_wording():
    change = item_year_change(_state(), Submission(next_targets={2: Decimal(3)}))
    (field,) = change.fields
    assert (field.label, field.before, field.after) == ("開催回数 翌年度の目標", EMPTY, "3回")
    assert change.target_writes() == {
        2: StoredTarget(Target.Kind.FREQUENCY, Decimal(3), "回", "3回", Target.Source.EVALUATION)
    }
    stated = _state(next_targets=change.target_writes())
    assert not item_year_change(stated, Submission(next_targets={2: Decimal(3)}))


def test_the_rating_is_shown_by_its_symbol():
    stored = _state(evaluation={"rating": None}, status=SelfEvaluation.Status.DRAFT, rating_labels={7: "◎", 8: "○"})
    (field,) = item_year_change(stored, Submission(evaluation={"rating": 8})).fields
    assert (field.label, field.before, field.after) == ("評定", EMPTY, "○")
    assert item_year_change(stored, Submission(evaluation={"rating": 8})).evaluation_writes() == {"rating_id": 8}


def test_a_later_status_is_news_a_first_one_is_not():
    blank = _state()
    draft = _state(evaluation={"activities": "a"}, status=SelfEvaluation.Status.DRAFT)
    submitted = _state(evaluation={"activities": "a"}, status=SelfEvaluation.Status.SUBMITTED)
    assert [f.field for f in state_change(blank, draft).fields] == ["activities"]
    assert [(f.before, f.after) for f in state_change(draft, submitted).fields] == [("入力中", "提出済")]


def test_unknown_municipalities_of_an_audit_record_are_not_reported_as_a_change():
    audited = _state(results={1: StoredResult(Decimal(1), "1人", None)})
    current = _state(results={1: StoredResult(Decimal(1), "1人", (4,))})
    assert not state_change(audited, current)


def test_a_submission_survives_the_session_exactly():
    submission = Submission(
        values={1: Decimal("1350.50"), 2: None},
        actual_texts={1: "延べ 1,350.5人"},
        wordings={1: "1,350.50人"},
        municipalities={1: (3, 4)},
        next_targets={2: Decimal(3)},
        evaluation={"activities": "研修", "rating": None},
    )
    import json

    assert Submission.from_data(json.loads(json.dumps(submission.to_data()))) == submission


def test_the_digest_names_one_change():
    stored = _state(results={1: StoredResult(Decimal(144), "144人")})
    first = item_year_change(stored, Submission(values={1: Decimal(150)}))
    assert first.digest() == item_year_change(stored, Submission(values={1: Decimal(150)})).digest()
    assert first.digest() != item_year_change(stored, Submission(values={1: Decimal(151)})).digest()
