"""Run the load test or the fault test of issue 6 against gunicorn + PostgreSQL on loopback.

    .venv/bin/python load/run.py load  [--duration 180] [--workers 2]
    .venv/bin/python load/run.py fault [--duration 150] [--kill-at 45] [--restart-at 75] [--outage 0]

Both start a throwaway PostgreSQL cluster of their own (``initdb`` as the postgres user in a
``mktemp -d`` directory, on a random free port, listening on 127.0.0.1 only), so a database
restart disturbs nobody; ``LOAD_DATABASE_URL=postgres://.../kaigo_plan_load`` uses an existing
server instead (that database is dropped and recreated; the fault test then refuses to run, as
it must restart the server). Then: migrate, collectstatic into the run folder, build the load
plan (load/prepare.py), start gunicorn with the project's gunicorn.conf.py in production mode
(DEBUG off, a random secret key; SSL redirect off because there is no TLS proxy on loopback),
run locust headless for the given time against 127.0.0.1 only (50 staff + 5 managers), stop
everything, check the database (load/verify.py) and print the figures (load/report.py).

The fault test also, while locust runs, SIGKILLs one gunicorn worker at ``--kill-at`` seconds
and restarts PostgreSQL (``pg_ctl restart -m fast``; with ``--outage N``, stop, wait N s, start)
at ``--restart-at`` seconds, and polls ``/healthz`` every 0.25 s, writing every event with its
wall-clock time to ``timeline.json``.

Everything a run writes goes to ``var/load/<mode>-<timestamp>/``. Every process it starts is
stopped by it, by process id, when it ends (also on Ctrl-C).
"""

import argparse
import contextlib
import http.client
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages are one folder up

from tools.local_services import LOOPBACK, free_port, postgres_database_recreate  # noqa: E402

PY = ROOT / ".venv" / "bin" / "python"
BIN = PY.parent


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


class ThrowawayCluster:
    """A PostgreSQL cluster of our own, owned by the postgres user, removed at the end."""

    def __init__(self):
        self.bin = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))[-1]
        self.dir = Path(tempfile.mkdtemp(prefix="kaigo-load-pg."))
        shutil.chown(self.dir, "postgres")
        self.data = self.dir / "data"
        self.port = free_port()

    def pg_ctl(self, *args: str) -> subprocess.CompletedProcess:
        # Never a pipe: a server that pg_ctl starts inherits its output, and would hold a pipe open.
        with open(self.dir / "pg_ctl.out", "a") as output:
            return subprocess.run(
                ["runuser", "-u", "postgres", "--", str(self.bin / "pg_ctl"), "-D", str(self.data), *args],
                check=True,
                stdout=output,
                stderr=subprocess.STDOUT,
            )

    def start(self) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", str(self.bin / "initdb"), "-D", str(self.data),
             "--auth=trust", "--locale=C.UTF-8", "-E", "UTF8", "-U", "postgres"],
            check=True, capture_output=True,
        )  # fmt: skip
        options = f"-c listen_addresses={LOOPBACK} -p {self.port} -k {self.dir}"
        self.pg_ctl("-l", str(self.dir / "postgres.log"), "-w", "-o", options, "start")
        log(f"throwaway PostgreSQL {self.bin.parent.name} on {LOOPBACK}:{self.port} ({self.dir})")

    def url(self, name: str) -> str:
        return f"postgres://postgres@{LOOPBACK}:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.pg_ctl("-m", "fast", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


def healthz(port: int, timeout: float = 5.0) -> int:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=timeout)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status
    except OSError:
        return 0
    finally:
        connection.close()


