"""The plan's structure: periods, visions, areas, items, indicators, targets, programmes."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from .fiscal_years import era_label, era_range_label, fiscal_year_choices
from .kinds import Direction as TargetDirection
from .kinds import Kind as TargetKind
from .kinds import TargetFigure, TargetLine
from .municipality_codes import ERROR_CODE_FORMAT, InvalidCode, full_code, is_valid_code
from .periods import (
    ERROR_NAME_CONFUSABLE,
    ERROR_YEARS_ORDER,
    NAME_MAX_LENGTH,
    confusable_name,
    normalised_name,
    validate_fiscal_year,
    validate_multi_line,
    validate_ordinal,
    validate_single_line,
)
from .quantities import format_quantity
from .sheet_layouts import ColumnSpec, LayoutSpec, Source, Years, parse_area_year_headings

NON_NEGATIVE = [MinValueValidator(Decimal(0))]


class SheetLayout(models.Model):
    """The layout of a period's published sheet (自己評価シート): title lines and columns, edited in the admin."""

    name = models.CharField("名称", max_length=100, unique=True, help_text="例: 第8期様式")
    title = models.CharField("表題（1行目）", max_length=200, blank=True)
    note = models.CharField("注記（2行目）", max_length=300, blank=True)
    year_headings = models.TextField(
        "年度の見出し",
        blank=True,
        help_text="印刷どおりの年度見出しを1行に1年度ずつ（例: 30年度）。空欄の年度は「令和３年度」の形で表示します。",
    )
    # Seed 003's pages differ: area 1's prints 「30年度」, area 2's 「平成30年度」 (issue 21 item 7).
    area_year_headings = models.TextField(
        "分野ごとの年度の見出し",
        blank=True,
        help_text="ページによって年度の見出しが異なる分野だけ、1行に1分野: 分野番号（小分野は 2-1）、コロン、"
        "その分野のページの年度見出しを空白区切りで（例: 1: 30年度 令和元年度 令和２年度）。",
    )
    assessment_label = models.CharField(
        "自己評価欄の小見出し",
        max_length=50,
        blank=True,
        help_text="自己評価欄の冒頭に印刷する見出し（例: ＜自己評価＞）。空欄なら付けません。",
    )
    next_steps_label = models.CharField(
        "今後の課題欄の小見出し",
        max_length=50,
        blank=True,
        help_text="今後の課題・対応策の前に印刷する見出し（例: ＜今後の取組方針＞）。空欄なら付けません。",
    )

    class Meta:
        verbose_name = "シート様式"
        verbose_name_plural = "シート様式"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        try:
            parse_area_year_headings(self.area_year_headings)
        except ValueError as error:
            raise ValidationError({"area_year_headings": str(error)}) from error

    @property
    def year_heading_lines(self) -> list[str]:
        return self.year_headings.splitlines()

    def as_spec(self, columns: tuple[ColumnSpec, ...]) -> LayoutSpec:
        """Return the layout with the given columns as the exports, the import and the entry screen read it.

        A stored text the parser refuses (written around the admin) prints every page with the layout's
        own headings rather than break the sheet.
        """
        try:
            area_headings = parse_area_year_headings(self.area_year_headings)
        except ValueError:
            area_headings = ()
        return LayoutSpec(
            columns=columns,
            title=self.title,
            note=self.note,
            year_headings=tuple(self.year_heading_lines),
            assessment_label=self.assessment_label,
            next_steps_label=self.next_steps_label,
            area_year_headings=area_headings,
        )


class SheetColumn(models.Model):
    """One column of a sheet layout: its heading as printed and the stored field it shows."""

    Source = Source
    Years = Years

    layout = models.ForeignKey(SheetLayout, verbose_name="シート様式", on_delete=models.CASCADE, related_name="columns")
    order = models.PositiveSmallIntegerField("順番")
    heading = models.CharField("見出し（印刷どおり）", max_length=100)
    source = models.CharField("表示する内容", max_length=20, choices=Source.choices)
    years = models.CharField(
        "年度",
        max_length=20,
        choices=Years.choices,
        blank=True,
        help_text="年度ごとの内容（実績・取組・自己評価・評定）のみ。続けて並んだ年度ごとの列は年度ごとに繰り返します。",
    )
    width = models.DecimalField(
        "列幅", max_digits=4, decimal_places=1, default=Decimal(12), validators=[MinValueValidator(Decimal(2))]
    )

    class Meta:
        verbose_name = "シートの列"
        verbose_name_plural = "シートの列"
        ordering = ["layout", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["layout", "order"], name="sheet_column_unique_order_in_layout"),
        ]

    def __str__(self) -> str:
        return f"{self.layout} {self.order}: {self.heading}"

    def as_spec(self) -> ColumnSpec:
        return ColumnSpec(heading=self.heading, source=self.source, years=self.years, width=self.width)


