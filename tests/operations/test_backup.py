"""A backup restored into an empty database holds every figure and every audit row."""

import sqlite3
from decimal import Decimal

import psycopg2
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts.roles import STAFF
from accounts.services import roles_ensure
from cycle.services import attachment_upload
from evaluations import services
from operations.backups import (
    BackupError,
    backup_unpack,
    postgres_url,
    restore_media,
    restore_postgres,
    restore_sqlite,
)
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
    "attachments": "SELECT title, file, sha256 FROM cycle_attachment ORDER BY id",
    "attachment history": "SELECT id, title, history_type FROM cycle_historicalattachment ORDER BY history_id",
}
EVIDENCE = b"%PDF-1.4\n% evidence for 7-12\n%%EOF\n"


def _rows(cursor) -> dict[str, list[tuple]]:
    found = {}
    for name, sql in CHECKS.items():
        cursor.execute(sql)
        found[name] = [
            tuple(str(value) if isinstance(value, Decimal | float) else value for value in row)
            for row in cursor.fetchall()
        ]
    return found


def test_backup_restores_every_figure_and_audit_row_into_an_empty_database(tokyo_data, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    staff = get_user_model().objects.create_user("backup-staff", password="x")
    staff.groups.add(roles_ensure()[STAFF])
    item = Item.objects.get(area__plan__name="第8期", area__number=7, number=1)
    item.section.members.add(staff)
    trainees = item.indicators.get(key="trainees")
    services.item_entry_save(
        item=item, fiscal_year=2022, user=staff, values={trainees.id: Decimal(150)}, evaluation={"activities": "実施"}
    )
    evidence = attachment_upload(
        item=item, fiscal_year=2022, title="別紙7-12", upload=SimpleUploadedFile("別紙.pdf", EVIDENCE), by=staff
    )
    with connection.cursor() as cursor:
        source = _rows(cursor)
    entered = [row for row in source["figures"] if row[:2] == ("trainees", 2022)]
    assert [Decimal(row[2]) for row in entered] == [Decimal(150)]

    backup = tmp_path / "kaigo_plan.tar"
    call_command("backup_data", output=backup, verbosity=0)
    assert backup.stat().st_size > 0
    contents = backup_unpack(source=backup, workdir=tmp_path / "unpacked")

    if connection.vendor == "postgresql":
        restored_name = f"{connection.settings_dict['NAME']}_restore"
        admin = psycopg2.connect(postgres_url(connection.settings_dict, "postgres"))
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{restored_name}"')
            cursor.execute(f'CREATE DATABASE "{restored_name}"')
        try:
            restore_postgres(source=contents.database, database=restored_name, settings_dict=connection.settings_dict)
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
        restore_sqlite(source=contents.database, database_path=empty)
        restored_connection = sqlite3.connect(empty)
        restored = _rows(restored_connection.cursor())
        restored_connection.close()

    assert restored == source
    assert len(restored["figures"]) >= 140
    assert len(restored["result history"]) == len(source["result history"]) > 140
    assert any(row[5] == "入力" for row in restored["result history"])
    assert "backup-staff" in [row[0] for row in restored["users"]]
    assert restored["attachments"] == [("別紙7-12", evidence.file.name, evidence.sha256)]

    # The evidence file itself comes back into an empty MEDIA_ROOT, byte for byte.
    restored_media = tmp_path / "restored-media"
    assert restore_media(source=contents.media, media_root=restored_media) == 1
    assert (restored_media / evidence.file.name).read_bytes() == EVIDENCE


def test_a_database_only_backup_from_before_files_were_included_is_still_restorable(tmp_path, db):
    bare = tmp_path / "old.dump"
    sqlite3.connect(bare).execute("CREATE TABLE t (x)").connection.commit()
    contents = backup_unpack(source=bare, workdir=tmp_path)
    assert (contents.database, contents.media) == (bare, None)


def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, db):
    junk = tmp_path / "junk.tar"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(BackupError, match="バックアップではありません"):
        backup_unpack(source=junk, workdir=tmp_path)


def test_restore_refuses_a_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="ありません"):
        call_command("restore_data", str(tmp_path / "missing.dump"), yes=True)
