from django.apps import AppConfig


class CycleConfig(AppConfig):
    """The yearly reporting cycle: reminders, evidence files (別紙), each item-year's thread and notices."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "cycle"
    verbose_name = "報告サイクル（督促・別紙・やり取り）"

    def ready(self):
        # evaluations may not import this app; it publishes each submission, return and approval
        # to the listeners registered here, which write the thread entry and the notices.
        from evaluations import workflow_events

        from .services import workflow_event_record

        workflow_events.subscribe(workflow_event_record)
