"""The forms of 「次期計画の作成」: the new period, and the choices read back from the preview's POST."""

import re

from django import forms

from programs.fiscal_years import FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR, era_label
from programs.models import PlanPeriod
from programs.periods import NAME_MAX_LENGTH, ORDINAL_MAX, ORDINAL_MIN

from .rollover import (
    Choice,
    Decisions,
    NewItem,
    NewPeriod,
    RolloverRefused,
    SourcePlan,
    area_key,
    indicator_key,
    item_key,
    rollover_period_check,
)

ERROR_LAST_BEFORE_FIRST = "終了年度は開始年度以降にしてください。"
# The period rule's years (programs.periods), each shown in 和暦.
YEAR_CHOICES = [(year, era_label(year)) for year in range(FIRST_FISCAL_YEAR, LAST_FISCAL_YEAR + 1)]


class RolloverPeriodForm(forms.Form):
    """Choose the period to start from and name the new one (its years and its ordinal)."""

    source = forms.ModelChoiceField(
        label="作成元の計画期間", queryset=PlanPeriod.objects.all(), to_field_name="name", empty_label=None
    )
    # The bounds are the period rule's (programs.periods); the service checks the same rule again.
    name = forms.CharField(label="新しい計画期間の名称", max_length=NAME_MAX_LENGTH, help_text="例: 第9期")
    ordinal = forms.IntegerField(
        label="期",
        min_value=ORDINAL_MIN,
        max_value=ORDINAL_MAX,
        required=False,
        help_text="空欄なら名称の数字（第9期なら 9）",
    )
    # Chosen in 和暦 like every other year on screen (issue 20 item 6); the value sent is the fiscal year.
    first_fiscal_year = forms.TypedChoiceField(label="開始年度", coerce=int, choices=YEAR_CHOICES)
    last_fiscal_year = forms.TypedChoiceField(label="終了年度", coerce=int, choices=YEAR_CHOICES)

    @classmethod
    def initial_for(cls, plans: list[PlanPeriod]) -> dict:
        """Offer the period after the latest one: 第8期 (2021–2023) → 第9期, 2024–2026."""
        if not plans:
            return {}
        latest = plans[-1]
        span = latest.last_fiscal_year - latest.first_fiscal_year
        return {
            "source": latest.name,
            "name": f"第{latest.ordinal + 1}期",
            "first_fiscal_year": latest.last_fiscal_year + 1,
            "last_fiscal_year": latest.last_fiscal_year + 1 + span,
        }

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("first_fiscal_year"), cleaned.get("last_fiscal_year")
        if first and last and last < first:
            self.add_error("last_fiscal_year", ERROR_LAST_BEFORE_FIRST)
        if cleaned.get("name") and not cleaned.get("ordinal"):
            digits = re.search(r"\d+", cleaned["name"])
            if digits:
                cleaned["ordinal"] = int(digits.group())
            else:
                self.add_error("ordinal", "名称に数字がないため、期を入力してください。")
        if not self.errors:
            # The period rule and the source's state, as the service will check them again on confirm.
            try:
                rollover_period_check(source=cleaned["source"], period=self.period)
            except RolloverRefused as refused:
                raise forms.ValidationError(str(refused)) from None
        return cleaned

    @property
    def period(self) -> NewPeriod:
        data = self.cleaned_data
        return NewPeriod(
            name=data["name"],
            ordinal=data["ordinal"],
            first_fiscal_year=data["first_fiscal_year"],
            last_fiscal_year=data["last_fiscal_year"],
        )


def decisions_from(data, source: SourcePlan) -> Decisions:
    """Read the preview's choices back from its POST (nothing is kept between the two pages).

    A control missing from the POST is at its default (rollover.js leaves those out, so that a
    plan of 600 items stays under Django's 1,000 fields): 継続, the old title, no new wording.
    """
    choices, titles, wordings = {}, {}, {}
    keys = []
    for area in source.areas:
        keys.append((area_key(area.id), area.title))
        for item in area.items:
            keys.append((item_key(item.id), item.title))
            keys.extend((indicator_key(indicator.id), None) for indicator in item.indicators)
    for key, old_title in keys:
        value = data.get(f"choice-{key}", Choice.CONTINUE)
        choices[key] = Choice(value) if value in set(Choice) else Choice.CONTINUE
        if old_title is not None:
            title = data.get(f"title-{key}", old_title)  # posted blank stays blank: the preview asks for one
            if title:
                titles[key] = title
        elif data.get(f"wording-{key}"):
            wordings[key] = data[f"wording-{key}"]
    fields = ("new-area", "new-title", "new-indicator", "new-wording")
    new_items = ()
    if any(data.get(name, "").strip() for name in fields[1:]):
        new_items = (NewItem(*(data.get(name, "") for name in fields)),)
    return Decisions(choices=choices, titles=titles, wordings=wordings, new_items=new_items)
