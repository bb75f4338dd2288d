from django.contrib import admin

from accounts.admin import WrittenByTheApplication

from .models import Job


@admin.register(Job)
class JobAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """Read-only: jobs are written by the worker; the list shows what ran, for whom, and how it ended."""

    list_display = ["label", "status", "requested_by", "created_at", "finished_at", "expires_at"]
    list_filter = ["status", "kind"]
    readonly_fields = [field.name for field in Job._meta.fields]
