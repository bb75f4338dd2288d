# The two commands the README promises: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-fast lint format venv migrate seed clean serve backup restore bench load fault

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 以上が必要です")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

migrate: venv
	$(PY) manage.py migrate --noinput

# 第9期 (the period Tokyo is in) is rolled over from 第8期: targets, no results; skipped once it has items.
seed: migrate
	$(PY) manage.py load_tokyo_plan
	$(PY) manage.py rollover_plan --from 第8期 --to 第9期 --skip-if-filled
	$(PY) manage.py create_demo_users

# Long work (PDF, large workbooks, the sheet import) runs in django-tasks' database worker:
# `run` and `serve` start $(TASK_WORKERS) of them beside the web server and stop them on exit.
TASK_WORKERS ?= 2
START_WORKERS = pids=""; for n in $$(seq $(TASK_WORKERS)); do nice -n 5 $(PY) manage.py db_worker --no-reload --queue-name '*' & pids="$$pids $$!"; done; \
	trap 'kill $$pids 2>/dev/null; wait $$pids 2>/dev/null' EXIT INT TERM

# The demo's 評価指標 scores are made up and marked 「サンプル（架空の値）」 everywhere (README).
run: seed
	$(PY) manage.py load_sample_grant_scores
	@$(START_WORKERS); $(PY) manage.py runserver $(HOST):$(PORT)

# Production-style serving: gunicorn + whitenoise; settings come from the environment
# (DJANGO_DEBUG=false, DJANGO_SECRET_KEY, DATABASE_URL, DJANGO_ALLOWED_HOSTS ...).
serve: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	@echo "管理画面: $$($(PY) manage.py admin_url)"
	@$(START_WORKERS); $(BIN)/gunicorn --config gunicorn.conf.py

# Backups: pg_dump (PostgreSQL) or the SQLite online backup, with the uploaded files (MEDIA_ROOT),
# as one archive in var/backups/.
backup: venv
	$(PY) manage.py backup_data

# make restore BACKUP=var/backups/kaigo_plan-YYYYmmdd-HHMMSS.tar (stop the application first)
restore: venv
	$(PY) manage.py restore_data "$(BACKUP)" --yes

# Performance benchmark (not part of the tests): synthetic data at 1×, 10× and 100× Tokyo,
# median server time per report page as a ratio to a trivial view, and wrk against gunicorn.
BENCH_ARGS ?= --wrk 10
bench: venv
	$(PY) -m bench $(BENCH_ARGS)

# Load and fault tests (loopback only, bounded; not part of `make test`). See load/README.md.
load: venv
	bash load/run_load.sh $(LOAD_ARGS)

fault: venv
	bash load/run_fault.sh $(LOAD_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# One test process per core (pytest-xdist): each has its own test database and loads Tokyo once;
# a process that finishes early takes tests from the other (worksteal). TEST_WORKERS=0: one process.
TEST_WORKERS ?= auto
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist worksteal

test: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS)

# Between edits: every test but those driving Chromium or LibreOffice (marked `browser` and
# `libreoffice` by tests/conftest.py). `make test`, and so CI, still runs them all.
test-fast: lint
	$(PY) manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_PARALLEL) -m "not browser and not libreoffice" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
