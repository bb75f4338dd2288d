"""A backup restored into an empty database holds every figure and every audit row."""

import sqlite3
from decimal import Decimal

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.roles import STAFF
from accounts.services import roles_ensure
from evaluations import services
from operations.backups import postgres_url, restore_postgres, restore_sqlite
from programs.models import Item

pytestmark = pytest.mark.django_db(transaction=True)

CHECKS = {
    "figures": "SELECT i.key, r.fiscal_year, r.value FROM evaluations_yearlyresult r "
    "JOIN programs_indicator i ON i.id = r.indicator_id ORDER BY r.id",
    "result history": "SELECT id, fiscal_year, value, history_type, history_user_id, history_change_reason "
    "FROM evaluations_historicalyearlyresult ORDER BY history_id",
    "evaluation history": "SELECT id, fiscal_year, status, version FROM evaluations_historicalselfevaluation "
    "ORDER BY history_id",
    "targets": "SELECT indicator_id, fiscal_year, value, target_text FROM programs_target ORDER BY id",
    "users": "SELECT username FROM auth_user ORDER BY id",
}


def _rows(cursor) -> dict[str, list[tuple]]:
    found = {}
    for name, sql in CHECKS.items():
        cursor.execute(sql)
        found[name] = [
            tuple(str(value) if isinstance(value, Decimal | float) else value for value in row)
            for row in cursor.fetchall()
        ]
    return found


def test_backup_restores_every_figure_and_audit_row_into_an_empty_database(tokyo_data, tmp_path):
    staff = get_user_model().objects.create_user("backup-staff", password="x")
    staff.groups.add(roles_ensure()[STAFF])
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    item.section.members.add(staff)
    trainees = item.indicators.get(key="trainees")
    services.item_entry_save(
        item=item, fiscal_year=2022, user=staff, values={trainees.id: Decimal(150)}, evaluation={"activities": "実施"}
    )
    with connection.cursor() as cursor:
        source = _rows(cursor)
    entered = [row for row in source["figures"] if row[:2] == ("trainees", 2022)]
    assert [Decimal(row[2]) for row in entered] == [Decimal(150)]

    backup = tmp_path / "kaigo_plan.dump"
    call_command("backup_data", output=backup, verbosity=0)
    assert backup.stat().st_size > 0

    if connection.vendor == "postgresql":
        restored_name = f"{connection.settings_dict['NAME']}_restore"
        admin = psycopg2.connect(postgres_url(connection.settings_dict, "postgres"))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
            cursor.execute(f'CREATE DATABASE "{restored_name}"')
        try:
            restore_postgres(source=backup, database=restored_name, settings_dict=connection.settings_dict)
            restored_connection = psycopg2.connect(postgres_url(connection.settings_dict, restored_name))
            with restored_connection.cursor() as cursor:
                restored = _rows(cursor)
            restored_connection.close()
        finally:
            with admin.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
            admin.close()
    else:
        empty = tmp_path / "restored.sqlite3"
        restore_sqlite(source=backup, database_path=empty)
        restored_connection = sqlite3.connect(empty)
        restored = _rows(restored_connection.cursor())
        restored_connection.close()

    assert restored == source
    assert len(restored["figures"]) >= 140
    assert len(restored["result history"]) == len(source["result history"]) > 140
    assert any(row[5] == "入力" for row in restored["result history"])
    assert "backup-staff" in [row[0] for row in restored["users"]]


def test_restore_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="ありません"):
        call_command("restore_data", str(tmp_path / "missing.dump"), yes=True)
