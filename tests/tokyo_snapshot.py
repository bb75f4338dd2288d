"""Tokyo's sheets, loaded once per test process and restored into each test that asks for them.

`load_tokyo_plan` reads a dozen YAML files and writes ~800 rows through the services, history
and triggers included: 1–6 s, and about 370 tests ask for it. The first test that asks really
loads it, and we record what the load changed: every row it added or altered, table by table,
as the database returned it. Every later test whose database looks the same beforehand gets
those rows inserted again, in its own transaction, in a few milliseconds; the triggers fire on
the inserts as on the load, so the progress token changes as it did.

"Looks the same beforehand" is a digest of every row of every table: after migrate that is a few
hundred rows (content types, permissions, the roles, the default status rule). A test that
wrote something before asking for Tokyo (a fixture's section, a database flushed by a
transactional test) has another digest and gets a real load, recorded in turn, so a restore
never lands on a database the loader would have treated differently (it reuses a section of
the same name, for one).

What a restore does not reproduce: side effects outside the database (the load has none: no
files, no mail, no workflow events) and the clock (history rows and timestamps carry the time of
the recorded load, minutes earlier, like data loaded before the test began).
"""

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from django.apps import apps
from django.core.management import call_command
from django.core.management.color import no_style
from django.db import connections, transaction

from evaluations.models import ProgressVersion

# Written by the triggers on every insert, so it tells nothing about the data and must not be
# restored over what the inserts just wrote.
_SKIPPED_TABLES = {ProgressVersion._meta.db_table}


@dataclass(frozen=True)
class TableChange:
    """The rows of one table the load added or altered (altered rows are deleted, then inserted)."""

    table: str
    pk_column: str
    columns: tuple[str, ...]
    deleted_pks: tuple
    inserted_rows: tuple[tuple, ...]


@dataclass
class Snapshots:
    """The recorded loads of this process, by the fingerprint of the database they started from."""

    by_fingerprint: dict[tuple, tuple[TableChange, ...]] = field(default_factory=dict)
    real_loads: int = 0
    restores: int = 0


snapshots = Snapshots()


def tokyo_load(*, using: str = "default", load: Callable[[], None] | None = None) -> None:
    """Give the database Tokyo's data: restore the recorded load, or load and record it."""
    connection = connections[using]
    tables = _tables(connection)
    fingerprint = _fingerprint(connection, tables)
    changes = snapshots.by_fingerprint.get(fingerprint)
    if changes is not None:
        _restore(connection, changes)
        snapshots.restores += 1
        return
    before = _contents(connection, tables)
    (load or _load_tokyo_plan)()
    snapshots.by_fingerprint[fingerprint] = _changes(before, _contents(connection, tables))
    snapshots.real_loads += 1


def _load_tokyo_plan() -> None:
    call_command("load_tokyo_plan", verbosity=0)


# -- Reading the database --------------------------------------------------------------------------

_pk_columns: dict[str, str] = {}


def _tables(connection) -> list[str]:
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    return sorted(set(tables) - _SKIPPED_TABLES)


def _pk_column(connection, table: str) -> str:
    if table not in _pk_columns:
        with connection.cursor() as cursor:
            _pk_columns[table] = connection.introspection.get_primary_key_column(cursor, table)
    return _pk_columns[table]


def _fingerprint(connection, tables: Sequence[str]) -> str:
    """Return a digest of every row of every table (after migrate, a few hundred rows in six tables)."""
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(f"SELECT '{table}', COUNT(*) FROM {qn(table)}" for table in tables))
        filled = sorted(table for table, count in cursor.fetchall() if count)
    contents = _contents(connection, filled)
    digest = hashlib.sha256()
    for table in filled:
        columns, rows = contents[table]
        digest.update(repr((table, columns, sorted(rows.items(), key=repr))).encode())
    return digest.hexdigest()


def _contents(connection, tables: Sequence[str]) -> dict[str, tuple[tuple[str, ...], dict]]:
    """Return every table's columns and its rows by primary key, as the database driver returns them."""
    contents = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            columns = tuple(column[0] for column in cursor.description)
            pk_index = columns.index(_pk_column(connection, table))
            contents[table] = (columns, {row[pk_index]: tuple(row) for row in cursor.fetchall()})
    return contents


def _changes(before: dict, after: dict) -> tuple[TableChange, ...]:
    changes = []
    for table, (columns, rows) in after.items():
        old_columns, old_rows = before[table]
        assert columns == old_columns, f"{table} changed its columns during the load"
        altered = sorted((pk for pk in old_rows if rows.get(pk) != old_rows[pk]), key=str)
        inserted = [row for pk, row in rows.items() if old_rows.get(pk) != row]
        if altered or inserted:
            changes.append(TableChange(table, _pk_columns[table], columns, tuple(altered), tuple(inserted)))
    return tuple(changes)


# -- Writing it back -------------------------------------------------------------------------------


def _restore(connection, changes: Sequence[TableChange]) -> None:
    """Delete the altered rows and insert the recorded ones in one transaction, then move the sequences on.

    Foreign keys are deferred (Django creates them DEFERRABLE INITIALLY DEFERRED on both
    engines), so the tables may be written in any order.
    """
    qn = connection.ops.quote_name
    limit = connection.features.max_query_params or 10_000  # SQLite: 999; PostgreSQL: no limit
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for change in changes:
            table = qn(change.table)
            for chunk in _chunks(change.deleted_pks, limit):
                marks = ", ".join(["%s"] * len(chunk))
                cursor.execute(f"DELETE FROM {table} WHERE {qn(change.pk_column)} IN ({marks})", chunk)
            columns = ", ".join(qn(column) for column in change.columns)
            row_marks = "(" + ", ".join(["%s"] * len(change.columns)) + ")"
            for chunk in _chunks(change.inserted_rows, max(1, limit // len(change.columns))):
                values = ", ".join([row_marks] * len(chunk))
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {values}", [value for row in chunk for value in row]
                )
        # PostgreSQL: rows inserted with their ids leave the sequences behind (SQLite's
        # AUTOINCREMENT follows by itself, and returns no statements here).
        tables = {change.table for change in changes}
        models = [model for model in apps.get_models(include_auto_created=True) if model._meta.db_table in tables]
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


def _chunks(items: Sequence, size: int):
    for start in range(0, len(items), size):
        yield list(items[start : start + size])
