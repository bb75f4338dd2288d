from django.contrib import admin
from django.db import transaction
from simple_history.admin import SimpleHistoryAdmin

from accounts.admin import WrittenByTheApplication

from . import services
from .models import (
    Attachment,
    Comment,
    DefaultReminderSchedule,
    Notice,
    OutgoingMail,
    ReminderSchedule,
    ReminderSent,
)


@admin.register(DefaultReminderSchedule)
class DefaultReminderScheduleAdmin(SimpleHistoryAdmin):
    """The one default schedule (created by migration); the 督促メール screen edits it too."""

    list_display = ["__str__", "days_before", "repeat_after_days", "is_active", "updated_at"]

    def has_add_permission(self, request):
        return not DefaultReminderSchedule.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.id = 1
        super().save_model(request, obj, form, change)


@admin.register(OutgoingMail)
class OutgoingMailAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """Every mail handed to the worker and how it went: read-only (再送 is on the 督促メール screen)."""

    list_display = ["created_at", "kind", "email", "subject", "status", "attempts", "sent_at"]
    list_filter = ["kind", "status"]
    list_select_related = ["recipient"]
    search_fields = ["email", "subject"]
    date_hierarchy = "created_at"


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(SimpleHistoryAdmin):
    list_display = ["reporting_year", "reporting_year__deadline", "days_before", "repeat_after_days", "is_active"]
    list_filter = ["is_active", "reporting_year__plan"]
    list_select_related = ["reporting_year__plan"]


@admin.register(ReminderSent)
class ReminderSentAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """A log of what was mailed: read-only, since it is what stops a second mail for a step."""

    list_display = ["sent_at", "reporting_year", "step", "recipient", "email"]
    list_filter = ["reporting_year"]
    list_select_related = ["reporting_year__plan", "recipient"]
    date_hierarchy = "sent_at"


@admin.register(Attachment)
class AttachmentAdmin(WrittenByTheApplication, SimpleHistoryAdmin):
    """Listed for administrators; files are added and removed on the item's 別紙 page, where they are checked.

    Deleting goes through ``services.attachment_delete`` like the page's button: an approved or
    locked year's files stay (the admin answers 403 with the reason), and each deletion is in
    the history and the thread, and its file leaves the disk once the deletion commits.
    """

    list_display = ["title", "item", "fiscal_year", "kind", "size", "uploaded_by", "uploaded_at"]
    list_filter = ["kind", "fiscal_year"]
    list_select_related = ["item__area__plan", "uploaded_by"]
    search_fields = ["title", "original_name"]

    @transaction.atomic
    def delete_model(self, request, obj):
        services.attachment_delete(attachment=obj, by=request.user)

    @transaction.atomic
    def delete_queryset(self, request, queryset):
        for attachment in queryset.select_related("item__area__plan"):
            services.attachment_delete(attachment=attachment, by=request.user)


@admin.register(Comment)
class CommentAdmin(WrittenByTheApplication, SimpleHistoryAdmin):
    """The threads, for administrators to look through; remarks are written on the item's screens."""

    list_display = ["created_at", "item", "fiscal_year", "kind", "author", "author_role"]
    list_filter = ["kind", "author_role", "fiscal_year"]
    list_select_related = ["item__area__plan", "author"]
    search_fields = ["body"]
    date_hierarchy = "created_at"


@admin.register(Notice)
class NoticeAdmin(WrittenByTheApplication, admin.ModelAdmin):
    """Who was told what; written by the workflow, read by its recipient."""

    list_display = ["created_at", "recipient", "kind", "item", "fiscal_year", "read_at"]
    list_filter = ["kind", "fiscal_year"]
    list_select_related = ["item__area__plan", "recipient"]
