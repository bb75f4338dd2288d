"""What happened each fiscal year: results, self-evaluations and the rating scale."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from programs.fiscal_years import era_label
from programs.models import Indicator, Item, Municipality

from .calculations import MOSTLY_ACHIEVED_FROM, STATUS_LABELS, Achievement, ResultFigure, Status, status_of
from .quantity_input import digit_limits

# The version an editor holds while an item-year has no SelfEvaluation yet: a save that
# finds a record already there has not seen it, and is a conflict.
NO_RECORD_VERSION = 0


class RatingScale(models.Model):
    """A grading scale for 評定, kept as data (MHLW's ◎ ○ △ × by default)."""

    name = models.CharField("名称", max_length=100, unique=True)
    is_default = models.BooleanField("既定", default=False)

    class Meta:
        verbose_name = "評定の尺度"
        verbose_name_plural = "評定の尺度"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=Q(is_default=True), name="rating_scale_one_default"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Rating(models.Model):
    scale = models.ForeignKey(RatingScale, verbose_name="尺度", on_delete=models.CASCADE, related_name="ratings")
    symbol = models.CharField("記号", max_length=5)
    label = models.CharField("意味", max_length=100)
    order = models.PositiveSmallIntegerField("表示順", default=0)

    class Meta:
        verbose_name = "評定"
        verbose_name_plural = "評定"
        ordering = ["scale", "order"]
        constraints = [
            models.UniqueConstraint(fields=["scale", "symbol"], name="rating_unique_symbol_in_scale"),
        ]

    def __str__(self) -> str:
        return f"{self.symbol} {self.label}"


class Verdict(models.TextChoices):
    """The officials' verdict on a target judged in words (evaluations.calculations.status_with_verdict)."""

    ACHIEVED = "achieved", "達成"
    NOT_ACHIEVED = "not_achieved", "未達成"


class YearlyResult(models.Model):
    """The actual value of an indicator in one fiscal year (実績)."""

    indicator = models.ForeignKey(Indicator, verbose_name="指標", on_delete=models.CASCADE, related_name="results")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField(
        "実績値",
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    actual_text = models.CharField("実績（原文）", max_length=500, blank=True)
    municipalities = models.ManyToManyField(
        Municipality, verbose_name="実施区市町村", blank=True, related_name="results"
    )
    municipality_count = models.PositiveSmallIntegerField(
        "実施区市町村数", null=True, blank=True, help_text="区市町村名が分からない場合の数"
    )
    # The officials' own judgement, where the sheet states in words whether the target was met
    # (「年1回開催するという目標は達成できている」): the status of a cell without a figure follows it.
    verdict = models.CharField("達成の判断", max_length=20, choices=Verdict.choices, blank=True)
    verdict_text = models.TextField("判断の根拠（原文）", blank=True)
    period_municipality_count = models.PositiveSmallIntegerField(
        "期間累計の実施区市町村数",
        null=True,
        blank=True,
        help_text="計画期間の初年度からこの年度までに実施した区市町村の数（重複なし。例: 【平成30～令和２年度累計】29区市町）",  # noqa: E501
    )

    history = HistoricalRecords(verbose_name="実績の変更履歴", m2m_fields=[municipalities])

    class Meta:
        verbose_name = "実績"
        verbose_name_plural = "実績"
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"], name="yearly_result_one_per_indicator_and_year"
            ),
            models.CheckConstraint(
                condition=Q(value__gte=0) | Q(value__isnull=True), name="yearly_result_value_non_negative"
            ),
        ]

    def __str__(self) -> str:
        shown = self.actual_text or (f"{self.value:,}{self.indicator.unit}" if self.value is not None else "未入力")
        return f"{self.indicator.label} {era_label(self.fiscal_year)}: {shown}"

    @property
    def covered_count(self) -> int | None:
        """Return how many municipalities the result covers: the named ones, else the stated count."""
        named = len(self.municipalities.all())
        return named if named else self.municipality_count

    def as_figure(self) -> ResultFigure:
        """Return the figure the achievement rules read (prefetch ``municipalities`` in lists)."""
        return ResultFigure(fiscal_year=self.fiscal_year, value=self.value, municipality_count=self.covered_count)


# The digits a yearly figure may have (integer, decimal), read from the field: the entry screen,
# its live preview and the Excel import refuse the same figures.
RESULT_LIMITS = digit_limits(YearlyResult, "value")


