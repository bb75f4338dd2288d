"""Check the database against the load test's ledger: every saved figure there exactly once, with history.

Run from the project root with the server's environment::

    DATABASE_URL=postgres://... .venv/bin/python load/verify.py var/load/<run>/ledger.json

For every item the load test saved, the saves that committed are read back from the audit
history (each save writes a self-evaluation text ``保存#k`` and figures ``200+k`` and
``600+k``), and the script checks that

* each indicator has exactly one YearlyResult for the fiscal year, holding the figures of the
  last committed save, and the self-evaluation holds that save's text;
* every save the client saw succeed (``ok``) committed, every save the server refused did not,
  and a save whose answer was lost (``unknown``: 5xx, dropped connection) either committed
  whole or not at all;
* the self-evaluation's history and each indicator's history list the same saves in the same
  order (no save left one without the other: no half-saved record), one history row per
  change, and the self-evaluation's version counts them;
* no YearlyResult anywhere lacks a history row.

Exit status 1 on any finding.
"""

import argparse
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_plan.settings")

import django  # noqa: E402

django.setup()

from django.db.models import Exists, OuterRef  # noqa: E402

from evaluations.models import SelfEvaluation, YearlyResult  # noqa: E402

TOKEN_RE = re.compile(r"保存#(\d+)$")


def check_item(item_id: int, entry: dict, fiscal_year: int, problems: list[str]) -> Counter:
    attempts = entry["attempts"]
    counts = Counter(attempt["outcome"] for attempt in attempts)
    counts["conflict"] = sum(1 for attempt in attempts if attempt.get("conflict"))
    ok = {a["k"] for a in attempts if a["outcome"] == "ok"}
    unknown = {a["k"] for a in attempts if a["outcome"] == "unknown"}
    by_k = {a["k"]: a for a in attempts}
    where = f"item {item_id} ({entry['user']})"

    evaluations = list(SelfEvaluation.objects.filter(item_id=item_id, fiscal_year=fiscal_year))
    if not evaluations:
        if ok:
            problems.append(f"{where}: {len(ok)} saves answered ok, but no self-evaluation exists")
        if YearlyResult.objects.filter(indicator__item_id=item_id, fiscal_year=fiscal_year).exists():
            problems.append(f"{where}: results without a self-evaluation (half-saved)")
        return counts
    evaluation = evaluations[0]
    history = list(evaluation.history.order_by("history_id").values("version", "activities", "history_type"))
    committed = []
    for row in history:
        match = TOKEN_RE.search(row["activities"] or "")
        if not match:
            problems.append(f"{where}: self-evaluation history row without a save token: {row}")
            continue
        committed.append(int(match.group(1)))
    if len(set(committed)) != len(committed):
        problems.append(f"{where}: a save appears twice in the self-evaluation history: {committed}")
    if committed != sorted(committed):
        problems.append(f"{where}: self-evaluation history out of order: {committed}")
    if [row["version"] for row in history] != list(range(1, len(history) + 1)):
        problems.append(f"{where}: history versions {[r['version'] for r in history]} are not 1..{len(history)}")
    if evaluation.version != len(history):
        problems.append(f"{where}: version {evaluation.version} but {len(history)} history rows")
    if missing := ok - set(committed):
        problems.append(f"{where}: saves answered ok but not in the database: {sorted(missing)}")
    if extra := set(committed) - ok - unknown:
        problems.append(f"{where}: saves the server refused are in the database: {sorted(extra)}")
    counts["unknown_committed"] = len(set(committed) & unknown)
    last = max(committed) if committed else None
    last_ok = max(ok) if ok else None
    if (
        last_ok is not None
        and last is not None
        and last != last_ok
        and not (unknown & set(range(last_ok + 1, last + 1)))
    ):
        problems.append(f"{where}: last committed save #{last} is not the last ok save #{last_ok}")
    if last is not None and TOKEN_RE.search(evaluation.activities or "").group(1) != str(last):
        problems.append(f"{where}: self-evaluation text {evaluation.activities!r} is not save #{last}")

    for index, indicator_id in enumerate(entry["indicators"]):
        results = list(YearlyResult.objects.filter(indicator_id=indicator_id, fiscal_year=fiscal_year))
        if len(results) != 1:
            problems.append(f"{where}: indicator {indicator_id} has {len(results)} results for FY{fiscal_year}")
            continue
        result = results[0]
        if last is not None and result.value != by_k[last]["values"][index]:
            problems.append(
                f"{where}: indicator {indicator_id} holds {result.value}, "
                f"save #{last} wrote {by_k[last]['values'][index]}"
            )
        values = list(result.history.order_by("history_id").values_list("value", flat=True))
        ks = [int(value) - 200 - 400 * index for value in values]
        if ks != committed:
            problems.append(
                f"{where}: indicator {indicator_id} history saves {ks} ≠ self-evaluation history {committed}"
            )
        counts["results_verified"] += 1
        counts["result_history_rows"] += len(values)
    counts["evaluations_verified"] += 1
    counts["evaluation_history_rows"] += len(history)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ledger", type=Path)
    parser.add_argument("--fiscal-year", type=int, default=2024)
    parser.add_argument("--json", type=Path, help="write the summary here as well")
    args = parser.parse_args()
    ledger = json.loads(args.ledger.read_text())
    problems: list[str] = []
    totals: Counter = Counter()
    for item_id, entry in ledger.items():
        totals += check_item(int(item_id), entry, args.fiscal_year, problems)
    historical = YearlyResult.history.model
    orphans = YearlyResult.objects.exclude(Exists(historical.objects.filter(id=OuterRef("pk")))).count()
    if orphans:
        problems.append(f"{orphans} results have no history row")
    if not totals["ok"]:
        problems.append("no save succeeded: a run that saved nothing proves nothing")
    summary = {
        "items": len(ledger),
        "saves_ok": totals["ok"],
        "saves_refused": totals["refused"],
        "saves_unknown": totals["unknown"],
        "unknown_that_committed": totals["unknown_committed"],
        "conflicts": totals["conflict"],
        "evaluations_verified": totals["evaluations_verified"],
        "results_verified": totals["results_verified"],
        "result_history_rows": totals["result_history_rows"],
        "evaluation_history_rows": totals["evaluation_history_rows"],
        "results_without_history": orphans,
        "problems": problems,
    }
    if args.json:
        args.json.write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    for key, value in summary.items():
        if key != "problems":
            print(f"{key:>26}: {value}")
    for problem in problems[:50]:
        print("PROBLEM:", problem)
    print(
        "verify:", "FAILED" if problems else "OK — every committed figure is in the database exactly once, with history"
    )
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
