"""Benchmark the report pages at Tokyo scale, 10× and 100× (``make bench``; not part of the tests).

``python -m bench`` runs one subprocess per scale, each on a fresh database (SQLite files in a
temporary directory, or PostgreSQL databases named after ``DATABASE_URL`` plus ``_bench_<scale>``),
in production mode (DEBUG off). Each subprocess builds the synthetic data (bench/synthetic.py),
logs a manager in, and times every page in-process with Django's test client, interleaving
the pages so that they share the machine's ups and downs; it reports the median server time,
the ratio to the trivial authenticated view (``reports:ping``) measured in the same run, and
the number of queries. With ``--wrk`` it also serves the data with gunicorn (2 workers, on
loopback) and drives the dashboard and the trivial view with wrk (8 connections, bounded).
"""

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from tools.local_services import free_port, postgres_database_recreate

ROOT = Path(__file__).resolve().parent.parent
SCALES = (1, 10, 100)
PAGES = ("ping", "dashboard", "item", "table", "sorted", "api", "xlsx")


def _environment(scale: int, workdir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="kaigo_plan.settings",
        DJANGO_DEBUG="false",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(workdir / "static"),
        DJANGO_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    if os.environ.get("DATABASE_URL"):
        parts = urlsplit(os.environ["DATABASE_URL"])
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"{parts.path}_bench_{scale}"))
    else:
        env["SQLITE_PATH"] = str(workdir / f"bench_{scale}.sqlite3")
    return env


def _wrk(url: str, cookie: str, seconds: int) -> float:
    result = subprocess.run(
        ["wrk", "-t2", "-c8", f"-d{seconds}s", "--timeout", "10s", "-H", f"Cookie: sessionid={cookie}", url],
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("Requests/sec:"))
    non2xx = [line for line in result.stdout.splitlines() if "Non-2xx" in line]
    if non2xx:
        raise RuntimeError(f"wrk saw errors on {url}: {non2xx}")
    return float(line.split()[1])


