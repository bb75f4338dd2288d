from django import forms

from programs.models import PlanPeriod, PolicyArea


class ComparisonForm(forms.Form):
    """Choose the later plan period and one of its areas; the earlier period is the one before it."""

    plan = forms.ChoiceField(label="計画期間（比較先）")
    area = forms.TypedChoiceField(label="取組分野", coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, plans: list[PlanPeriod], plan: PlanPeriod, areas: list[PolicyArea]):
        data = data.copy()
        data["plan"] = plan.name
        super().__init__(data)
        self.fields["plan"].choices = [(p.name, str(p)) for p in reversed(plans) if p.ordinal > plans[0].ordinal]
        self.fields["area"].choices = [(area.id, area.label) for area in areas]

    def chosen_area(self, areas: list[PolicyArea]) -> PolicyArea | None:
        """Return the chosen area, else the plan's first area that holds items, else its first area."""
        area_id = self.cleaned_data.get("area") if self.is_valid() else None
        chosen = next((area for area in areas if area.id == area_id), None)
        return chosen or next((area for area in areas if area.item_count), None) or (areas[0] if areas else None)
