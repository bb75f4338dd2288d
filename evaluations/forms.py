from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import FieldDoesNotExist, ValidationError

from programs.forms import MunicipalityChecklist
from programs.models import Municipality, Target
from programs.quantities import format_quantity

from .calculations import far_from_target
from .changes import TEXT_FIELDS
from .models import RESULT_LIMITS, SelfEvaluation, Verdict
from .quantity_input import ERROR_DIGITS, digit_limits, next_target_label, typed_quantity

__all__ = ["ERROR_DIGITS", "digit_limits"]  # re-exported: the tests and the import read them here

TEXT_LIMIT = SelfEvaluation.NARRATIVE_MAX_LENGTH
ERROR_FAR_FROM_TARGET = (
    "{label}: 入力値 {value} は目標 {target} と大きく異なります（10倍超または10分の1未満）。"
    "誤りがないか確認し、正しければ「目標と大きく異なる値であることを確認しました」にチェックして保存してください。"
)
VERSION_MAX = 2**31 - 1  # a PositiveIntegerField; a larger number would overflow the database's integer
TARGET_LIMITS = digit_limits(Target, "value")
ERROR_REASON_REQUIRED = "一度承認された記録を変更するため、変更理由を入力してください。"


class IndicatorFields:
    """The names of the per-indicator inputs, shared by the form and its template."""

    def __init__(self, indicator_id: int):
        self.value = f"value_{indicator_id}"
        self.municipalities = f"municipalities_{indicator_id}"
        self.next_target = f"next_target_{indicator_id}"
        self.verdict = f"verdict_{indicator_id}"
        self.verdict_text = f"verdict_text_{indicator_id}"


class NarrativeField(forms.CharField):
    """A narrative whose line breaks count as one character, as the import and the stored text count them.

    Browsers send a textarea's line breaks as CRLF; counted raw, a text imported at the limit
    with line breaks could not be saved again from the screen.
    """

    def to_python(self, value):
        text = super().to_python(value)
        return text.replace("\r\n", "\n").replace("\r", "\n") if text else text


