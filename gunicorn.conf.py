"""gunicorn settings for kaigo-plan, overridable from the environment (see README, 本番運用).

Variables are read through kaigo_plan.env, so an empty one (``GUNICORN_WORKERS=`` in the
environment file) means the default, as in the Django settings.
"""

from kaigo_plan.env import env_int, env_str

bind = env_str("GUNICORN_BIND", "127.0.0.1:8000")
workers = env_int("GUNICORN_WORKERS", 2, minimum=1)
threads = env_int("GUNICORN_THREADS", 1, minimum=1)
timeout = env_int("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = 30
# A worker is replaced after this many requests, which bounds any slow leak.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
access_log_format = '{"remote":"%(h)s","request":"%(r)s","status":%(s)s,"bytes":"%(B)s","duration_ms":%(M)s}'
wsgi_app = "kaigo_plan.wsgi:application"
# The master imports the application once and each worker starts from it, ready: without this a
# worker imported Django and the apps on its first requests (a probe answered in 3–4 s under load,
# issue 18), and so did every worker replaced after max_requests. Nothing connects to the database
# at import (the apps' ready() only register signals), so no connection is shared across the fork.
# A code update needs a restart (systemctl restart), not a HUP.
preload_app = True
