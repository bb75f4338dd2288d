from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from kaigo_plan.product import PRODUCT_NAME

from .admin_filters import AreaFilter
from .models import (
    Indicator,
    Item,
    Municipality,
    PlanPeriod,
    PolicyArea,
    Program,
    ProgramBudget,
    Section,
    Target,
    Vision,
)

admin.site.site_header = PRODUCT_NAME
admin.site.site_title = "kaigo-plan 管理"
admin.site.index_title = "データ管理"


@admin.register(PlanPeriod)
class PlanPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "first_fiscal_year", "last_fiscal_year", "uses_rating", "title"]


@admin.register(Vision)
class VisionAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "parent"]
    list_select_related = ["parent__parent"]
    search_fields = ["code", "title"]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["name", "order"]
    filter_horizontal = ["members"]
    search_fields = ["name"]


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]


class ProgramBudgetInline(admin.TabularInline):
    model = ProgramBudget
    extra = 0


@admin.register(ProgramBudget)
class ProgramBudgetAdmin(admin.ModelAdmin):
    list_display = ["program", "fiscal_year", "amount_thousand_yen", "text"]
    list_filter = ["fiscal_year"]
    list_select_related = ["program"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name", "purpose"]
    inlines = [ProgramBudgetInline]


@admin.register(PolicyArea)
class PolicyAreaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "number", "sub_number", "vision"]
    list_filter = ["plan"]
    list_select_related = ["plan", "vision__parent"]
    search_fields = ["title"]
    autocomplete_fields = ["vision"]


class IndicatorInline(admin.TabularInline):
    model = Indicator
    extra = 0
    fields = ["key", "name", "component", "unit", "type", "order"]
    show_change_link = True  # targets and results are edited on the indicator's page


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "short_title", "section", "reference"]
    list_filter = ["area__plan", ("area", AreaFilter), "section"]
    list_select_related = ["area__plan", "section"]
    search_fields = ["title", "background", "item_vision", "related_activities"]
    filter_horizontal = ["programs"]
    inlines = [IndicatorInline]  # evaluations.admin adds the self-evaluations

    @admin.display(description="事項")
    def short_title(self, item: Item) -> str:
        return item.short_title


class TargetInline(admin.TabularInline):
    model = Target
    extra = 0
    fields = ["kind", "value", "unit", "fiscal_year", "target_text", "source", "direction"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "type", "target_texts"]
    list_filter = ["item__area__plan", "type", "item__section"]
    list_select_related = ["item__area__plan"]
    search_fields = ["name", "item__title"]
    inlines = [TargetInline]  # evaluations.admin adds the results

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description="目標")
    def target_texts(self, indicator: Indicator) -> str:
        return " / ".join(target.target_text for target in indicator.targets.all())


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    list_display = ["indicator", "kind", "value", "unit", "fiscal_year", "target_text", "source"]
    list_filter = ["indicator__item__area__plan", "kind", "source", "fiscal_year"]
    list_select_related = ["indicator__item__area__plan"]
    search_fields = ["target_text", "indicator__name"]
