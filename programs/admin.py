from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import UserChangeForm
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import JapanesePermissionsField

from .admin_filters import AreaFilter
from .models import (
    CarriedTarget,
    GrantIndicator,
    GrantScore,
    Indicator,
    Item,
    Municipality,
    PlanPeriod,
    PolicyArea,
    Program,
    ProgramBudget,
    ProgramFigure,
    ReferenceFigure,
    Section,
    SheetColumn,
    SheetLayout,
    Target,
    Vision,
)
from .selectors import layout_of_predecessor
from .services import grant_samples_delete
from .target_wording import describe, read_target_wording, typed_target_of


class SheetColumnInline(admin.TabularInline):
    model = SheetColumn
    extra = 0
    fields = ["order", "heading", "source", "years", "width"]


@admin.register(SheetColumn)
class SheetColumnAdmin(admin.ModelAdmin):
    list_display = ["layout", "order", "heading", "source", "years", "width"]
    list_filter = ["layout"]
    list_select_related = ["layout"]


@admin.register(SheetLayout)
class SheetLayoutAdmin(admin.ModelAdmin):
    list_display = ["name", "title"]
    search_fields = ["name", "title"]
    inlines = [SheetColumnInline]


@admin.register(PlanPeriod)
class PlanPeriodAdmin(admin.ModelAdmin):
    list_display = ["name", "first_fiscal_year", "last_fiscal_year", "uses_rating", "layout", "title"]
    list_select_related = ["layout"]

    def get_changeform_initial_data(self, request):
        """Offer the latest period's layout to a new period: a new period starts with its predecessor's."""
        initial = super().get_changeform_initial_data(request)
        predecessor = layout_of_predecessor(ordinal=None)
        if predecessor is not None:
            initial.setdefault("layout", predecessor.pk)
        return initial

    # A new period is created by the one period writer (evaluations.admin registers the subclass
    # that calls it): it inherits the predecessor's layout and gets its reporting years.


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
    list_display = ["code", "name", "kind", "region", "valid_from", "valid_to", "successor"]
    list_filter = ["kind", "region"]
    search_fields = ["code", "name"]
    raw_id_fields = ["successor"]


class ProgramBudgetInline(admin.TabularInline):
    model = ProgramBudget
    extra = 0


class ProgramFigureInline(admin.TabularInline):
    model = ProgramFigure
    extra = 0
    autocomplete_fields = ["municipalities"]


@admin.register(ProgramBudget)
class ProgramBudgetAdmin(admin.ModelAdmin):
    list_display = ["program", "fiscal_year", "amount_thousand_yen", "text"]
    list_filter = ["fiscal_year"]
    list_select_related = ["program"]


@admin.register(ProgramFigure)
class ProgramFigureAdmin(admin.ModelAdmin):
    list_display = ["program", "fiscal_year", "kind", "label", "value", "unit", "text"]
    list_filter = ["fiscal_year", "kind"]
    list_select_related = ["program"]
    search_fields = ["label", "program__name", "text"]
    autocomplete_fields = ["program", "municipalities"]


@admin.register(CarriedTarget)
class CarriedTargetAdmin(admin.ModelAdmin):
    list_display = ["item", "fiscal_year", "text", "carried_by"]
    list_filter = ["fiscal_year"]
    list_select_related = ["item__area__plan", "carried_by__area__plan"]
    search_fields = ["text", "item__title", "carried_by__title"]
    autocomplete_fields = ["item", "carried_by"]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "predecessor", "since_fiscal_year"]
    list_select_related = ["predecessor"]
    search_fields = ["name", "purpose"]
    autocomplete_fields = ["predecessor"]
    inlines = [ProgramBudgetInline, ProgramFigureInline]


class ReferenceFigureInline(admin.TabularInline):
    model = ReferenceFigure
    extra = 0
    fields = ["order", "label", "value", "unit", "as_of", "source"]


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(admin.ModelAdmin):
    list_display = ["label", "value", "unit", "as_of", "area"]
    list_filter = ["area__plan"]
    list_select_related = ["area__plan"]
    search_fields = ["label", "source"]


