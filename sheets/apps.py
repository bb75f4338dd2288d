from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured

ERROR_NO_DEFUSEDXML = (
    "defusedxml がインストールされていません。openpyxl が XML を安全に解析できないため起動できません"
    "（pip install -r requirements.txt）。"
)


class SheetsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "sheets"
    verbose_name = "Excel 出力・取込"

    def ready(self) -> None:
        """Refuse to start unless openpyxl parses uploaded XML through defusedxml."""
        defusedxml_in_use()


def defusedxml_in_use() -> None:
    try:
        import defusedxml  # noqa: F401
        from openpyxl.xml import DEFUSEDXML
    except ImportError as error:
        raise ImproperlyConfigured(ERROR_NO_DEFUSEDXML) from error
    if not DEFUSEDXML:
        raise ImproperlyConfigured(ERROR_NO_DEFUSEDXML)
