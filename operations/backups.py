"""Back up and restore the whole database, and the uploaded files, with the tools meant for them.

PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean`` (consistent while the
application runs). SQLite: the online backup API of the sqlite3 module (a consistent copy
even while the application writes), restored by copying the file back.

A backup is one tar archive holding ``database.dump`` and ``media/`` (every file under
MEDIA_ROOT: the evidence files the database points to), so the two cannot be separated.
Restore puts the files back over MEDIA_ROOT; a file uploaded after the backup stays on disk
but no row points to it, so it is never served. A backup made before files were included
(a bare pg_dump archive or SQLite file) is still restored, database only.
"""

import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlunsplit

from django.db import connections

ERROR_UNSUPPORTED = "このデータベース（{vendor}）のバックアップには対応していません。"
ERROR_TOOL_MISSING = (
    "{tool} が見つかりません。PostgreSQL のクライアント（postgresql-client）をインストールしてください。"
)
ERROR_NO_FILE = "バックアップファイル {path} がありません。"
ERROR_NOT_A_BACKUP = "{path} は backup_data で作成したバックアップではありません。"

DATABASE_MEMBER = "database.dump"
MEDIA_MEMBER = "media"
_BARE_DATABASE_HEADERS = (b"PGDMP", b"SQLite format 3\x00")


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


PRIVATE_FILE_MODE = 0o600
PRIVATE_FOLDER_MODE = 0o700


def _private_folder(folder: Path) -> None:
    """Create ``folder`` (and missing parents) readable by the owner alone; leave existing ones as they are.

    An operator's folder (``--output /srv/backups/x.tar``) keeps its mode; a folder this creates
    holds every figure and evidence file, so no other account on the server may list it.
    """
    missing = [folder, *folder.parents]
    missing = [path for path in missing if not path.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for path in missing:
        path.chmod(PRIVATE_FOLDER_MODE)


def backup_create(*, destination: Path, media_root: Path, workdir: Path, alias: str = "default") -> Path:
    """Write one archive with the database dump and every file under ``media_root``, readable by the owner alone."""
    dump = backup_database(destination=workdir / DATABASE_MEMBER, alias=alias)
    _private_folder(destination.parent)
    # Created 0600 before a byte is written: a umask of 022 would leave it world-readable meanwhile.
    descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE_MODE)
    os.fchmod(descriptor, PRIVATE_FILE_MODE)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(descriptor, "wb") as stream, tarfile.open(fileobj=stream, mode="w") as archive:
        archive.add(dump, arcname=DATABASE_MEMBER)
        if media_root.is_dir():
            archive.add(media_root, arcname=MEDIA_MEMBER)
    return destination


@dataclass(frozen=True)
class BackupContents:
    database: Path
    media: Path | None  # None for a backup made before files were included


def backup_unpack(*, source: Path, workdir: Path) -> BackupContents:
    """Unpack a backup into ``workdir`` (only plain files and folders inside it are extracted)."""
    if not source.exists():
        raise BackupError(ERROR_NO_FILE.format(path=source))
    with source.open("rb") as stream:
        head = stream.read(16)
    if head.startswith(_BARE_DATABASE_HEADERS):
        return BackupContents(database=source, media=None)
    if not tarfile.is_tarfile(source):
        raise BackupError(ERROR_NOT_A_BACKUP.format(path=source))
    with tarfile.open(source) as archive:
        # The "data" filter refuses absolute paths, "..", links out of workdir and device files.
        archive.extractall(workdir, filter="data")
    database = workdir / DATABASE_MEMBER
    if not database.is_file():
        raise BackupError(ERROR_NOT_A_BACKUP.format(path=source))
    media = workdir / MEDIA_MEMBER
    return BackupContents(database=database, media=media if media.is_dir() else None)


def restore_media(*, source: Path, media_root: Path) -> int:
    """Copy the backup's files into ``media_root`` (replacing same-named files); return how many."""
    media_root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(source, media_root, dirs_exist_ok=True)
    # Restored files are as private as uploaded ones (FILE_UPLOAD_PERMISSIONS), whatever the archive says.
    restored = 0
    for path in source.rglob("*"):
        target = media_root / path.relative_to(source)
        target.chmod(PRIVATE_FILE_MODE if path.is_file() else PRIVATE_FOLDER_MODE)
        restored += path.is_file()
    return restored
