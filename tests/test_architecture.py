"""Which way the imports run (STYLE.md): programs ← evaluations ← reports and sheets; accounts beside.

Every module of each app is parsed (``ast``, so imports inside functions count too) and its
imports of the project's apps are checked against the floors it may reach; so is every
``{% load %}`` of the app's templates (a tag library is code of the app that holds it). A
module that needs something from a floor above is a sign the thing lives on the wrong floor.
``kaigo_plan`` is the wiring (settings, URLs, middleware): it may reach every app, and no app
reaches it.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "programs", "evaluations", "reports", "sheets", "cycle", "jobs", "operations", "kaigo_plan")
# cycle (reminders, threads, evidence files) sits beside reports and sheets: it reads the plan
# and the workflow, and evaluations reaches it only through the listeners it registers.
DOMAIN = {"programs", "evaluations", "reports", "sheets", "cycle", "jobs"}
FORBIDDEN = {
    "programs": {"evaluations", "reports", "sheets", "cycle", "jobs", "kaigo_plan"},
    "evaluations": {"reports", "sheets", "cycle", "kaigo_plan"},
    "sheets": {"reports", "kaigo_plan"},  # sheets reads cycle: the 参考資料 cell lists the 別紙 titles
    "cycle": {"reports", "sheets", "kaigo_plan"},
    "reports": {"kaigo_plan"},
    "accounts": DOMAIN | {"operations", "kaigo_plan"},
    # jobs (background work: its state, files, conversion slots) sits on accounts and reads only
    # the era labels of programs; the apps that have long work (sheets) give it the function to run.
    "jobs": {"evaluations", "reports", "sheets", "cycle", "kaigo_plan"},
    # operations (backup and restore) works on the database and the media folder as a whole.
    "operations": DOMAIN | {"kaigo_plan"},
}


def _modules(app: str) -> list[Path]:
    return sorted(path for path in (ROOT / app).rglob("*.py") if "migrations" not in path.parts)


def _imported_apps(path: Path) -> set[tuple[str, int]]:
    """Return (app, line) for every import of one of the project's apps in the module."""
    package = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            if node.module:
                names = [".".join([*base, node.module])]
            else:  # from . import x: the names are modules of the base package
                names = [".".join([*base, alias.name]) for alias in node.names]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top in APPS:
                found.add((top, node.lineno))
    return found


def test_the_checker_sees_absolute_relative_and_nested_imports(tmp_path, monkeypatch):
    module = ROOT / "programs" / "_architecture_probe.py"
    source = "from evaluations import models\nfrom ..reports import views\n\ndef f():\n    import sheets.views\n"
    try:
        module.write_text(source, encoding="utf-8")
        assert {app for app, _line in _imported_apps(module)} == {"evaluations", "reports", "sheets"}
    finally:
        module.unlink()
    relative = ROOT / "evaluations" / "imports" / "_probe.py"
    try:
        relative.write_text("from ..progress import plan_progress\nfrom ... import reports\n", encoding="utf-8")
        assert {app for app, _line in _imported_apps(relative)} == {"evaluations", "reports"}
    finally:
        relative.unlink()


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_app_imports_from_a_floor_above(app):
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for path in _modules(app)
        for target, line in sorted(_imported_apps(path))
        if target in FORBIDDEN[app]
    ]
    assert offending == []


def _tag_libraries() -> dict[str, str]:
    """Return each of the project's template tag libraries by its load name, with the app that holds it."""
    return {
        path.stem: app for app in APPS for path in (ROOT / app).glob("templatetags/*.py") if path.stem != "__init__"
    }


LOAD = re.compile(r"{%\s*load\s+(.+?)\s*%}")


def _loaded_libraries(path: Path) -> set[str]:
    names = set()
    for match in LOAD.finditer(path.read_text(encoding="utf-8")):
        words = match.group(1).split()
        # {% load name from library %} names the library last.
        names |= {words[-1]} if "from" in words else set(words)
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_template_loads_tags_from_a_floor_above(app):
    libraries = _tag_libraries()
    offending = [
        f"{path.relative_to(ROOT)} loads {name} ({libraries[name]})"
        for path in sorted((ROOT / app).glob("templates/**/*.html"))
        for name in sorted(_loaded_libraries(path))
        if libraries.get(name) in FORBIDDEN[app]
    ]
    assert offending == []


def test_the_template_check_knows_every_library_loaded():
    """A library the map does not know (a typo, or one from a new app) would pass the check unseen."""
    known = set(_tag_libraries()) | {"static", "l10n", "i18n", "tz", "humanize", "django_tables2", "admin_list"}
    loaded = {
        name
        for path in ROOT.glob("*/templates/**/*.html")
        if ".venv" not in path.parts
        for name in _loaded_libraries(path)
    }
    loaded |= {name for path in (ROOT / "templates").rglob("*.html") for name in _loaded_libraries(path)}
    assert loaded <= known, loaded - known


def _database_reads(path: Path) -> list[str]:
    """Return where a tag module reads the database: a manager (``.objects``) or a selector or service call."""
    name = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in {"objects", "_default_manager"}:
            found.append(f"{name}:{node.lineno} uses .{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] in {"selectors", "services"}:
            # Constants and types (NO_TARGET, EntryStatus) may come from a selector module; functions may not.
            found += [
                f"{name}:{node.lineno} imports {alias.name} from {node.module}"
                for alias in node.names
                if alias.name[:1].islower()
            ]
        elif isinstance(node, ast.ImportFrom) and any(alias.name in {"selectors", "services"} for alias in node.names):
            found.append(f"{name}:{node.lineno} imports a selector or service module")
    return found


def test_template_tags_read_nothing_from_the_database():
    """Views gather the data (one selector, counted queries); a tag only formats what it is given."""
    offending = [
        found for app in APPS for path in (ROOT / app).glob("templatetags/*.py") for found in _database_reads(path)
    ]
    assert offending == []


def test_the_tag_check_sees_managers_and_selector_calls(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from .. import selectors\nfrom ..selectors import NO_TARGET, thread_entries\nx = Item.objects.all()\n",
        encoding="utf-8",
    )
    assert len(_database_reads(probe)) == 3


# A data migration that needs the read model's SQL: the tables it installs triggers for are frozen
# in the migration itself (evaluations.apps reinstalls the current ones after every migrate).
MIGRATION_IMPORTS_ALLOWED = {("evaluations/migrations/0004_progress_version.py", "evaluations.progress")}


def _migration_code_imports(path: Path) -> set[str]:
    """Return the project modules a migration takes names from (``from app.module import name``).

    ``import programs.periods`` for a field's validators is what makemigrations writes and stays;
    taking data or a function (``from programs.shipped_layouts import ...``) ties the migration to
    today's code, which a later model change breaks when the database is built from scratch.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] in APPS
    }


def test_data_migrations_carry_their_own_data():
    offending = [
        f"{path.relative_to(ROOT)} takes from {module}"
        for app in APPS
        for path in sorted((ROOT / app).glob("migrations/0*.py"))
        for module in sorted(_migration_code_imports(path))
        if (str(path.relative_to(ROOT)), module) not in MIGRATION_IMPORTS_ALLOWED
    ]
    assert offending == []


def test_the_migration_check_sees_an_import_inside_a_function(tmp_path):
    probe = tmp_path / "0099_probe.py"
    probe.write_text("def install(apps, schema_editor):\n    from programs.shipped_layouts import LAYOUTS\n")
    assert _migration_code_imports(probe) == {"programs.shipped_layouts"}
