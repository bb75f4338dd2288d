from django.apps import AppConfig


class CycleConfig(AppConfig):
    """The yearly reporting cycle: deadline reminders and evidence files (別紙)."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cycle"
    verbose_name = "報告サイクル（督促・別紙）"
