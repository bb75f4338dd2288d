from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import WrittenByTheApplication
from programs.admin import IndicatorAdmin, ItemAdmin, PlanPeriodAdmin
from programs.admin_filters import AreaFilter
from programs.fiscal_years import era_label, fiscal_year_choices
from programs.models import Indicator, Item, PlanPeriod
from programs.quantities import format_quantity, format_rate

from .models import (
    SINGLETON_ID,
    ApprovedResult,
    ProgressVersion,
    Rating,
    RatingScale,
    ReportingYear,
    SelfEvaluation,
    StatusRule,
    YearlyResult,
)
from .selectors import year_cells_of
from .services import PeriodRefused, plan_period_create


class SelfEvaluationInline(admin.StackedInline):
    model = SelfEvaluation
    extra = 0
    fields = ["fiscal_year", "activities", "self_assessment", "next_steps", "rating", "reference"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("rating")


class YearlyResultInline(admin.TabularInline):
    model = YearlyResult
    extra = 0
    fields = ["fiscal_year", "value", "actual_text", "municipality_count"]


# The plan's pages show what happened beside what was planned; the inlines live here, with the
# results, so that programs.admin never imports from evaluations.
admin.site.unregister(Item)
admin.site.unregister(Indicator)
admin.site.unregister(PlanPeriod)


@admin.register(PlanPeriod)
class PlanPeriodWithYearsAdmin(PlanPeriodAdmin):
    """The admin's form runs the model's validators: the period rule of programs.periods."""

    list_display = [*PlanPeriodAdmin.list_display, "screens"]
    readonly_fields = ["origin", "set_up_at", "screens"]

    @admin.display(description="画面")
    def screens(self, obj: PlanPeriod) -> str:
        """Link the period's figures screen, and its removal where an import or a rollover made it."""
        if obj.pk is None:
            return "－"
        links = [format_html('<a href="{}">実績の一括入力</a>', reverse("evaluations:period_figures", args=[obj.pk]))]
        if obj.origin:
            # The removal page (cycle) says itself whether anything entered since forbids it.
            links.append(format_html('<a href="{}">計画期間の取消</a>', reverse("cycle:period_remove", args=[obj.pk])))
        return format_html_join(" ｜ ", "{}", ((link,) for link in links))

    def add_view(self, request, form_url="", extra_context=None):
        # The form checked the same rule; only a period committed meanwhile by someone else reaches
        # here, and the admin's transaction has rolled everything back: say so, not a 500.
        try:
            return super().add_view(request, form_url, extra_context)
        except PeriodRefused as refused:
            self.message_user(request, f"何も作成していません。{refused}", messages.ERROR)
            return redirect(request.get_full_path())

    def save_model(self, request, obj, form, change):
        """Create a new period through the one period writer (layout, reporting years); edit as usual."""
        if change:
            super().save_model(request, obj, form, change)
            return
        made = plan_period_create(
            name=obj.name,
            ordinal=obj.ordinal,
            title=obj.title,
            first_fiscal_year=obj.first_fiscal_year,
            last_fiscal_year=obj.last_fiscal_year,
            uses_rating=obj.uses_rating,
            layout=obj.layout,
            reason="管理画面で作成",
        )
        for field in PlanPeriod._meta.concrete_fields:
            setattr(obj, field.attname, getattr(made.plan, field.attname))
        obj._state.adding = False


@admin.register(Item)
class ItemWithEvaluationsAdmin(ItemAdmin):
    inlines = [*ItemAdmin.inlines, SelfEvaluationInline]


@admin.register(Indicator)
class IndicatorWithResultsAdmin(IndicatorAdmin):
    inlines = [*IndicatorAdmin.inlines, YearlyResultInline]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0


@admin.register(RatingScale)
class RatingScaleAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default"]
    inlines = [RatingInline]


@admin.register(Rating)
class RatingAdmin(admin.ModelAdmin):
    list_display = ["symbol", "label", "scale", "order"]
    list_select_related = ["scale"]


class FiscalYearFilter(admin.SimpleListFilter):
    title = "年度"
    parameter_name = "fiscal_year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).order_by().values_list("fiscal_year", flat=True).distinct()
        return fiscal_year_choices(sorted(set(years)))

    def queryset(self, request, queryset):
        """Filter by one of the offered years; any other value is the admin's "wrong filter" (?e=1), not a 500."""
        if not self.value():
            return queryset
        if self.value() not in {str(year) for year, _ in self.lookup_choices}:
            raise IncorrectLookupParameters(f"fiscal_year={self.value()!r}")
        return queryset.filter(fiscal_year=int(self.value()))


@admin.register(YearlyResult)
class YearlyResultAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "fiscal_year_label", "actual", "target", "achievement_rate", "status"]
    list_filter = [
        "indicator__item__area__plan",
        FiscalYearFilter,
        ("indicator__item__area", AreaFilter),
        "indicator__item__section",
    ]
    search_fields = ["indicator__name", "indicator__item__title", "actual_text"]
    filter_horizontal = ["municipalities"]

    def get_queryset(self, request):
        # The page's cells come from the read model every other page reads (one computation per
        # plan, kept for this request): the admin grades nothing on its own.
        self._cells = None
        return (
            super()
            .get_queryset(request)
            .select_related("indicator__item__area__plan")
            .prefetch_related("municipalities")
        )

    def _cell(self, result: YearlyResult):
        if self._cells is None:
            self._cells = year_cells_of(plans=list(PlanPeriod.objects.all()))
        return self._cells.get((result.indicator_id, result.fiscal_year), (None, "－"))

    @admin.display(description="年度", ordering="fiscal_year")
    def fiscal_year_label(self, result: YearlyResult) -> str:
        return era_label(result.fiscal_year)

    @admin.display(description="実績")
    def actual(self, result: YearlyResult) -> str:
        if result.value is None:
            return result.actual_text or "－"
        return format_quantity(result.value, result.indicator.unit)

    @admin.display(description="目標")
    def target(self, result: YearlyResult) -> str:
        cell, _label = self._cell(result)
        return format_quantity(cell.target if cell else None, result.indicator.unit)

    @admin.display(description="達成率")
    def achievement_rate(self, result: YearlyResult) -> str:
        cell, _label = self._cell(result)
        return format_rate(cell.rate if cell else None)

    @admin.display(description="状況")
    def status(self, result: YearlyResult) -> str:
        _cell, label = self._cell(result)
        return label


