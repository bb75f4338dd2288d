"""The environment as a service file writes it: empty means "not set", and .env.example is complete.

Issue 9 item 1: a copied .env.example filled in with only the production values crashed
settings (``DATABASE_URL=``, ``DJANGO_SECURE_HSTS_SECONDS=``) or, with ``DJANGO_STATIC_ROOT=``,
made the project directory the static root, so whitenoise served ``/static/.env``.
"""

import ast
import hashlib
import hmac
import json
import os
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from kaigo_plan.env import env_bool, env_int, env_list, env_path, env_str, require_dedicated_folder

ROOT = Path(__file__).resolve().parent.parent
ENV_EXAMPLE = ROOT / ".env.example"
READERS = {"env_str", "env_int", "env_bool", "env_list", "env_path"}
SOURCES = [ROOT / "kaigo_plan" / "settings.py", ROOT / "gunicorn.conf.py"]
REQUIRED_IN_PRODUCTION = {"DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"}
SECRET = "k" * 20 + "-production-secret-" + "q" * 30
HOST = "kaigo.example.lg.jp"
# Files under the project that must never be served, whatever the environment says.
PRIVATE_URLS = [
    "/static/.env",
    "/static/.env.example",
    "/static/manage.py",
    "/static/kaigo_plan/settings.py",
    "/static/.git/config",
    "/static/var/kaigo_plan.sqlite3",
]


# -- Which variables the settings read, from their source ------------------------------------


def _is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and getattr(node.value, "id", None) == "os"


