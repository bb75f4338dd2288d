import datetime
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from operations.backups import BackupError, backup_create


class Command(BaseCommand):
    help = (
        "データベース全体と登録ファイル（MEDIA_ROOT の別紙）を1つのファイルにバックアップします"
        "（PostgreSQL: pg_dump、SQLite: オンラインバックアップ）。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="出力ファイル（既定: var/backups/kaigo_plan-日時.tar）")

    def handle(self, *args, output: Path | None, **options):
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        destination = output or Path(settings.BASE_DIR) / "var" / "backups" / f"kaigo_plan-{stamp}.tar"
        try:
            with tempfile.TemporaryDirectory(prefix="kaigo-backup-") as workdir:
                path = backup_create(
                    destination=destination, media_root=Path(settings.MEDIA_ROOT), workdir=Path(workdir)
                )
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"バックアップを作成しました: {path}（{path.stat().st_size:,} バイト）"))
