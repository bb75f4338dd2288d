import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from cycle.services import mails_retry_due, reminders_send


class Command(BaseCommand):
    help = (
        "入力期限の督促メールを送ります（毎日1回、タイマーで実行）。未確定で期限のある報告年度ごとに、"
        "督促予定（年度別の予定がなければ既定の予定、進行中の計画期間のみ）に従って担当者へ未提出の事項を、"
        "期限後は管理職へ遅れている課を知らせます。送信はバックグラウンド処理が行い、失敗したメールは再送します。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="送信も記録もせず、誰に何を送るかを表示する")
        parser.add_argument("--today", help="この日付（YYYY-MM-DD）として実行する（既定: 今日、東京時間）")

    def handle(self, *args, dry_run: bool, today: str | None, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"--today は YYYY-MM-DD の形で指定してください: {today!r}") from None
        if not dry_run and (retried := mails_retry_due()):
            self.stdout.write(f"送信に失敗していたメール {retried}件を再送しました。")
        outcomes = reminders_send(today=day, dry_run=dry_run)
        verb = "送信予定" if dry_run else "送信"
        if not outcomes:
            self.stdout.write(f"{day.isoformat()}: 督促の対象はありません。")
        failures = 0
        for outcome in outcomes:
            failed = {id(reminder) for reminder, _ in outcome.failed}
            self.stdout.write(f"{outcome.title}（{outcome.step_label}）: {verb} {len(outcome.planned) - len(failed)}件")
            for reminder, mail in zip(outcome.planned, outcome.mails, strict=True):
                sections = "、".join(
                    f"{section.name} 未提出{len(section.items)}件" for section in reminder.own_sections
                )
                late = "、".join(section.name for section in reminder.late_sections)
                parts = [part for part in (sections, f"遅れている課: {late}" if late else "") if part]
                self.stdout.write(f"  → {reminder.recipient.name} <{reminder.recipient.email}>: {' / '.join(parts)}")
                if dry_run and options["verbosity"] >= 2:
                    self.stdout.write(f"    件名: {mail.subject}")
                    self.stdout.write("    " + mail.body.replace("\n", "\n    "))
            for person in outcome.unreachable:
                self.stdout.write(f"  × {person.name}: メールアドレスが未設定のため送れません")
            for reminder, error in outcome.failed:
                failures += 1
                self.stderr.write(f"  × {reminder.recipient.name} <{reminder.recipient.email}>: {error}")
        if failures:
            raise CommandError(f"{failures}件の督促を送れませんでした（時間をおいて自動で再送します）。")
