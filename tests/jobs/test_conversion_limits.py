"""A conversion is bounded: killed with its whole process group on timeout, temp folder gone, N at once."""

import os
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

from jobs.slots import SlotsBusy, conversion_slot
from sheets.exports import pdf as pdf_module
from sheets.exports.pdf import TEMP_PREFIX, PdfUnavailable, sheet_pdf

# A stand-in for soffice that does what the real one does when it hangs: it starts a child of its
# own (soffice starts soffice.bin) and never finishes. It records both process ids.
HANGING_SOFFICE = """#!/bin/sh
sleep 300 &
echo $$ $! > "{pids}"
sleep 300
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (killed, not yet reaped by init) counts as gone.
    state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] if Path(f"/proc/{pid}").exists() else "X"
    return state not in {"Z", "X"}


@pytest.fixture
def own_tempdir(tmp_path, monkeypatch):
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _workbook() -> Workbook:
    workbook = Workbook()
    workbook.active["A1"] = "自己評価シート"
    return workbook


def test_a_hanging_conversion_is_killed_with_its_children_and_leaves_no_temp_folder(
    tmp_path, own_tempdir, monkeypatch, settings
):
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(HANGING_SOFFICE.format(pids=pids))
    fake.chmod(0o755)
    monkeypatch.setattr(pdf_module, "converter_path", lambda: str(fake))

    started = time.monotonic()
    with pytest.raises(PdfUnavailable, match="秒で終わらなかったため中止しました"):
        sheet_pdf(_workbook(), timeout=1)
    assert time.monotonic() - started < 10
    parent, child = (int(value) for value in pids.read_text().split())
    time.sleep(0.2)
    assert not _alive(parent), "the converter survived its timeout"
    assert not _alive(child), "the converter's child (soffice.bin) was orphaned"
    assert list(own_tempdir.glob(f"{TEMP_PREFIX}*")) == []


def test_a_real_libreoffice_stopped_by_the_timeout_leaves_no_soffice_and_no_folder(soffice, own_tempdir):
    with pytest.raises(PdfUnavailable):
        sheet_pdf(_workbook(), timeout=0.5)
    time.sleep(0.5)
    # Every soffice of this conversion had the temp folder (its profile) on its command line.
    left = subprocess.run(["pgrep", "-f", str(own_tempdir)], capture_output=True, text=True).stdout.split()
    assert [pid for pid in left if _alive(int(pid))] == []
    assert list(own_tempdir.iterdir()) == []


def test_a_conversion_interrupted_from_outside_still_kills_its_group_and_removes_its_folder(
    tmp_path, own_tempdir, monkeypatch
):
    """The worker being told to stop (SystemExit, KeyboardInterrupt) mid-conversion leaves nothing behind."""
    pids = tmp_path / "pids"
    fake = tmp_path / "soffice"
    fake.write_text(HANGING_SOFFICE.format(pids=pids))
    fake.chmod(0o755)
    monkeypatch.setattr(pdf_module, "converter_path", lambda: str(fake))
    real_popen = subprocess.Popen

    class InterruptedWait(real_popen):
        def wait(self, timeout=None):
            if timeout is not None:  # the conversion's wait, not the reaping one
                while not pids.exists():
                    time.sleep(0.05)
                raise KeyboardInterrupt
            return super().wait(timeout)

    monkeypatch.setattr(subprocess, "Popen", InterruptedWait)
    with pytest.raises(KeyboardInterrupt):
        sheet_pdf(_workbook(), timeout=30)
    parent, child = (int(value) for value in pids.read_text().split())
    time.sleep(0.2)
    assert not _alive(parent) and not _alive(child)
    assert list(own_tempdir.glob(f"{TEMP_PREFIX}*")) == []


def test_no_more_than_the_configured_number_of_conversions_run_at_once(settings):
    settings.PDF_MAX_CONCURRENT = 2
    held = threading.Event()
    release = threading.Event()

    def hold():
        with conversion_slot(wait_seconds=1):
            held.set()
            release.wait(5)

    holders = [threading.Thread(target=hold) for _ in range(2)]
    for thread in holders:
        thread.start()
    try:
        held.wait(2)
        time.sleep(0.2)
        with pytest.raises(SlotsBusy), conversion_slot(wait_seconds=0.5):
            pass
    finally:
        release.set()
        for thread in holders:
            thread.join()
    with conversion_slot(wait_seconds=0.5) as number:  # freed when the holders finish
        assert number in {0, 1}


def test_a_conversion_waiting_too_long_for_a_slot_fails_with_a_japanese_message(settings, monkeypatch, tmp_path):
    settings.PDF_MAX_CONCURRENT = 1
    settings.PDF_SLOT_WAIT_SECONDS = 0.3
    monkeypatch.setattr(pdf_module, "converter_path", lambda: "/bin/false")
    with conversion_slot(wait_seconds=0), pytest.raises(PdfUnavailable, match="混み合っています"):
        sheet_pdf(_workbook())


def test_the_pdf_max_concurrent_setting_reads_the_environment(monkeypatch):
    import subprocess as sp
    import sys

    code = "from django.conf import settings; print(settings.PDF_MAX_CONCURRENT, settings.PDF_TIMEOUT_SECONDS)"
    env = {**os.environ, "PDF_MAX_CONCURRENT": "3", "DJANGO_SETTINGS_MODULE": "kaigo_plan.settings"}
    out = sp.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    ).stdout.split()
    assert out[0] == "3"
    assert int(out[1]) < 60  # below gunicorn's worker timeout
