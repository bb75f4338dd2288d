from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from operations.backups import BackupError, restore_postgres, restore_sqlite


class Command(BaseCommand):
    help = (
        "backup_data で作成したバックアップから復元します。現在のデータは置き換えられます。"
        "アプリを停止してから実行してください。"
    )

    def add_arguments(self, parser):
        parser.add_argument("backup", type=Path, help="バックアップファイル")
        parser.add_argument("--yes", action="store_true", help="確認せずに復元する")

    def handle(self, *args, backup: Path, yes: bool, **options):
        if not yes:
            raise CommandError("現在のデータを置き換えます。よろしければ --yes を付けて実行してください。")
        try:
            if connection.vendor == "postgresql":
                restore_postgres(
                    source=backup, database=connection.settings_dict["NAME"], settings_dict=connection.settings_dict
                )
            elif connection.vendor == "sqlite":
                path = Path(connection.settings_dict["NAME"])
                connection.close()
                restore_sqlite(source=backup, database_path=path)
            else:
                raise CommandError(f"{connection.vendor} には対応していません。")
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"{backup} から復元しました。"))
