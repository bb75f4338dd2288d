from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from programs.fiscal_years import fiscal_year_range_error
from sheets.imports.plan_sheet import plan_sheet_parse, plan_sheet_read
from sheets.imports.upload import MAX_UPLOAD_BYTES, UploadRejected
from sheets.plan_sheet_preview import preview_lines
from sheets.services import PlanSheetRefused, plan_sheet_check, plan_sheet_import, plan_sheet_layouts


class Command(BaseCommand):
    help = (
        "自己評価シート（Excel）から計画期間を作成します。分野・事項・指標・目標（文言を読み取り）・"
        "実績・自己評価を、シートの様式のまま登録します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="自己評価シートの .xlsx ファイル")
        parser.add_argument("--plan", required=True, help="作成する計画期間の名称（例: 第9期）")
        parser.add_argument("--first-year", type=int, help="シートの最初の年度（既定: 年度の見出しから読み取り）")
        parser.add_argument("--layout", help="シート様式の名称（既定: 見出しの行から判別）")
        parser.add_argument("--dry-run", action="store_true", help="作成する内容を表示するだけで、何も書き込みません")

    def handle(self, *args, path, plan, first_year, layout, dry_run, **options):
        source = Path(path)
        # The period rule, before anything is read: 「6」 typed for 令和6 is refused, not imported as year 6.
        if first_year is not None and (message := fiscal_year_range_error(first_year)):
            raise CommandError(f"--first-year: {message}（西暦で、例: 2024）")
        if not source.is_file():
            raise CommandError(f"ファイル「{path}」が見つかりません。")
        if source.suffix.lower() != ".xlsx":
            raise CommandError("拡張子が .xlsx のファイル（Excel ブック）を指定してください。")
        if source.stat().st_size > MAX_UPLOAD_BYTES:
            raise CommandError(f"ファイルが大きすぎます（上限 {MAX_UPLOAD_BYTES // (1024 * 1024)} MB）。")
        try:
            rows = plan_sheet_read(source.read_bytes())
        except UploadRejected as error:
            raise CommandError(str(error)) from error
        draft = plan_sheet_parse(rows, layouts=plan_sheet_layouts(), layout_name=layout, first_fiscal_year=first_year)
        problems = plan_sheet_check(draft=draft, plan_name=plan)
        if dry_run or problems:
            self.stdout.write(
                "\n".join(["（試行: 何も書き込みません）" if dry_run else "", *preview_lines(draft, plan)])
            )
        if problems:
            lines = [
                f"{problem.place}: {problem.message}" if problem.sheet else problem.message for problem in problems
            ]
            raise CommandError("\n".join(["取り込めない欄があります（何も書き込んでいません）:", *lines]))
        if dry_run:
            return
        try:
            result = plan_sheet_import(draft=draft, plan_name=plan, reason=f"自己評価シートの取込（{source.name}）")
        except PlanSheetRefused as refused:
            raise CommandError(str(refused)) from refused
        counts = result.counts
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.plan}を作成しました（様式: {draft.layout_name}）: "
                f"分野{counts['areas']} 事項{counts['items']} "
                f"指標{counts['indicators']} 目標{counts['targets']} 実績{counts['results']} "
                f"自己評価{counts['evaluations']} 報告年度（新規）{result.reporting_years_created}"
            )
        )