@admin.register(SelfEvaluation)
class SelfEvaluationAdmin(SimpleHistoryAdmin):
    list_display = ["item", "fiscal_year", "status", "rating"]
    list_filter = [
        "item__area__plan",
        FiscalYearFilter,
        "status",
        ("item__area", AreaFilter),
        "item__section",
        "rating",
    ]
    list_select_related = ["item__area__plan", "rating"]
    search_fields = ["item__title", "activities", "self_assessment", "next_steps"]


@admin.register(ReportingYear)
class ReportingYearAdmin(SimpleHistoryAdmin):
    list_display = ["plan", "fiscal_year_label", "deadline", "is_locked", "locked_at"]
    list_filter = ["plan", FiscalYearFilter, "is_locked"]
    list_select_related = ["plan"]

    @admin.display(description="年度", ordering="fiscal_year")
    def fiscal_year_label(self, year: ReportingYear) -> str:
        return era_label(year.fiscal_year)


@admin.register(StatusRule)
class StatusRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "label_achieved", "label_mostly_achieved", "label_not_achieved", "updated_at"]
    fieldsets = [
        ("判定基準", {"fields": ["achieved_from", "mostly_achieved_from"]}),
        (
            "表示名",
            {
                "fields": [
                    "label_achieved",
                    "label_mostly_achieved",
                    "label_not_achieved",
                    "label_not_entered",
                    "label_increased",
                    "label_flat",
                    "label_decreased",
                ]
            },
        ),
    ]

    def has_add_permission(self, request):
        return not StatusRule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.id = SINGLETON_ID
        super().save_model(request, obj, form, change)


@admin.register(ProgressVersion)
class ProgressVersionAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """Shown for operators only: the token changes on every write (database triggers), never by hand."""

    list_display = ["token"]

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovedResult)
class ApprovedResultAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """Read-only: written by the approval (services.self_evaluation_approve), the figure reports count."""

    list_display = ["indicator", "fiscal_year", "value", "actual_text", "approved_at"]
    list_select_related = ["indicator__item__area__plan"]
    list_filter = ["fiscal_year"]

    def has_delete_permission(self, request, obj=None):
        return False