def _variables_read(path: Path) -> set[str]:
    """Return every environment variable ``path`` reads; fail on a read the test cannot name."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(), filename=str(path))
    understood: set[int] = set()
    for node in ast.walk(tree):
        name_node = None
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in READERS:
                name_node = node.args[0] if node.args else None
            elif isinstance(func, ast.Attribute) and func.attr in {"get", "setdefault"} and _is_os_environ(func.value):
                name_node = node.args[0] if node.args else None
                understood.add(id(func.value))
            elif isinstance(func, ast.Attribute) and func.attr == "getenv" and getattr(func.value, "id", None) == "os":
                name_node = node.args[0] if node.args else None
            elif (
                isinstance(func, ast.Attribute)
                and func.attr == "config"
                and getattr(func.value, "id", "") == ("dj_database_url")
            ):
                pytest.fail(f"{path.name}:{node.lineno}: dj_database_url.config() reads DATABASE_URL itself")
            else:
                continue
        elif isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            name_node = node.slice
            understood.add(id(node.value))
        else:
            continue
        if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
            pytest.fail(f"{path.name}:{node.lineno}: read of an environment variable whose name is not a literal")
        names.add(name_node.value)
    for node in ast.walk(tree):
        if _is_os_environ(node) and id(node) not in understood:
            pytest.fail(f"{path.name}:{node.lineno}: os.environ used in a way this test cannot check")
    return names


def _example_entries() -> dict[str, tuple[str, bool]]:
    """Return {name: (value, commented_out)} for every ``NAME=value`` line of .env.example."""
    entries = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        match = re.fullmatch(r"(#\s*)?([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            entries[match.group(2)] = (match.group(3), bool(match.group(1)))
    return entries


def test_env_example_lists_every_variable_settings_and_gunicorn_read():
    read = set().union(*(_variables_read(path) for path in SOURCES))
    assert {"DJANGO_SECRET_KEY", "DATABASE_URL", "GUNICORN_WORKERS", "DJANGO_TRUSTED_PROXY_COUNT"} <= read
    missing = read - set(_example_entries())
    assert not missing, f".env.example does not list {sorted(missing)}"


def test_env_example_lists_nothing_that_nobody_reads():
    read = set().union(*(_variables_read(path) for path in SOURCES))
    others = "\n".join(
        path.read_text()
        for path in ROOT.glob("*/**/*.py")
        if not path.is_relative_to(ROOT / ".venv") and not path.is_relative_to(ROOT / "tests")
    )
    stale = {name for name in _example_entries() if name not in read and f'"{name}"' not in others}
    assert not stale, f".env.example lists variables nothing reads: {sorted(stale)}"


def test_only_the_production_values_are_uncommented_in_env_example():
    required = {name for name, (_, commented) in _example_entries().items() if not commented}
    assert required == REQUIRED_IN_PRODUCTION | {"DJANGO_DEBUG"}
    assert _example_entries()["DJANGO_DEBUG"] == ("false", False)


# -- The helpers -------------------------------------------------------------------------------


def test_an_empty_or_blank_variable_means_not_set(monkeypatch):
    for name in ("A_STR", "A_INT", "A_BOOL", "A_LIST", "A_PATH"):
        monkeypatch.setenv(name, "  ")
    assert env_str("A_STR", "default") == "default"
    assert env_int("A_INT", 7) == 7
    assert env_bool("A_BOOL", True) is True
    assert env_list("A_LIST", ["x"]) == ["x"]
    assert env_path("A_PATH", Path("/srv/default")) == Path("/srv/default")


def test_set_variables_are_parsed_and_bad_ones_refused_by_name(monkeypatch):
    monkeypatch.setenv("A_INT", " 12 ")
    monkeypatch.setenv("A_BOOL", "Off")
    monkeypatch.setenv("A_LIST", "a, ,b,")
    monkeypatch.setenv("A_PATH", "/srv/kaigo/static")
    assert env_int("A_INT", 0) == 12
    assert env_bool("A_BOOL", True) is False
    assert env_list("A_LIST", []) == ["a", "b"]
    assert env_path("A_PATH", Path("/x")) == Path("/srv/kaigo/static")
    for name, value, call in [
        ("A_INT", "twelve", lambda: env_int("A_INT", 0)),
        ("A_INT", "-1", lambda: env_int("A_INT", 0)),
        ("A_BOOL", "maybe", lambda: env_bool("A_BOOL", False)),
        ("A_PATH", "var/static", lambda: env_path("A_PATH", Path("/x"))),
        ("A_PATH", ".", lambda: env_path("A_PATH", Path("/x"))),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(ImproperlyConfigured, match=name):
            call()


def test_gunicorn_reads_an_empty_variable_as_its_default(monkeypatch):
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "GUNICORN_MAX_REQUESTS"):
        monkeypatch.setenv(name, "")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert (config["bind"], config["workers"], config["threads"], config["timeout"], config["max_requests"]) == (
        "127.0.0.1:8000",
        2,
        1,
        60,
        2000,
    )
    # Each worker starts from the master's imported application, so a new one answers at once.
    assert config["preload_app"] is True


# -- Served folders --------------------------------------------------------------------------


def _dedicated(folder: Path, base: Path, **private: Path) -> Path:
    return require_dedicated_folder(
        "DJANGO_STATIC_ROOT", folder, base_dir=base, dedicated_parent=base / "var", private=private
    )


@pytest.mark.parametrize(
    "relative",
    [".", "..", "../..", "static", "templates", "kaigo_plan", "var", "var/backups", "var/backups/static", "var/db"],
)
def test_a_served_folder_that_is_inside_around_or_beside_private_files_is_refused(tmp_path, relative):
    base = tmp_path / "srv" / "kaigo-plan"
    private = {"backups": base / "var" / "backups", "SQLITE_PATH": base / "var" / "db" / "kaigo.sqlite3"}
    with pytest.raises(ImproperlyConfigured, match=r"DJANGO_STATIC_ROOT=.* is refused"):
        _dedicated(base / relative, base, **private)


def test_static_and_media_roots_must_not_overlap(tmp_path):
    base = tmp_path / "app"
    with pytest.raises(ImproperlyConfigured, match="overlaps DJANGO_MEDIA_ROOT"):
        _dedicated(base / "var" / "files", base, DJANGO_MEDIA_ROOT=base / "var" / "files" / "media")
    with pytest.raises(ImproperlyConfigured, match="overlaps DJANGO_MEDIA_ROOT"):
        _dedicated(base / "var" / "files", base, DJANGO_MEDIA_ROOT=base / "var" / "files")


def test_a_symlink_to_the_project_is_refused(tmp_path):
    base = tmp_path / "app"
    base.mkdir()
    (tmp_path / "static-link").symlink_to(base)
    with pytest.raises(ImproperlyConfigured, match="project directory"):
        _dedicated(tmp_path / "static-link", base)


def test_dedicated_folders_are_accepted(tmp_path):
    base = tmp_path / "app"
    assert _dedicated(base / "var" / "staticfiles", base) == (base / "var" / "staticfiles").resolve()
    assert _dedicated(tmp_path / "www" / "static", base) == (tmp_path / "www" / "static").resolve()


# -- Production settings booted from a copy of .env.example ----------------------------------


def _clean_environment() -> dict[str, str]:
    prefixes = ("DJANGO_", "DATABASE_", "GUNICORN_", "SQLITE_", "LOGIN_", "SESSION_")
    clean = {key: value for key, value in os.environ.items() if not key.startswith(prefixes)}
    return {**clean, "DJANGO_SETTINGS_MODULE": "kaigo_plan.settings"}


def _load_env_file(path: Path) -> dict[str, str]:
    """Read an environment file as systemd's EnvironmentFile does: ``NAME=`` sets an empty value."""
    values = {}
    for line in path.read_text().splitlines():
        match = re.fullmatch(r"([A-Z][A-Z0-9_]*)=(.*)", line.strip())
        if match:
            values[match.group(1)] = match.group(2)
    return values


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)


