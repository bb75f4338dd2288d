"""What an entry must hold before it is submitted: the rule, once, pure and database-free.

Submitting sends the year's entry to the managers as the section's answer, so it must answer
everything the sheet asks:

- each indicator with a target for the year has its figure, or the officials' verdict where the
  period's sheet records one (``indicator_answered``);
- each narrative the entry screen shows for the period (``required_narratives``, the form's
  narrative set, which the period's sheet layout decides) is filled in.

Example: 受講者数 (target 153人) blank and 自己評価 empty →
{"value_12": "受講者数 実績: 提出するには入力してください。", "self_assessment": "自己評価: …"}.
Keys are the entry form's field names, so every gap is shown on its field.
"""

from collections.abc import Collection

from .changes import ItemYearState, StoredResult
from .models import SelfEvaluation

ERROR_VALUE_REQUIRED = "{label}: 提出するには入力してください。"
ERROR_NARRATIVE_REQUIRED = "{label}: 提出するには入力してください。"


def indicator_answered(result: StoredResult, verdict: str = "") -> bool:
    """Return whether an indicator is answered for the year: a figure, or the officials' verdict."""
    return result.value is not None or bool(verdict.strip())


def submission_gaps(state: ItemYearState, *, required_narratives: Collection[str]) -> dict[str, str]:
    """Return form field name → what is missing, in screen order; {} when the entry may be submitted."""
    gaps = {}
    for facts in state.indicators:
        result = state.results.get(facts.id, StoredResult())
        if facts.has_target and not indicator_answered(result, result.verdict):
            gaps[f"value_{facts.id}"] = ERROR_VALUE_REQUIRED.format(label=f"{facts.label} 実績")
    for name in SelfEvaluation.NARRATIVE_FIELDS:
        if name in required_narratives and not str(state.evaluation.get(name) or "").strip():
            label = SelfEvaluation._meta.get_field(name).verbose_name
            gaps[name] = ERROR_NARRATIVE_REQUIRED.format(label=label)
    return gaps
