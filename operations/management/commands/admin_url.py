from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "管理画面の URL のパスを表示します。本番（DJANGO_DEBUG=false）で DJANGO_ADMIN_PATH を設定していない場合は、"
        "DJANGO_SECRET_KEY から生成したパスです（秘密鍵を変えると変わります）。"
    )

    def handle(self, *args, **options):
        site = settings.SITE_URL or ""
        self.stdout.write(f"{site}/{settings.ADMIN_PATH}")
