"""The self-evaluation sheet as the PDF the prefecture publishes, converted by LibreOffice.

Why LibreOffice rather than an HTML-to-PDF engine: the published PDF must be the same sheet
as the Excel export (each period's own layout, merged cells, the header atop every area's
page with that page's year headings, a page break per area, A3 landscape), and all of that is already declared in the
workbook. Converting the workbook keeps one layout instead of a second print template that
could drift from it. LibreOffice embeds the subset of every font it uses, so the PDF shows
Japanese on a machine without Japanese fonts; the server needs `libreoffice-calc` and a CJK
font (`fonts-noto-cjk`), both installed by `.ci/run` and listed in the README.

Each conversion runs with a profile of its own: two conversions sharing one profile make
LibreOffice write nothing and still exit 0.

A conversion is long work (2–4 s for Tokyo, 30 s at 2,000 items): the pages run it in the task
worker (``sheets.tasks``), never in a request. At most ``PDF_MAX_CONCURRENT`` run at once on the
machine (``jobs.slots``); each is killed with its whole process group after
``PDF_TIMEOUT_SECONDS`` (``soffice`` starts ``soffice.bin``, which a plain kill would orphan),
and its temporary folder goes whatever happens.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings
from openpyxl import Workbook

from jobs.slots import SlotsBusy, conversion_slot

from .layout import keep_brackets_whole

PDF_CONTENT_TYPE = "application/pdf"
TEMP_PREFIX = "kaigo-pdf-"
ERROR_NO_CONVERTER = (
    "PDF を作成できません（サーバーに LibreOffice がありません）。Excel 版をダウンロードしてください。"
    "システム管理者は libreoffice-calc と fonts-noto-cjk を導入してください。"
)
ERROR_CONVERSION_FAILED = "PDF の作成に失敗しました。時間をおいて再度お試しいただくか、Excel 版をご利用ください。"
ERROR_TIMEOUT = (
    "PDF の作成が{seconds}秒で終わらなかったため中止しました。取組分野を絞って作成するか、Excel 版をご利用ください。"
)


class PdfUnavailable(RuntimeError):
    """Raised with a Japanese message when the PDF cannot be produced on this server."""


def converter_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def sheet_pdf(workbook: Workbook, *, timeout: float | None = None) -> bytes:
    """Return the PDF of the workbook's first worksheet (the official sheet) as printed.

    The 達成状況 worksheet with the computed figures belongs to the Excel file for staff;
    the published PDF is the official sheet only. Waits for a conversion slot first.
    """
    soffice = converter_path()
    if soffice is None:
        raise PdfUnavailable(ERROR_NO_CONVERTER)
    for extra in workbook.worksheets[1:]:
        workbook.remove(extra)
    keep_brackets_whole(workbook.worksheets[0])  # LibreOffice would wrap inside 「（各年度）」
    try:
        with conversion_slot():
            return _convert(soffice, workbook, timeout or settings.PDF_TIMEOUT_SECONDS)
    except SlotsBusy as error:
        raise PdfUnavailable(str(error)) from error


def _convert(soffice: str, workbook: Workbook, timeout: float) -> bytes:
    folder = tempfile.mkdtemp(prefix=TEMP_PREFIX)
    try:
        work = Path(folder)
        source = work / "sheet.xlsx"
        workbook.save(source)
        profile = work / "profile"
        command = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf:calc_pdf_Export",
            "--outdir",
            str(work),
            str(source),
        ]
        if settings.PDF_NICENESS and (nice := shutil.which("nice")):
            # Below the web workers: a conversion takes a whole core for seconds, and /healthz and
            # the pages must still answer at once (nice execs soffice: same pid, same group).
            command = [nice, "-n", str(settings.PDF_NICENESS), *command]
        _run_in_own_group(command, timeout)
        target = work / "sheet.pdf"
        if not target.exists() or target.stat().st_size == 0:
            raise PdfUnavailable(ERROR_CONVERSION_FAILED)
        return target.read_bytes()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _run_in_own_group(command: list[str], timeout: float) -> None:
    """Run ``command`` in a new session; on timeout, failure or any interruption kill its whole group.

    ``start_new_session`` makes the child the leader of a process group of its own, so
    ``os.killpg`` reaches ``soffice.bin`` and anything else it started, and nothing of ours.
    """
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        raise PdfUnavailable(ERROR_CONVERSION_FAILED) from error
    try:
        returncode = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired as error:
        raise PdfUnavailable(ERROR_TIMEOUT.format(seconds=int(timeout))) from error
    finally:
        _kill_group(process)
    if returncode != 0:
        raise PdfUnavailable(ERROR_CONVERSION_FAILED)


def _kill_group(process: subprocess.Popen) -> None:
    """Kill what is left of the process group (a finished soffice may leave soffice.bin behind)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
