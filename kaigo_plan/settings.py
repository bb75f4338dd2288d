"""
Settings for kaigo-plan, read from the environment.

With no environment set the project runs in development mode (DEBUG on, SQLite under
the project folder), so ``make run`` works on a fresh clone. Production mode is chosen
by ``DJANGO_DEBUG=false`` and refuses to start without a real ``DJANGO_SECRET_KEY``.
Every variable is listed in ``.env.example``; an empty one means "not set" (``kaigo_plan/env.py``).
"""

import datetime
import hashlib
import hmac
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from kaigo_plan.env import env_bool, env_int, env_list, env_path, env_str, require_dedicated_folder

BASE_DIR = Path(__file__).resolve().parent.parent

# ---------------------------------------------------------------------------
# Core
# https://docs.djangoproject.com/en/5.2/ref/settings/#debug
# ---------------------------------------------------------------------------
DEBUG = env_bool("DJANGO_DEBUG", default=True)

# https://docs.djangoproject.com/en/5.2/ref/settings/#secret-key
_DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-do-not-use-in-production"
SECRET_KEY = env_str("DJANGO_SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false "
            "(generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))')"
        )
    SECRET_KEY = _DEVELOPMENT_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured("DJANGO_SECRET_KEY is too weak for production: use at least 50 random characters")

# https://docs.djangoproject.com/en/5.2/ref/settings/#allowed-hosts
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-trusted-origins
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# ---------------------------------------------------------------------------
# Applications
# https://docs.djangoproject.com/en/5.2/ref/settings/#installed-apps
# ---------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "kaigo_plan.apps.AxesConfig",  # django-axes, named in Japanese in the admin
    "django_filters",
    "django_tables2",
    "simple_history",
    "accounts",
    "programs",
    "evaluations",
    "reports",
    "sheets",
    "operations",
    "cycle",
    # Background work (PDF, large workbooks, the sheet import): Django 6's tasks API, backported,
    # with its database backend, so no server beyond the database is needed (README, 重い処理).
    "django_tasks",
    "django_tasks_db",
    "jobs",
]

# https://docs.djangoproject.com/en/5.2/ref/settings/#middleware
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Marks the redirect to the login page when the idle limit ended the session (accounts.sessions).
    "accounts.sessions.IdleTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # After the header middlewares above, so that the pages below carry CSP and X-Frame-Options;
    # after authentication, so that they render in the site's layout.
    "kaigo_plan.middleware.SignedInNoStoreMiddleware",
    "kaigo_plan.middleware.MethodNotAllowedPageMiddleware",
    "kaigo_plan.middleware.RequestSizeLimitMiddleware",
    "kaigo_plan.middleware.ControlCharacterMiddleware",
    "kaigo_plan.middleware.DatabaseUnavailableMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "kaigo_plan.urls"
WSGI_APPLICATION = "kaigo_plan.wsgi.application"

# https://docs.djangoproject.com/en/5.2/ref/settings/#templates
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.roles",
                "cycle.context_processors.notices",
                "kaigo_plan.navigation.navigation",
            ],
        },
    },
]

