from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_roles(sender, using="default", **kwargs):
    from django.apps import apps as installed_apps
    from django.contrib.auth.management import create_permissions

    from .services import roles_ensure

    # post_migrate reaches this app before the apps listed after it have their permissions.
    for app_config in installed_apps.get_app_configs():
        create_permissions(app_config, verbosity=0, using=using)
    roles_ensure()


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "アカウント・権限"

    def ready(self):
        # Permissions exist only after migrate; the role groups are kept in step right after it,
        # so a new installation has 担当者 / 管理職 / システム管理者 without a manual step.
        post_migrate.connect(_ensure_roles, sender=self)
