"""Delete what is left behind by long work: expired pending uploads, job results and conversion folders.

Run by docs/deploy/kaigo-plan-sweep.timer with ``clearsessions`` and ``prune_db_task_results``.
"""

import shutil
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from jobs.services import jobs_sweep
from sheets.exports.pdf import TEMP_PREFIX
from sheets.plan_sheet_preview import pending_uploads_sweep


class Command(BaseCommand):
    help = "期限切れの取込待ちファイル・作成済みファイル・PDF 変換の一時フォルダを削除します。"

    def handle(self, *args, **options):
        uploads = pending_uploads_sweep()
        jobs = jobs_sweep()
        folders = _conversion_leftovers_sweep()
        self.stdout.write(
            f"取込待ちファイル{uploads}件、作成済みファイル{jobs}件、変換の一時フォルダ{folders}件を削除しました。"
        )


def _conversion_leftovers_sweep() -> int:
    """Remove conversion folders older than twice the timeout (a worker killed by SIGKILL leaves its folder)."""
    limit = time.time() - 2 * settings.PDF_TIMEOUT_SECONDS - 60
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{TEMP_PREFIX}*"):
        try:
            if folder.is_dir() and folder.stat().st_mtime < limit:
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except FileNotFoundError:
            continue
    return removed