# ---------------------------------------------------------------------------
# Database: SQLite under the project by default, PostgreSQL through DATABASE_URL
# https://docs.djangoproject.com/en/5.2/ref/settings/#databases
# ---------------------------------------------------------------------------
SQLITE_PATH = env_path("SQLITE_PATH", BASE_DIR / "var" / "kaigo_plan.sqlite3")
# Parsed here rather than by dj_database_url.config(), which reads the variable itself and
# turns an empty DATABASE_URL into an empty dict (KeyError: 'ENGINE').
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{SQLITE_PATH}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    # A web request and a management command may write at the same time; wait for the lock.
    # IMMEDIATE takes the write lock when a transaction begins, so a second writer waits up to
    # the timeout; a deferred transaction upgrading its lock mid-way fails at once instead.
    DATABASES["default"].setdefault("OPTIONS", {}).update(timeout=20, transaction_mode="IMMEDIATE")
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# ---------------------------------------------------------------------------
# Authentication
# https://docs.djangoproject.com/en/5.2/ref/settings/#auth-password-validators
# ---------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# https://django-axes.readthedocs.io/en/latest/4_configuration.html
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_int("LOGIN_COOLOFF_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# A slow guess spread over many addresses never reaches the per-address limit, and axes forgets
# an address's failures after the cool-off. So every failure is also logged (AccessFailureLog)
# and an account with LOGIN_ACCOUNT_FAILURE_LIMIT failures from any addresses within
# LOGIN_ACCOUNT_WINDOW_HOURS is locked for everyone (accounts.backends.LoginThrottleHandler).
AXES_HANDLER = "accounts.backends.LoginThrottleHandler"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LOGIN_ACCOUNT_FAILURE_LIMIT = env_int("LOGIN_ACCOUNT_FAILURE_LIMIT", 20, minimum=1)
LOGIN_ACCOUNT_WINDOW = datetime.timedelta(hours=env_int("LOGIN_ACCOUNT_WINDOW_HOURS", 24, minimum=1))
if LOGIN_ACCOUNT_FAILURE_LIMIT <= AXES_FAILURE_LIMIT:
    raise ImproperlyConfigured(
        "LOGIN_ACCOUNT_FAILURE_LIMIT must be larger than LOGIN_FAILURE_LIMIT: otherwise one address "
        "locks the account for everyone before its own lockout"
    )
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind nginx every connection comes from 127.0.0.1: the client is read from X-Forwarded-For,
# trusting only the entries the configured number of proxies appended (0 = no proxy: the header
# is ignored, since anyone can send it). See kaigo_plan/client_ip.py and docs/deploy/nginx.conf.
TRUSTED_PROXY_COUNT = env_int("DJANGO_TRUSTED_PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "kaigo_plan.client_ip.client_ip_address"

# Sessions end after a period of inactivity: the cookie's age is renewed on every request.
# https://docs.djangoproject.com/en/5.2/ref/settings/#session-save-every-request
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
# The database store, except that an outage while saving the session answers 503 (retry), not
# Django's 400 for a session deleted mid-request. https://docs.djangoproject.com/en/5.2/ref/settings/#session-engine
SESSION_ENGINE = "kaigo_plan.sessions"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "reports:home"
LOGOUT_REDIRECT_URL = "login"

# ---------------------------------------------------------------------------
# Internationalisation: Japanese UI, Tokyo time
# https://docs.djangoproject.com/en/5.2/ref/settings/#language-code
# ---------------------------------------------------------------------------
LANGUAGE_CODE = "ja"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# ---------------------------------------------------------------------------
# Static files, served by whitenoise with hashed names outside DEBUG
# https://docs.djangoproject.com/en/5.2/ref/settings/#static-files
# ---------------------------------------------------------------------------
STATIC_URL = "static/"
# Both roots are checked at start-up: whitenoise serves every file under STATIC_ROOT to anyone,
# so a root that is (or contains) the project would publish .env, settings.py and the database.
_SERVED_FOLDERS_PARENT = BASE_DIR / "var"
_PRIVATE_PATHS = {"SQLITE_PATH": SQLITE_PATH, "backups": BASE_DIR / "var" / "backups"}
STATIC_ROOT = require_dedicated_folder(
    "DJANGO_STATIC_ROOT",
    env_path("DJANGO_STATIC_ROOT", BASE_DIR / "var" / "staticfiles"),
    base_dir=BASE_DIR,
    dedicated_parent=_SERVED_FOLDERS_PARENT,
    private=_PRIVATE_PATHS,
)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every request without it
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# ---------------------------------------------------------------------------
# Uploaded files: never served by whitenoise; a view that checks permissions hands them out.
# https://docs.djangoproject.com/en/5.2/ref/settings/#media-root
# ---------------------------------------------------------------------------
MEDIA_ROOT = require_dedicated_folder(
    "DJANGO_MEDIA_ROOT",
    env_path("DJANGO_MEDIA_ROOT", BASE_DIR / "var" / "media"),
    base_dir=BASE_DIR,
    dedicated_parent=_SERVED_FOLDERS_PARENT,
    private={**_PRIVATE_PATHS, "DJANGO_STATIC_ROOT": STATIC_ROOT},
)
MEDIA_URL = "media/"
# Evidence files (別紙) attached to an item's year: the largest accepted, in megabytes.
_ATTACHMENT_MAX_MB = env_int("DJANGO_ATTACHMENT_MAX_MB", 10, minimum=1)
ATTACHMENT_MAX_BYTES = _ATTACHMENT_MAX_MB * 1024 * 1024
# The largest request body, refused with the Japanese 413 page before it is read
# (kaigo_plan.middleware.RequestSizeLimitMiddleware). The documented nginx sets the same
# client_max_body_size (docs/deploy/nginx.conf; a test compares them). It must leave room for
# the largest evidence file plus the form around it.
REQUEST_MAX_MB = env_int("DJANGO_REQUEST_MAX_MB", _ATTACHMENT_MAX_MB + 1, minimum=1)
if REQUEST_MAX_MB <= _ATTACHMENT_MAX_MB:
    raise ImproperlyConfigured(
        f"DJANGO_REQUEST_MAX_MB ({REQUEST_MAX_MB}) must be larger than DJANGO_ATTACHMENT_MAX_MB ({_ATTACHMENT_MAX_MB})"
    )
REQUEST_MAX_BYTES = REQUEST_MAX_MB * 1024 * 1024
# Per item-year quotas: one account could otherwise fill the disk with files of the largest size.
ATTACHMENT_MAX_COUNT = env_int("DJANGO_ATTACHMENT_MAX_COUNT", 20, minimum=1)
ATTACHMENT_MAX_TOTAL_BYTES = env_int("DJANGO_ATTACHMENT_MAX_TOTAL_MB", 50, minimum=1) * 1024 * 1024
# Uploaded files and their folders are the owner's alone (other accounts on the server read nothing).
# https://docs.djangoproject.com/en/5.2/ref/settings/#file-upload-permissions
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700

# ---------------------------------------------------------------------------
# Background tasks: the worker is `manage.py db_worker` (docs/deploy/kaigo-plan-worker.service)
# https://docs.djangoproject.com/en/6.0/ref/settings/#tasks (django-tasks backports it to 5.2)
# ---------------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Results (PDF, workbooks) and the inputs a job reads, one 0700 folder per job; never served
# directly: the download view checks that the user asked for the file (or is an administrator).
JOBS_ROOT = require_dedicated_folder(
    "DJANGO_JOBS_ROOT",
    env_path("DJANGO_JOBS_ROOT", BASE_DIR / "var" / "jobs"),
    base_dir=BASE_DIR,
    dedicated_parent=_SERVED_FOLDERS_PARENT,
    private={**_PRIVATE_PATHS, "DJANGO_STATIC_ROOT": STATIC_ROOT, "DJANGO_MEDIA_ROOT": MEDIA_ROOT},
)
# A finished job's file is kept this long, then swept (`manage.py sweep_uploads`).
JOB_RESULT_TTL_SECONDS = env_int("JOB_RESULT_TTL_MINUTES", 60, minimum=1) * 60
# Jobs one user may have queued or running at once (a page reload reuses the same job).
JOB_MAX_ACTIVE_PER_USER = env_int("JOB_MAX_ACTIVE_PER_USER", 3, minimum=1)
# LibreOffice conversions running at once on this machine, whatever the number of workers.
PDF_MAX_CONCURRENT = env_int("PDF_MAX_CONCURRENT", 2, minimum=1)
# One conversion is killed (with its whole process group) after this many seconds: below
# gunicorn's 60 s, although the conversion now runs in the worker, so one stuck soffice cannot
# hold a slot for long.
PDF_TIMEOUT_SECONDS = env_int("PDF_TIMEOUT_SECONDS", 50, minimum=1)
# Scheduling priority of LibreOffice (nice 0–19): lower than the web workers, which keep answering.
PDF_NICENESS = env_int("PDF_NICENESS", 10)
# How long a job waits for a free conversion slot before it fails with a message.
PDF_SLOT_WAIT_SECONDS = env_int("PDF_SLOT_WAIT_SECONDS", 300, minimum=1)
# The official sheet and the summary workbook of a plan with more items than this are built by
# the worker (a status page offers the file); smaller ones are built in the request.
BACKGROUND_EXPORT_MIN_ITEMS = env_int("BACKGROUND_EXPORT_MIN_ITEMS", 200)
# A previewed plan-sheet upload waits here (0700 folder, 0600 files) until confirmed or expired.
PENDING_UPLOAD_ROOT = require_dedicated_folder(
    "DJANGO_PENDING_UPLOAD_ROOT",
    env_path("DJANGO_PENDING_UPLOAD_ROOT", BASE_DIR / "var" / "uploads"),
    base_dir=BASE_DIR,
    dedicated_parent=_SERVED_FOLDERS_PARENT,
    private={
        **_PRIVATE_PATHS,
        "DJANGO_STATIC_ROOT": STATIC_ROOT,
        "DJANGO_MEDIA_ROOT": MEDIA_ROOT,
        "DJANGO_JOBS_ROOT": JOBS_ROOT,
    },
)
PENDING_UPLOAD_MAX_AGE_SECONDS = env_int("PENDING_UPLOAD_MAX_AGE_MINUTES", 30, minimum=1) * 60

# ---------------------------------------------------------------------------
# Mail (deadline reminders): printed to the console in development, SMTP in production
# https://docs.djangoproject.com/en/5.2/topics/email/#smtp-backend
# ---------------------------------------------------------------------------
EMAIL_BACKEND = (
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend"
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", default=False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL are exclusive: set at most one of them to true")
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30, minimum=1)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "kaigo-plan@localhost")
# The address users open the site at, for links in mails (e.g. https://kaigo.example.lg.jp);
# empty: mails name the screens without links.
SITE_URL = env_str("DJANGO_SITE_URL").rstrip("/")

