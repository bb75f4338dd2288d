from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.progress import plan_progress
from programs.models import PlanPeriod, PolicyArea
from programs.selectors import sheet_layout
from sheets.exports.pdf import PdfUnavailable, sheet_pdf
from sheets.exports.self_evaluation import self_evaluation_workbook, sheet_data
from sheets.selectors import attachment_titles

FORMATS = ("xlsx", "pdf")


class Command(BaseCommand):
    help = (
        "自己評価シート（.xlsx または公表用 .pdf）を出力します。"
        "例: export_sheet --plan 第8期 --area 7 --format pdf --output sheet.pdf"
    )

    def add_arguments(self, parser):
        parser.add_argument("--plan", required=True, help="計画期間の名称（例: 第8期）")
        parser.add_argument(
            "--area", type=int, help="取組分野の番号（例: 7）。小分野があれば全て含めます。省略時は全分野"
        )
        parser.add_argument("--format", choices=FORMATS, help="xlsx または pdf（省略時は出力ファイルの拡張子）")
        parser.add_argument("--output", required=True, type=Path, help="出力するファイル（.xlsx / .pdf）")

    def handle(self, *args, plan: str, area: int | None, output: Path, format: str | None, **options):
        plan_period = PlanPeriod.objects.filter(name=plan).first()
        if plan_period is None:
            raise CommandError(f"計画期間「{plan}」が見つかりません。")
        area_ids = None
        if area is not None:
            area_ids = list(PolicyArea.objects.filter(plan=plan_period, number=area).values_list("id", flat=True))
            if not area_ids:
                raise CommandError(f"{plan}に取組分野 {area} がありません。")
        chosen = format or output.suffix.lower().lstrip(".")
        if chosen not in FORMATS or output.suffix.lower() != f".{chosen}":
            raise CommandError("出力ファイルの拡張子を形式に合わせてください（.xlsx または .pdf）。")
        progress = plan_progress(plan=plan_period, area_ids=area_ids)
        layout = sheet_layout(plan=plan_period)
        workbook = self_evaluation_workbook(
            sheet_data(progress, layout, attachment_titles=attachment_titles(progress=progress))
        )
        if chosen == "pdf":
            try:
                output.write_bytes(sheet_pdf(workbook))
            except PdfUnavailable as error:
                raise CommandError(str(error)) from error
        else:
            workbook.save(output)
        self.stdout.write(self.style.SUCCESS(f"自己評価シートを出力しました: {output}"))
