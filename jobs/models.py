"""One piece of work a user asked for that runs in the task worker, and the file it produced."""

import uuid

from django.conf import settings
from django.db import models


class Job(models.Model):
    """A request for long work: who asked, what for, how far it got, and where its file is.

    The task backend keeps its own queue; this row is what the status page and the download
    read, so they behave the same whether the task ran in the worker or (in tests) at once.
    """

    class Kind(models.TextChoices):
        SHEET_PDF = "sheet_pdf", "自己評価シート（PDF）"
        SHEET_XLSX = "sheet_xlsx", "自己評価シート（Excel）"
        SUMMARY_XLSX = "summary_xlsx", "集計表（Excel）"
        PLAN_SHEET_IMPORT = "plan_sheet_import", "自己評価シートからの計画の作成"

    class Status(models.TextChoices):
        QUEUED = "queued", "順番待ち"
        RUNNING = "running", "作成中"
        DONE = "done", "完了"
        FAILED = "failed", "失敗"

    # A random UUID: the status and download URLs carry it, so it must not be guessable.
    id = models.UUIDField("ID", primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField("種類", max_length=30, choices=Kind.choices)
    status = models.CharField("状態", max_length=10, choices=Status.choices, default=Status.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="依頼者", on_delete=models.CASCADE, related_name="jobs"
    )
    label = models.CharField("内容", max_length=200)
    params = models.JSONField("条件", default=dict)
    # The kind and parameters hashed: a reload of the same request reuses the job still running.
    params_key = models.CharField("条件の要約", max_length=64)
    file_name = models.CharField("ファイル名", max_length=200, blank=True)
    content_type = models.CharField("形式", max_length=100, blank=True)
    message = models.TextField("メッセージ", blank=True)
    result_url = models.CharField("結果の画面", max_length=300, blank=True)
    created_at = models.DateTimeField("依頼日時", auto_now_add=True)
    started_at = models.DateTimeField("開始日時", null=True, blank=True)
    finished_at = models.DateTimeField("終了日時", null=True, blank=True)
    expires_at = models.DateTimeField("削除予定", null=True, blank=True)

    class Meta:
        verbose_name = "バックグラウンド処理"
        verbose_name_plural = "バックグラウンド処理"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["requested_by", "status"], name="jobs_job_user_status_idx"),
            models.Index(fields=["expires_at"], name="jobs_job_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}
