from django.apps import AppConfig


class CycleConfig(AppConfig):
    """The yearly reporting cycle: reminders, evidence files (別紙), each item-year's thread and notices."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cycle"
    verbose_name = "報告サイクル（督促・別紙・やり取り）"

    def ready(self):
        # evaluations may not import this app; it publishes each submission, return and approval
        # to the listeners registered here, which write the thread entry and the notices.
        from django.db.models.signals import post_delete

        from evaluations import item_panels, workflow_events

        from .models import Attachment
        from .panels import attachments_panel, thread_panel
        from .services import attachment_file_remove_with_row, workflow_event_record

        workflow_events.subscribe(workflow_event_record)
        # The entry screen and the item page show the item-year's 別紙 and thread.
        item_panels.provide(attachments_panel)
        item_panels.provide(thread_panel)
        # A cascade (an item or a plan deleted in the admin) deletes attachment rows without
        # a service; their files must go with them.
        post_delete.connect(attachment_file_remove_with_row, sender=Attachment, dispatch_uid="attachment_file")