class Gunicorn:
    def __init__(self, env: dict, run_dir: Path, port: int, workers: int):
        self.pidfile = run_dir / "gunicorn.pid"
        self.logfile = open(run_dir / "gunicorn.log", "w")  # noqa: SIM115 - closed in stop()
        self.port = port
        env = {**env, "GUNICORN_BIND": f"{LOOPBACK}:{port}", "GUNICORN_WORKERS": str(workers)}
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--pid", str(self.pidfile),
                # gunicorn 27's control socket defaults to one path per user: keep ours apart.
                "--control-socket", str(run_dir / "gunicorn.ctl"),
            ],
            cwd=ROOT, env=env, stdout=self.logfile, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.time() + 60
        while healthz(port, timeout=2) != 200:
            if self.process.poll() is not None or time.time() > deadline:
                raise SystemExit(f"gunicorn did not come up; see {self.logfile.name}")
            time.sleep(0.3)
        log(f"gunicorn (pid {self.process.pid}, {workers} workers) answers on http://{LOOPBACK}:{port}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.logfile.close()


class HealthProbe(threading.Thread):
    """Poll /healthz every ``interval`` seconds and keep (start, end, status) for each probe."""

    def __init__(self, port: int, interval: float = 0.25):
        super().__init__(daemon=True)
        self.port, self.interval = port, interval
        self.samples: list[tuple[float, float, int]] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            start = time.time()
            status = healthz(self.port)
            self.samples.append((start, time.time(), status))
            self.stopping.wait(max(0.0, self.interval - (time.time() - start)))


def fault_schedule(args, cluster: ThrowawayCluster, server: Gunicorn, timeline: list, started: float) -> None:
    """Kill one worker and restart the database at the given offsets from the start of the load."""

    def at(offset: float) -> None:
        time.sleep(max(0.0, started + offset - time.time()))

    def event(name: str, **details) -> None:
        timeline.append({"t": time.time(), "event": name, **details})
        log(f"fault: {name} {details or ''}")

    at(args.kill_at)
    before = server.workers()
    victim = before[0]
    os.kill(victim, signal.SIGKILL)
    event("worker_killed", pid=victim, workers_before=before)
    for _ in range(100):
        time.sleep(0.1)
        now = server.workers()
        if len(now) == len(before) and victim not in now:
            event("worker_respawned", workers=now)
            break
    at(args.restart_at)
    if args.outage:
        event("db_stop_begin")
        cluster.pg_ctl("-m", "fast", "-w", "stop")
        event("db_stopped")
        time.sleep(args.outage)
        event("db_start_begin")
        options = f"-c listen_addresses={LOOPBACK} -p {cluster.port} -k {cluster.dir}"
        cluster.pg_ctl("-l", str(cluster.dir / "postgres.log"), "-w", "-o", options, "start")
        event("db_ready")
    else:
        event("db_restart_begin")
        cluster.pg_ctl("-l", str(cluster.dir / "postgres.log"), "-m", "fast", "-w", "restart")
        event("db_ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["load", "fault"])
    parser.add_argument("--duration", type=int, help="seconds of load (load: 180, fault: 150)")
    parser.add_argument("--workers", type=int, default=int(os.environ.get("GUNICORN_WORKERS", "2")))
    parser.add_argument("--staff", type=int, default=50)
    parser.add_argument("--managers", type=int, default=5)
    parser.add_argument("--spawn-rate", type=float, default=5)
    parser.add_argument("--kill-at", type=float, default=45)
    parser.add_argument("--restart-at", type=float, default=75)
    parser.add_argument("--outage", type=float, default=0, help="fault: keep the database down this long")
    parser.add_argument("--keep-db", action="store_true", help="leave the throwaway cluster running for inspection")
    args = parser.parse_args()
    duration = args.duration or (180 if args.mode == "load" else 150)
    if args.mode == "fault" and max(args.kill_at, args.restart_at + args.outage) + 30 > duration:
        raise SystemExit("--duration must leave at least 30 s of load after the last fault")

    run_dir = ROOT / "var" / "load" / f"{args.mode}-{time.strftime('%Y%m%d-%H%M%S')}"
    run_dir.mkdir(parents=True)
    log(f"run folder {run_dir.relative_to(ROOT)}")
    cluster = None
    server = None
    probe = None
    try:
        external = os.environ.get("LOAD_DATABASE_URL")
        if external:
            if args.mode == "fault":
                raise SystemExit("the fault test restarts PostgreSQL: it runs on its own throwaway cluster only")
            host = urlsplit(external).hostname or ""
            if not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
                raise SystemExit("LOAD_DATABASE_URL must point at this machine")
            database_url = external
        else:
            cluster = ThrowawayCluster()
            cluster.start()
            database_url = cluster.url("kaigo_plan_load")
        postgres_database_recreate(database_url)
        password = secrets.token_urlsafe(18)
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DJANGO_", "GUNICORN_", "DATABASE_")) and k != "LOAD_DATABASE_URL"
        }
        env.update(
            DJANGO_SETTINGS_MODULE="kaigo_plan.settings",
            DJANGO_DEBUG="false",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(64),
            DJANGO_ALLOWED_HOSTS=f"{LOOPBACK},localhost",
            DJANGO_SECURE_SSL_REDIRECT="false",
            DJANGO_STATIC_ROOT=str(run_dir / "static"),
            DATABASE_URL=database_url,
            LOAD_PASSWORD=password,
            LOAD_MANIFEST=str(run_dir / "manifest.json"),
            LOAD_OUT=str(run_dir),
        )
        quiet = {"cwd": ROOT, "env": env, "check": True, "stdout": subprocess.DEVNULL}
        subprocess.run([str(PY), "manage.py", "migrate", "--noinput", "-v0"], **quiet)
        subprocess.run([str(PY), "manage.py", "collectstatic", "--noinput", "-v0"], **quiet)
        subprocess.run(
            [str(PY), "load/prepare.py", env["LOAD_MANIFEST"], "--staff", str(args.staff),
             "--managers", str(args.managers)],
            cwd=ROOT, env=env, check=True,
        )  # fmt: skip
        port = free_port()
        server = Gunicorn(env, run_dir, port, args.workers)
        users = args.staff + args.managers
        locust_cmd = [
            str(BIN / "locust"), "-f", "load/locustfile.py", "--headless",
            "--host", f"http://{LOOPBACK}:{port}", "-u", str(users), "-r", str(args.spawn_rate),
            "--run-time", f"{duration}s", "--stop-timeout", "20", "--csv", str(run_dir / "locust"),
            "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
        ]  # fmt: skip
        timeline: list[dict] = []
        log(f"locust: {args.staff} staff + {args.managers} managers for {duration} s")
        with open(run_dir / "locust.log", "w") as locust_log:
            started = time.time()
            timeline.append({"t": started, "event": "load_start"})
            locust = subprocess.Popen(locust_cmd, cwd=ROOT, env=env, stdout=locust_log, stderr=subprocess.STDOUT)
            faults = None
            if args.mode == "fault":
                probe = HealthProbe(port)
                probe.start()
                faults = threading.Thread(target=fault_schedule, args=(args, cluster, server, timeline, started))
                faults.start()
            try:
                locust.wait(timeout=duration + 120)
            except subprocess.TimeoutExpired:
                locust.terminate()
                locust.wait()
            timeline.append({"t": time.time(), "event": "load_end"})
            if faults:
                faults.join()
        if probe:
            probe.stopping.set()
            probe.join()
        (run_dir / "timeline.json").write_text(
            json.dumps({"events": timeline, "health": probe.samples if probe else []}, indent=1)
        )
        server.stop()
        server = None
        log("verifying the database against the ledger")
        verified = subprocess.run(
            [str(PY), "load/verify.py", str(run_dir / "ledger.json"), "--json", str(run_dir / "verify.json")],
            cwd=ROOT, env=env,
        )  # fmt: skip
        # report.py exits 1 when any request was answered 500 (a 503 during an outage is fine).
        reported = subprocess.run(
            [str(PY), "load/report.py", str(run_dir), "--workers", str(args.workers)], cwd=ROOT, env=env
        )
        sys.exit(verified.returncode or reported.returncode)
    finally:
        if probe:
            probe.stopping.set()
        if server:
            server.stop()
        if cluster and args.keep_db:
            log(
                f"kept: DATABASE_URL={cluster.url('kaigo_plan_load')}; stop it with: runuser -u postgres -- "
                f"{cluster.bin}/pg_ctl -D {cluster.data} -m fast stop && rm -rf {cluster.dir}"
            )
        elif cluster:
            cluster.stop()


if __name__ == "__main__":
    main()
