"""The fault report counts 500s apart from the 503 retry page, and a run with any 500 fails.

Issue 9 item 15: a database restart answered some requests 500 and the run still passed.
"""

import csv
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
T0 = 1_700_000_000.0


def _run_folder(tmp_path: Path, statuses: list[int], log_statuses: list[int]) -> Path:
    run = tmp_path / "fault-run"
    run.mkdir()
    with open(run / "requests.csv", "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["start", "end", "name", "status", "ms", "ok", "error"])
        for index, status in enumerate(statuses):
            start = T0 + index
            ok = int(status in (200, 302))
            writer.writerow([f"{start:.3f}", f"{start + 0.05:.3f}", "entry GET", status, "50.0", ok, ""])
    events = [
        {"t": T0, "event": "load_start"},
        {"t": T0 + 1.5, "event": "db_restart_begin"},
        {"t": T0 + 3.5, "event": "db_ready"},
        {"t": T0 + len(statuses), "event": "load_end"},
    ]
    health = [[T0 + 2, T0 + 2.01, 503], [T0 + 4, T0 + 4.01, 200]]
    (run / "timeline.json").write_text(json.dumps({"events": events, "health": health}))
    (run / "manifest.json").write_text(json.dumps({"staff": ["a"], "managers": ["b"]}))
    log = "\n".join(
        json.dumps({"remote": "127.0.0.1", "request": "GET /entry/items/1/2024/ HTTP/1.1", "status": s, "bytes": "1",
                    "duration_ms": 5})
        for s in log_statuses
    )  # fmt: skip
    (run / "gunicorn.log").write_text(log.replace('"status": ', '"status":') + "\n")
    return run


def _report(run: Path) -> tuple[int, str]:
    result = subprocess.run(
        [sys.executable, "load/report.py", str(run)], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    return result.returncode, (run / "report.md").read_text()


def test_a_run_whose_outage_answered_503_passes_and_counts_them_apart(tmp_path):
    run = _run_folder(tmp_path, [200, 302, 503, 503, 0, 200], [200, 302, 503, 503, 200])
    status, report = _report(run)
    assert status == 0, report
    assert "| 500 | 503 | other 5xx | no answer | other failures |" in report
    # The "all" row of the page table: 6 requests, 0 × 500, 2 × 503, 0 other 5xx, 1 without answer.
    all_row = next(line for line in report.splitlines() if line.startswith("| **all** | 6 |"))
    assert all_row.endswith("| 0 | 2 | 0 | 1 | 0 |")
    assert "**500 answers: 0 seen by the client, 0 in gunicorn's access log** (none)" in report


def test_a_single_500_fails_the_run(tmp_path):
    run = _run_folder(tmp_path, [200, 500, 503, 200], [200, 500, 503, 200])
    status, report = _report(run)
    assert status == 1
    assert "**500 answers: 1 seen by the client, 1 in gunicorn's access log** (FAILED" in report
    # By arrival: the 500 arrived before the restart, the 503 during it.
    assert "| before the faults | 2 | 1 | 0 | 0 | 0 | 0 |" in report
    assert "| database restart → recovery | 2 | 0 | 1 | 0 | 0 | 0 |" in report


def test_a_500_only_in_the_server_log_fails_the_run_too(tmp_path):
    run = _run_folder(tmp_path, [200, 200], [200, 500])
    status, report = _report(run)
    assert status == 1
    assert "**500 answers: 0 seen by the client, 1 in gunicorn's access log** (FAILED" in report
