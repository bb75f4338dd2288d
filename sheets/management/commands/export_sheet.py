from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.progress import plan_progress
from programs.models import PlanPeriod, PolicyArea
from sheets.exports.self_evaluation import self_evaluation_workbook, sheet_data


class Command(BaseCommand):
    help = "自己評価シート（.xlsx）を出力します。例: export_sheet --plan 第8期 --area 7 --output sheet.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="計画期間の名称（例: 第8期）")
        parser.add_argument(
            "--area", type=int, help="取組分野の番号（例: 7）。小分野があれば全て含めます。省略時は全分野"
        )
        parser.add_argument("--output", required=True, type=Path, help="出力するファイル（.xlsx）")

    def handle(self, *args, plan: str, area: int | None, output: Path, **options):
        plan_period = PlanPeriod.objects.filter(name=plan).first()
        if plan_period is None:
            raise CommandError(f"計画期間「{plan}」が見つかりません。")
        area_ids = None
        if area is not None:
            area_ids = list(PolicyArea.objects.filter(plan=plan_period, number=area).values_list("id", flat=True))
            if not area_ids:
                raise CommandError(f"{plan}に取組分野 {area} がありません。")
        if output.suffix.lower() != ".xlsx":
            raise CommandError("出力ファイルの拡張子は .xlsx にしてください。")
        workbook = self_evaluation_workbook(sheet_data(plan_progress(plan=plan_period, area_ids=area_ids)))
        workbook.save(output)
        self.stdout.write(self.style.SUCCESS(f"自己評価シートを出力しました: {output}"))