class ReportingYearQuerySet(models.QuerySet):
    def of(self, *, plan_id: int, fiscal_year: int) -> "ReportingYear | None":
        """Return the reporting year of a plan and a fiscal year, or None: the one look-up every page uses."""
        return self.filter(plan_id=plan_id, fiscal_year=fiscal_year).first()

    def locked_fiscal_years(self, *, plan_id: int) -> set[int]:
        """Return the plan's fiscal years that are 確定 (locked): nothing of theirs may change."""
        return set(self.filter(plan_id=plan_id, is_locked=True).values_list("fiscal_year", flat=True))


class ReportingYear(models.Model):
    """One fiscal year of a plan period as a reporting round: its deadline and whether it is locked."""

    plan = models.ForeignKey(
        "programs.PlanPeriod", verbose_name="計画期間", on_delete=models.CASCADE, related_name="reporting_years"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    deadline = models.DateField("入力期限", null=True, blank=True)
    is_locked = models.BooleanField("確定", default=False)
    locked_at = models.DateTimeField("確定日時", null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="確定者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    objects = ReportingYearQuerySet.as_manager()

    history = HistoricalRecords(verbose_name="報告年度の変更履歴")

    class Meta:
        verbose_name = "報告年度"
        verbose_name_plural = "報告年度"
        ordering = ["plan__ordinal", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "fiscal_year"], name="reporting_year_one_per_plan_and_year"),
        ]

    def __str__(self) -> str:
        return f"{self.plan.name} {era_label(self.fiscal_year)}"


