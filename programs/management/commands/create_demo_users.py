import os

from django.core.management.base import BaseCommand, CommandError

from programs.services import DemoUsersRefused, demo_users_create


class Command(BaseCommand):
    help = "デモ用アカウント（demo-admin, demo-manager, demo-staff-a, demo-staff-b）を作成します。開発モード専用。"

    def handle(self, *args, **options):
        given = os.environ.get("DEMO_PASSWORD") or None
        try:
            password, names = demo_users_create(password=given)
        except DemoUsersRefused as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.WARNING("【デモ用】以下のアカウントは動作確認専用です。本番では使わないでください。")
        )
        self.stdout.write(f"  アカウント: {', '.join(names)}")
        if given:
            self.stdout.write("  パスワード: 環境変数 DEMO_PASSWORD の値")
        else:
            self.stdout.write(f"  パスワード: {password}  （今回だけ表示します）")
