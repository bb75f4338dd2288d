"""Report settings kept as data: API tokens for BI tools (the status rule is evaluations.StatusRule)."""

import hashlib

from django.conf import settings
from django.db import models


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
