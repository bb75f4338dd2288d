"""The yearly reporting cycle: reminders, evidence files (別紙), each item-year's thread and notices."""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.roles import MANAGER, STAFF, SYSTEM_ADMIN
from evaluations.models import ReportingYear
from programs.fiscal_years import era_label
from programs.models import Item, Section

from .file_types import FileKind
from .reminder_steps import MAX_DAYS, parse_days_before, stored_days_before


def _validate_days_before(value: str) -> None:
    try:
        parse_days_before(value)
    except ValueError as error:
        raise ValidationError(str(error)) from None


class ReminderTiming(models.Model):
    """When reminders go out relative to a deadline: the fields a schedule and the default share."""

    days_before = models.CharField(
        "期限前の督促（何日前）",
        max_length=100,
        default="14,3,0",
        validators=[_validate_days_before],
        help_text="カンマ区切りの日数。0 は期限当日。土日・祝日にあたる場合は直前の開庁日に送ります。",
    )
    repeat_after_days = models.PositiveSmallIntegerField(
        "期限後の督促間隔（日）",
        null=True,
        blank=True,
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_DAYS)],
        help_text="期限を過ぎた後、この日数ごとに督促します（7 で毎週）。空欄なら期限後は督促しません。",
    )
    is_active = models.BooleanField("督促する", default=True)

    class Meta:
        abstract = True

    @property
    def days_before_list(self) -> tuple[int, ...]:
        return stored_days_before(self.days_before)

    @property
    def summary(self) -> str:
        """Return the schedule in words: 「期限の14日前・3日前・当日、期限後は7日ごと」 or 「督促しない」."""
        if not self.is_active:
            return "督促しない"
        before = "・".join("当日" if days == 0 else f"{days}日前" for days in self.days_before_list)
        after = f"期限後は{self.repeat_after_days}日ごと" if self.repeat_after_days else "期限後は督促しない"
        return f"期限の{before}、{after}" if before else after


class DefaultReminderSchedule(ReminderTiming):
    """The schedule of every open reporting year with a deadline, in a period in progress,
    that has no schedule of its own (one row, created by migration: reminders work out of the box)."""

    updated_at = models.DateTimeField("更新日時", auto_now=True)

    history = HistoricalRecords(verbose_name="督促予定（既定）の変更履歴")

    class Meta:
        verbose_name = "督促予定（既定）"
        verbose_name_plural = "督促予定（既定）"
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="default_reminder_schedule_single_row"),
        ]

    def __str__(self) -> str:
        return f"督促予定（既定）: {self.summary}"


