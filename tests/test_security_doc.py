"""docs/security.md names real tests: a renamed or deleted test must update the table."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _named_tests() -> list[tuple[str, str]]:
    """Return (file, test) for every `tests/x.py::name` and following `::name` in the doc."""
    named = []
    for line in (ROOT / "docs" / "security.md").read_text().splitlines():
        current = None
        for match in re.finditer(r"`(tests/[\w/]+\.py)?::(test_\w+)`", line):
            current = match.group(1) or current
            assert current, f"{match.group(0)} has no file before it: {line}"
            named.append((current, match.group(2)))
    return named


def test_every_test_the_security_table_names_exists():
    named = _named_tests()
    assert len(named) >= 30
    missing = [f"{path}::{name}" for path, name in named if f"def {name}(" not in (ROOT / path).read_text()]
    assert not missing, f"docs/security.md names tests that do not exist: {missing}"
