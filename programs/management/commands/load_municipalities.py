from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programs.imports.municipality_csv import municipality_rows
from programs.services import municipalities_load


class Command(BaseCommand):
    help = (
        "区市町村の一覧を CSV から読み込みます（団体コードで追加・更新。削除はしません）。"
        "書式は README の「区市町村（参照データ）」を参照。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV ファイル（UTF-8 または CP932）")
        parser.add_argument(
            "--end-others-on",
            metavar="YYYY-MM-DD",
            help="ファイルにない現存の区市町村に、この日を廃止日として設定します（別の都道府県の一覧に置き換えるとき）",
        )

    def handle(self, *args, path, end_others_on=None, **options):
        try:
            data = Path(path).read_bytes()
            ended = date.fromisoformat(end_others_on) if end_others_on else None
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        rows, problems = municipality_rows(data)
        if problems:
            raise CommandError("読み込みませんでした:\n" + "\n".join(problems[:50]))
        try:
            counts = municipalities_load(rows=rows, end_others_on=ended)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"区市町村 {len(rows)}件: 追加 {counts['created']}、更新 {counts['updated']}、"
            f"廃止日を設定 {counts['ended']}"
        )