@admin.register(PolicyArea)
class PolicyAreaAdmin(admin.ModelAdmin):
    list_display = ["__str__", "plan", "number", "sub_number", "vision"]
    list_filter = ["plan"]
    list_select_related = ["plan", "vision__parent"]
    search_fields = ["title"]
    autocomplete_fields = ["vision"]
    inlines = [ReferenceFigureInline]


class CarriedTargetInline(admin.TabularInline):
    """Targets the item writes for a year after its period, with the later item that carries each (issue 21 item 17)."""

    model = CarriedTarget
    fk_name = "item"
    extra = 0
    autocomplete_fields = ["carried_by"]


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
    inlines = [IndicatorInline, CarriedTargetInline]  # evaluations.admin adds the self-evaluations

    @admin.display(description="事項")
    def short_title(self, item: Item) -> str:
        return item.short_title


ERROR_WORDING_UNREAD = "目標の文言を読み取れませんでした（{described}）。目標の種類と目標値を選んでください。"


class TargetForm(forms.ModelForm):
    """A target typed as the sheet words it: the wording is read into kind, value, unit and year.

    When the administrator leaves the kind empty or ticks 「目標の文言から読み取る」, the grammar
    fills the typed fields and ``reading_described`` says what it read, for the admin to show;
    wording it cannot read leaves the kind to the administrator. The wording is kept verbatim.
    """

    read_wording = forms.BooleanField(
        label="目標の文言から読み取る",
        required=False,
        help_text="「153人（各年度）」「年１回以上」「62区市町村で各１人以上」「増加」のような文言から種類・値・単位・年度を設定します。",
    )

    class Meta:
        model = Target
        fields = ["target_text", "read_wording", "kind", "value", "unit", "fiscal_year", "source", "direction"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].required = False
        self.fields["kind"].help_text = "空欄なら目標の文言から読み取ります"
        self.reading_described = ""

    def clean(self):
        cleaned = super().clean()
        text = cleaned.get("target_text") or ""
        if not text or not (cleaned.get("read_wording") or not cleaned.get("kind")):
            if not cleaned.get("kind"):
                self.add_error("kind", "目標の種類を選んでください。")
            return cleaned
        first, last = self._plan_years()
        reading = read_target_wording(text, first_fiscal_year=first, last_fiscal_year=last)
        typed = typed_target_of(reading)
        if typed is None:
            self.add_error("kind", ERROR_WORDING_UNREAD.format(described=describe(reading)))
            return cleaned
        cleaned.update(
            kind=typed.kind.value,
            value=typed.value,
            unit=typed.unit or cleaned.get("unit") or "",
            direction=typed.direction.value if typed.direction else "",
            fiscal_year=typed.fiscal_year,
        )
        self.reading_described = f"「{text}」→ {describe(reading)}"
        return cleaned

    def _plan_years(self) -> tuple[int | None, int | None]:
        indicator = getattr(self.instance, "indicator", None) if self.instance.indicator_id else None
        indicator = indicator or self.cleaned_data.get("indicator")
        if indicator is None:
            return None, None
        plan = indicator.item.area.plan
        return plan.first_fiscal_year, plan.last_fiscal_year


class TargetInline(admin.TabularInline):
    model = Target
    form = TargetForm
    extra = 0
    fields = ["target_text", "read_wording", "kind", "value", "unit", "fiscal_year", "source", "direction"]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["__str__", "unit", "type", "target_texts"]
    list_filter = ["item__area__plan", "type", "item__section"]
    list_select_related = ["item__area__plan"]
    search_fields = ["name", "item__title"]
    inlines = [TargetInline]  # evaluations.admin adds the results

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        for target_form in formset.forms:
            if getattr(target_form, "reading_described", ""):
                messages.info(request, f"目標の文言を読み取りました: {target_form.reading_described}")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("targets")

    @admin.display(description="目標")
    def target_texts(self, indicator: Indicator) -> str:
        return " / ".join(target.target_text for target in indicator.targets.all())


