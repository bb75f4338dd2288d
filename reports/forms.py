from django import forms

from programs.forms import plan_choice_list
from programs.models import GrantIndicator, PlanPeriod, PolicyArea


class ComparisonForm(forms.Form):
    """Choose the later plan period and one of its areas; the earlier period is the one before it."""

    plan = forms.ChoiceField(label="計画期間（比較先）")
    area = forms.TypedChoiceField(label="取組分野", coerce=int, required=False, empty_value=None)

    def __init__(self, data, *, plans: list[PlanPeriod], plan: PlanPeriod, areas: list[PolicyArea]):
        data = data.copy()
        data["plan"] = plan.name
        super().__init__(data)
        # The periods with items newest first, the empty ones last and marked (programs.forms.plan_choice_list).
        first = plans[0].name  # nothing before it to compare with
        self.fields["plan"].choices = [(name, label) for name, label in plan_choice_list(plans) if name != first]
        self.fields["area"].choices = [(area.id, area.label) for area in areas]

    def chosen_area(self, areas: list[PolicyArea]) -> PolicyArea | None:
        """Return the chosen area, else the plan's first area that holds items, else its first area."""
        area_id = self.cleaned_data.get("area") if self.is_valid() else None
        chosen = next((area for area in areas if area.id == area_id), None)
        return chosen or next((area for area in areas if area.item_count), None) or (areas[0] if areas else None)


TABLE_PER_PAGE = 50
TABLE_MAX_PER_PAGE = 500
ERROR_PER_PAGE = f"1ページの行数は1～{TABLE_MAX_PER_PAGE}で指定してください。"
ERROR_PAGE = "ページ番号は1以上の整数で指定してください。"


class TablePageForm(forms.Form):
    """The table's page and page size from the query string; a page past the end shows the last page."""

    page = forms.IntegerField(min_value=1, required=False, error_messages={"invalid": ERROR_PAGE})
    per_page = forms.IntegerField(
        min_value=1, max_value=TABLE_MAX_PER_PAGE, required=False, error_messages={"invalid": ERROR_PER_PAGE}
    )

    def clean_page(self):
        return self.cleaned_data["page"] or 1

    def clean_per_page(self):
        return self.cleaned_data["per_page"] or TABLE_PER_PAGE

    @property
    def error_message(self) -> str:
        """Return the Japanese reason for the 400 page."""
        if "per_page" in self.errors:
            return ERROR_PER_PAGE
        return ERROR_PAGE


ERROR_GRANT_FILTER = "交付金・年度・地域の指定が正しくありません。"


class GrantScoreFilterForm(forms.Form):
    """The 評価指標 table's grant, fiscal year and region from the query string (each optional)."""

    grant_year = forms.RegexField(regex=r"^(promotion|effort):[0-9]{4}$", required=False)  # 「promotion:2024」
    region = forms.CharField(max_length=20, required=False)

    def filters(self) -> dict:
        """Return the keyword arguments of ``reports.grants.score_table``."""
        grant, _, year = (self.cleaned_data["grant_year"] or "").partition(":")
        filters = {"region": self.cleaned_data["region"]}
        if grant and grant in GrantIndicator.Grant.values:
            filters.update(grant=grant, fiscal_year=int(year))
        return filters

    def clean_region(self):
        region = self.cleaned_data["region"]
        if any(ord(character) < 32 or character in "<>" for character in region):
            raise forms.ValidationError(ERROR_GRANT_FILTER)
        return region

    error_message = ERROR_GRANT_FILTER
