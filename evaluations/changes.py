"""The change an entry makes to an item-year, decided once: what is stored → what was submitted.

Pure and database-free. ``selectors.item_year_states`` reads what is stored into a frozen
``ItemYearState``; the entry screen and the Excel import describe what was typed as a
``Submission``; ``item_year_change`` returns, field by field, old → new with the unit. The entry
service writes exactly that change, the import previews and applies it, and the conflict
message shows the change between two states (``state_change``).

The rules that decide a change live here and nowhere else:

- **実績（原文）, the wording of a figure.** When the figure changes and its wording is blank or
  still the stored one (it described the old figure), the new figure is worded as typed with
  its unit (「1,002回」), else formatted (150 人 → 「150人」). A blank wording beside an unchanged
  figure keeps what is recorded. Any other wording is kept as typed. The entry screen offers no
  wording input: it submits none, which counts as "the stored wording, untouched".
  Example: stored 144 / 「144人」, typed 150 and wording untouched → 150 / 「150人」.
- **A stated next-year target** is stored with the indicator's unit, the kind of the plan's
  target for the indicator (its period target, else its first; 各年度 when it has none) and the
  wording 「120人」 however it was typed; it counts as changed when any of these differ.
- **A narrative** that differs from the stored one only in surrounding white space is
  unchanged (the screen and the import both strip what is typed).
- An indicator or field the submission does not mention is left as it is.
"""

import hashlib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from programs.models import Target
from programs.quantities import format_quantity

from .models import NO_RECORD_VERSION, SelfEvaluation, Verdict, YearlyResult
from .quantity_input import next_target_label

EMPTY = "（空欄）"
VERDICT_LABELS = dict(Verdict.choices)
# The self-evaluation fields a submission may change: every narrative the sheet layouts ask
# for (SelfEvaluation.NARRATIVE_FIELDS), then the reference; the rating is a choice of its own.
TEXT_FIELDS = (*SelfEvaluation.NARRATIVE_FIELDS, "reference")
RATING = "rating"
STATUS = "status"
VALUE, ACTUAL_TEXT, MUNICIPALITIES, NEXT_TARGET = "value", "actual_text", "municipalities", "next_target"
VERDICT, VERDICT_TEXT = "verdict", "verdict_text"


@dataclass(frozen=True)
class IndicatorFacts:
    id: int
    label: str
    unit: str
    target_kind: str  # the kind a stated next-year target takes
    has_target: bool = False  # whether the year has a target (then submitting asks for its figure)


@dataclass(frozen=True)
class StoredResult:
    value: Decimal | None = None
    actual_text: str = ""
    municipality_ids: tuple[int, ...] | None = ()  # sorted; None where unknown (an audit record)
    verdict: str = ""  # the officials' verdict (Verdict) and the sentence it rests on
    verdict_text: str = ""


@dataclass(frozen=True)
class StoredTarget:
    kind: str
    value: Decimal | None
    unit: str
    target_text: str
    source: str


@dataclass(frozen=True)
class ItemYearState:
    """What is stored for an item in a fiscal year, as the change rules read it."""

    item_id: int
    fiscal_year: int
    indicators: tuple[IndicatorFacts, ...]
    results: Mapping[int, StoredResult] = field(default_factory=dict)  # indicator id → recorded result
    next_targets: Mapping[int, StoredTarget] = field(default_factory=dict)  # indicator id → next year's target
    evaluation: Mapping[str, Any] = field(default_factory=dict)  # TEXT_FIELDS and "rating" (an id); {} if no record
    status: str | None = None  # None while there is no record
    version: int = NO_RECORD_VERSION
    rating_labels: Mapping[int, str] = field(default_factory=dict)

    @property
    def has_record(self) -> bool:
        return self.status is not None

    def facts(self, indicator_id: int) -> IndicatorFacts | None:
        return next((facts for facts in self.indicators if facts.id == indicator_id), None)


