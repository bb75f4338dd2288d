"""Install the sheet layouts that ship with the application (programs.shipped_layouts, issue 19 item 1)."""

from django.db import migrations

from programs.shipped_layouts import shipped_layouts_install


def install(apps, schema_editor):
    shipped_layouts_install(apps)


class Migration(migrations.Migration):
    dependencies = [("programs", "0009_sheet_layout_area_year_headings")]

    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
