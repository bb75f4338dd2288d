"""The plan-and-year choice that pages share: which plan period and fiscal year they show."""

from django import forms

from .models import PlanPeriod
from .tile_map import PLACE_FIELDS, Place, tile_map

# What every page says for a period with no item yet (a manager too: not the 担当課 advice).
MESSAGE_EMPTY_PERIOD = "この計画期間には事項が登録されていません。"
EMPTY_PERIOD_MARK = "（事項なし）"


def plan_is_empty(plan: PlanPeriod) -> bool:
    """Return whether a plan (annotated by ``evaluations.selectors.plan_choices``) has no item yet."""
    return not getattr(plan, "has_items", True)


def plan_choice_list(plans: list[PlanPeriod]) -> list[tuple[str, str]]:
    """Return the plans as choices: those with items newest first, then empty ones marked 「（事項なし）」.

    ``plans`` come oldest first from ``plan_choices``; the period pages open on (the latest with
    items) heads the list, and an empty period is never the first a user meets.
    """
    newest_first = list(reversed(plans))
    filled = [(plan.name, str(plan)) for plan in newest_first if not plan_is_empty(plan)]
    empty = [(plan.name, f"{plan}{EMPTY_PERIOD_MARK}") for plan in newest_first if plan_is_empty(plan)]
    return filled + empty


class PlanYearForm(forms.Form):
    """Choose a plan period and one of its fiscal years from the query string, else the default.

    ``default`` is the page's opening choice (``evaluations.selectors.plan_year_default``) and
    ``year_default`` the year for a plan chosen without one (``fiscal_year_default``): every
    page that offers the choice opens on the same plan and year.
    """

    plan = forms.ChoiceField(label="計画期間", required=False)
    fiscal_year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, plans: list[PlanPeriod], default, year_default):
        super().__init__(data)
        self.plans = plans
        self.default = default
        self.year_default = year_default
        self.fields["plan"].choices = plan_choice_list(plans)
        chosen = self._chosen_plan()
        self.fields["fiscal_year"].choices = chosen.fiscal_year_choices if chosen else []
        self._shown = self._choose()
        if self._shown is not None:
            # Rendered, the selects show the plan and year the page shows, the default included.
            self.data = {"plan": self._shown[0].name, "fiscal_year": str(self._shown[1])}
            self._errors = None

    def _chosen_plan(self) -> PlanPeriod | None:
        name = self.data.get("plan")
        chosen = next((plan for plan in self.plans if plan.name == name), None)
        return chosen or (self.default.plan if self.default else None)

    @property
    def chosen(self) -> tuple[PlanPeriod, int] | None:
        """Return the plan and year to show: the valid choice, else the default."""
        return self._shown

    def _choose(self) -> tuple[PlanPeriod, int] | None:
        plan = self._chosen_plan()
        if plan is None:
            return None
        year = self.cleaned_data.get("fiscal_year") if self.is_valid() else None
        if year is None or not plan.contains(year):
            same_plan = self.default is not None and self.default.plan.id == plan.id
            year = self.default.fiscal_year if same_plan else self.year_default(plan)
        return plan, year


class MunicipalityChecklist(forms.CheckboxSelectMultiple):
    """The municipalities as checkboxes grouped by region, with a tile map of those ticked.

    Works without JavaScript (plain checkboxes in one fieldset per region); static/js/municipalities.js
    adds the search box, the 「選択中 N」 count and keeps the map in step with the ticks.
    """

    template_name = "programs/widgets/municipality_checklist.html"

    def optgroups(self, name, value, attrs=None):
        options = [option for _, group, _ in super().optgroups(name, value, attrs) for option in group]
        regions: dict[str, list] = {}
        for option in options:
            instance = getattr(option["value"], "instance", None)
            regions.setdefault(getattr(instance, "region", "") or "（地域なし）", []).append(option)
        return [(region, group, index) for index, (region, group) in enumerate(regions.items())]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = {str(v) for v in context["widget"]["value"]}
        places = [
            Place(**{field: getattr(option["value"].instance, field) for field in PLACE_FIELDS})
            for _, group, _ in context["widget"]["optgroups"]
            for option in group
            if hasattr(option["value"], "instance")
        ]
        context["widget"]["tile_map"] = tile_map(
            places,
            marked=lambda place: str(place.id) in chosen,
            note=lambda place: "選択中" if str(place.id) in chosen else "",
        )
        context["widget"]["chosen_count"] = len(chosen & {str(place.id) for place in places})
        context["widget"]["total"] = len(places)
        return context
