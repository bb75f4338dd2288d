"""Japanese names for third-party apps the admin lists (issue 20 item 6: no 「AXES」 in the admin)."""

from axes.apps import AppConfig as AxesAppConfig


class AxesConfig(AxesAppConfig):
    verbose_name = "ログイン試行の記録"
