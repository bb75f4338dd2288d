from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_achieved_threshold"),
        ("evaluations", "0003_status_rule"),
    ]

    operations = [
        # evaluations.0003 adopted the model and its table; forget it here without dropping the table.
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[migrations.DeleteModel(name="StatusRule")],
        ),
    ]
