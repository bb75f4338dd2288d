"""Private files on disk: 0700 folders, 0600 files, written whole or not at all.

Job inputs and results and pending uploads hold plan data that only their owner may read;
other accounts on the server must not read them either, whatever the umask.
"""

import os
import shutil
import tempfile
from pathlib import Path

FOLDER_MODE = 0o700
FILE_MODE = 0o600


def private_folder(path: Path) -> Path:
    """Create ``path`` (and its parents) as 0700 folders and return it."""
    path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
    os.chmod(path, FOLDER_MODE)
    return path


def private_write(path: Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` as a 0600 file, atomically (a reader never sees half a file)."""
    private_folder(path.parent)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".part-")
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def remove_tree(path: Path) -> None:
    """Remove a folder and everything in it; a folder already gone is fine."""
    shutil.rmtree(path, ignore_errors=True)