class ReminderSchedule(ReminderTiming):
    """When the reminders of one reporting year go out, where it differs from the default."""

    reporting_year = models.OneToOneField(
        ReportingYear, verbose_name="報告年度", on_delete=models.CASCADE, related_name="reminder_schedule"
    )

    history = HistoricalRecords(verbose_name="督促予定の変更履歴")

    class Meta:
        verbose_name = "督促予定（報告年度別）"
        verbose_name_plural = "督促予定（報告年度別）"
        ordering = ["reporting_year__plan__ordinal", "reporting_year__fiscal_year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(repeat_after_days__isnull=True) | Q(repeat_after_days__gte=1),
                name="reminder_schedule_repeat_at_least_one_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_year} の督促予定"


class OutgoingMail(models.Model):
    """One mail handed to the task worker: to whom, what, why, and how its sending went.

    Reminders and the workflow's mails (提出・差戻し・承認) are all recorded here, so the
    reminder screen shows every result and a failure is retried from the same row.
    """

    class Kind(models.TextChoices):
        REMINDER = "reminder", "督促"
        SUBMITTED = "submitted", "提出の連絡"
        RETURNED = "returned", "差戻しの連絡"
        APPROVED = "approved", "承認の連絡"

    class Status(models.TextChoices):
        QUEUED = "queued", "送信待ち"
        SENDING = "sending", "送信中"
        SENT = "sent", "送信済み"
        FAILED = "failed", "失敗"

    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="宛先",
        null=True,
        on_delete=models.SET_NULL,
        related_name="mails_received",
    )
    email = models.EmailField("送信先アドレス")
    subject = models.CharField("件名", max_length=200)
    body = models.TextField("本文")
    # Who caused the mail: the administrator who pressed 送信, the user who acted; empty for the timer.
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="送信した人",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reporting_year = models.ForeignKey(
        ReportingYear, verbose_name="報告年度", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item = models.ForeignKey(
        Item, verbose_name="事項", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField("結果", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("送信の試行回数", default=0)
    error = models.TextField("失敗の理由", blank=True)
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    next_attempt_at = models.DateTimeField("再送予定", null=True, blank=True)

    class Meta:
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outgoing_mail_retry")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.email}（{self.get_status_display()}）"


class ReminderSent(models.Model):
    """One reminder mailed to one person for one step of a reporting year (never sent twice)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="宛先", on_delete=models.CASCADE, related_name="reminders_received"
    )
    reporting_year = models.ForeignKey(
        ReportingYear, verbose_name="報告年度", on_delete=models.CASCADE, related_name="reminders_sent"
    )
    step = models.SmallIntegerField("督促の段階（期限からの日数）", help_text="負の数は期限前、0 は期限当日")
    sections = models.ManyToManyField(Section, verbose_name="対象の担当課", blank=True, related_name="reminders_sent")
    email = models.EmailField("送信先アドレス")
    sent_at = models.DateTimeField("送信日時", default=timezone.now)
    mail = models.OneToOneField(
        OutgoingMail,
        verbose_name="送信メール",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reminder",
    )

    class Meta:
        verbose_name = "督促の送信記録"
        verbose_name_plural = "督促の送信記録"
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "reporting_year", "step"], name="reminder_sent_once_per_recipient_and_step"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reporting_year} {self.step:+d}日 → {self.recipient}"


def attachment_path(instance: "Attachment", filename: str) -> str:
    """Return a generated storage name; the user's file name never becomes part of a path."""
    return f"attachments/{instance.item_id}/{instance.fiscal_year}/{uuid.uuid4().hex}.{instance.kind}"


class Attachment(models.Model):
    """An evidence file (別紙) attached to an item's year, with the title the sheet cites."""

    item = models.ForeignKey(Item, verbose_name="事項", on_delete=models.CASCADE, related_name="attachments")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    title = models.CharField("表題", max_length=100, help_text="例: 別紙7-12")
    file = models.FileField("ファイル", upload_to=attachment_path, max_length=200)
    kind = models.CharField("種類", max_length=10, choices=FileKind.choices)
    original_name = models.CharField("元のファイル名", max_length=255)
    size = models.PositiveIntegerField("サイズ（バイト）")
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="登録者", on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField("登録日時", default=timezone.now)

    history = HistoricalRecords(verbose_name="別紙の変更履歴")

    class Meta:
        verbose_name = "別紙（添付ファイル）"
        verbose_name_plural = "別紙（添付ファイル）"
        ordering = ["item", "fiscal_year", "title", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "fiscal_year", "title"], name="attachment_unique_title_in_item_year"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {era_label(self.fiscal_year)} {self.title}"


class Comment(models.Model):
    """One entry in an item-year's thread: a remark, a submission, return or approval with its words,
    or a 別紙 attached or deleted.

    Returns and approvals are written by the workflow listener (``services.workflow_event_record``)
    in the same transaction as the transition, and 別紙 entries by the attachment services in the
    transaction of the change, so the thread is the one timeline to read.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", "コメント"
        SUBMITTED = "submitted", "提出"
        RETURNED = "returned", "差戻し"
        APPROVED = "approved", "承認"
        ATTACHED = "attached", "別紙の登録"
        DETACHED = "detached", "別紙の削除"

    class Role(models.TextChoices):
        STAFF = STAFF, STAFF
        MANAGER = MANAGER, MANAGER
        SYSTEM_ADMIN = SYSTEM_ADMIN, SYSTEM_ADMIN

    BODY_MAX_LENGTH = 2000

    item = models.ForeignKey(Item, verbose_name="事項", on_delete=models.CASCADE, related_name="comments")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    kind = models.CharField("種類", max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    body = models.TextField("本文", blank=True, validators=[MaxLengthValidator(BODY_MAX_LENGTH)])
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="投稿者", on_delete=models.PROTECT, related_name="+"
    )
    # The role the author wrote in, kept as it was then: roles change, the thread should not.
    author_role = models.CharField("立場", max_length=20, choices=Role.choices)
    created_at = models.DateTimeField("日時", default=timezone.now)

    history = HistoricalRecords(verbose_name="やり取りの変更履歴")

    class Meta:
        verbose_name = "やり取り（コメント）"
        verbose_name_plural = "やり取り（コメント）"
        ordering = ["item", "fiscal_year", "created_at", "id"]
        indexes = [models.Index(fields=["item", "fiscal_year", "created_at"], name="comment_item_year_time")]
        constraints = [
            # A remark and a return say something; only submissions and approvals may be wordless.
            models.CheckConstraint(
                condition=~(Q(kind__in=["comment", "returned"]) & Q(body="")),
                name="comment_body_required_for_remarks_and_returns",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} {era_label(self.fiscal_year)} {self.get_kind_display()}"


class Notice(models.Model):
    """An in-app notice (お知らせ) to one user that an item-year was submitted, returned or approved,
    or that one of its 別紙 was attached or deleted."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted", "提出されました"
        RETURNED = "returned", "差し戻されました"
        APPROVED = "approved", "承認されました"
        ATTACHED = "attached", "別紙が登録されました"
        DETACHED = "detached", "別紙が削除されました"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="宛先", on_delete=models.CASCADE, related_name="notices"
    )
    kind = models.CharField("種類", max_length=10, choices=Kind.choices)
    item = models.ForeignKey(Item, verbose_name="事項", on_delete=models.CASCADE, related_name="notices")
    fiscal_year = models.PositiveSmallIntegerField("年度")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作した人",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    comment = models.ForeignKey(
        Comment, verbose_name="コメント", null=True, blank=True, on_delete=models.SET_NULL, related_name="notices"
    )
    created_at = models.DateTimeField("通知日時", default=timezone.now)
    read_at = models.DateTimeField("既読日時", null=True, blank=True)

    class Meta:
        verbose_name = "お知らせ"
        verbose_name_plural = "お知らせ"
        ordering = ["-created_at", "-id"]
        indexes = [
            # The header counts a user's unread notices on every page.
            models.Index(fields=["recipient"], condition=Q(read_at__isnull=True), name="notice_unread_by_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient} ← {self.item} {era_label(self.fiscal_year)} {self.get_kind_display()}"
