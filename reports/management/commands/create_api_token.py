from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from reports.services import api_token_create


class Command(BaseCommand):
    help = "APIトークンを発行し、キーを一度だけ表示します。"

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("name", help="用途（例: BIツール）")

    def handle(self, *args, username: str, name: str, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist as error:
            raise CommandError(f"利用者「{username}」が見つかりません。") from error
        _token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
