"""Tokyo's 62 municipalities as reference data: every installation has them after migrate.

Read from programs/data/tokyo_municipalities.csv, the format ``load_municipalities`` reads
(README). Rows already there (by code) get the file's name, kind, region and tile; nothing is
deleted, so coverage marks stay where they are.
"""

import csv
from pathlib import Path

from django.db import migrations

KINDS = {"特別区": "ward", "市": "city", "町": "town", "村": "village"}
SOURCE = Path(__file__).resolve().parent.parent / "data" / "tokyo_municipalities.csv"


def load_tokyo(apps, schema_editor):
    Municipality = apps.get_model("programs", "Municipality")
    with SOURCE.open(encoding="utf-8", newline="") as file:
        for row in csv.DictReader(file):
            Municipality.objects.update_or_create(
                code=row["code"],
                defaults={
                    "name": row["name"],
                    "kind": KINDS[row["kind"]],
                    "region": row["region"],
                    "tile_row": int(row["tile_row"]),
                    "tile_column": int(row["tile_column"]),
                },
            )


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0013_municipality_six_digit_codes_regions_history"),
    ]

    operations = [
        migrations.RunPython(load_tokyo, migrations.RunPython.noop),
    ]
