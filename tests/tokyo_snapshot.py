"""Tokyo's sheets, loaded once per test process and restored into each test that asks for them.

`load_tokyo_plan` reads a dozen YAML files and writes ~800 rows through the services, history
and triggers included: 1–6 s, and about 370 tests ask for it. The first test that asks really
loads it, and we record what the load changed: every row it added or altered, table by table,
as the database returned it. Every later test whose database looks the same to the loader gets
those rows inserted again, in its own transaction, in a few milliseconds; the triggers fire on
the inserts as on the load, so the progress token changes as it did.

"Looks the same to the loader" means: every row of every table the load wrote (and of the tables
its rows point to) is what it was when the load was recorded. Rows elsewhere, such as the user
a fixture logs in before asking for Tokyo, or the roles a transactional test's flush removed,
cannot change what the loader writes. A test that did write to one of those tables first (a
section named like Tokyo's, which the loader then keeps) gets a real load, recorded in turn, so
a restore never lands on a database the loader would have treated differently.

What a restore does not reproduce: side effects outside the database (the load has none: no
files, no mail, no workflow events) and the clock (history rows and timestamps carry the time of
the recorded load, minutes earlier, like data loaded before the test began).
"""

import hashlib
from collections.abc import Callable, Iterable, Sequence
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


@dataclass(frozen=True)
class Recording:
    """One real load: the tables it depends on, their digest beforehand, and what it changed."""

    tables: tuple[str, ...]
    digest: str
    changes: tuple[TableChange, ...]


@dataclass
class Snapshots:
    """The loads recorded in this process, and how often each path was taken (printed at the end)."""

    recordings: list[Recording] = field(default_factory=list)
    real_loads: int = 0
    restores: int = 0


snapshots = Snapshots()


def tokyo_load(*, using: str = "default", load: Callable[[], None] | None = None) -> None:
    """Give the database Tokyo's data: restore a recorded load, or load for real and record it."""
    connection = connections[using]
    digests: dict[tuple[str, ...], str] = {}
    for recording in snapshots.recordings:
        if recording.tables not in digests:
            digests[recording.tables] = _digest(_contents(connection, recording.tables))
        if digests[recording.tables] == recording.digest:
            _restore(connection, recording.changes)
            snapshots.restores += 1
            return
    tables = _tables(connection)
    before = _contents(connection, tables)
    (load or _load_tokyo_plan)()
    changes = _changes(before, _contents(connection, tables))
    snapshots.real_loads += 1
    # A load that found part of Tokyo wrote only the rest: it depends on the tables the earlier
    # recordings wrote too. A first load that wrote nothing tells nothing to depend on.
    depends_on = tuple(sorted(_tables_read(changes).union(*(r.tables for r in snapshots.recordings))))
    if depends_on:
        digest = _digest({table: before[table] for table in depends_on})
        snapshots.recordings.append(Recording(depends_on, digest, changes))


def _load_tokyo_plan() -> None:
    call_command("load_tokyo_plan", verbosity=0)


def _tables_read(changes: Iterable[TableChange]) -> set[str]:
    """Return the tables written, and those their rows point to through a foreign key that is set."""
    models = {model._meta.db_table: model for model in apps.get_models(include_auto_created=True)}
    tables = set()
    for change in changes:
        tables.add(change.table)
        for model_field in models[change.table]._meta.concrete_fields:
            if model_field.many_to_one or model_field.one_to_one:
                index = change.columns.index(model_field.column)
                if any(row[index] is not None for row in change.inserted_rows):
                    tables.add(model_field.related_model._meta.db_table)
    return tables


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


def _digest(contents: dict[str, tuple[tuple[str, ...], dict]]) -> str:
    """Return a digest of the tables' rows; an empty table counts as absent."""
    digest = hashlib.sha256()
    for table in sorted(contents):
        columns, rows = contents[table]
        if rows:
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
