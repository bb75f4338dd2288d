import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_database


class Command(BaseCommand):
    help = "データベース全体をバックアップします（PostgreSQL: pg_dump、SQLite: オンラインバックアップ）。"

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="出力ファイル（既定: var/backups/kaigo_plan-日時.dump）")

    def handle(self, *args, output: Path | None, **options):
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = output or Path(settings.BASE_DIR) / "var" / "backups" / f"kaigo_plan-{stamp}.dump"
        try:
            path = backup_database(destination=destination)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"バックアップを作成しました: {path}（{path.stat().st_size:,} バイト）"))
