"""What the browser journeys share: the demo accounts and logging in through the real form."""

from django.core.management import call_command

PASSWORD = "kaigo-demo-2026"


def demo_users(settings, monkeypatch) -> None:
    """Create the demo accounts with a known password (a development-mode feature)."""
    settings.DEBUG = True
    monkeypatch.setenv("DEMO_PASSWORD", PASSWORD)
    call_command("create_demo_users", verbosity=0)
    settings.DEBUG = False


def login(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill(username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
