"""Locust scenario for the load and fault tests of issue 6 (run by load/run_load.sh, load/run_fault.sh).

Staff users (one per account in the manifest, 50 by default) log in, land on the dashboard,
then repeat: open the entry screen of one of their own items, save new figures for both of
its indicators and a new self-assessment text (every save is a real change), wait 1–3 s. Every
``LOAD_RELOGIN_EVERY`` saves they log out and in again, so login is measured throughout the
run, not only at the start. Managers (5) log in and read the dashboard and the entry overview.

Each save's outcome goes into a ledger (``ledger.json``) that load/verify.py compares with the
database: ``ok`` (302 back to the entry screen: committed), ``refused`` (the server answered
without saving: conflict re-render, login page, CSRF) or ``unknown`` (5xx, connection error,
or cut off at the end: it may or may not have committed). Every request also goes, with its
wall-clock start and end, into ``requests.csv``, from which load/report.py computes the
figures (and the fault test matches requests against its timeline).

Environment: LOAD_MANIFEST, LOAD_PASSWORD, LOAD_OUT (a directory), and optionally
LOAD_WAIT_MIN / LOAD_WAIT_MAX (seconds between saves), LOAD_RELOGIN_EVERY.
"""

import csv
import itertools
import json
import os
import re
import time
from http.cookiejar import DefaultCookiePolicy
from pathlib import Path
from urllib.parse import urlsplit

from locust import HttpUser, between, events, task

MANIFEST = json.loads(Path(os.environ["LOAD_MANIFEST"]).read_text())
PASSWORD = os.environ["LOAD_PASSWORD"]
OUT = Path(os.environ["LOAD_OUT"])
WAIT_MIN = float(os.environ.get("LOAD_WAIT_MIN", "1"))
WAIT_MAX = float(os.environ.get("LOAD_WAIT_MAX", "3"))
RELOGIN_EVERY = int(os.environ.get("LOAD_RELOGIN_EVERY", "15"))
FISCAL_YEAR = MANIFEST["fiscal_year"]

CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION_RE = re.compile(r'<input type="hidden" name="version"(?: value="(\d*)")?')
CONFLICT_TEXT = "他の利用者が先に保存しました"

_staff_accounts = itertools.cycle(MANIFEST["staff"])
_manager_accounts = itertools.cycle(MANIFEST["managers"])

# item id → {"user", "indicators", "attempts": [{"k", "values", "activities", "outcome", "status", "t0", "t1"}]}
LEDGER: dict[int, dict] = {}
OUT.mkdir(parents=True, exist_ok=True)
_request_log = open(OUT / "requests.csv", "w", newline="")  # noqa: SIM115 - closed at quitting
_request_writer = csv.writer(_request_log)
_request_writer.writerow(["start", "end", "name", "status", "ms", "ok", "error"])


@events.request.add_listener
def _log_request(request_type, name, response_time, response, exception, **kwargs):
    end = time.time()
    start = kwargs.get("start_time") or end - response_time / 1000
    status = getattr(response, "status_code", 0) or 0
    error = "" if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    _request_writer.writerow(
        [f"{start:.3f}", f"{end:.3f}", name, status, f"{response_time:.1f}", int(exception is None), error]
    )


@events.quitting.add_listener
def _write_ledger(environment, **kwargs):
    (OUT / "ledger.json").write_text(json.dumps(LEDGER, ensure_ascii=False))
    _request_log.close()


_secure_ok = DefaultCookiePolicy.return_ok_secure


def _secure_ok_on_loopback(policy, cookie, request):
    """Send the server's Secure cookies back over plain HTTP to 127.0.0.1 (and only there).

    Production mode marks the session and CSRF cookies Secure; in production a TLS proxy sits
    in front. The load test talks plain HTTP to gunicorn on loopback, so the client must return
    those cookies as a browser behind the proxy would. requests copies the session's cookies
    into a fresh jar with the default policy for every request, so the default policy itself is
    patched, in this load-client process only.
    """
    return urlsplit(request.get_full_url()).hostname == "127.0.0.1" or _secure_ok(policy, cookie, request)


DefaultCookiePolicy.return_ok_secure = _secure_ok_on_loopback


