from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from evaluations.imports.plan_yaml import PlanDataError, plan_data_load


class Command(BaseCommand):
    help = "東京都の自己評価シート（fixtures/tokyo/*.yaml）を読み込みます。何度実行しても重複しません。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--directory",
            type=Path,
            default=Path(settings.BASE_DIR) / "fixtures" / "tokyo",
            help="YAML の置き場所（既定: fixtures/tokyo）",
        )

    def handle(self, *args, directory: Path, **options):
        try:
            report = plan_data_load(directory=directory)
        except PlanDataError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"東京都データ: {report.summary()}"))
