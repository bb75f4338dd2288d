import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from operations.backups import BackupError, backup_unpack, restore_media, restore_postgres, restore_sqlite


class Command(BaseCommand):
    help = (
        "backup_data で作成したバックアップから、データベースと登録ファイル（別紙）を復元します。"
        "現在のデータは置き換えられます。アプリを停止してから実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="バックアップファイル")
        parser.add_argument("--yes", action="store_true", help="確認せずに復元する")

    def handle(self, *args, backup: Path, yes: bool, **options):
        if not yes:
            raise CommandError("現在のデータを置き換えます。よろしければ --yes を付けて実行してください。")
        try:
            with tempfile.TemporaryDirectory(prefix="kaigo-restore-") as workdir:
                contents = backup_unpack(source=backup, workdir=Path(workdir))
                if connection.vendor == "postgresql":
                    restore_postgres(
                        source=contents.database,
                        database=connection.settings_dict["NAME"],
                        settings_dict=connection.settings_dict,
                    )
                elif connection.vendor == "sqlite":
                    path = Path(connection.settings_dict["NAME"])
                    connection.close()
                    restore_sqlite(source=contents.database, database_path=path)
                else:
                    raise CommandError(f"{connection.vendor} には対応していません。")
                files = (
                    restore_media(source=contents.media, media_root=Path(settings.MEDIA_ROOT)) if contents.media else 0
                )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{backup} から復元しました（登録ファイル {files} 件）。"))
