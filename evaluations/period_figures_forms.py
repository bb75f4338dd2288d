"""The form of 「実績の一括入力」: one figure (and, where the year has a target, a verdict) per indicator-year."""

import json
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from programs.quantities import format_quantity

from .models import Verdict
from .period_figures import REASON_MAX_LENGTH, RESULT_LIMITS, FigureEntry, PeriodFigures, figure_digest
from .quantity_input import typed_quantity

VERDICT_CHOICES = [("", "（記録しない）"), *Verdict.choices]
ERROR_CHANGED_MEANWHILE = (
    "この画面を開いた後に、ほかの操作でこの欄が変更されました（現在: {current}）。"
    "内容を確かめ、上書きしてよければもう一度保存してください。"
)


class PeriodFiguresForm(forms.Form):
    """Every indicator-year of the period the page shows; a field the page does not show is never read."""

    change_reason = forms.CharField(
        label="変更理由（承認を経た記録を変更するとき必須）",
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # What the page showed, per indicator-year (``figure_digest``): only what the administrator
    # changed is saved, and a change to a figure someone else saved since is refused on its input.
    shown = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, figures: PeriodFigures, **kwargs):
        super().__init__(*args, **kwargs)
        self.figures = figures
        self.fields["shown"].initial = json.dumps({cell.value_name: cell.digest for _, cell in figures.cells()})
        for indicator, cell in figures.cells():
            unit = f"（{indicator.unit}）" if indicator.unit else ""
            where = f"{indicator.label} {cell.year_label}"
            self.fields[cell.value_name] = forms.CharField(
                label=f"{where} 実績{unit}",
                required=False,
                max_length=50,
                initial=format_quantity(cell.value, "", empty=""),
                disabled=cell.locked,
                widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "size": 10}),
            )
            if cell.has_target:
                self.fields[cell.verdict_name] = forms.ChoiceField(
                    label=f"{where} 達成の判断",
                    choices=VERDICT_CHOICES,
                    required=False,
                    initial=cell.verdict,
                    disabled=cell.locked,
                )
                self.fields[cell.verdict_text_name] = forms.CharField(
                    label=f"{where} 判断の根拠（自己評価の文）",
                    required=False,
                    max_length=500,
                    initial=cell.verdict_text,
                    disabled=cell.locked,
                    widget=forms.TextInput(attrs={"size": 36}),
                )
        # The page posts only the rows the administrator changed (static/js/period-figures.js); a row
        # it left out is shown again as stored, never as blank, if the page comes back with an error.
        self.posted = set(self.data) if self.is_bound else set()
        if self.is_bound:
            self.data = self.data.copy()
            for name, field in self.fields.items():
                if name not in self.posted and name != "shown":
                    self.data[name] = field.initial if field.initial is not None else ""

    def clean(self):
        cleaned = super().clean()
        self.typed: dict[tuple[int, int], FigureEntry] = {}
        shown = self._shown(cleaned.get("shown", ""))
        for indicator, cell in self.figures.cells():
            # An input the POST does not carry is left as stored (a truncated or hand-made POST clears nothing).
            if cell.locked or cell.value_name not in self.posted:
                continue
            value = self._figure(cell.value_name, f"{indicator.label} {cell.year_label} 実績", indicator.unit)
            if cell.value_name in self.errors:
                continue
            offered = cell.has_target and cell.verdict_name in self.posted
            verdict = cleaned.get(cell.verdict_name, "") if offered else None
            text = (cleaned.get(cell.verdict_text_name) or "").replace("\r\n", "\n").strip()
            entry = FigureEntry(value=value, verdict=verdict, verdict_text=text)
            before, wanted = shown.get(cell.value_name), figure_digest(entry.value, entry.verdict, entry.verdict_text)
            if wanted == cell.digest or before == wanted:
                continue  # already stored (a second click of 保存), or not touched: whatever is stored now stays
            if before is not None and before != cell.digest:
                self.add_error(cell.value_name, ERROR_CHANGED_MEANWHILE.format(current=self._stored(indicator, cell)))
                self.stale.append(cell)
                continue
            self.typed[(indicator.id, cell.fiscal_year)] = entry
        if self.stale:
            # Shown again with what is stored now: saving once more overwrites it knowingly.
            self.data = self.data.copy()
            self.data["shown"] = json.dumps({**shown, **{cell.value_name: cell.digest for cell in self.stale}})
        return cleaned

    @property
    def stale(self) -> list:
        if not hasattr(self, "_stale"):
            self._stale = []
        return self._stale

    @staticmethod
    def _shown(text: str) -> dict[str, str]:
        """Read the page's names of what it showed; a missing or altered one protects nothing (all inputs count)."""
        try:
            shown = json.loads(text) if text else {}
        except ValueError:
            return {}
        if not isinstance(shown, dict):
            return {}
        return {key: value for key, value in shown.items() if isinstance(key, str) and isinstance(value, str)}

    @staticmethod
    def _stored(indicator, cell) -> str:
        figure = format_quantity(cell.value, indicator.unit, empty="空欄")
        verdict = dict(Verdict.choices).get(cell.verdict, "")
        return f"{figure}・{verdict}" if verdict else figure

    def _figure(self, name: str, label: str, unit: str) -> Decimal | None:
        value, error = typed_quantity(self.cleaned_data.get(name), label=label, unit=unit, limits=RESULT_LIMITS)
        if error:
            self.add_error(name, error)
        return value

    def entries(self) -> dict[tuple[int, int], FigureEntry]:
        """Return what ``period_figures_save`` receives: every shown, unlocked indicator-year."""
        return self.typed

    def add_service_errors(self, error: ValidationError) -> None:
        """Put the service's errors on the inputs they name; any other above the form."""
        if not hasattr(error, "error_dict"):
            self.add_error(None, list(error.messages))
            return
        for key, errors in error.error_dict.items():
            messages = [message for item in errors for message in item.messages]
            self.add_error(key if key in self.fields else None, messages)

    def error_summary(self) -> list[tuple[str, str]]:
        """Return (id of the input, message) for every error, in the page's order ("" for the form's own)."""
        summary = [("", str(message)) for message in self.non_field_errors()]
        for name in self.fields:
            summary += [(self[name].auto_id, str(message)) for message in self.errors.get(name, [])]
        return summary