PROBE = """
import json, sys
import django
django.setup()
from django.contrib.staticfiles.storage import staticfiles_storage
from django.test import Client
from django.conf import settings
client = Client(HTTP_HOST=sys.argv[2])
paths = sys.argv[3:] + [staticfiles_storage.url("css/app.css")]
answers = {path: client.get(path, secure=True).status_code for path in paths}
with open(sys.argv[1], "w") as out:
    json.dump({"answers": answers, "static_root": str(settings.STATIC_ROOT)}, out)
"""


def test_env_example_filled_with_only_the_required_values_runs_a_clean_production(tmp_path):
    env_file = tmp_path / "env"
    shutil.copy(ENV_EXAMPLE, env_file)
    filled = {"DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": HOST}
    filled["DATABASE_URL"] = f"sqlite:///{tmp_path / 'kaigo.sqlite3'}"
    text = env_file.read_text()
    for name, value in filled.items():
        text, count = re.subn(rf"(?m)^{name}=$", f"{name}={value}", text)
        assert count == 1, name
    env_file.write_text(text)
    # Every optional variable the example shows, set but empty, as a careless copy would have it.
    optional_blank = {name: "" for name, (_, commented) in _example_entries().items() if commented}
    env = {**_clean_environment(), **optional_blank, **_load_env_file(env_file)}
    assert env["DJANGO_DEBUG"] == "false"
    assert env["DJANGO_STATIC_ROOT"] == env["DJANGO_SECURE_HSTS_SECONDS"] == ""

    check = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "no issues" in check.stdout
    collect = _run([sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], env)
    assert collect.returncode == 0, collect.stdout + collect.stderr

    result = tmp_path / "answers.json"
    probe = _run([sys.executable, "-c", PROBE, str(result), HOST, *PRIVATE_URLS], env)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    report = json.loads(result.read_text())
    assert report["static_root"] == str(ROOT / "var" / "staticfiles")
    answers = report["answers"]
    stylesheet = answers.pop(next(path for path in answers if path.startswith("/static/css/app.")))
    assert stylesheet == 200  # whitenoise does serve the collected files...
    assert answers == dict.fromkeys(PRIVATE_URLS, 404)  # ...and nothing else


SETTINGS_DUMP = """
import json, sys
import django
django.setup()
from django.conf import settings as s
json.dump({
    "DEBUG": s.DEBUG,
    "ENGINE": s.DATABASES["default"]["ENGINE"],
    "HSTS": s.SECURE_HSTS_SECONDS,
    "SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "STATIC_ROOT": str(s.STATIC_ROOT),
    "MEDIA_ROOT": str(s.MEDIA_ROOT),
    "ADMIN_PATH": s.ADMIN_PATH,
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
    "COOLOFF_SECONDS": s.AXES_COOLOFF_TIME.total_seconds(),
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "TRUSTED_PROXY_COUNT": s.TRUSTED_PROXY_COUNT,
    "LOG_FORMAT": s.LOGGING["handlers"]["console"]["formatter"],
    "LOG_LEVEL": s.LOGGING["root"]["level"],
    "CSRF_TRUSTED_ORIGINS": s.CSRF_TRUSTED_ORIGINS,
    "PROXY_SSL_HEADER": s.SECURE_PROXY_SSL_HEADER,
}, sys.stdout)
"""