@dataclass(frozen=True)
class Submission:
    """What an editor sent for an item-year, typed: the entry form's or one item's rows of a workbook."""

    values: Mapping[int, Decimal | None] = field(default_factory=dict)  # indicator id → figure, None = blank
    actual_texts: Mapping[int, str] = field(default_factory=dict)  # 実績（原文） as typed; absent = not offered
    wordings: Mapping[int, str] = field(default_factory=dict)  # the figure as typed with its unit (「1,002回」)
    municipalities: Mapping[int, Collection[int]] = field(default_factory=dict)
    next_targets: Mapping[int, Decimal] = field(default_factory=dict)  # indicator id → next year's target
    evaluation: Mapping[str, Any] = field(default_factory=dict)  # TEXT_FIELDS → text, "rating" → id or None
    verdicts: Mapping[int, tuple[str, str]] = field(default_factory=dict)  # indicator id → (verdict, sentence)

    def to_data(self) -> dict[str, dict[str, Any]]:
        """Return a JSON-safe copy (exact decimals as text) that ``from_data`` turns back into an equal one."""
        return {
            "values": {str(key): _decimal_text(value) for key, value in self.values.items()},
            "actual_texts": {str(key): text for key, text in self.actual_texts.items()},
            "wordings": {str(key): text for key, text in self.wordings.items()},
            "municipalities": {str(key): sorted(ids) for key, ids in self.municipalities.items()},
            "next_targets": {str(key): _decimal_text(value) for key, value in self.next_targets.items()},
            "evaluation": dict(self.evaluation),
            "verdicts": {str(key): list(verdict) for key, verdict in self.verdicts.items()},
        }

    @classmethod
    def from_data(cls, data: Mapping[str, Mapping[str, Any]]) -> "Submission":
        return cls(
            values={int(key): _decimal(value) for key, value in data["values"].items()},
            actual_texts={int(key): text for key, text in data["actual_texts"].items()},
            wordings={int(key): text for key, text in data["wordings"].items()},
            municipalities={int(key): tuple(ids) for key, ids in data["municipalities"].items()},
            next_targets={int(key): _decimal(value) for key, value in data["next_targets"].items()},
            evaluation=dict(data["evaluation"]),
            verdicts={int(key): tuple(verdict) for key, verdict in data.get("verdicts", {}).items()},
        )


