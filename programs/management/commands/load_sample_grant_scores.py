from django.core.management.base import BaseCommand, CommandError

from programs.fiscal_years import fiscal_year_of, today_in_tokyo
from programs.services import grant_samples_create


class Command(BaseCommand):
    help = (
        "デモ用に、架空の評価指標と区市町村ごとの得点を作成します（すべて「サンプル（架空の値）」と表示されます）。"
        "管理画面の「評価指標の得点」の操作で一括削除できます。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--fiscal-year", type=int, help="年度（西暦の開始年。省略時は前年度）")

    def handle(self, *args, fiscal_year=None, **options):
        year = fiscal_year or fiscal_year_of(today_in_tokyo()) - 1
        if not 1989 <= year <= 2100:
            raise CommandError("年度は1989～2100で指定してください。")
        created = grant_samples_create(fiscal_year=year)
        self.stdout.write(self.style.WARNING(f"サンプル（架空の値）の評価指標の得点を {created:,}件 作成しました。"))