class ItemEntryForm(forms.Form):
    """An item's figures and self-evaluation for one fiscal year."""

    activities = NarrativeField(
        label="取組の実施内容・実績", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 6})
    )
    self_assessment = NarrativeField(
        label="自己評価", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 6})
    )
    next_steps = NarrativeField(
        label="今後の課題・対応策", required=False, max_length=TEXT_LIMIT, widget=forms.Textarea(attrs={"rows": 5})
    )
    reference = forms.CharField(label="参考資料", required=False, max_length=100)
    version = forms.IntegerField(required=False, min_value=0, max_value=VERSION_MAX, widget=forms.HiddenInput)
    change_reason = forms.CharField(
        label="変更理由", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    confirm_far = forms.BooleanField(label="目標と大きく異なる値であることを確認しました", required=False)
    action = forms.CharField(required=False, widget=forms.HiddenInput)  # which button: "save" or "submit"

    def __init__(
        self,
        *args,
        indicators,
        targets_by_indicator,
        ratings,
        requires_reason,
        year_fields=None,
        layout=None,
        fiscal_year=None,
        **kwargs,
    ):
        """``indicators`` are model instances; ``targets_by_indicator`` maps id → (target value, kind) for the year.

        ``year_fields`` (programs.sheet_layouts.YearFields) says what the period's sheet prints for the
        year: a field the sheet does not have is not asked (第8期 has no 取組の実施内容 per year).
        """
        super().__init__(*args, **kwargs)
        if year_fields is not None and not year_fields.activities:
            del self.fields["activities"]
        # The sheet's in-cell label names the self-evaluation part. The other part is
        # 「今後の課題・対応策」 on every screen (issue 20 item 6: one word for one thing); the
        # sheet's own subheading for it (第8期: ＜今後の取組方針＞) is printed by the export only.
        if layout is not None and layout.assessment_label:
            self.fields["self_assessment"].label = layout.assessment_label.strip("＜＞<>")
        self.indicators = list(indicators)
        self.targets_by_indicator = targets_by_indicator
        self.requires_reason = requires_reason
        self.needs_confirmation = False
        # The municipalities that existed in the year (a merged one stays in the years before its merger).
        municipalities = Municipality.objects.order_by("code")
        if fiscal_year is not None:
            municipalities = municipalities.in_fiscal_year(fiscal_year)
        for indicator in self.indicators:
            names = IndicatorFields(indicator.id)
            unit = f"（{indicator.unit}）" if indicator.unit else ""
            self.fields[names.value] = forms.CharField(
                label=f"{indicator.label} 実績{unit}",
                required=False,
                max_length=50,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 12}),
            )
            _, kind = targets_by_indicator.get(indicator.id, (None, None))
            if kind == Target.Kind.COVERAGE:
                self.fields[names.municipalities] = forms.ModelMultipleChoiceField(
                    label=f"{indicator.label} 実施区市町村",
                    queryset=municipalities,
                    required=False,
                    widget=MunicipalityChecklist,
                )
            if kind is not None:
                # The officials' verdict, for a target whose result the sheet states in words.
                self.fields[names.verdict] = forms.ChoiceField(
                    label=f"{indicator.label} 達成の判断",
                    choices=[("", "（記録しない）"), *Verdict.choices],
                    required=False,
                )
                self.fields[names.verdict_text] = forms.CharField(
                    label=f"{indicator.label} 判断の根拠（自己評価の文）",
                    required=False,
                    max_length=500,
                    widget=forms.TextInput(attrs={"size": 60}),
                )
                self.fields[names.next_target] = forms.CharField(
                    label=f"{indicator.label} 翌年度の目標{unit}",
                    required=False,
                    max_length=50,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 12}),
                )
        if ratings is not None:
            self.fields["rating"] = forms.ModelChoiceField(
                label="評定", queryset=ratings, required=False, empty_label="（未選択）"
            )
        if requires_reason:
            self.fields["change_reason"].required = True
            self.fields["change_reason"].error_messages["required"] = ERROR_REASON_REQUIRED
        for name in self.required_narratives:
            # Required to submit, not to save a draft: announced, not enforced by the browser.
            self.fields[name].widget.attrs["aria-required"] = "true"

    @property
    def required_narratives(self) -> tuple[str, ...]:
        """Return the narratives submitting requires: those this form shows (the period's sheet decides)."""
        return tuple(name for name in SelfEvaluation.NARRATIVE_FIELDS if name in self.fields)

    def required_for_submission(self, indicator_id: int) -> bool:
        """Return whether submitting needs this indicator's figure (it has a target for the year)."""
        return indicator_id in self.targets_by_indicator

    def indicator_fields(self, indicator_id: int) -> IndicatorFields:
        return IndicatorFields(indicator_id)

    def _quantity(self, name: str, label: str, unit: str, limits: tuple[int, int]) -> Decimal | None:
        # Refused here, on its field: past the form the model would refuse it without saying where.
        value, error = typed_quantity(self.cleaned_data.get(name, ""), label=label, unit=unit, limits=limits)
        if error:
            self.add_error(name, error)
        return value

    def clean(self):
        cleaned = super().clean()
        self.values: dict[int, Decimal | None] = {}
        self.next_targets: dict[int, tuple[Decimal, str] | None] = {}
        far = []
        for indicator in self.indicators:
            names = IndicatorFields(indicator.id)
            value = self._quantity(names.value, f"{indicator.label} 実績", indicator.unit, RESULT_LIMITS)
            if names.value not in self.errors:
                self.values[indicator.id] = value
                target, _ = self.targets_by_indicator.get(indicator.id, (None, None))
                if far_from_target(value, target):
                    far.append((indicator, names.value, value, target))
            if names.next_target in self.fields:
                next_target = self._quantity(
                    names.next_target, next_target_label(indicator), indicator.unit, TARGET_LIMITS
                )
                if next_target is not None:
                    wording = cleaned.get(names.next_target, "").strip()
                    self.next_targets[indicator.id] = (next_target, wording)
        if far and not cleaned.get("confirm_far"):
            self.needs_confirmation = True
            for indicator, name, value, target in far:
                self.add_error(
                    name,
                    ERROR_FAR_FROM_TARGET.format(
                        label=indicator.label,
                        value=format_quantity(value, indicator.unit),
                        target=format_quantity(target, indicator.unit),
                    ),
                )
        return cleaned

    def error_summary(self) -> list[tuple[str, str]]:
        """Return (id of the field's input, message) for every error in screen order ("" for the form's own).

        The indicator rows come first, as on the screen, then the narratives and the rest.
        """
        if not self.is_bound:
            return []
        per_indicator = ("value_", "municipalities_", "next_target_")
        names = [name for name in self.fields if name.startswith(per_indicator)]
        names += [name for name in self.fields if not name.startswith(per_indicator)]
        summary = [("", str(message)) for message in self.non_field_errors()]
        for name in names:
            summary += [(self[name].auto_id, str(message)) for message in self.errors.get(name, [])]
        return summary

    def mark_invalid_fields(self) -> None:
        """Tie each invalid input to its error message for assistive technology (aria-invalid, aria-describedby)."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-error"

    def add_model_errors(self, error: ValidationError) -> None:
        """Put each error the services or the models raised on the form field it is about.

        Keys are form field names (``value_12`` from the services) or a model's field names
        (``activities``, ``rating``); anything else is shown above the form, never raised.
        """
        if not hasattr(error, "error_dict"):
            self.add_error(None, list(error.messages))
            return
        for key, errors in error.error_dict.items():
            messages = [message for item in errors for message in item.messages]
            name = key if key in self.fields else None
            if name is None:
                label = self._model_label(key)
                messages = [f"{label}: {message}" if label else message for message in messages]
            self.add_error(name, messages)

    @staticmethod
    def _model_label(key: str) -> str:
        try:
            return str(SelfEvaluation._meta.get_field(key).verbose_name)
        except FieldDoesNotExist:
            return ""

    def municipalities(self) -> dict[int, list[int]]:
        chosen = {}
        for indicator in self.indicators:
            name = IndicatorFields(indicator.id).municipalities
            if name in self.fields:
                chosen[indicator.id] = [m.id for m in self.cleaned_data.get(name) or []]
        return chosen

    def verdicts(self) -> dict[int, tuple[str, str]]:
        chosen = {}
        for indicator in self.indicators:
            names = IndicatorFields(indicator.id)
            if names.verdict in self.fields:
                chosen[indicator.id] = (
                    self.cleaned_data.get(names.verdict) or "",
                    (self.cleaned_data.get(names.verdict_text) or "").strip(),
                )
        return chosen

    @property
    def submits(self) -> bool:
        return self.cleaned_data.get("action") == "submit"

    def entry(self) -> dict[str, Any]:
        """Return what ``services.item_entry_save`` receives from this form."""
        return {
            "values": self.values,
            "municipalities": self.municipalities(),
            "next_targets": self.next_targets,
            "evaluation": self.evaluation_fields(),
            "verdicts": self.verdicts(),
            "expected_version": self.cleaned_data.get("version"),
            "change_reason": self.cleaned_data.get("change_reason", ""),
        }

    def data_at(self, version: int):
        """Return what the user typed, on top of ``version`` (after a conflict they have now seen)."""
        data = self.data.copy()
        data["version"] = version
        return data

    def evaluation_fields(self) -> dict:
        # Only the narratives this form asks for: a field it does not show is left as stored.
        fields = {name: self.cleaned_data[name] for name in TEXT_FIELDS if name in self.fields}
        if "rating" in self.fields:
            fields["rating"] = self.cleaned_data.get("rating")
        return fields


class PreviewForm(forms.Form):
    """The live preview's query: which indicator, and the text typed so far."""

    indicator = forms.IntegerField(min_value=1)
    value = forms.CharField(required=False, strip=False)


class VersionForm(forms.Form):
    """The version of the record the user was looking at when they pressed a workflow button."""

    version = forms.IntegerField(min_value=0, max_value=VERSION_MAX, widget=forms.HiddenInput)


class ReviewForm(forms.Form):
    comment = forms.CharField(
        label="コメント", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="本人が提出した記録を承認する理由",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