def short_title_of(title: str) -> str:
    """Return an item's title cut to its first line and 40 characters (the dashboard's 事項 heading)."""
    first_line = title.strip().splitlines()[0] if title.strip() else ""
    return first_line if len(first_line) <= 40 else first_line[:39] + "…"


def item_label_of(number: int) -> str:
    """Return 「事項3」: how pages, the API and workbooks name an item within its area."""
    return f"事項{number}"


class ItemNaming:
    """How an item is named wherever it is held (the model, a sheet's draft): 「事項3」 and its short title."""

    number: int
    title: str

    @property
    def label(self) -> str:
        """Return 「事項3」 (``item_label_of``)."""
        return item_label_of(self.number)

    @property
    def short_title(self) -> str:
        return short_title_of(self.title)


def area_label_of(number: int, sub_number: int | None, title: str) -> str:
    """Return 「7 地域ケア会議の推進」 or 「2（1）地域ケア会議」 for a sub-area."""
    if sub_number is None:
        return f"{number} {title}"
    return f"{number}（{sub_number}）{title}"


def plan_label_of(name: str, first_fiscal_year: int, last_fiscal_year: int) -> str:
    """Return 「第8期（令和3年度～令和5年度）」: a plan period with its era range."""
    return f"{name}（{era_range_label(first_fiscal_year, last_fiscal_year)}）"


def indicator_label_of(name: str, component: str) -> str:
    """Return 「研修の修了者数（総論編）」: the indicator's name with its component, if any."""
    return f"{name}（{component}）" if component else name


class PlanPeriod(models.Model):
    """A three-year plan period such as 第8期 (FY2021–FY2023)."""

    class Origin(models.TextChoices):
        """How the period was set up: only one made by an import or a rollover can be undone in the screens."""

        OTHER = "", "登録・読込"
        SHEET_IMPORT = "sheet_import", "自己評価シートの取込"
        ROLLOVER = "rollover", "次期計画の作成"

    # The range and character rules are programs.periods', shared with every way a period is created.
    name = models.CharField(
        "名称", max_length=NAME_MAX_LENGTH, unique=True, help_text="例: 第8期", validators=[validate_single_line]
    )
    ordinal = models.PositiveSmallIntegerField(
        "期", unique=True, help_text="第8期なら 8", validators=[validate_ordinal]
    )
    title = models.CharField("シート表題", max_length=200, blank=True, validators=[validate_single_line])
    first_fiscal_year = models.PositiveSmallIntegerField(
        "開始年度", help_text="西暦（例: 2024）", validators=[validate_fiscal_year]
    )
    last_fiscal_year = models.PositiveSmallIntegerField(
        "終了年度", help_text="西暦（例: 2026）", validators=[validate_fiscal_year]
    )
    uses_rating = models.BooleanField("評定欄あり", default=False)
    layout = models.ForeignKey(
        SheetLayout,
        verbose_name="シート様式",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans",
        help_text="空欄のまま作成すると、前の計画期間の様式を引き継ぎます。",
    )
    origin = models.CharField("作成の方法", max_length=20, choices=Origin.choices, blank=True, editable=False)
    # When the import or rollover that made the period finished: a change recorded after it is
    # something entered into the period, which then may no longer be undone (cycle.period_removal).
    set_up_at = models.DateTimeField("作成完了日時", null=True, blank=True, editable=False)

    # The reason is a text: a removal records the administrator's reason (up to 500 characters) and the counts.
    history = HistoricalRecords(
        verbose_name="計画期間の変更履歴", history_change_reason_field=models.TextField(null=True)
    )

    class Meta:
        verbose_name = "計画期間"
        verbose_name_plural = "計画期間"
        ordering = ["ordinal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(first_fiscal_year__lte=F("last_fiscal_year")),
                name="plan_period_first_year_not_after_last",
            ),
        ]

    def __str__(self) -> str:
        return plan_label_of(self.name, self.first_fiscal_year, self.last_fiscal_year)

    def clean(self) -> None:
        """Store the name without surrounding spaces; refuse reversed years and a look-alike (「第７期」)."""
        self.name = normalised_name(self.name or "")
        errors = {}
        years = (self.first_fiscal_year, self.last_fiscal_year)
        if None not in years and years[0] > years[1]:
            errors["last_fiscal_year"] = ERROR_YEARS_ORDER
        others = PlanPeriod.objects.exclude(pk=self.pk).values_list("name", flat=True)
        if self.name and (existing := confusable_name(self.name, others)):
            errors["name"] = ERROR_NAME_CONFUSABLE.format(name=self.name, existing=existing)
        if errors:
            raise ValidationError(errors)

    @property
    def fiscal_years(self) -> list[int]:
        return list(range(self.first_fiscal_year, self.last_fiscal_year + 1))

    @property
    def fiscal_year_choices(self) -> list[tuple[int, str]]:
        """Return the plan's fiscal years as form choices: (2021, 「令和3年度」), …"""
        return fiscal_year_choices(self.fiscal_years)

    def contains(self, fiscal_year: int) -> bool:
        return self.first_fiscal_year <= fiscal_year <= self.last_fiscal_year


