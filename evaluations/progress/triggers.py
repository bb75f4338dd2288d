"""The database triggers that change ``ProgressVersion.token`` on every write to a table the read model reads."""

from collections.abc import Iterable

from django.db import connection

from programs.models import Indicator, Item, Municipality, PlanPeriod, PolicyArea, Program, Section, Target, Vision

from ..models import SINGLETON_ID, ApprovedResult, ProgressVersion, Rating, SelfEvaluation, StatusRule, YearlyResult

# Every table ``compute`` reads. A write to any of them changes ProgressVersion.token (the
# triggers below); tests/evaluations/test_progress.py checks that the list covers every table
# the queries touch, so a new field read from a new table cannot be served stale.
PROGRESS_MODELS = (PlanPeriod, PolicyArea, Vision, Item, Section, Program, Indicator, Target, Municipality)
PROGRESS_MODELS += (YearlyResult, ApprovedResult, SelfEvaluation, Rating, StatusRule)


def progress_tables() -> list[str]:
    """Return the database tables the read model reads, many-to-many tables included."""
    tables = [model._meta.db_table for model in PROGRESS_MODELS]
    tables += [Item.programs.through._meta.db_table, YearlyResult.municipalities.through._meta.db_table]
    return tables


_BUMP_FUNCTION = "evaluations_progress_bump"


def progress_triggers_install(*, using_connection=None, tables: Iterable[str] | None = None) -> None:
    """(Re)create the triggers that change ProgressVersion.token on every write to the read tables.

    Run by migration 0004 and again after every migrate (evaluations.apps), because a
    migration that rebuilds a table on SQLite drops its triggers.
    """
    conn = using_connection or connection
    version_table = ProgressVersion._meta.db_table
    existing = set(conn.introspection.table_names())
    if version_table not in existing:
        return
    tables = [table for table in (tables or progress_tables()) if table in existing]
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                f"""
                CREATE OR REPLACE FUNCTION {_BUMP_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    INSERT INTO {version_table} (id, token)
                    VALUES ({SINGLETON_ID}, md5(random()::text || clock_timestamp()::text))
                    ON CONFLICT (id) DO UPDATE SET token = EXCLUDED.token;
                    RETURN NULL;
                END $$;
                """
            )
        for table in tables:
            for name, sql in _trigger_statements(conn.vendor, table, version_table):
                cursor.execute(_drop_trigger(conn.vendor, name, table))
                cursor.execute(sql)


def progress_triggers_remove(*, using_connection=None, tables: Iterable[str] | None = None) -> None:
    """Drop the triggers (before the version table goes, when migrating backwards).

    The tables a migration names and those of today's list both: after every migrate the
    triggers are installed for today's list (programs_municipality since issue 23), and one
    left behind keeps PostgreSQL from dropping the function.
    """
    conn = using_connection or connection
    existing = set(conn.introspection.table_names())
    with conn.cursor() as cursor:
        for table in dict.fromkeys([*(tables or ()), *progress_tables()]):
            if table in existing:
                for name, _sql in _trigger_statements(conn.vendor, table, ProgressVersion._meta.db_table):
                    cursor.execute(_drop_trigger(conn.vendor, name, table))
        if conn.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_BUMP_FUNCTION}()")


def _drop_trigger(vendor: str, name: str, table: str) -> str:
    return (
        f'DROP TRIGGER IF EXISTS "{name}" ON "{table}"'
        if vendor == "postgresql"
        else f'DROP TRIGGER IF EXISTS "{name}"'
    )


def _trigger_statements(vendor: str, table: str, version_table: str) -> list[tuple[str, str]]:
    if vendor == "postgresql":
        name = f"{table}_progress_version"
        return [
            (
                name,
                f'CREATE TRIGGER "{name}" AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON "{table}"'
                f" FOR EACH STATEMENT EXECUTE FUNCTION {_BUMP_FUNCTION}()",
            )
        ]
    if vendor == "sqlite":
        return [
            (
                f"{table}_progress_version_{event.lower()}",
                f'CREATE TRIGGER "{table}_progress_version_{event.lower()}" AFTER {event} ON "{table}" BEGIN'
                f" INSERT OR REPLACE INTO {version_table} (id, token)"
                f" VALUES ({SINGLETON_ID}, hex(randomblob(16))); END",
            )
            for event in ("INSERT", "UPDATE", "DELETE")
        ]
    return []  # other databases: no triggers, so no token, so nothing is cached (see plans_progress)