def worker(scale: int, repeats: int, wrk_seconds: int) -> dict:
    """Build the data for one scale, time every page, optionally run wrk; return the figures."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from accounts.roles import MANAGER
    from accounts.services import roles_ensure
    from bench.synthetic import build
    from evaluations.models import YearlyResult
    from programs.models import Indicator, Item

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    started = time.perf_counter()
    plans = build(scale)
    built = time.perf_counter() - started
    shown = plans[-1]
    user = get_user_model().objects.create_user("bench-manager", password=secrets.token_urlsafe(16))
    user.groups.set([roles_ensure()[MANAGER]])
    client = Client()
    client.force_login(user)
    item = Item.objects.filter(area__plan=shown).order_by("area__number", "number").first()
    query = f"?plan={shown.name}"
    urls = {
        "ping": reverse("reports:ping"),
        "dashboard": reverse("reports:dashboard"),
        "item": reverse("reports:item", args=[item.id]),
        "table": reverse("reports:table") + query,
        "sorted": reverse("reports:table") + query + "&sort=-rate&page=2",
        "api": reverse("reports:api_progress") + query,
        "xlsx": reverse("reports:table_xlsx") + query + "&status=not_achieved",
    }
    queries = {}
    for page, url in urls.items():
        for _ in range(3):  # warm up caches (templates, URL resolver, the database's pages)
            assert client.get(url).status_code == 200, url
        with CaptureQueriesContext(connection) as context:
            client.get(url)
        queries[page] = len(context.captured_queries)
    timings: dict[str, list[float]] = {page: [] for page in urls}
    cpu: dict[str, list[float]] = {page: [] for page in urls}
    for _ in range(repeats):
        for page, url in urls.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.get(url)
            timings[page].append((time.perf_counter() - start) * 1000)
            cpu[page].append((time.process_time() - start_cpu) * 1000)
            assert response.status_code == 200
    medians = {page: statistics.median(values) for page, values in timings.items()}
    cpu_medians = {page: statistics.median(values) for page, values in cpu.items()}
    figures = {
        "scale": scale,
        "database": settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[1],
        "build_seconds": round(built, 1),
        "plans": len(plans),
        "shown_items": Item.objects.filter(area__plan=shown).count(),
        "shown_indicators": Indicator.objects.filter(item__area__plan=shown).count(),
        "all_indicators": Indicator.objects.count(),
        "all_results": YearlyResult.objects.count(),
        "repeats": repeats,
        "median_ms": medians,
        "ratio": {page: medians[page] / medians["ping"] for page in urls},
        # The same ratio in this process's CPU time: on a machine shared with other work, waiting
        # for a core inflates the wall-clock times (a busy machine lowers the ratio, an idle one
        # raises it); CPU time moves less. SQLite runs in this process, so it includes the queries;
        # with PostgreSQL it leaves out the server's share.
        "cpu_ratio": {page: cpu_medians[page] / cpu_medians["ping"] for page in urls},
        "queries": queries,
    }
    if wrk_seconds:
        figures["wrk"] = _wrk_run(urls, client.cookies[settings.SESSION_COOKIE_NAME].value, wrk_seconds)
    return figures


def _wrk_run(urls: dict[str, str], cookie: str, seconds: int) -> dict[str, float]:
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "kaigo_plan.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        base = f"http://127.0.0.1:{port}"
        return {page: _wrk(base + urls[page], cookie, seconds) for page in ("ping", "dashboard")}
    finally:
        # gunicorn lets its workers finish for up to its graceful timeout (30 s) after SIGTERM; on a
        # busy machine that outlasted a 10 s wait and the run failed after all its measuring.
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=",".join(map(str, SCALES)))
    parser.add_argument("--repeats", type=int, default=25)
    parser.add_argument("--wrk", type=int, default=0, metavar="SECONDS", help="run wrk this long per page (0: skip)")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(args.worker, args.repeats, args.wrk)))
        return 0
    if args.wrk and not shutil.which("wrk"):
        print("wrk が見つかりません（apt-get install wrk）。wrk の計測を省きます。", file=sys.stderr)
        args.wrk = 0
    results = []
    with tempfile.TemporaryDirectory(prefix="kaigo-bench-") as tmp:
        for scale in map(int, args.scales.split(",")):
            env = _environment(scale, Path(tmp))
            if "DATABASE_URL" in env and env["DATABASE_URL"].startswith("postgres"):
                postgres_database_recreate(env["DATABASE_URL"])
            repeats = max(5, args.repeats // (4 if scale >= 100 else 1))
            command = [sys.executable, "-m", "bench", "--worker", str(scale), "--repeats", str(repeats)]
            command += ["--wrk", str(args.wrk)] if args.wrk and scale <= 10 else []
            done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
            if done.returncode:
                sys.stderr.write(done.stderr)
                return done.returncode
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    print(report(results))
    return 0


# Issue 10's targets: the highest ratio to the trivial view each page may reach, per scale.
TARGETS = {
    "dashboard": {1: 6, 10: 10, 100: 25},
    "table": {1: 10, 10: 10, 100: 10},
    "sorted": {1: 10, 10: 10, 100: 10},  # the table sorted by rate, second page
    "xlsx": {1: 10, 10: 10, 100: 10},
    "api": {100: 25},
}
WRK_TARGET = {10: 8}  # the dashboard serves at least 1/8 of the trivial view's requests at 10×


def _verdict(ratio: float, target: float | None) -> str:
    if target is None:
        return f"{'':>8}"
    return f"{'≤' + format(target, 'g') + '×':>6}{'✓' if ratio <= target else '✗':>2}"


def report(results: list[dict]) -> str:
    """Return the figures as a table, each ratio with its target (✓ met, ✗ missed) beside it."""
    lines = []
    first = results[0]
    lines.append(f"database: {first['database']}; median of interleaved requests, in-process (DEBUG off)")
    header = f"{'page':<10}" + "".join(f"{str(r['scale']) + '×':>32}" for r in results)
    lines.append(header)
    lines.append(f"{'':<10}" + "".join(f"{'ms   ×ping  queries  target':>32}" for _ in results))
    for page in PAGES:
        cells = "".join(
            f"{r['median_ms'][page]:>10.1f}{r['ratio'][page]:>7.1f}×{r['queries'][page]:>6}"
            + _verdict(r["ratio"][page], TARGETS.get(page, {}).get(r["scale"]))
            + " "
            for r in results
        )
        lines.append(f"{page:<10}{cells}")
    lines.append(
        "CPU-time ratio to ping (this process): "
        + "; ".join(
            f"{r['scale']}× " + ", ".join(f"{page} {r['cpu_ratio'][page]:.1f}×" for page in PAGES if page != "ping")
            for r in results
            if "cpu_ratio" in r
        )
    )
    lines.append("")
    for r in results:
        lines.append(
            f"{r['scale']}×: {r['plans']} plans, {r['all_indicators']} indicators, {r['all_results']} results in all;"
            f" the dashboard's plan has {r['shown_items']} items, {r['shown_indicators']} indicators"
            f" (built in {r['build_seconds']} s, {r['repeats']} repeats)"
        )
        if "wrk" in r:
            wrk = r["wrk"]
            share = wrk["ping"] / wrk["dashboard"]
            target = WRK_TARGET.get(r["scale"])
            verdict = f" target ≥ 1/{target}: {'✓' if share <= target else '✗'}" if target else ""
            lines.append(
                f"   wrk 8 connections, gunicorn 2 workers: ping {wrk['ping']:.0f} req/s, dashboard"
                f" {wrk['dashboard']:.0f} req/s (1/{share:.1f} of ping){verdict}"
            )
    return "\n".join(lines)