class Member(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        self.logged_in = False
        self.login()

    def login(self) -> bool:
        form = self.client.get("/accounts/login/", name="login form")
        match = CSRF_RE.search(form.text or "")
        if not match:
            return False
        with self.client.post(
            "/accounts/login/",
            data={"csrfmiddlewaretoken": match.group(1), "username": self.username, "password": PASSWORD},
            headers={"Referer": self.host + "/accounts/login/"},
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302 and "/accounts/login" not in response.headers.get("Location", ""):
                response.success()
                self.logged_in = True
            else:
                response.failure(f"login refused: {response.status_code}")
                return False
        self.dashboard()
        return True

    def logout(self):
        token = self.client.cookies.get("csrftoken", "")
        self.client.post(
            "/accounts/logout/",
            data={"csrfmiddlewaretoken": token},
            name="logout",
            allow_redirects=False,
        )
        self.logged_in = False
        self.client.cookies.clear()

    def get_page(self, path: str, name: str):
        """GET a page without following redirects; a redirect to the login page means the session was lost."""
        with self.client.get(path, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code == 200:
                response.success()
            elif response.status_code == 302 and "/accounts/login" in response.headers.get("Location", ""):
                response.failure("redirected to login (session lost)")
                self.logged_in = False
            else:
                response.failure(f"HTTP {response.status_code}")
            return response

    def dashboard(self):
        self.get_page("/", "dashboard")


class StaffUser(Member):
    fixed_count = len(MANIFEST["staff"])
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self):
        account = next(_staff_accounts)
        self.username = account["username"]
        self.items = account["items"]
        self.saves = 0
        for item in self.items:
            LEDGER.setdefault(item["id"], {"user": self.username, "indicators": item["indicators"], "attempts": []})
        super().on_start()

    @task
    def save_entry(self):
        if not self.logged_in and not self.login():
            return
        item = self.items[self.saves % len(self.items)]
        path = f"/entry/items/{item['id']}/{FISCAL_YEAR}/"
        page = self.get_page(path, "entry GET")
        if page.status_code != 200:
            return
        token, version = CSRF_RE.search(page.text), VERSION_RE.search(page.text)
        if not token or not version:
            return
        attempts = LEDGER[item["id"]]["attempts"]
        k = len(attempts) + 1
        values = [200 + k + 400 * n for n in range(len(item["indicators"]))]
        activities = f"負荷試験 {self.username} 事項{item['id']} 保存#{k}"
        attempt = {"k": k, "values": values, "activities": activities, "outcome": "unknown", "status": None}
        attempt["t0"] = time.time()
        attempts.append(attempt)
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "version": version.group(1) or "",
            "activities": activities,
            "self_assessment": f"順調に進んでいる（{k}回目の見直し）",
            "next_steps": "引き続き実施する",
            "reference": "",
            "action": "save",
            **{f"value_{indicator}": str(value) for indicator, value in zip(item["indicators"], values, strict=True)},
        }
        with self.client.post(
            path,
            data=data,
            headers={"Referer": self.host + path},
            name="entry POST",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            attempt["t1"] = time.time()
            attempt["status"] = response.status_code
            location = response.headers.get("Location", "") if response.status_code == 302 else ""
            if response.status_code == 302 and location.endswith(path):
                attempt["outcome"] = "ok"
                response.success()
            elif response.status_code >= 500 or response.status_code == 0:
                response.failure(f"HTTP {response.status_code}")  # outcome stays "unknown"
            else:
                attempt["outcome"] = "refused"
                if response.status_code == 200 and CONFLICT_TEXT in response.text:
                    attempt["conflict"] = True
                    response.failure("edit conflict re-render")
                elif "/accounts/login" in location:
                    self.logged_in = False
                    response.failure("redirected to login (session lost)")
                else:
                    response.failure(f"not saved: HTTP {response.status_code}")
        self.saves += 1
        if RELOGIN_EVERY and self.saves % RELOGIN_EVERY == 0:
            self.logout()
            self.login()


class ManagerUser(Member):
    fixed_count = len(MANIFEST["managers"])
    wait_time = between(2, 5)

    def on_start(self):
        self.username = next(_manager_accounts)
        super().on_start()

    @task(2)
    def read_dashboard(self):
        if self.logged_in or self.login():
            self.dashboard()

    @task(1)
    def read_entry_overview(self):
        if self.logged_in or self.login():
            self.get_page("/entry/", "entry overview")