def test_every_empty_variable_takes_its_default_in_production():
    env = {name: "" for name in _example_entries()}
    env.update(DJANGO_DEBUG="false", DJANGO_SECRET_KEY=SECRET, DJANGO_ALLOWED_HOSTS=HOST)
    result = _run([sys.executable, "-c", SETTINGS_DUMP], {**_clean_environment(), **env})
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == {
        "DEBUG": False,
        "ENGINE": "django.db.backends.sqlite3",
        "HSTS": 31536000,
        "SSL_REDIRECT": True,
        "STATIC_ROOT": str(ROOT / "var" / "staticfiles"),
        "MEDIA_ROOT": str(ROOT / "var" / "media"),
        # Never /admin/ in production: derived from the secret key (tests/test_settings_production.py).
        "ADMIN_PATH": "kanri-"
        + hmac.new(SECRET.encode(), b"kaigo-plan admin path", hashlib.sha256).hexdigest()[:20]
        + "/",
        "AXES_FAILURE_LIMIT": 5,
        "COOLOFF_SECONDS": 900,
        "SESSION_COOKIE_AGE": 1800,
        "TRUSTED_PROXY_COUNT": 0,
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "CSRF_TRUSTED_ORIGINS": [],
        "PROXY_SSL_HEADER": None,
    }


def test_every_empty_variable_means_development_mode():
    env = {name: "" for name in _example_entries()}
    result = _run([sys.executable, "-c", SETTINGS_DUMP], {**_clean_environment(), **env})
    assert result.returncode == 0, result.stderr
    dumped = json.loads(result.stdout.splitlines()[-1])
    assert (dumped["DEBUG"], dumped["ENGINE"], dumped["HSTS"], dumped["LOG_FORMAT"]) == (
        True,
        "django.db.backends.sqlite3",
        0,
        "plain",
    )


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("DJANGO_STATIC_ROOT", str(ROOT), "is refused: it is (or contains) the project directory"),
        ("DJANGO_STATIC_ROOT", str(ROOT.parent), "is refused: it is (or contains) the project directory"),
        ("DJANGO_STATIC_ROOT", "/", "is refused: it is (or contains) the project directory"),
        ("DJANGO_STATIC_ROOT", ".", "must be an absolute path"),
        ("DJANGO_STATIC_ROOT", str(ROOT / "static"), "only a dedicated folder below"),
        ("DJANGO_MEDIA_ROOT", str(ROOT), "is refused: it is (or contains) the project directory"),
        ("DJANGO_MEDIA_ROOT", str(ROOT / "var" / "staticfiles"), "overlaps DJANGO_STATIC_ROOT"),
        ("DJANGO_MEDIA_ROOT", str(ROOT / "var"), "only a dedicated folder below"),
    ],
)
def test_production_refuses_to_start_with_a_served_folder_that_exposes_the_project(name, value, message):
    env = {**_clean_environment(), "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": SECRET, "DJANGO_ALLOWED_HOSTS": HOST}
    result = _run([sys.executable, "manage.py", "check"], {**env, name: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_an_empty_static_root_is_the_default_folder_not_the_current_directory():
    env = {**_clean_environment(), "DJANGO_STATIC_ROOT": "", "DJANGO_MEDIA_ROOT": ""}
    result = _run([sys.executable, "-c", SETTINGS_DUMP], env)
    assert result.returncode == 0, result.stderr
    dumped = json.loads(result.stdout.splitlines()[-1])
    assert dumped["STATIC_ROOT"] == str(ROOT / "var" / "staticfiles")
    assert dumped["MEDIA_ROOT"] == str(ROOT / "var" / "media")


def test_sqlite_writers_wait_for_the_lock_instead_of_failing_at_once(tmp_path):
    # A deferred transaction that later needs the write lock fails at once ("database is
    # locked") whatever the timeout; two staff saving together must queue, not see 503.
    probe = "import json, django; django.setup(); from django.conf import settings; "
    probe += "print(json.dumps(settings.DATABASES['default']['OPTIONS']))"
    env = {**_clean_environment(), "SQLITE_PATH": str(tmp_path / "db.sqlite3")}
    result = _run([sys.executable, "-c", probe], env)
    assert result.returncode == 0, result.stderr
    options = json.loads(result.stdout.splitlines()[-1])
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 20
