"""Shared fixtures, the markers of the slow external clients, and the CI rule that a skipped test fails.

On a laptop without Chromium or LibreOffice those tests skip; in CI (``CI=true``) every test
must run, so any skip turns the session red. A test that drives Chromium (it uses the
``browser`` fixture, as ``page`` does) is marked ``browser``, one that runs LibreOffice (it uses
``soffice``) ``libreoffice``, so ``pytest -m "not browser and not libreoffice"`` runs the rest.
"""

import os
import shutil
from pathlib import Path

import pytest

from tests.tokyo_snapshot import snapshots, tokyo_load

pytest_plugins = ["tests.workflow_world"]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


# A fixture that a test uses, directly or through another fixture, and the marker it earns.
FIXTURE_MARKERS = {"browser": "browser", "live_server": "browser", "soffice": "libreoffice"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in item.fixturenames and not item.get_closest_marker(marker):
                item.add_marker(marker)


def pytest_terminal_summary(terminalreporter):
    if snapshots.real_loads or snapshots.restores:
        terminalreporter.write_line(
            f"tokyo_data: loaded {snapshots.real_loads} time(s), restored {snapshots.restores} time(s)"
        )


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error):
    """Add a test process's Tokyo loads to the summary the main process prints (pytest-xdist)."""
    output = getattr(node, "workeroutput", {})
    snapshots.real_loads += output.get("tokyo_real_loads", 0)
    snapshots.restores += output.get("tokyo_restores", 0)


def pytest_sessionfinish(session, exitstatus):
    if (output := getattr(session.config, "workeroutput", None)) is not None:
        # A test process of `make test`: the main process sums, checks the skips and prints.
        output["tokyo_real_loads"], output["tokyo_restores"] = snapshots.real_loads, snapshots.restores
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """pytest-django's test database, with the process's other sessions on it ended before it is dropped.

    On PostgreSQL one session of the test process itself outlived the run (a test's connection
    that the database teardown's own connection object does not hold), so the drop failed with
    「being accessed by other users」 and the database stayed behind until the next run.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        connection.close()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    # The production hasher is slow on purpose; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def tasks_run_at_once(settings, tmp_path_factory):
    """Run background tasks inside the request (django-tasks' ImmediateBackend), files in a fresh folder.

    One test (tests/jobs/test_db_worker.py) switches back to the database backend and runs the
    real ``db_worker``.
    """
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    files = tmp_path_factory.mktemp("var")
    settings.JOBS_ROOT = files / "jobs"
    settings.PENDING_UPLOAD_ROOT = files / "uploads"


# Fixtures whose test runs outside a transaction: pytest-django empties every table after it.
TRANSACTIONAL = {"transactional_db", "live_server"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Put back what migrate gives every installation once a transactional test's flush emptied it.

    The shipped sheet layouts, the 62 municipalities, the default reminder schedule and the
    roles are rows migrations write; without them the next test would run against an
    installation no user ever has (a look-alike of 第8期様式 accepted, a municipality missing).
    This runs after every fixture of the test is torn down, so after the flush.
    """
    yield
    # With no test after it, the session's fixtures went too: the test database is destroyed and the
    # settings name the real one again, which must not be written to (or, in CI, has no tables).
    if nextitem is None or not TRANSACTIONAL & set(getattr(item, "fixturenames", ())):
        return
    from django.apps import apps
    from pytest_django.plugin import blocking_manager_key

    from accounts.services import roles_ensure
    from cycle.models import DefaultReminderSchedule
    from programs.services import tokyo_municipalities_ensure
    from programs.shipped_layouts import shipped_layouts_install

    with item.config.stash[blocking_manager_key].unblock():
        _sequences_restart(apps)
        shipped_layouts_install(apps)
        tokyo_municipalities_ensure()
        DefaultReminderSchedule.objects.get_or_create(id=1)  # the model's defaults are the migration's
        roles_ensure()


# The tables migrate fills and the teardown above fills again: emptied by the flush, so restarting
# their ids gives the rows the ids migrate gave them.
REFERENCE_MODELS = ("programs.SheetLayout", "programs.SheetColumn", "programs.Municipality")


def _sequences_restart(apps) -> None:
    """Restart the ids of the emptied reference tables (PostgreSQL; SQLite's restart with the flush).

    Tokyo's recorded load points at the layouts and municipalities by id: with new ids a later
    test could not be given the recording and loaded Tokyo for real (76 loads instead of 30 on
    PostgreSQL, a few seconds each).
    """
    from django.core.management.color import no_style
    from django.db import connection

    models = [apps.get_model(label) for label in REFERENCE_MODELS]
    assert not any(model.objects.exists() for model in models), "restart ids only of emptied tables"
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)


@pytest.fixture(autouse=True)
def progress_cache_cleared():
    # Each test starts cold, so that query counts do not depend on the order tests run in.
    from evaluations.progress import progress_cache_clear

    progress_cache_clear()


@pytest.fixture
def tokyo_data(db):
    """Give the test Tokyo's sheets exactly as `make run` loads them.

    Loaded for real once per process, then restored from that recording in each test's own
    transaction (tests/tokyo_snapshot.py says when, and what a restore does not reproduce).
    The 62 municipalities come with migrate (issue 23), so a restore does not carry them: a
    transactional test's flush empties their table, and they are put back here.
    """
    from programs.services import tokyo_municipalities_ensure

    tokyo_municipalities_ensure()
    tokyo_load()


@pytest.fixture
def soffice() -> str:
    """Return LibreOffice's command (a test that uses it is marked ``libreoffice``)."""
    if SOFFICE is None:
        if IN_CI:
            pytest.fail("LibreOffice (soffice) is required in CI: apt-get install libreoffice-calc")
        pytest.skip("LibreOffice not installed (apt-get install --no-install-recommends libreoffice-calc)")
    return SOFFICE


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- Browser (pytest-playwright against Debian's chromium) ---------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ja-JP", "viewport": {"width": 1366, "height": 768}}
