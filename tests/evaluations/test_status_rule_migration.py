"""Moving StatusRule from reports to evaluations keeps the table, the administrator's row and its permissions."""

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("reports", "0003_achieved_threshold"), ("evaluations", "0002_workflow")]
AFTER = [("reports", "0004_status_rule_moved_to_evaluations"), ("evaluations", "0003_status_rule")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_rule_row_and_its_permission_survive_the_move():
    old_apps = _migrate(BEFORE)
    OldRule = old_apps.get_model("reports", "StatusRule")
    OldRule.objects.update_or_create(id=1, defaults={"achieved_from": Decimal("94.0"), "label_flat": "変化なし"})
    old_type, _ = ContentType.objects.get_or_create(app_label="reports", model="statusrule")
    ContentType.objects.filter(app_label="evaluations", model="statusrule").delete()
    permission, _ = Permission.objects.get_or_create(
        content_type=old_type, codename="change_statusrule", defaults={"name": "Can change"}
    )
    try:
        new_apps = _migrate(AFTER)
        rule = new_apps.get_model("evaluations", "StatusRule").objects.get(id=1)
        assert (rule.achieved_from, rule.label_flat) == (Decimal("94.0"), "変化なし")
        assert new_apps.get_model("evaluations", "StatusRule")._meta.db_table == "reports_statusrule"
        assert Permission.objects.get(id=permission.id).content_type.app_label == "evaluations"
        # Back again: the state returns to reports with the row untouched.
        back_apps = _migrate(BEFORE)
        assert back_apps.get_model("reports", "StatusRule").objects.get(id=1).achieved_from == Decimal("94.0")
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
