"""Report settings kept as data: the status thresholds and labels, and API tokens for BI tools."""

import hashlib
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from evaluations.calculations import MOSTLY_ACHIEVED_FROM, STATUS_LABELS, Status, status_of

SINGLETON_ID = 1


class StatusRule(models.Model):
    """How achievements are graded and named on every report (a single row an administrator edits).

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

    def grader(self):
        """Return the grading function ``plan_progress(grade=...)`` expects, with this rule's threshold."""
        return partial(status_of, mostly_from=self.mostly_achieved_from, achieved_from=self.achieved_from)


class ApiToken(models.Model):
    """A key a BI tool sends as ``Authorization: Token <key>``; only its SHA-256 digest is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="利用者", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("用途", max_length=100, help_text="例: BIツール（企画課）")
    key_digest = models.CharField("キーのSHA-256", max_length=64, unique=True, editable=False)
    prefix = models.CharField("キーの先頭", max_length=8, editable=False)
    is_active = models.BooleanField("有効", default=True)
    created_at = models.DateTimeField("発行日時", auto_now_add=True)

    class Meta:
        verbose_name = "APIトークン"
        verbose_name_plural = "APIトークン"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    @staticmethod
    def digest(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()
