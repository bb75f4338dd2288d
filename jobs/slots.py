"""At most ``PDF_MAX_CONCURRENT`` LibreOffice conversions at once on this machine.

A slot is an exclusive ``flock`` on one of N files under ``JOBS_ROOT/slots``. The kernel drops
the lock when its holder exits, even when it is killed, so a crashed worker never leaks a slot,
and the rule holds across every worker process and the ``export_sheet`` command alike.
"""

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings

from .storage import FILE_MODE, private_folder

POLL_SECONDS = 0.2
ERROR_BUSY = "PDF の作成が混み合っています。しばらくしてからもう一度お試しください。"


class SlotsBusy(RuntimeError):
    """No conversion slot became free in time; the message says so in Japanese."""


def _slot_paths() -> list[Path]:
    folder = private_folder(Path(settings.JOBS_ROOT) / "slots")
    return [folder / f"conversion-{number}.lock" for number in range(settings.PDF_MAX_CONCURRENT)]


@contextmanager
def conversion_slot(*, wait_seconds: float | None = None) -> Iterator[int]:
    """Hold one conversion slot for the ``with`` block; wait for one, or raise ``SlotsBusy``."""
    wait = settings.PDF_SLOT_WAIT_SECONDS if wait_seconds is None else wait_seconds
    deadline = time.monotonic() + wait
    while True:
        for number, path in enumerate(_slot_paths()):
            descriptor = os.open(path, os.O_RDWR | os.O_CREAT, FILE_MODE)
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            try:
                yield number
            finally:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
                os.close(descriptor)
            return
        if time.monotonic() >= deadline:
            raise SlotsBusy(ERROR_BUSY)
        time.sleep(POLL_SECONDS)
