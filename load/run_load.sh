#!/usr/bin/env bash
# The load test of issue 6: 50 staff + 5 managers for 3 minutes against gunicorn + PostgreSQL
# on loopback, then a check of every saved figure. Options go to load/run.py (see its --help).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/python -c 'import locust' 2>/dev/null || .venv/bin/pip install --quiet -r requirements-load.txt
exec .venv/bin/python load/run.py load "$@"
