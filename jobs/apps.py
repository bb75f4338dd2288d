from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Work that outlives a request (PDF, large workbooks, the sheet import): its state, its file, its sweep."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "jobs"
    verbose_name = "バックグラウンド処理"
