"""Shared fixtures and the CI rule that a skipped test is a failed test.

On a laptop without Chromium the browser journeys skip; in CI (``CI=true``) every test must
run, so any skip turns the session red.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.core.management import call_command

pytest_plugins = ["tests.workflow_world"]

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if IN_CI and skipped and exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; in CI every test must run.", red=True)
        session.exitstatus = 1


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


@pytest.fixture(autouse=True)
def progress_cache_cleared():
    # Each test starts cold, so that query counts do not depend on the order tests run in.
    from evaluations.progress import progress_cache_clear

    progress_cache_clear()


@pytest.fixture
def tokyo_data(db):
    """Load Tokyo's sheets exactly as `make run` does."""
    call_command("load_tokyo_plan", verbosity=0)


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