class SelfEvaluation(models.Model):
    """The year's self-assessment of an item and its next steps (自己評価), and its workflow state."""

    class Status(models.TextChoices):
        DRAFT = "draft", "入力中"
        SUBMITTED = "submitted", "提出済"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認済"

    # The one limit on each narrative, read by the entry form and the Excel import alike. Kept a
    # constant rather than TextField.max_length, which no layer below the form would enforce anyway.
    NARRATIVE_FIELDS = ("activities", "self_assessment", "next_steps")
    NARRATIVE_MAX_LENGTH = 4000

    item = models.ForeignKey(Item, verbose_name="事項", on_delete=models.CASCADE, related_name="evaluations")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    activities = models.TextField("取組の実施内容・実績", blank=True)
    self_assessment = models.TextField("自己評価", blank=True)
    next_steps = models.TextField("今後の課題・対応策", blank=True)
    rating = models.ForeignKey(
        Rating, verbose_name="評定", null=True, blank=True, on_delete=models.PROTECT, related_name="evaluations"
    )
    reference = models.CharField("参考資料", max_length=100, blank=True)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Optimistic locking: every write is a conditional UPDATE on the version the editor loaded,
    # which holds on SQLite too (select_for_update is a no-op there).
    version = models.PositiveIntegerField("版", default=1)
    manager_comment = models.TextField("管理職コメント", blank=True)
    submitted_at = models.DateTimeField("提出日時", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提出者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="承認者",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    history = HistoricalRecords(verbose_name="自己評価の変更履歴")

    class Meta:
        verbose_name = "自己評価"
        verbose_name_plural = "自己評価"
        ordering = ["item", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(fields=["item", "fiscal_year"], name="self_evaluation_one_per_item_and_year"),
        ]

    def __str__(self) -> str:
        return f"{self.item} {era_label(self.fiscal_year)}"


SINGLETON_ID = 1


class StatusRule(models.Model):
    """How achievements are graded and named everywhere (a single row an administrator edits).

    達成 starts at ``achieved_from`` (100 %: actual ≥ target) and 概ね達成 at
    ``mostly_achieved_from``. Cumulative targets are graded against the target to date and
    direction-only targets by their trend (``evaluations.calculations``).
    """

    achieved_from = models.DecimalField(
        "「達成」とする達成率の下限（%）",
        max_digits=5,
        decimal_places=1,
        default=Decimal(100),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
        help_text="この値以上を「達成」とします（既定 100.0）。",
    )
    mostly_achieved_from = models.DecimalField(
        "「概ね達成」とする達成率の下限（%）",
        max_digits=5,
        decimal_places=1,
        default=MOSTLY_ACHIEVED_FROM,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="この値以上「達成」の下限未満を「概ね達成」とします（既定 90.0）。",
    )
    label_achieved = models.CharField("「達成」の表示名", max_length=20, default=STATUS_LABELS[Status.ACHIEVED])
    label_mostly_achieved = models.CharField(
        "「概ね達成」の表示名", max_length=20, default=STATUS_LABELS[Status.MOSTLY_ACHIEVED]
    )
    label_not_achieved = models.CharField(
        "「未達成」の表示名", max_length=20, default=STATUS_LABELS[Status.NOT_ACHIEVED]
    )
    label_not_entered = models.CharField("「未入力」の表示名", max_length=20, default=STATUS_LABELS[Status.NOT_ENTERED])
    label_increased = models.CharField("「増加」の表示名", max_length=20, default=STATUS_LABELS[Status.INCREASED])
    label_flat = models.CharField("「横ばい」の表示名", max_length=20, default=STATUS_LABELS[Status.FLAT])
    label_decreased = models.CharField("「減少」の表示名", max_length=20, default=STATUS_LABELS[Status.DECREASED])
    updated_at = models.DateTimeField("更新日時", auto_now=True)

    class Meta:
        db_table = "reports_statusrule"  # created by the reports app before the model moved here
        verbose_name = "達成状況の判定基準"
        verbose_name_plural = "達成状況の判定基準"
        constraints = [
            models.CheckConstraint(condition=Q(id=SINGLETON_ID), name="status_rule_single_row"),
            models.CheckConstraint(
                condition=Q(mostly_achieved_from__gte=0) & Q(mostly_achieved_from__lte=100),
                name="status_rule_mostly_achieved_from_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=Q(mostly_achieved_from__lte=models.F("achieved_from")),
                name="status_rule_mostly_achieved_below_achieved",
            ),
        ]

    def __str__(self) -> str:
        return f"達成 {self.achieved_from}%以上・概ね達成 {self.mostly_achieved_from}%以上"

    @property
    def labels(self) -> dict[str, str]:
        """Return the display name of every status, keyed by its value."""
        return {status.value: getattr(self, f"label_{status.value}") for status in Status}

    def grade(self, achievement: Achievement | None) -> Status:
        """Grade an achievement with this rule's thresholds (``calculations.status_of``)."""
        return status_of(achievement, mostly_from=self.mostly_achieved_from, achieved_from=self.achieved_from)


class ProgressVersion(models.Model):
    """A token the database changes on every write to what the progress read model reads.

    Triggers (migration 0004) replace ``token`` whenever a row of a ``PROGRESS_TABLES`` table is
    inserted, updated or deleted, whatever wrote it (services, admin, imports, bulk loads), in
    the same transaction as the write. ``evaluations.progress`` keys its cache on the token, so a
    cached plan is never shown after a write has committed. Nothing in Python writes this row.
    """

    token = models.CharField("版", max_length=64)

    class Meta:
        verbose_name = "進捗の版"
        verbose_name_plural = "進捗の版"

    def __str__(self) -> str:
        return self.token


class ApprovedResult(models.Model):
    """An indicator-year's figure as it stood when its item-year was last approved (承認時の実績).

    ``self_evaluation_approve`` writes it in the approval's transaction (migration 0006 backfilled
    the records approved before it existed). The read model (``evaluations.progress``) counts it
    while the item-year is back in the workflow (差戻し, or reopened and edited), so managers keep
    seeing the last approved figure, with the newer one labelled beside it. Municipalities are
    kept as the count the achievement rules read (the named ones, else the stated count), and the
    named ones' codes as ``municipality_codes``, so the item page lists the municipalities a manager approved.
    """

    indicator = models.ForeignKey(
        Indicator, verbose_name="指標", on_delete=models.CASCADE, related_name="approved_results"
    )
    fiscal_year = models.PositiveSmallIntegerField("年度")
    value = models.DecimalField("実績値", max_digits=14, decimal_places=2, null=True, blank=True)
    actual_text = models.CharField("実績（原文）", max_length=500, blank=True)
    municipality_count = models.PositiveSmallIntegerField("実施区市町村数", null=True, blank=True)
    verdict = models.CharField("達成の判断", max_length=20, choices=Verdict.choices, blank=True)
    verdict_text = models.TextField("判断の根拠（原文）", blank=True)
    period_municipality_count = models.PositiveSmallIntegerField("期間累計の実施区市町村数", null=True, blank=True)
    # The named municipalities as approved (their codes, sorted; [] where the result named none): a
    # copy, not a relation, so the read model reads it in the same query as the figure. A code
    # keeps its municipality's history (programs.Municipality), so it never points elsewhere.
    municipality_codes = models.JSONField("実施区市町村の団体コード（承認時）", default=list, blank=True)
    approved_at = models.DateTimeField("承認日時", null=True, blank=True)

    class Meta:
        verbose_name = "承認済みの実績"
        verbose_name_plural = "承認済みの実績"
        ordering = ["indicator", "fiscal_year"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "fiscal_year"], name="approved_result_one_per_indicator_and_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.label} {era_label(self.fiscal_year)}（承認済み）"
