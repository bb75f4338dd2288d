from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.progress import plans_progress
from programs.models import PlanPeriod
from programs.selectors import programmes_of_plans
from sheets.exports.summary import summary_sheet, summary_workbook


class Command(BaseCommand):
    help = "集計表（.xlsx、計画期間ごとに1シートとグラフ）を出力します。例: export_summary --plan 第8期 --output a.xlsx"

    def add_arguments(self, parser):
        parser.add_argument("--plan", help="計画期間の名称（例: 第8期）。省略時は全ての計画期間")
        parser.add_argument("--item", type=int, action="append", help="グラフに載せる事項の ID（複数指定可）")
        parser.add_argument("--output", required=True, type=Path, help="出力するファイル（.xlsx）")

    def handle(self, *args, plan: str | None, item: list[int] | None, output: Path, **options):
        plans = list(PlanPeriod.objects.filter(name=plan) if plan else PlanPeriod.objects.all())
        if not plans:
            raise CommandError(f"計画期間「{plan}」が見つかりません。" if plan else "計画期間がありません。")
        if output.suffix.lower() != ".xlsx":
            raise CommandError("出力ファイルの拡張子は .xlsx にしてください。")
        chart_items = set(item) if item else None
        programmes = programmes_of_plans(plan_ids=[plan.id for plan in plans])
        sheets = [
            summary_sheet(progress, chart_item_ids=chart_items, programmes=programmes.get(plan.id, ()))
            for plan, progress in zip(plans, plans_progress(plans=plans), strict=True)
        ]
        summary_workbook(sheets).save(output)
        self.stdout.write(self.style.SUCCESS(f"集計表を出力しました: {output}"))
