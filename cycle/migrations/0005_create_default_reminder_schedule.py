from django.db import migrations


def create_default_schedule(apps, schema_editor):
    """Give every installation, empty or not, reminders 14 and 3 days before, on the day, then weekly."""
    DefaultReminderSchedule = apps.get_model("cycle", "DefaultReminderSchedule")
    DefaultReminderSchedule.objects.get_or_create(
        id=1, defaults={"days_before": "14,3,0", "repeat_after_days": 7, "is_active": True}
    )


class Migration(migrations.Migration):
    dependencies = [("cycle", "0004_default_reminder_schedule_and_outgoing_mail")]

    operations = [migrations.RunPython(create_default_schedule, migrations.RunPython.noop)]
