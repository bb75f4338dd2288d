from django.apps import AppConfig


class EvaluationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "evaluations"
    verbose_name = "実績・自己評価"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_progress_triggers_install, sender=self)


def _progress_triggers_install(sender, using, **kwargs):
    """Reinstall the read model's version triggers: a migration that rebuilds a table drops them."""
    from django.db import connections

    from .progress import progress_triggers_install

    progress_triggers_install(using_connection=connections[using])
