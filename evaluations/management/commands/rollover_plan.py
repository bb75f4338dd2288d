import argparse
import re

from django.core.management.base import BaseCommand, CommandError

from evaluations.rollover import (
    Decisions,
    NewPeriod,
    RolloverRefused,
    plan_rollover,
    rollover_period_check,
    rollover_preview,
    source_plan_read,
)
from programs.fiscal_years import FiscalYearError, era_span_label, parse_fiscal_year
from programs.models import Item, PlanPeriod

YEARS_PER_PERIOD = 3


def _fiscal_year(text: str) -> int:
    """Read --first-year as 令和9, R9, 令和9年度 or 2027 (argparse reports the Japanese reason)."""
    # A bare number is a Western year, so 「6」 is refused as out of range rather than unreadable.
    try:
        return parse_fiscal_year(int(text) if text.strip().isdigit() else text)
    except FiscalYearError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


class Command(BaseCommand):
    help = (
        "計画期間を次期へ引き継ぎます（次期計画の作成）。すべての分野・事項・指標を継続し、"
        "各年度の目標を引き継ぎ、期間の目標は要設定として一覧に示します。実績・自己評価は引き継ぎません。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="作成元の計画期間（例: 第8期）")
        parser.add_argument("--to", dest="target", required=True, help="新しい計画期間（例: 第9期）")
        parser.add_argument(
            "--first-year",
            type=_fiscal_year,
            help="新しい期間の開始年度。令和9、R9、2027 のどれでも（既定: 作成元の終了年度の翌年度）",
        )
        parser.add_argument("--dry-run", action="store_true", help="作成する内容を表示するだけで、何も書き込みません")
        parser.add_argument(
            "--skip-if-filled",
            action="store_true",
            help="新しい期間にすでに事項があれば何もせず正常終了します（make seed 用）",
        )

    def handle(self, *args, source, target, first_year, dry_run, skip_if_filled, **options):
        source_plan = PlanPeriod.objects.filter(name=source).first()
        if source_plan is None:
            raise CommandError(f"計画期間「{source}」がありません。")
        if skip_if_filled and Item.objects.filter(area__plan__name=target).exists():
            self.stdout.write(f"{target}にはすでに事項があるため、次期計画の作成を省略しました。")
            return
        period = self._period(source_plan, target, first_year)
        try:
            rollover_period_check(source=source_plan, period=period)
            if dry_run:
                preview = rollover_preview(
                    source=source_plan_read(plan=source_plan), period=period, decisions=Decisions()
                )
                self.stdout.write("\n".join(["（試行: 何も書き込みません）", *preview.lines()]))
                return
            result = plan_rollover(source=source_plan, period=period, decisions=Decisions())
        except RolloverRefused as refused:
            raise CommandError(str(refused)) from refused
        counts = result.rollover.counts()
        plan = result.plan
        span = era_span_label(plan.first_fiscal_year, plan.last_fiscal_year)
        self.stdout.write(
            self.style.SUCCESS(
                f"{plan.name}（{span}）を{source}から作成しました: "
                f"分野{counts['areas']} 事項{counts['items']} "
                f"指標{counts['indicators']} 目標{counts['targets']} 要設定{counts['to_set']} "
                f"報告年度（新規）{result.reporting_years_created}"
            )
        )

    def _period(self, source: PlanPeriod, name: str, first_year: int | None) -> NewPeriod:
        existing = PlanPeriod.objects.filter(name=name).first()
        if existing is not None and first_year in (None, existing.first_fiscal_year):
            return NewPeriod(
                name=name,
                ordinal=existing.ordinal,
                first_fiscal_year=existing.first_fiscal_year,
                last_fiscal_year=existing.last_fiscal_year,
            )
        first = first_year or source.last_fiscal_year + 1
        digits = re.search(r"\d+", name)
        ordinal = int(digits.group()) if digits else source.ordinal + 1
        return NewPeriod(
            name=name, ordinal=ordinal, first_fiscal_year=first, last_fiscal_year=first + YEARS_PER_PERIOD - 1
        )
