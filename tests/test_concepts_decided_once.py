"""Small concepts are decided once (issue 22 item 2): no module keeps a copy of its own.

Each concept has a behaviour test beside its one home (tests/programs/test_eraless_years.py,
tests/programs/test_target_wording.py, tests/programs/test_deadlines.py, …); this file checks that
the copies are gone, so that the next one is not typed again beside the function.
"""

import re
from pathlib import Path

import pytest

from programs.target_wording import KNOWN_TOTALS, read_target_wording
from sheets.exports import self_evaluation

ROOT = Path(__file__).resolve().parent.parent
APPS = ("accounts", "programs", "evaluations", "reports", "sheets", "cycle", "jobs", "operations", "kaigo_plan")
# Being split into a package by another branch (issue 22 item 4): the lead switches its copies to the
# homes below after the split, then empties this set (the report of branch concepts22 names the lines).
PENDING_SPLIT = ()


def _sources(*suffixes: str) -> list[tuple[str, str]]:
    roots = [ROOT / app for app in APPS] + [ROOT / "templates"]
    found = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.suffix not in suffixes or "migrations" in path.parts:
                continue
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith(PENDING_SPLIT):
                found.append((relative, path.read_text(encoding="utf-8")))
    return found


def _places(pattern: str, *suffixes: str, home: tuple[str, ...] = ()) -> list[str]:
    compiled = re.compile(pattern)
    return [
        f"{path}:{text.count(chr(10), 0, match.start()) + 1}: {match.group(0)}"
        for path, text in _sources(*suffixes)
        if path not in home
        for match in compiled.finditer(text)
    ]


def test_known_totals_live_in_the_target_wording_only():
    assert _places(r"(?m)^KNOWN_TOTALS\s*[:=]", ".py", home=("programs/target_wording.py",)) == []
    # The admin and the rollover read 「全老人福祉圏域」 through the default, without passing a copy.
    assert read_target_wording("全老人福祉圏域（Ｒ２）").components[0].value == KNOWN_TOTALS["老人福祉圏域"]


def test_an_eraless_year_is_resolved_in_fiscal_years_only():
    # 1988 + n / 2018 + n (平成 / 令和 by hand), or a pattern of 「30年度」 with no era.
    pattern = r"(?:1988|2018)\s*\+|\(\?P<year>元\|\\d\{1,2\}\)|\(元\|\\d\{1,2\}\)年度\?"
    assert _places(pattern, ".py", home=("programs/fiscal_years.py",)) == []


def test_item_labels_and_era_ranges_are_not_typed_by_hand():
    # 「事項{item.number}」 in code or 「事項{{ item.number }}」 in a template: item_label_of / |item_label.
    # (The sheet's printed 「事項１」, full-width like its area headings, is the export's item_text.)
    item_label = r"事項\{\{?\s*(?!full_width)[^}]*number[^}]*\}"
    assert _places(item_label, ".py", ".html", ".txt", home=("programs/models.py",)) == []
    # 「{{ first|era }}～{{ last|era }}」 or era_label(a)～era_label(b): era_range_label / plan_label_of.
    era_range = r"\|era\s*\}\}\s*[～〜~]|era_label\([^)]*\)\}\s*[～〜~]"
    assert _places(era_range, ".py", ".html", ".txt", home=("programs/fiscal_years.py",)) == []


def test_the_deadline_countdown_is_worded_by_deadline_label():
    # 「令和5年5月31日（2日超過）」 assembled from its parts instead of deadline_label.
    by_hand = r"（\{[^}]*deadline_note[^}]*\}）"
    assert _places(by_hand, ".py", ".html", home=("programs/fiscal_years.py",)) == []


def test_the_progress_worksheet_writes_every_column_the_import_reads_back():
    written = [column.header for column in self_evaluation.PROGRESS_COLUMNS]
    read_back = (*self_evaluation.PROGRESS_REQUIRED, *self_evaluation.PROGRESS_MACHINE)
    assert [header for header in read_back if header not in written] == []
    assert self_evaluation.HEADER_TARGET_WORDING in written


@pytest.mark.parametrize("name", ["PROGRESS_REQUIRED", "PROGRESS_MACHINE"])
def test_the_import_reads_the_exports_column_names(name):
    from sheets.imports.plan_sheet import progress_sheet

    assert getattr(progress_sheet, name) is getattr(self_evaluation, name)
