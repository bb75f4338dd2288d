"""The roles (Django groups) in the admin, with the permission list in Japanese.

Django stores permission names as English sentences (「Can add log entry」) when it creates
them; the list an administrator ticks reads 「管理画面 | ログエントリー | 追加」 instead, from the
app's and the model's Japanese names.
"""

from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group, Permission

ACTIONS = {"add": "追加", "change": "変更", "delete": "削除", "view": "閲覧"}


class WrittenByTheApplication:
    """Mix into a ModelAdmin of records the application writes (jobs, mails, logs, snapshots): listed, never
    added or edited by hand, since a hand-made row would skip the service that writes it."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def permission_label(permission: Permission) -> str:
    """Return 「報告サイクル（督促・別紙・やり取り） | 督促予定（既定） | 変更」 for a permission (no query
    beyond its content type, which the admin selects with it)."""
    content_type = permission.content_type
    model = content_type.model_class()
    model_name = str(model._meta.verbose_name) if model else content_type.model
    try:
        app_name = str(apps.get_app_config(content_type.app_label).verbose_name)
    except LookupError:  # a permission left by an app no longer installed
        app_name = content_type.app_label
    action, _, rest = permission.codename.partition("_")
    if action in ACTIONS and model is not None and rest == model._meta.model_name:
        what = ACTIONS[action]
    else:
        what = permission.name  # a custom permission: its own (Japanese) name
    return f"{app_name} | {model_name} | {what}"


class JapanesePermissionsField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin):
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        if db_field.name == "permissions":
            kwargs["form_class"] = JapanesePermissionsField
        return super().formfield_for_manytomany(db_field, request, **kwargs)