class Vision(models.Model):
    """A vision of the plan (ビジョン・目標), nested: ② › ②－３."""

    code = models.CharField("番号", max_length=20, unique=True, help_text="例: ②－３")
    title = models.CharField("名称", max_length=200)
    parent = models.ForeignKey(
        "self", verbose_name="上位ビジョン", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "ビジョン・目標"
        verbose_name_plural = "ビジョン・目標"
        ordering = ["order", "code"]

    def __str__(self) -> str:
        label = f"{self.code} {self.title}"
        return f"{self.parent} › {label}" if self.parent_id else label

    @property
    def sheet_text(self) -> str:
        """Return the vision as printed: 「②安心して暮らし続けられる」, below it 「　【②－３】地域で支え合える」."""
        if self.parent_id is None:
            return f"{self.code}{self.title}"
        return f"{self.parent.sheet_text}\n　【{self.code}】{self.title}"


class Section(models.Model):
    """A section of the prefectural office that owns items (担当課)."""

    name = models.CharField("名称", max_length=100, unique=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name="所属職員", blank=True, related_name="sections"
    )

    class Meta:
        verbose_name = "担当課"
        verbose_name_plural = "担当課"
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class MunicipalityQuerySet(models.QuerySet):
    def in_fiscal_year(self, fiscal_year: int) -> "MunicipalityQuerySet":
        """Keep the municipalities that existed at some time in the fiscal year (April to March)."""
        return self.in_fiscal_years(fiscal_year, fiscal_year)

    def in_fiscal_years(self, first_fiscal_year: int, last_fiscal_year: int) -> "MunicipalityQuerySet":
        """Keep the municipalities that existed at some time in those fiscal years (a plan's period)."""
        first, last = date(first_fiscal_year, 4, 1), date(last_fiscal_year + 1, 3, 31)
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=last), Q(valid_to__isnull=True) | Q(valid_to__gte=first)
        )

    def current(self) -> "MunicipalityQuerySet":
        """Keep the municipalities that exist today (not merged away)."""
        today = timezone.localdate()
        return self.filter(
            Q(valid_from__isnull=True) | Q(valid_from__lte=today), Q(valid_to__isnull=True) | Q(valid_to__gte=today)
        )


