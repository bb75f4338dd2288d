"""Users of each role, and LibreOffice as the real spreadsheet client the exports must satisfy.

The ``soffice`` fixture lives in tests/conftest.py, which marks every test using it ``libreoffice``.
"""

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from accounts.roles import MANAGER, STAFF
from accounts.services import roles_ensure
from programs.models import Section, Vision

CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1"


def _user(username: str, role: str | None, *, sections=(), superuser: bool = False):
    groups = roles_ensure()
    user = get_user_model().objects.create_user(username=username, password="pw-for-tests", is_superuser=superuser)
    if role:
        user.groups.set([groups[role]])
    for name in sections:
        Section.objects.get(name=name).members.add(user)
    return user


@pytest.fixture
def staff_user(tokyo_data):
    """A member of 在宅支援課, which owns 第8期 area 7."""
    return _user("staff-zaitaku", STAFF, sections=["在宅支援課"])


@pytest.fixture
def other_staff_user(tokyo_data):
    return _user("staff-hoken", STAFF, sections=["介護保険課"])


@pytest.fixture
def manager_user(tokyo_data):
    return _user("manager", MANAGER)


@pytest.fixture
def admin_user(tokyo_data):
    return _user("admin", None, superuser=True)


def convert(soffice: str, source: Path, target_format: str, outdir: Path, *, single_file: bool = True) -> Path:
    """Convert with a profile of its own (two runs sharing one write nothing and still exit 0).

    With ``single_file=False`` (a CSV of every worksheet) the caller checks the files written.
    """
    profile = tempfile.mkdtemp(prefix="lo-profile-")
    try:
        subprocess.run(
            [
                soffice,
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--norestore",
                "--convert-to",
                target_format,
                "--outdir",
                str(outdir),
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    extension = target_format.split(":")[0]
    if not single_file:
        return outdir
    produced = outdir / f"{source.stem}.{extension}"
    assert produced.exists(), f"LibreOffice wrote no {produced.name}"
    return produced


@pytest.fixture
def vision_text(tokyo_data) -> str:
    """The printed text of Tokyo's vision ②－３, as a hand-typed 第8期 sheet names it."""
    return Vision.objects.get(code="②－３").sheet_text
