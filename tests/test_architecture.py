"""Which way the imports run (STYLE.md): programs ← evaluations ← reports and sheets; accounts beside.

Every module of each app is parsed (``ast``, so imports inside functions count too) and its
imports of the project's apps are checked against the floors it may reach. A module that
needs something from a floor above is a sign the thing lives on the wrong floor.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "programs", "evaluations", "reports", "sheets", "cycle", "jobs")
# cycle (reminders, threads, evidence files) sits beside reports and sheets: it reads the plan
# and the workflow, and evaluations reaches it only through the listeners it registers.
FORBIDDEN = {
    "programs": {"evaluations", "reports", "sheets", "cycle"},
    "evaluations": {"reports", "sheets", "cycle"},
    "sheets": {"reports"},  # sheets reads cycle: the 参考資料 cell lists the 別紙 titles (sheets.selectors)
    "cycle": {"reports", "sheets"},
    "accounts": {"programs", "evaluations", "reports", "sheets", "cycle", "jobs"},
    # jobs (background work: its state, files, conversion slots) sits on accounts only; the apps
    # that have long work (sheets) give it the function to run.
    "jobs": {"programs", "evaluations", "reports", "sheets", "cycle"},
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