class Municipality(models.Model):
    """A municipality (区市町村) by its six-digit 全国地方公共団体コード, with the dates it existed.

    Tokyo's 62 come with ``migrate`` (programs/data/tokyo_municipalities.csv); another
    prefecture's list is loaded with ``manage.py load_municipalities`` (README). A merged or
    renamed municipality keeps its row (its code and the coverage marks on it) with ``valid_to``
    and its ``successor``; lists of "the municipalities of a year" read ``in_fiscal_year``.
    """

    class Kind(models.TextChoices):
        WARD = "ward", "特別区"
        CITY = "city", "市"
        TOWN = "town", "町"
        VILLAGE = "village", "村"

    code = models.CharField(
        "団体コード", max_length=6, unique=True, help_text="全国地方公共団体コード（6桁、末尾は検査数字。例: 131016）"
    )
    name = models.CharField("名称", max_length=20)
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    region = models.CharField(
        "地域", max_length=20, blank=True, help_text="区部・多摩・島しょ など、一覧をまとめる単位"
    )
    valid_from = models.DateField("設置日", null=True, blank=True)
    valid_to = models.DateField("廃止日", null=True, blank=True, help_text="合併・編入・名称変更で廃止された日")
    successor = models.ForeignKey(
        "self",
        verbose_name="合併・編入先",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="predecessors",
    )
    tile_row = models.PositiveSmallIntegerField("タイル地図の行", null=True, blank=True)
    tile_column = models.PositiveSmallIntegerField("タイル地図の列", null=True, blank=True)

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = "区市町村"
        verbose_name_plural = "区市町村"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{6}$"), name="municipality_code_six_digits"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_from__lte=F("valid_to")),
                name="municipality_valid_from_before_valid_to",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("reports:municipality", args=[self.code])

    def clean(self) -> None:
        if self.code and not is_valid_code(self.code):
            try:
                full_code(self.code)
            except InvalidCode as error:
                raise ValidationError({"code": str(error)}) from error
            raise ValidationError({"code": ERROR_CODE_FORMAT})

    @property
    def prefecture_code(self) -> str:
        return self.code[:2]


