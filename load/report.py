"""Summarise a load or fault run folder: requests/s, p50/p95 per page, errors, and the fault timeline.

    .venv/bin/python load/report.py var/load/<run>

Reads ``requests.csv`` (every request, written by the locustfile), ``timeline.json`` and
``verify.json``; prints Markdown and writes it to ``report.md`` in the run folder. An error is
a status of 500 or more, or no answer at all (connection refused or reset: status 0); other
failures (a save re-rendered, a login page) are counted apart. Errors are split by kind: a 503
is the "please retry" page the application owes its users while the database is away; a 500
is a defect at any time, so the report exits with status 1 when the client saw one or
gunicorn's access log holds one.
"""

import argparse
import csv
import json
import math
import re
from collections import defaultdict
from pathlib import Path

SERVER_PAGES = {
    ("GET", "/accounts/login/"): "login form",
    ("POST", "/accounts/login/"): "login",
    ("GET", "/"): "dashboard",
    ("GET", "/entry/items/<id>/<year>/"): "entry GET",
    ("POST", "/entry/items/<id>/<year>/"): "entry POST",
    ("GET", "/entry/"): "entry overview",
    ("POST", "/accounts/logout/"): "logout",
    ("GET", "/healthz"): "healthz",
}
PAGE_ORDER = ["login form", "login", "dashboard", "entry GET", "entry POST", "entry overview", "logout"]


def percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[max(0, math.ceil(q * len(sorted_values)) - 1)]


def is_error(row: dict) -> bool:
    return int(row["status"]) >= 500 or int(row["status"]) == 0


def error_kind(row: dict) -> str | None:
    """Return "500", "503", "other 5xx" or "no answer" for an error, None for anything else."""
    status = int(row["status"])
    if status == 0:
        return "no answer"
    if status in (500, 503):
        return str(status)
    return "other 5xx" if status > 500 else None


ERROR_KINDS = ("500", "503", "other 5xx", "no answer")
ERROR_COLUMNS = "500 | 503 | other 5xx | no answer"


def error_cells(group: list[dict]) -> str:
    kinds = [error_kind(r) for r in group]
    return " | ".join(str(kinds.count(kind)) for kind in ERROR_KINDS)


def server_errors_in_log(log_text: str) -> int:
    """Count the 500 answers in gunicorn's JSON access log."""
    return len(re.findall(r'"status":500\b', log_text))


