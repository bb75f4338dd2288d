"""Back up and restore the whole database with the tool each engine is meant to use.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` (consistent while the
application runs). SQLite: the online backup API of the sqlite3 module (a consistent copy
even while the application writes), restored by copying the file back.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import urlunsplit

from django.db import connections

ERROR_UNSUPPORTED = "このデータベース（{vendor}）のバックアップには対応していません。"
ERROR_TOOL_MISSING = (
    "{tool} が見つかりません。PostgreSQL のクライアント（postgresql-client）をインストールしてください。"
)
ERROR_NO_FILE = "バックアップファイル {path} がありません。"


class BackupError(RuntimeError):
    pass


def _postgres_environment(settings_dict: dict) -> tuple[list[str], dict[str, str]]:
    """Return pg_* connection arguments and environment for a Django database settings dict."""
    env = {**os.environ}
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = settings_dict["PASSWORD"]
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", settings_dict["HOST"]]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", settings_dict["USER"]]
    return args, env


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
        if candidates:
            return str(candidates[-1])
        raise BackupError(ERROR_TOOL_MISSING.format(tool=name))
    return found


def backup_database(*, destination: Path, alias: str = "default") -> Path:
    """Write a backup of the database to ``destination`` and return its path."""
    connection = connections[alias]
    destination.parent.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        args, env = _postgres_environment(connection.settings_dict)
        subprocess.run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(destination), *args,
             connection.settings_dict["NAME"]],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
        return destination
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(destination)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return destination
    raise BackupError(ERROR_UNSUPPORTED.format(vendor=connection.vendor))


def restore_postgres(*, source: Path, database: str, settings_dict: dict) -> None:
    """Restore a pg_dump archive into ``database`` (which must exist), replacing what is there."""
    if not source.exists():
        raise BackupError(ERROR_NO_FILE.format(path=source))
    args, env = _postgres_environment(settings_dict)
    subprocess.run(
        [_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--exit-on-error", "--dbname", database, *args,
         str(source)],
        check=True, env=env, capture_output=True, text=True,
    )  # fmt: skip


def restore_sqlite(*, source: Path, database_path: Path) -> None:
    """Put a SQLite backup in place of the database file (stop the application first)."""
    if not source.exists():
        raise BackupError(ERROR_NO_FILE.format(path=source))
    backup = sqlite3.connect(source)
    target = sqlite3.connect(database_path)
    try:
        backup.backup(target)
    finally:
        backup.close()
        target.close()


def postgres_url(settings_dict: dict, database: str) -> str:
    user = settings_dict.get("USER") or ""
    host = settings_dict.get("HOST") or ""
    port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
    return urlunsplit(("postgres", f"{user}@{host}{port}", f"/{database}", "", ""))