class Program(models.Model):
    """A budgeted programme (事業) that delivers one or more items."""

    name = models.CharField("事業名", max_length=200, unique=True)
    purpose = models.TextField("事業目的", blank=True)
    description = models.TextField("取組内容", blank=True)
    issues = models.TextField("課題", blank=True)
    achievements = models.TextField("これまでの事業成果", blank=True)
    predecessor = models.ForeignKey(
        "self",
        verbose_name="前身の事業",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successors",
        help_text="名称変更・再編の前の事業（例: 東京都介護予防推進支援事業 → 介護予防・フレイル予防支援強化事業）",
    )
    since_fiscal_year = models.PositiveSmallIntegerField(
        "名称変更・再編の年度", null=True, blank=True, help_text="前身の事業から引き継いだ年度"
    )

    class Meta:
        verbose_name = "事業"
        verbose_name_plural = "事業"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgramBudget(models.Model):
    program = models.ForeignKey(Program, verbose_name="事業", on_delete=models.CASCADE, related_name="budgets")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    amount_thousand_yen = models.DecimalField(
        "予算額（千円）", max_digits=14, decimal_places=0, validators=NON_NEGATIVE
    )
    text = models.CharField("原文", max_length=200, blank=True)

    class Meta:
        verbose_name = "事業予算"
        verbose_name_plural = "事業予算"
        ordering = ["program", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["program", "fiscal_year"], name="program_budget_one_per_year"),
            models.CheckConstraint(condition=Q(amount_thousand_yen__gte=0), name="program_budget_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {era_label(self.fiscal_year)} {self.amount_thousand_yen:,}千円"


class ProgramFigure(models.Model):
    """A figure a programme's paper states for a year: its scale (募集人数 540名) or its result (受講決定者数 488名).

    Seed 001 gives them per programme beside the budget; they are shown with the programme on the
    item page and in the summary workbook (issue 21 item 16), never graded: an item's targets do that.
    """

    class Kind(models.TextChoices):
        PLAN = "plan", "実施規模・予定"
        RESULT = "result", "実績"

    program = models.ForeignKey(Program, verbose_name="事業", on_delete=models.CASCADE, related_name="figures")
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=[validate_fiscal_year])
    kind = models.CharField("種別", max_length=10, choices=Kind.choices)
    label = models.CharField("項目", max_length=100, validators=[validate_single_line], help_text="例: 募集人数")
    value = models.DecimalField("数値", max_digits=14, decimal_places=2, validators=NON_NEGATIVE)
    unit = models.CharField("単位", max_length=20, blank=True, validators=[validate_single_line])
    # 「受講決定者数 488名 (50区市町村)」: how many municipalities the figure spans, where the paper says so.
    municipality_count = models.PositiveSmallIntegerField("区市町村数", null=True, blank=True)
    # 「支援自治体数 2自治体 (立川市、多摩市)」: the municipalities named, where the paper names them.
    municipalities = models.ManyToManyField(
        Municipality, verbose_name="区市町村", blank=True, related_name="program_figures"
    )
    text = models.CharField("原文", max_length=200, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "事業の実績・規模"
        verbose_name_plural = "事業の実績・規模"
        ordering = ["program", "fiscal_year", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["program", "fiscal_year", "kind", "label"], name="program_figure_unique_label_in_year"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="program_figure_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.program} {era_label(self.fiscal_year)} {self.label} {self.shown}"

    @property
    def shown(self) -> str:
        """Return 「488名（50区市町村）」, 「2自治体（立川市・多摩市）」: the figure, its unit and whom it spans.

        Reads the municipalities from the prefetched list (``programs.selectors``), never a query of its own.
        """
        figure = format_quantity(self.value, self.unit)
        names = "・".join(municipality.name for municipality in self.municipalities.all())
        if names:
            return f"{figure}（{names}）"
        if self.municipality_count is not None:
            return f"{figure}（{self.municipality_count}区市町村）"
        return figure

    @property
    def line(self) -> str:
        """Return 「令和元年度 実績 受講決定者数 488名（50区市町村）」, one line of the programme's figures."""
        return f"{era_label(self.fiscal_year)} {self.get_kind_display()} {self.label} {self.shown}"


class PolicyArea(models.Model):
    """A numbered area of the sheet (取組分野), optionally a sub-area such as 2（1）地域ケア会議."""

    plan = models.ForeignKey(PlanPeriod, verbose_name="計画期間", on_delete=models.CASCADE, related_name="areas")
    number = models.PositiveSmallIntegerField("分野番号")
    sub_number = models.PositiveSmallIntegerField("小分野番号", null=True, blank=True)
    parent = models.ForeignKey(
        "self", verbose_name="上位分野", null=True, blank=True, on_delete=models.CASCADE, related_name="sub_areas"
    )
    title = models.CharField("分野名", max_length=200, validators=[validate_single_line])
    vision = models.ForeignKey(
        Vision, verbose_name="ビジョン・目標", null=True, blank=True, on_delete=models.PROTECT, related_name="areas"
    )
    background = models.TextField("目標設定するに至った現状と課題", blank=True)
    outcome_indicator_text = models.TextField("参考指標（アウトカム指標）", blank=True)

    class Meta:
        verbose_name = "取組分野"
        verbose_name_plural = "取組分野"
        ordering = ["plan__ordinal", "number", F("sub_number").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number", "sub_number"], name="policy_area_unique_number_in_plan"),
            models.UniqueConstraint(
                fields=["plan", "number"],
                condition=Q(sub_number__isnull=True),
                name="policy_area_unique_top_level_number_in_plan",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} {self.label}"

    @property
    def label(self) -> str:
        """Return 「7 地域ケア会議の推進」 or 「2（1）地域ケア会議」 for a sub-area."""
        return area_label_of(self.number, self.sub_number, self.title)


class ReferenceFigure(models.Model):
    """A figure from the plan chapter that informs an area (参考データ), shown beside it, never in a sheet cell."""

    area = models.ForeignKey(
        PolicyArea, verbose_name="取組分野", on_delete=models.CASCADE, related_name="reference_figures"
    )
    label = models.CharField("項目", max_length=200)
    value = models.DecimalField("数値", max_digits=14, decimal_places=2)
    unit = models.CharField("単位", max_length=20, blank=True)
    as_of = models.DateField("時点", null=True, blank=True)
    source = models.CharField("出典", max_length=300, blank=True)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "参考データ"
        verbose_name_plural = "参考データ"
        ordering = ["area", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["area", "label"], name="reference_figure_unique_label_in_area"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.shown}"

    @property
    def shown(self) -> str:
        """Return 「457か所」, 「8.4人」: the figure with its unit."""
        return format_quantity(self.value, self.unit)

    @property
    def as_of_label(self) -> str:
        """Return 「2020年4月」: the month the figure stands at, as the official source states it; 「－」 if unknown."""
        return f"{self.as_of.year}年{self.as_of.month}月" if self.as_of else "－"


class Item(ItemNaming, models.Model):
    """One commitment (事項) of an area."""

    area = models.ForeignKey(PolicyArea, verbose_name="取組分野", on_delete=models.CASCADE, related_name="items")
    number = models.PositiveSmallIntegerField("事項番号")
    title = models.TextField("事項（目標に向けた取組）", validators=[validate_multi_line])
    related_activities = models.TextField("関連する取組", blank=True)
    programs = models.ManyToManyField(Program, verbose_name="関連事業", blank=True, related_name="items")
    section = models.ForeignKey(
        Section, verbose_name="担当課", null=True, blank=True, on_delete=models.PROTECT, related_name="items"
    )
    background = models.TextField("目標設定するに至った現状と課題", blank=True)
    item_vision = models.TextField("目指すべきビジョン", blank=True)
    # The plan's 目標 cell as printed, where it words several targets together (「540人(初任者)
    # 180人(現任者)（H30～32）」); empty: the sheet lists each indicator's own wording.
    target_wording = models.TextField(
        "目標（計画の記載）",
        blank=True,
        help_text="計画の目標欄の記載どおり。空欄のときは、指標ごとの目標の原文を1行ずつ示します。",
    )
    # The sheet's 参考資料 cell is this text, each year's own reference, then the titles of the 別紙
    # (sheets.exports.self_evaluation.reference_text): a sheet set up from an export stores that whole
    # cell here, so the field holds what any text cell of the sheet holds, and the import reads this limit.
    REFERENCE_MAX_LENGTH = 4000
    reference = models.CharField("参考資料", max_length=REFERENCE_MAX_LENGTH, blank=True, help_text="例: 別紙7-12")

    class Meta:
        verbose_name = "事項"
        verbose_name_plural = "事項"
        ordering = ["area__plan__ordinal", "area__number", F("area__sub_number").asc(nulls_first=True), "number"]
        constraints = [
            models.UniqueConstraint(fields=["area", "number"], name="item_unique_number_in_area"),
        ]

    def __str__(self) -> str:
        return f"{self.area} › {self.label}"


class Indicator(models.Model):
    """What is counted for an item; an item may have several (総論編 and 実践編)."""

    class Type(models.TextChoices):
        PROCESS = "process", "指標（プロセス指標）"
        OUTCOME = "outcome", "参考指標（アウトカム指標）"

    item = models.ForeignKey(Item, verbose_name="事項", on_delete=models.CASCADE, related_name="indicators")
    key = models.SlugField("識別子", max_length=50, help_text="事項の中で一意の英数字")
    name = models.CharField("指標名", max_length=200, validators=[validate_single_line])
    component = models.CharField(
        "構成要素", max_length=50, blank=True, help_text="例: 総論編、初任者", validators=[validate_single_line]
    )
    unit = models.CharField("単位", max_length=20, blank=True, validators=[validate_single_line])
    type = models.CharField("種別", max_length=10, choices=Type.choices, default=Type.PROCESS)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "指標"
        verbose_name_plural = "指標"
        ordering = ["item", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "key"], name="indicator_unique_key_in_item"),
        ]

    def __str__(self) -> str:
        return f"{self.item} › {self.label}"

    @property
    def label(self) -> str:
        return indicator_label_of(self.name, self.component)


class Target(models.Model):
    """The value aimed at for an indicator, for the whole period or for one fiscal year."""

    class Kind(models.TextChoices):
        PER_YEAR = TargetKind.PER_YEAR, "各年度"
        CUMULATIVE = TargetKind.CUMULATIVE, "期間累計"
        FREQUENCY = TargetKind.FREQUENCY, "回数（年○回以上）"
        COVERAGE = TargetKind.COVERAGE, "区市町村カバー"
        BY_PERIOD_END = TargetKind.BY_PERIOD_END, "期末までの到達"
        DIRECTION = TargetKind.DIRECTION, "方向（増加・減少）"
        SCOPE = TargetKind.SCOPE, "対象（目標ではない）"

    class Direction(models.TextChoices):
        INCREASE = TargetDirection.INCREASE, "増加"
        DECREASE = TargetDirection.DECREASE, "減少"

    class Source(models.TextChoices):
        PLAN = "plan", "計画の目標欄"
        EVALUATION = "evaluation", "自己評価で示した翌年度目標"

    indicator = models.ForeignKey(Indicator, verbose_name="指標", on_delete=models.CASCADE, related_name="targets")
    kind = models.CharField("目標の種類", max_length=20, choices=Kind.choices)
    value = models.DecimalField(
        "目標値", max_digits=14, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    unit = models.CharField("単位", max_length=20, blank=True)
    fiscal_year = models.PositiveSmallIntegerField(
        "年度", null=True, blank=True, help_text="空欄なら計画期間全体の目標"
    )
    target_text = models.CharField("目標（原文）", max_length=500)
    source = models.CharField("出典", max_length=20, choices=Source.choices, default=Source.PLAN)
    direction = models.CharField("目指す方向", max_length=10, choices=Direction.choices, blank=True)

    history = HistoricalRecords(verbose_name="目標の変更履歴")

    class Meta:
        verbose_name = "目標"
        verbose_name_plural = "目標"
        ordering = ["indicator", F("fiscal_year").asc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "fiscal_year"], name="target_one_per_indicator_and_year"),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=Q(fiscal_year__isnull=True),
                name="target_one_period_target_per_indicator",
            ),
            models.CheckConstraint(condition=Q(value__gte=0) | Q(value__isnull=True), name="target_value_non_negative"),
            models.CheckConstraint(
                condition=Q(kind="direction") | Q(value__isnull=False), name="target_value_required_unless_direction"
            ),
        ]

    def __str__(self) -> str:
        year = era_label(self.fiscal_year) if self.fiscal_year else "期間"
        return f"{self.target_text}（{year}）"

    @classmethod
    def from_line(cls, *, indicator: "Indicator", line: TargetLine) -> "Target":
        """Return an unsaved target of ``indicator`` holding ``line`` (rollover, sheet import)."""
        return cls(
            indicator=indicator,
            kind=line.kind,
            value=line.value,
            unit=line.unit,
            fiscal_year=line.fiscal_year,
            target_text=line.text,
            source=line.source,
            direction=line.direction,
        )

    def as_line(self) -> TargetLine:
        """Return this target as the record ``from_line`` reads (the rollover copies it)."""
        return TargetLine(
            kind=self.kind,
            value=self.value,
            unit=self.unit,
            fiscal_year=self.fiscal_year,
            text=self.target_text,
            source=self.source,
            direction=self.direction,
        )

    def as_figure(self) -> TargetFigure:
        return TargetFigure(
            kind=self.kind,
            value=self.value,
            fiscal_year=self.fiscal_year,
            direction=self.direction or None,
            text=self.target_text,
        )


