from django.db import migrations


def create_default_rule(apps, schema_editor):
    StatusRule = apps.get_model("reports", "StatusRule")
    StatusRule.objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("reports", "0001_status_rule_and_api_token")]

    operations = [migrations.RunPython(create_default_rule, migrations.RunPython.noop)]
