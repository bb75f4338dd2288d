"""The self-evaluation sheet as the PDF the prefecture publishes, converted by LibreOffice.

Why LibreOffice rather than an HTML-to-PDF engine: the published PDF must be the same sheet
as the Excel export (each period's own layout, merged cells, print titles repeated on every
page, a page break per area, A3 landscape), and all of that is already declared in the
workbook. Converting the workbook keeps one layout instead of a second print template that
could drift from it. LibreOffice embeds the subset of every font it uses, so the PDF shows
Japanese on a machine without Japanese fonts; the server needs `libreoffice-calc` and a CJK
font (`fonts-noto-cjk`), both installed by `.ci/run` and listed in the README.

Each conversion runs with a profile of its own: two conversions sharing one profile make
LibreOffice write nothing and still exit 0.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

from openpyxl import Workbook

PDF_CONTENT_TYPE = "application/pdf"
CONVERSION_TIMEOUT_SECONDS = 120
ERROR_NO_CONVERTER = (
    "PDF を作成できません（サーバーに LibreOffice がありません）。Excel 版をダウンロードしてください。"
    "システム管理者は libreoffice-calc と fonts-noto-cjk を導入してください。"
)
ERROR_CONVERSION_FAILED = "PDF の作成に失敗しました。時間をおいて再度お試しいただくか、Excel 版をご利用ください。"


class PdfUnavailable(RuntimeError):
    """Raised with a Japanese message when the PDF cannot be produced on this server."""


def converter_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def sheet_pdf(workbook: Workbook) -> bytes:
    """Return the PDF of the workbook's first worksheet (the official sheet) as printed.

    The 達成状況 worksheet with the computed figures belongs to the Excel file for staff;
    the published PDF is the official sheet only.
    """
    soffice = converter_path()
    if soffice is None:
        raise PdfUnavailable(ERROR_NO_CONVERTER)
    for extra in workbook.worksheets[1:]:
        workbook.remove(extra)
    with tempfile.TemporaryDirectory(prefix="kaigo-pdf-") as folder:
        work = Path(folder)
        source = work / "sheet.xlsx"
        workbook.save(source)
        profile = work / "profile"
        try:
            subprocess.run(
                [
                    soffice,
                    f"-env:UserInstallation={profile.as_uri()}",
                    "--headless",
                    "--norestore",
                    "--convert-to",
                    "pdf:calc_pdf_Export",
                    "--outdir",
                    str(work),
                    str(source),
                ],
                check=True,
                capture_output=True,
                timeout=CONVERSION_TIMEOUT_SECONDS,
            )
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            raise PdfUnavailable(ERROR_CONVERSION_FAILED) from error
        target = work / "sheet.pdf"
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable(ERROR_CONVERSION_FAILED)
        return target.read_bytes()