ERROR_CARRIED_SAME_PERIOD = "引き継ぐ事項は、記載した事項より後の計画期間の事項にしてください。"
ERROR_CARRIED_YEAR = "年度は、記載した事項の計画期間より後の年度にしてください。"
ERROR_CARRIED_YEAR_OUTSIDE = "年度は、引き継ぐ事項の計画期間（{years}）の年度にしてください。"


class CarriedTarget(models.Model):
    """A target an item writes for a year after its period, and the next period's item that carries it.

    第7期 2（1）事項1's 令和２年度 self-evaluation: 「令和3年度以降は、…講師養成研修を実施する。」, carried by
    第8期 7 事項1 (the 講師養成研修, 153人（各年度）). The period comparison pairs the two items by it and
    shows the sentence beside them (issue 21 item 17). ``carried_by`` is empty where no later item is
    known to carry it.
    """

    item = models.ForeignKey(
        Item, verbose_name="記載した事項", on_delete=models.CASCADE, related_name="carried_targets"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=[validate_fiscal_year])
    text = models.CharField("記載（原文）", max_length=500, validators=[validate_multi_line])
    carried_by = models.ForeignKey(
        Item,
        verbose_name="引き継ぐ事項",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carried_from",
        help_text="次の計画期間でこの目標を掲げる事項",
    )

    class Meta:
        verbose_name = "次期に引き継ぐ目標"
        verbose_name_plural = "次期に引き継ぐ目標"
        ordering = ["item", "fiscal_year", "id"]
        constraints = [
            models.UniqueConstraint(fields=["item", "fiscal_year", "text"], name="carried_target_unique_text"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {era_label(self.fiscal_year)}: {self.text}"

    def clean(self) -> None:
        """Refuse a year inside the writing item's period, or a carrier that is not in a later period's year."""
        super().clean()
        if self.item_id is None or self.fiscal_year is None:
            return
        plan = self.item.area.plan
        errors = {}
        if self.fiscal_year <= plan.last_fiscal_year:
            errors["fiscal_year"] = ERROR_CARRIED_YEAR
        if self.carried_by_id is not None:
            later = self.carried_by.area.plan
            if later.ordinal <= plan.ordinal:
                errors["carried_by"] = ERROR_CARRIED_SAME_PERIOD
            elif not later.first_fiscal_year <= self.fiscal_year <= later.last_fiscal_year:
                errors["fiscal_year"] = ERROR_CARRIED_YEAR_OUTSIDE.format(
                    years=era_range_label(later.first_fiscal_year, later.last_fiscal_year)
                )
        if errors:
            raise ValidationError(errors)


class GrantIndicator(models.Model):
    """One national 評価指標 of a fiscal year (保険者機能強化推進交付金 or 介護保険保険者努力支援交付金).

    Data, not code: the set changes every year and an administrator enters or imports it. The two
    grants are kept apart (each has its own numbering and points). ``items`` links the
    prefectural items that support the indicator (set in the admin); the item page shows how the
    municipalities it serves score on them.
    """

    class Grant(models.TextChoices):
        PROMOTION = "promotion", "保険者機能強化推進交付金"
        EFFORT = "effort", "介護保険保険者努力支援交付金"

    grant = models.CharField("交付金", max_length=20, choices=Grant.choices)
    fiscal_year = models.PositiveSmallIntegerField("年度", validators=[validate_fiscal_year])
    number = models.CharField("指標番号", max_length=30, help_text="例: Ⅱ（1）①、3")
    field = models.CharField("分野", max_length=100, help_text="例: 介護予防／日常生活支援")
    text = models.TextField("指標の内容", blank=True)
    max_points = models.DecimalField("配点", max_digits=6, decimal_places=1, validators=NON_NEGATIVE)
    order = models.PositiveSmallIntegerField("表示順", default=0)
    is_sample = models.BooleanField("サンプル（架空の指標）", default=False)
    items = models.ManyToManyField("Item", verbose_name="関連する事項", blank=True, related_name="grant_indicators")

    class Meta:
        verbose_name = "評価指標"
        verbose_name_plural = "評価指標"
        ordering = ["grant", "fiscal_year", "order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["grant", "fiscal_year", "number"], name="grant_indicator_unique_number"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="grant_indicator_max_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_grant_display()} {era_label(self.fiscal_year)} {self.number}"


class GrantScore(models.Model):
    """A municipality's points on one 評価指標 (results per municipality and year; history kept).

    ``is_sample`` marks the made-up demo figures ``make run`` loads: every page and export that
    shows one says 「サンプル（架空の値）」, and an administrator deletes them all in one action.
    """

    indicator = models.ForeignKey(
        GrantIndicator, verbose_name="評価指標", on_delete=models.CASCADE, related_name="scores"
    )
    municipality = models.ForeignKey(
        Municipality, verbose_name="区市町村", on_delete=models.PROTECT, related_name="grant_scores"
    )
    points = models.DecimalField("得点", max_digits=6, decimal_places=1, validators=NON_NEGATIVE)
    is_sample = models.BooleanField("サンプル（架空の値）", default=False)
    source = models.CharField("取込元", max_length=200, blank=True)

    history = HistoricalRecords(verbose_name="評価指標の得点の変更履歴")

    class Meta:
        verbose_name = "評価指標の得点"
        verbose_name_plural = "評価指標の得点"
        ordering = ["indicator", "municipality"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "municipality"], name="grant_score_one_per_municipality"),
            models.CheckConstraint(condition=Q(points__gte=0), name="grant_score_points_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.indicator}: {self.points}"