# ---------------------------------------------------------------------------
# Security (effective whenever DEBUG is off)
# https://docs.djangoproject.com/en/5.2/ref/settings/#secure-ssl-redirect
# ---------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
# The health check answers plain HTTP so a local probe needs no certificate.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# The admin lives at a configurable path. In development (and the tests) it is /admin/; in
# production, unless DJANGO_ADMIN_PATH names one, it is a path derived from the secret key, the
# same in every worker and across restarts, that no scanner guesses: `manage.py admin_url` says it.
_ADMIN_PATH_DIGEST = hmac.new(SECRET_KEY.encode(), b"kaigo-plan admin path", hashlib.sha256).hexdigest()
_GENERATED_ADMIN_PATH = f"kanri-{_ADMIN_PATH_DIGEST[:20]}"
ADMIN_PATH = env_str("DJANGO_ADMIN_PATH", "admin/" if DEBUG else _GENERATED_ADMIN_PATH).strip("/") + "/"
if ADMIN_PATH == "/":
    raise ImproperlyConfigured("DJANGO_ADMIN_PATH must name a path such as 'admin/', not the site root")

# A refused CSRF check answers the Japanese 403 page in the site's layout, not Django's English one.
# https://docs.djangoproject.com/en/5.2/ref/settings/#csrf-failure-view
CSRF_FAILURE_VIEW = "kaigo_plan.errors.csrf_failure"

# Content Security Policy: every asset is served by this site; no inline script or style.
# https://django-csp.readthedocs.io/en/latest/configuration.html
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env_bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# ---------------------------------------------------------------------------
# Logging: to stdout, which the service manager collects; one JSON object a line in production
# https://docs.djangoproject.com/en/5.2/ref/settings/#logging
# ---------------------------------------------------------------------------
LOG_FORMAT = env_str("DJANGO_LOG_FORMAT", "plain" if DEBUG else "json")
if LOG_FORMAT not in {"plain", "json"}:
    raise ImproperlyConfigured(f"DJANGO_LOG_FORMAT must be plain or json, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "kaigo_plan.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "stream": "ext://sys.stdout",
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("DJANGO_LOG_LEVEL", "INFO").upper()},
}

# ---------------------------------------------------------------------------
# Tables
# https://django-tables2.readthedocs.io/en/latest/pages/custom-rendering.html
# ---------------------------------------------------------------------------
DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