def _decimal_text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _decimal(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass(frozen=True)
class FieldChange:
    """One field of an item-year, old → new; ``before`` and ``after`` are how the page shows them."""

    indicator_id: int | None  # None for a field of the self-evaluation
    field: str
    label: str
    old: Any
    new: Any
    before: str
    after: str
    unit: str = ""


@dataclass(frozen=True)
class ItemYearChange:
    item_id: int
    fiscal_year: int
    fields: tuple[FieldChange, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.fields)

    def result_writes(self) -> dict[int, dict[str, Any]]:
        """Return indicator id → {field: new value} for the yearly results to write."""
        writes: dict[int, dict[str, Any]] = {}
        for change in self.fields:
            if change.indicator_id is not None and change.field != NEXT_TARGET:
                writes.setdefault(change.indicator_id, {})[change.field] = change.new
        return writes

    def target_writes(self) -> dict[int, StoredTarget]:
        return {change.indicator_id: change.new for change in self.fields if change.field == NEXT_TARGET}

    def evaluation_writes(self) -> dict[str, Any]:
        """Return the self-evaluation's fields to write (the rating as ``rating_id``)."""
        return {
            ("rating_id" if change.field == RATING else change.field): change.new
            for change in self.fields
            if change.indicator_id is None and change.field != STATUS
        }

    def digest(self) -> str:
        """Name this exact change, so that a change confirmed on one request is recognised on the next."""
        return hashlib.sha256(repr((self.item_id, self.fiscal_year, self.fields)).encode()).hexdigest()


def reworded_actual_text(
    *, stored: StoredResult, value: Decimal | None, typed: str | None, wording: str, unit: str
) -> str:
    """Return the 実績（原文） to keep for ``value`` (the rule in the module docstring)."""
    text = stored.actual_text if typed is None else typed
    if value != stored.value and text in ("", stored.actual_text):
        return wording or format_quantity(value, unit, empty="")
    if not text:
        return wording or stored.actual_text
    return text


def stated_target(facts: IndicatorFacts, value: Decimal) -> StoredTarget:
    """Return the next-year target an evaluation states: one wording, whatever width or spacing it was typed in."""
    return StoredTarget(
        kind=facts.target_kind,
        value=value,
        unit=facts.unit,
        target_text=format_quantity(value, facts.unit),
        source=Target.Source.EVALUATION,
    )


def submitted_state(stored: ItemYearState, submitted: Submission) -> ItemYearState:
    """Return the state the item-year would be in once ``submitted`` is saved (indicators must be the item's)."""
    results = dict(stored.results)
    for facts in stored.indicators:
        mentioned = (submitted.values, submitted.actual_texts, submitted.municipalities, submitted.verdicts)
        if not any(facts.id in part for part in mentioned):
            continue
        current = stored.results.get(facts.id, StoredResult())
        value = submitted.values.get(facts.id, current.value)
        municipalities = submitted.municipalities.get(facts.id)
        verdict, verdict_text = submitted.verdicts.get(facts.id, (current.verdict, current.verdict_text))
        results[facts.id] = StoredResult(
            verdict=verdict,
            verdict_text=verdict_text.strip(),
            value=value,
            actual_text=reworded_actual_text(
                stored=current,
                value=value,
                typed=submitted.actual_texts.get(facts.id),
                wording=submitted.wordings.get(facts.id, ""),
                unit=facts.unit,
            ),
            municipality_ids=current.municipality_ids if municipalities is None else tuple(sorted(municipalities)),
        )
    next_targets = dict(stored.next_targets)
    for facts in stored.indicators:
        if submitted.next_targets.get(facts.id) is not None:
            next_targets[facts.id] = stated_target(facts, submitted.next_targets[facts.id])
    evaluation = {**_blank_evaluation(), **stored.evaluation}
    for name in (*TEXT_FIELDS, RATING):
        if name in submitted.evaluation:
            evaluation[name] = submitted.evaluation[name]
    return replace(stored, results=results, next_targets=next_targets, evaluation=evaluation)


def item_year_change(stored: ItemYearState, submitted: Submission) -> ItemYearChange:
    """Return what saving ``submitted`` changes in ``stored``, field by field."""
    return state_change(stored, submitted_state(stored, submitted))


def _blank_evaluation() -> dict[str, Any]:
    return {**dict.fromkeys(TEXT_FIELDS, ""), RATING: None}


def state_change(before: ItemYearState, after: ItemYearState) -> ItemYearChange:
    """Return every field that differs from ``before`` to ``after``, in the order of the entry screen."""
    changes: list[FieldChange] = []
    for facts in after.indicators:
        old, new = before.results.get(facts.id, StoredResult()), after.results.get(facts.id, StoredResult())
        if old.value != new.value:
            changes.append(_change(facts, VALUE, facts.label, old.value, new.value))
        if old.actual_text != new.actual_text:
            label = f"{facts.label}（{_verbose(YearlyResult, ACTUAL_TEXT)}）"
            changes.append(_change(facts, ACTUAL_TEXT, label, old.actual_text, new.actual_text))
        if None not in (old.municipality_ids, new.municipality_ids) and old.municipality_ids != new.municipality_ids:
            label = f"{facts.label}（{_verbose(YearlyResult, MUNICIPALITIES)}）"
            changes.append(_change(facts, MUNICIPALITIES, label, old.municipality_ids, new.municipality_ids))
        if old.verdict != new.verdict:
            label = f"{facts.label}（{_verbose(YearlyResult, VERDICT)}）"
            shown_old, shown_new = (VERDICT_LABELS.get(v, EMPTY) for v in (old.verdict, new.verdict))
            changes.append(FieldChange(facts.id, VERDICT, label, old.verdict, new.verdict, shown_old, shown_new))
        if old.verdict_text.strip() != new.verdict_text.strip():
            label = f"{facts.label}（{_verbose(YearlyResult, VERDICT_TEXT)}）"
            changes.append(_change(facts, VERDICT_TEXT, label, old.verdict_text, new.verdict_text))
        stated_before, stated_after = before.next_targets.get(facts.id), after.next_targets.get(facts.id)
        if stated_after is not None and stated_before != stated_after:
            changes.append(_change(facts, NEXT_TARGET, next_target_label(facts), stated_before, stated_after))
    old_evaluation = {**_blank_evaluation(), **before.evaluation}
    new_evaluation = {**_blank_evaluation(), **after.evaluation}
    for name in TEXT_FIELDS:
        old, new = old_evaluation[name], new_evaluation[name]
        if old.strip() != new.strip():
            changes.append(FieldChange(None, name, _verbose(SelfEvaluation, name), old, new, _text(old), _text(new)))
    old, new = old_evaluation[RATING], new_evaluation[RATING]
    if old != new:
        labels = {**before.rating_labels, **after.rating_labels}
        changes.append(
            FieldChange(
                None, RATING, _verbose(SelfEvaluation, RATING), old, new, _rating(old, labels), _rating(new, labels)
            )
        )
    # A record's first status is not news; a later one (提出済 → 入力中) is.
    if before.has_record and after.has_record and before.status != after.status:
        changes.append(
            FieldChange(
                None,
                STATUS,
                _verbose(SelfEvaluation, STATUS),
                before.status,
                after.status,
                str(SelfEvaluation.Status(before.status).label),
                str(SelfEvaluation.Status(after.status).label),
            )
        )
    return ItemYearChange(after.item_id, after.fiscal_year, tuple(changes))


def _change(facts: IndicatorFacts, name: str, label: str, old: Any, new: Any) -> FieldChange:
    return FieldChange(facts.id, name, label, old, new, _shown(old, facts.unit), _shown(new, facts.unit), facts.unit)


def _shown(value: Any, unit: str) -> str:
    if isinstance(value, StoredTarget):
        return value.target_text or format_quantity(value.value, value.unit, empty=EMPTY)
    if isinstance(value, tuple):
        return f"{len(value)}区市町村"
    if value is None or isinstance(value, Decimal):
        return format_quantity(value, unit, empty=EMPTY)
    return _text(value)


def _text(value: str) -> str:
    return value or EMPTY


def _rating(rating_id: int | None, labels: Mapping[int, str]) -> str:
    return EMPTY if rating_id is None else labels.get(rating_id, str(rating_id))


def _verbose(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)