@admin.register(Target)
class TargetAdmin(SimpleHistoryAdmin):
    form = TargetForm
    list_display = ["indicator", "kind", "value", "unit", "fiscal_year", "target_text", "source"]
    list_filter = ["indicator__item__area__plan", "kind", "source", "fiscal_year"]
    list_select_related = ["indicator__item__area__plan"]
    search_fields = ["target_text", "indicator__name"]
    fields = ["indicator", "target_text", "read_wording", "kind", "value", "unit", "fiscal_year", "source", "direction"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if form.reading_described:
            messages.info(request, f"目標の文言を読み取りました: {form.reading_described}")


# -- Users, with their 担当課 (issue 20 item 6) ----------------------------------------------
# Here rather than in accounts: the section is the plan's (programs.Section), and accounts sits
# below programs. The list names people by name, as every page of the application does.

User = get_user_model()


class UserSectionsChangeForm(UserChangeForm):
    sections = forms.ModelMultipleChoiceField(
        label="担当課",
        queryset=Section.objects.all(),
        required=False,
        widget=FilteredSelectMultiple("担当課", is_stacked=False),
        help_text="担当者は、ここで選んだ課の事項を入力できます（管理職はその課の記録を承認できます）。",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["sections"].initial = self.instance.sections.all()


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserSectionsChangeForm
    list_display = ["display_name", "username", "role_names", "section_names", "is_active"]
    list_filter = ["groups", "sections", "is_active", "is_staff"]
    ordering = ["last_name", "first_name", "username"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets[:2],
        ("担当課", {"fields": ("sections",)}),
        *DjangoUserAdmin.fieldsets[2:],
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups", "sections")

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "user_permissions":
            kwargs["form_class"] = JapanesePermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_fieldsets(self, request, obj=None):
        """Give a system administrator who is not a superuser the role (group), not Django's permission list.

        Roles grant the permissions; the raw list (「Can add log entry」 …) only confused them.
        """
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser or obj is None:
            return fieldsets
        hidden = {"user_permissions", "is_superuser"}
        return tuple(
            (name, {**options, "fields": tuple(field for field in options["fields"] if field not in hidden)})
            for name, options in fieldsets
        )

    @admin.display(description="氏名", ordering="last_name")
    def display_name(self, user) -> str:
        return user.get_full_name() or user.username

    @admin.display(description="役割")
    def role_names(self, user) -> str:
        return "、".join(group.name for group in user.groups.all())

    @admin.display(description="担当課")
    def section_names(self, user) -> str:
        return "、".join(section.name for section in user.sections.all()) or "（なし）"

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "sections" in form.cleaned_data:
            form.instance.sections.set(form.cleaned_data["sections"])


@admin.register(GrantIndicator)
class GrantIndicatorAdmin(admin.ModelAdmin):
    list_display = ["number", "field", "grant", "fiscal_year", "max_points"]
    list_filter = ["grant", "fiscal_year", "field"]
    search_fields = ["number", "field", "text"]
    filter_horizontal = ["items"]


@admin.action(description="サンプル（架空の値）の得点をすべて削除する（選択に関係なく）")
def delete_all_samples(modeladmin, request, queryset):
    count = grant_samples_delete()
    modeladmin.message_user(request, f"サンプル（架空の値）の得点を {count:,}件 削除しました。", messages.SUCCESS)


@admin.register(GrantScore)
class GrantScoreAdmin(SimpleHistoryAdmin):
    list_display = ["municipality", "indicator", "points", "is_sample", "source"]
    list_filter = ["is_sample", "indicator__grant", "indicator__fiscal_year", "indicator__field"]
    search_fields = ["municipality__name", "municipality__code", "indicator__number"]
    raw_id_fields = ["indicator", "municipality"]
    actions = [delete_all_samples]
