"""The report filters (plan period, area, section, fiscal year, status), kept in the query string.

The filter set only validates: the selectors narrow the plan's computed progress by the
chosen area and section, fiscal year and status (``evaluations.progress.progress_narrowed``).
"""

import django_filters
from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from programs.forms import plan_choice_list
from programs.models import Item, PlanPeriod, PolicyArea, Section

from .selectors import NO_TARGET, NO_TARGET_LABEL

ALL = "すべて"
UNAPPROVED_PARAM = "unapproved"
UNAPPROVED_LABEL = "未承認の実績を含める"


def include_unapproved(data) -> bool:
    """Return whether the query string asks to count figures not yet approved (the checkbox below)."""
    return (data.get(UNAPPROVED_PARAM) or "").lower() in ("on", "1", "true")


ERROR_STATUS = "状況「%(value)s」はありません。状況は一覧から選んでください（複数選べます）。"


class PlainSelect(forms.Select):
    """A select whose options are written in Python, not through a template each.

    A national plan offers hundreds of areas; Django renders every option through its own
    template (about 50 µs each), which alone made the report pages grow with the plan.
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = {**self.build_attrs(self.attrs, attrs), "name": name}
        chosen = set(self.format_value(value))
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            (
                (str(option), mark_safe(" selected") if str(option) in chosen else "", label)
                for option, label in self.choices
            ),
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), options)


class PlainCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes written in Python, as ``PlainSelect`` writes its options (same markup as Django's).

    Django renders each checkbox through two templates: the status boxes alone took a sixth of
    the dashboard's time (issue 18's benchmark).
    """

    def render(self, name, value, attrs=None, renderer=None):
        final_attrs = self.build_attrs(self.attrs, attrs)
        base_id = final_attrs.get("id", "")
        chosen = set(self.format_value(value))
        boxes = format_html_join(
            "",
            '<div><label{}><input type="checkbox" name="{}" value="{}"{}{}> {}</label></div>',
            (
                (
                    flatatt({"for": f"{base_id}_{index}"}) if base_id else "",
                    name,
                    str(option),
                    flatatt({"id": f"{base_id}_{index}"}) if base_id else "",
                    mark_safe(" checked") if str(option) in chosen else "",
                    label,
                )
                for index, (option, label) in enumerate(self.choices)
            ),
        )
        return format_html("<div{}>{}</div>", flatatt({"id": base_id} if base_id else {}), boxes)


class AreaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PolicyArea) -> str:
        return obj.label


class AreaFilter(django_filters.ModelChoiceFilter):
    field_class = AreaChoiceField


class ProgressFilter(django_filters.FilterSet):
    plan = django_filters.ChoiceFilter(label="計画期間", field_name="area__plan__name", empty_label=None)
    area = AreaFilter(label="取組分野", queryset=PolicyArea.objects.none(), empty_label=ALL, widget=PlainSelect)
    section = django_filters.ModelChoiceFilter(
        label="担当課", queryset=Section.objects.all(), empty_label=ALL, widget=PlainSelect
    )
    fiscal_year = django_filters.ChoiceFilter(label="年度", method="computed", empty_label=ALL, widget=PlainSelect)
    # Several statuses at once (?status=not_achieved&status=not_entered); none chosen: all.
    status = django_filters.MultipleChoiceFilter(
        label="状況",
        method="computed",
        widget=PlainCheckboxSelectMultiple,
        error_messages={"invalid_choice": ERROR_STATUS},
    )
    # Managers' views count approved figures (evaluations.progress); this counts the newer ones too, labelled.
    unapproved = django_filters.BooleanFilter(
        label=UNAPPROVED_LABEL, method="computed", widget=forms.CheckboxInput(attrs={"value": "on"})
    )

    class Meta:
        model = Item
        fields = ["plan", "area", "section", "fiscal_year", "status", "unapproved"]

    def __init__(
        self,
        data,
        *,
        plans: list[PlanPeriod],
        plan: PlanPeriod,
        labels: dict[str, str],
        with_no_target: bool = False,
        fiscal_year_label: str | None = None,
        fiscal_year_default: int | None = None,
    ):
        data = data.copy()
        data["plan"] = plan.name
        if fiscal_year_default is not None and not data.get("fiscal_year"):
            data["fiscal_year"] = str(fiscal_year_default)
        super().__init__(data, queryset=Item.objects.all())
        self.filters["area"].queryset = PolicyArea.objects.filter(plan=plan).order_by("number", "sub_number")
        self.filters["plan"].extra["choices"] = plan_choice_list(plans)
        self.filters["fiscal_year"].extra["choices"] = plan.fiscal_year_choices
        if fiscal_year_label:
            self.filters["fiscal_year"].label = fiscal_year_label
        statuses = list(labels.items())
        if with_no_target:
            statuses.append((NO_TARGET, NO_TARGET_LABEL))
        self.filters["status"].extra["choices"] = statuses

    def computed(self, queryset, name, value):
        """Leave the items alone: fiscal year and status apply to computed rows (see the selectors)."""
        return queryset

    @property
    def query_params(self) -> dict[str, str]:
        """Return the validated filters as query parameters (the links of a page carry them on)."""
        data = self.form.cleaned_data if self.is_valid() else {"plan": self.data.get("plan")}
        params = {"plan": data.get("plan")}
        for name in ("area", "section"):
            if data.get(name):
                params[name] = data[name].pk
        if data.get("fiscal_year") and "fiscal_year" in self.data:
            params["fiscal_year"] = data["fiscal_year"]
        if data.get("status"):
            params["status"] = list(data["status"])  # repeated in the query string (query_url: doseq)
        if self.include_unapproved:
            params[UNAPPROVED_PARAM] = "on"
        return params

    @property
    def include_unapproved(self) -> bool:
        return include_unapproved(self.data)

    @property
    def chosen_area_ids(self) -> list[int] | None:
        area = self.form.cleaned_data.get("area") if self.is_valid() else None
        return [area.id] if area else None

    @property
    def chosen_section_ids(self) -> list[int] | None:
        section = self.form.cleaned_data.get("section") if self.is_valid() else None
        return [section.id] if section else None

    @property
    def chosen_fiscal_year(self) -> int | None:
        value = self.form.cleaned_data.get("fiscal_year") if self.is_valid() else None
        return int(value) if value else None

    @property
    def chosen_statuses(self) -> tuple[str, ...]:
        """Return the chosen statuses in the order the filter offers them (none: every status)."""
        chosen = set(self.form.cleaned_data.get("status") or ()) if self.is_valid() else set()
        return tuple(value for value, _label in self.filters["status"].extra["choices"] if value in chosen)

    @property
    def status_error(self) -> str | None:
        """Return the Japanese reason a status in the query string is refused (the page answers 400), else None."""
        self.is_valid()
        errors = self.form.errors.get("status")
        return " ".join(errors) if errors else None