def load_rows(run: Path) -> list[dict]:
    with open(run / "requests.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["start"], row["end"], row["ms"] = float(row["start"]), float(row["end"]), float(row["ms"])
    return rows


def page_table(rows: list[dict], seconds: float) -> list[str]:
    by_name = defaultdict(list)
    for row in rows:
        by_name[row["name"]].append(row)
    names = [n for n in PAGE_ORDER if n in by_name] + sorted(set(by_name) - set(PAGE_ORDER))
    lines = [
        f"| page | requests | req/s | p50 ms | p95 ms | p99 ms | max ms | {ERROR_COLUMNS} | other failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name in [*names, None]:
        group = rows if name is None else by_name[name]
        times = sorted(r["ms"] for r in group)
        other = sum(1 for r in group if r["ok"] == "0" and not is_error(r))
        label = "**all**" if name is None else name
        lines.append(
            f"| {label} | {len(group)} | {len(group) / seconds:.1f} | {percentile(times, 0.5):.0f} | "
            f"{percentile(times, 0.95):.0f} | {percentile(times, 0.99):.0f} | {times[-1] if times else 0:.0f} | "
            f"{error_cells(group)} | {other} |"
        )
    return lines


def server_table(log_text: str) -> list[str]:
    """Time spent inside gunicorn per page (its access log), i.e. without the wait in its queue."""
    by_name = defaultdict(list)
    for line in log_text.splitlines():
        if not line.startswith('{"remote"'):
            continue
        entry = json.loads(line)
        method, path = entry["request"].split()[:2]
        name = SERVER_PAGES.get((method, re.sub(r"/\d+/\d+/$", "/<id>/<year>/", path.split("?")[0])), path)
        by_name[name].append(float(entry["duration_ms"]))
    names = [n for n in [*PAGE_ORDER, "healthz"] if n in by_name] + sorted(set(by_name) - {*PAGE_ORDER, "healthz"})
    lines = [
        "",
        "Time inside gunicorn (access log `duration_ms`, no queueing):",
        "",
        "| page | responses | p50 ms | p95 ms | worker-seconds |",
        "|---|---:|---:|---:|---:|",
    ]
    for name in names:
        times = sorted(by_name[name])
        lines.append(
            f"| {name} | {len(times)} | {percentile(times, 0.5):.0f} | {percentile(times, 0.95):.0f} | "
            f"{sum(times) / 1000:.1f} |"
        )
    return lines


def fault_section(rows: list[dict], timeline: dict, t0: float) -> list[str]:
    events = {e["event"]: e for e in timeline["events"]}
    health = timeline["health"]
    lines = ["", "## Fault timeline (seconds from the start of the load)", ""]
    for event in timeline["events"]:
        details = {k: v for k, v in event.items() if k not in ("t", "event")}
        lines.append(f"- {event['t'] - t0:7.2f}  {event['event']}  {json.dumps(details) if details else ''}")
    db_down = events.get("db_restart_begin") or events.get("db_stop_begin")
    db_ready = events.get("db_ready")
    recovered = None
    if db_ready:
        recovered = next((s for s in health if s[0] >= db_ready["t"] and s[2] == 200), None)
        unhealthy = [s for s in health if db_down and s[0] >= db_down["t"] and s[2] != 200]
        lines += [
            "",
            f"- database down for {db_ready['t'] - db_down['t']:.2f} s "
            "(from the stop/restart command to `pg_ctl -w` returning)",
            f"- /healthz probes not 200 after the database went down: {len(unhealthy)} "
            f"({', '.join(sorted({str(s[2]) for s in unhealthy})) or '-'})",
        ]
        if recovered:
            lines.append(
                f"- first /healthz 200 after the database's return: probe sent {recovered[0] - db_ready['t']:+.2f} s, "
                f"answered {recovered[1] - db_ready['t']:+.2f} s after `db_ready` "
                f"(= recovery at {recovered[1] - t0:.2f} s)"
            )
        after = [s for s in health if recovered and s[0] >= recovered[1]]
        lines.append(f"- /healthz probes after recovery: {len(after)}, not 200: {sum(1 for s in after if s[2] != 200)}")
    kill = events.get("worker_killed")
    respawn = events.get("worker_respawned")
    if kill and respawn:
        lines.append(f"- killed worker replaced by the master within {respawn['t'] - kill['t']:.2f} s")

    phases = [("before the faults", t0)]
    if kill:
        phases.append(("worker killed → database restart", kill["t"]))
    if db_down:
        phases.append(("database restart → recovery", db_down["t"]))
    if recovered:
        phases.append(("after recovery", recovered[1]))
    for key, title in (("start", "arrival (request sent)"), ("end", "answer received")):
        lines += [
            "",
            f"| requests by {title} | requests | {ERROR_COLUMNS} | other failures |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for index, (label, begin) in enumerate(phases):
            end = phases[index + 1][1] if index + 1 < len(phases) else float("inf")
            group = [r for r in rows if begin <= r[key] < end]
            other = sum(1 for r in group if r["ok"] == "0" and not is_error(r))
            lines.append(f"| {label} | {len(group)} | {error_cells(group)} | {other} |")
    failures = [r for r in rows if r["ok"] == "0"]
    if failures:
        lines += ["", "Every failed request (arrival → answer, seconds from the start):", ""]
        for row in failures[:80]:
            lines.append(
                f"- {row['start'] - t0:7.2f} → {row['end'] - t0:7.2f} {row['name']}: "
                f"status {row['status']} {row['error']}"
            )
        if len(failures) > 80:
            lines.append(f"- … and {len(failures) - 80} more")
    if recovered:
        late = [r for r in rows if r["start"] >= recovered[1] and is_error(r)]
        after_db = [r for r in rows if db_ready and r["start"] >= db_ready["t"] and is_error(r)]
        lines += [
            "",
            f"**Errors for requests that arrived after recovery: {len(late)}** "
            f"(after `pg_ctl -w` returned: {len(after_db)})",
        ]
    return lines


def verdict(rows: list[dict], log_text: str) -> tuple[list[str], int]:
    """Return the closing lines and the exit status: 1 when any request was answered 500."""
    client_500 = sum(1 for r in rows if error_kind(r) == "500")
    server_500 = server_errors_in_log(log_text)
    failed = client_500 or server_500
    outcome = "FAILED: a 500 is a defect, even during a fault (an outage must answer 503)" if failed else "none"
    lines = ["", f"**500 answers: {client_500} seen by the client, {server_500} in gunicorn's access log** ({outcome})"]
    return lines, 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ramp-up", type=float, default=30, help="seconds left out of the steady-state table")
    args = parser.parse_args()
    rows = load_rows(args.run)
    timeline = json.loads((args.run / "timeline.json").read_text())
    t0 = timeline["events"][0]["t"]
    t1 = max(r["end"] for r in rows)
    seconds = t1 - min(r["start"] for r in rows)
    manifest = json.loads((args.run / "manifest.json").read_text())
    lines = [
        f"# {args.run.name}",
        "",
        f"{len(manifest['staff'])} staff + {len(manifest['managers'])} managers, gunicorn {args.workers} sync workers, "
        f"PostgreSQL; {len(rows)} requests in {seconds:.0f} s = **{len(rows) / seconds:.1f} req/s**",
        "",
        *page_table(rows, seconds),
    ]
    steady = [r for r in rows if r["start"] >= t0 + args.ramp_up]
    if steady and not timeline.get("health"):
        lines += [
            "",
            f"After the ramp-up (requests sent from {args.ramp_up:.0f} s on; every user has logged in once by then):",
            "",
            *page_table(steady, t1 - (t0 + args.ramp_up)),
        ]
    log = (args.run / "gunicorn.log").read_text(errors="replace")
    server_5xx = len(re.findall(r'"status":5\d\d', log))
    server_500 = server_errors_in_log(log)
    lines += ["", f"gunicorn access log: {server_5xx} responses with status ≥ 500 ({server_500} were 500)"]
    lines += server_table(log)
    verify_path = args.run / "verify.json"
    if verify_path.exists():
        verify = json.loads(verify_path.read_text())
        lines += ["", "## Database check (load/verify.py)", ""]
        lines += [f"- {k}: {v}" for k, v in verify.items() if k != "problems"]
        lines.append(f"- problems: {len(verify['problems'])}")
        lines += [f"  - {p}" for p in verify["problems"][:20]]
    if timeline.get("health") or any(e["event"].startswith(("db_", "worker")) for e in timeline["events"]):
        lines += fault_section(rows, timeline, t0)
    closing, status = verdict(rows, log)
    lines += closing
    text = "\n".join(lines) + "\n"
    (args.run / "report.md").write_text(text)
    print(text)
    return status


if __name__ == "__main__":
    raise SystemExit(main())
