#!/usr/bin/env bash
# The fault test of issue 6: the load test's traffic for 150 s, one gunicorn worker SIGKILLed
# at 45 s, PostgreSQL restarted at 75 s; then the timeline, the errors by arrival and the
# database check. Options go to load/run.py (see its --help), e.g. --outage 10.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -c 'import locust' 2>/dev/null || .venv/bin/pip install --quiet -r requirements-load.txt
exec .venv/bin/python load/run.py fault "$@"
