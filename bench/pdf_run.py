"""Measure /healthz under ten PDF requests and the PDF throughput with 1 and 2 task workers, end to end.

``python -m bench.pdf_run`` (not part of the tests; minutes, LibreOffice) builds a throwaway
database with Tokyo's plans (a SQLite file in a temporary folder, or ``DATABASE_URL`` plus
``_bench_pdf``), then for each worker count: starts gunicorn (``gunicorn.conf.py``, 2 sync
workers, production mode, loopback) and that many ``manage.py db_worker`` processes, runs
``bench.pdf_jobs`` (ten managers ask for 第8期's PDF at once while /healthz is polled every
0.1 s), stops them all, and prints one line per worker count. ``--repeats N`` runs each N times.
"""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.run import ROOT, _environment
from tools.local_services import free_port, postgres_database_recreate


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    # Each in its own process group, so stopping it also stops the soffice it may have started.
    return subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer on port {port}")


def run_once(env: dict[str, str], workers: int, requests: int, plan: str, log: Path, cold: bool = False) -> dict:
    port = free_port()
    server_env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": "2"}
    python = sys.executable
    processes = [_start([python, "-m", "gunicorn", "--config", "gunicorn.conf.py"], server_env, log)]
    processes += [
        _start([python, "manage.py", "db_worker", "--no-reload", "--queue-name", "*"], env, log) for _ in range(workers)
    ]
    try:
        _wait_for(port)
        url = f"http://127.0.0.1:{port}"
        done = subprocess.run(
            [python, "-m", "bench.pdf_jobs", "--url", url, "--requests", str(requests), "--plan", plan]
            + (["--cold"] if cold else []),
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        _stop(processes)
    if not done.stdout.strip():
        raise RuntimeError(done.stderr)
    return {"workers": workers, "exit": done.returncode, **json.loads(done.stdout)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="1,2", help="task worker counts to try, comma-separated")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--plan", default="第8期")
    parser.add_argument("--cold", action="store_true", help="fire the PDFs at gunicorn as it starts (no warm-up)")
    args = parser.parse_args(argv)
    results = []
    with tempfile.TemporaryDirectory(prefix="kaigo-bench-pdf-") as tmp:
        env = _environment(0, Path(tmp))
        env["DJANGO_JOBS_ROOT"] = str(Path(tmp) / "jobs")
        if "SQLITE_PATH" in env:
            env["SQLITE_PATH"] = str(Path(tmp) / "bench_pdf.sqlite3")
        else:
            env["DATABASE_URL"] = env["DATABASE_URL"].replace("_bench_0", "_bench_pdf")
            postgres_database_recreate(env["DATABASE_URL"])
        for command in (["migrate"], ["collectstatic", "--noinput"], ["load_tokyo_plan"]):
            subprocess.run(
                [sys.executable, "manage.py", *command, "-v0"], cwd=ROOT, env=env, check=True, capture_output=True
            )
        log = Path(tmp) / "servers.log"
        for workers in map(int, args.workers.split(",")):
            for _ in range(args.repeats):
                result = run_once(env, workers, args.requests, args.plan, log, cold=args.cold)
                results.append(result)
                print(json.dumps(result, ensure_ascii=False), file=sys.stderr)
    print(report(results))
    return 0 if all(result["exit"] == 0 for result in results) else 1


def report(results: list[dict]) -> str:
    lines = ["task workers  server  PDFs  done  /healthz max  median  >1 s  conversion (median)  PDFs/min"]
    for r in results:
        lines.append(
            f"{r['workers']:>12}  {r.get('server', ''):>6}  {r['requests']:>4}  {r['jobs_done']:>4}"
            f"  {r['healthz_seconds_max']:>10.3f} s"
            f"  {r['healthz_seconds_median']:>5.3f}  {r['healthz_over_1s']:>4}  {r['conversion_seconds_median']:>17} s"
            f"  {r['pdfs_per_minute']:>8}"
        )
    by_workers: dict[int, list[float]] = {}
    for r in results:
        by_workers.setdefault(r["workers"], []).append(r["pdfs_per_minute"] or 0)
    for workers, rates in by_workers.items():
        if len(rates) > 1:
            median = statistics.median(rates)
            lines.append(f"{workers} worker(s): median {median:.1f} PDFs/min (min {min(rates)}, max {max(rates)})")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
