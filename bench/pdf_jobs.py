"""Measure the PDF under load: /healthz latency while N users ask for a PDF at once, and PDF throughput.

Not part of the tests. Run against a server and workers that are already up on the same database
(``make serve`` starts both), with the same environment (``DATABASE_URL`` ...)::

    python -m bench.pdf_jobs --url http://127.0.0.1:8104 --requests 10 --plan 第8期

It creates ``--requests`` manager accounts (``bench-pdf-N``) with sessions, fires one PDF request
per account at the same moment, polls ``/healthz`` every 0.1 s until every job has finished,
and prints the slowest and median /healthz answer, each PDF request's answer time, and the
PDF throughput (PDFs per minute, from the first request to the last job's end).
"""

import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.request
from urllib.parse import urlencode

import django


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kaigo_plan.settings")
    django.setup()


def _sessions(count: int) -> list[str]:
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.roles import MANAGER
    from accounts.services import roles_ensure

    manager = roles_ensure()[MANAGER]
    keys = []
    for number in range(count):
        user, _ = get_user_model().objects.get_or_create(username=f"bench-pdf-{number}")
        user.groups.set([manager])
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        keys.append(session.session_key)
    return keys


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, cookie: str | None = None) -> tuple[int, float, str]:
    from django.conf import settings

    request = urllib.request.Request(url)
    if cookie:
        request.add_header("Cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}")
    opener = urllib.request.build_opener(_NoRedirect)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=120) as response:
            status, location = response.status, response.headers.get("Location", "")
    except urllib.error.HTTPError as error:
        status, location = error.code, error.headers.get("Location", "")
    return status, time.monotonic() - started, location


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--plan", default="第8期")
    parser.add_argument("--wait", type=float, default=600, help="seconds to wait for every job")
    parser.add_argument(
        "--cold",
        action="store_true",
        help="fire at a server as it started (each gunicorn worker then imports the application on its first requests)",
    )
    args = parser.parse_args(argv)
    _setup()
    from jobs.models import Job

    cookies = _sessions(args.requests)
    Job.objects.filter(requested_by__username__startswith="bench-pdf-").delete()
    pdf_url = f"{args.url}/sheets/self-evaluation.pdf?{urlencode({'plan': args.plan})}"
    if not args.cold:
        # A server in use has loaded its code: open every account's home page first (both workers
        # answer some), so the figures are those of the PDFs, not of a worker's first import.
        for cookie in cookies:
            _get(f"{args.url}/", cookie)
    answers: list[tuple[int, float, str]] = [None] * args.requests  # type: ignore[list-item]

    def ask(number: int) -> None:
        answers[number] = _get(pdf_url, cookies[number])

    healthz: list[float] = []
    started = time.monotonic()
    threads = [threading.Thread(target=ask, args=(n,)) for n in range(args.requests)]
    for thread in threads:
        thread.start()
    while time.monotonic() - started < args.wait:
        healthz.append(_get(f"{args.url}/healthz")[1])
        done = Job.objects.filter(requested_by__username__startswith="bench-pdf-", finished_at__isnull=False).count()
        if done >= args.requests and all(answers):
            break
        time.sleep(0.1)
    for thread in threads:
        thread.join()
    jobs = list(Job.objects.filter(requested_by__username__startswith="bench-pdf-"))
    last = max((job.finished_at for job in jobs if job.finished_at), default=None)
    first = min(job.created_at for job in jobs) if jobs else None
    elapsed = (last - first).total_seconds() if last and first else None
    runs = [(job.finished_at - job.started_at).total_seconds() for job in jobs if job.finished_at and job.started_at]
    report = {
        "requests": args.requests,
        "server": "cold" if args.cold else "warm",
        "request_status": sorted({answer[0] for answer in answers}),
        "request_seconds_max": round(max(answer[1] for answer in answers), 3),
        "healthz_samples": len(healthz),
        "healthz_seconds_max": round(max(healthz), 3),
        "healthz_seconds_median": round(statistics.median(healthz), 3),
        "healthz_seconds_p95": round(sorted(healthz)[int(len(healthz) * 0.95)], 3),
        "healthz_over_1s": sum(sample > 1 for sample in healthz),
        "jobs_done": sum(job.status == Job.Status.DONE for job in jobs),
        "jobs_failed": sum(job.status == Job.Status.FAILED for job in jobs),
        "conversion_seconds_median": round(statistics.median(runs), 2) if runs else None,
        "all_pdfs_seconds": round(elapsed, 1) if elapsed else None,
        "pdfs_per_minute": round(len(runs) / elapsed * 60, 1) if elapsed else None,
    }
    print(json.dumps(report, ensure_ascii=False, indent=2))
    return 0 if report["jobs_failed"] == 0 and report["jobs_done"] == args.requests else 1


if __name__ == "__main__":
    sys.exit(main())
