"""Snapshot the figures of item-years a loader stored as approved without the approval's snapshot.

Until the period writer (issue 22), ``load_tokyo_plan`` and the sheet import wrote 承認済 records
without the ApprovedResult rows the approval service writes, so reopening such an item-year
showed 未入力 instead of the approved figure. While an item-year is approved its results cannot
be edited (policies.can_edit), so the figures stored now are the ones that were approved. An
item-year that already has a snapshot (approved through the service) is left as it is.
"""

from django.db import migrations
from django.db.models import Count


def backfill(apps, schema_editor):
    SelfEvaluation = apps.get_model("evaluations", "SelfEvaluation")
    YearlyResult = apps.get_model("evaluations", "YearlyResult")
    ApprovedResult = apps.get_model("evaluations", "ApprovedResult")
    approved = {
        (item_id, year): at
        for item_id, year, at in SelfEvaluation.objects.filter(status="approved").values_list(
            "item_id", "fiscal_year", "approved_at"
        )
    }
    snapshotted = set(ApprovedResult.objects.values_list("indicator__item_id", "fiscal_year").distinct())
    snapshots = []
    for result in YearlyResult.objects.annotate(named=Count("municipalities")).select_related("indicator"):
        key = (result.indicator.item_id, result.fiscal_year)
        if key in approved and key not in snapshotted:
            snapshots.append(
                ApprovedResult(
                    indicator_id=result.indicator_id,
                    fiscal_year=result.fiscal_year,
                    value=result.value,
                    actual_text=result.actual_text,
                    municipality_count=result.named or result.municipality_count,
                    verdict=result.verdict,
                    verdict_text=result.verdict_text,
                    period_municipality_count=result.period_municipality_count,
                    approved_at=approved[key],
                )
            )
    ApprovedResult.objects.bulk_create(snapshots, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("evaluations", "0006_approved_result"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
