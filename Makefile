# Everyday commands. `make run` and `make test` work on a fresh clone with Python 3.13, make and git.
PYTHON ?= python3.13
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_ENV := DJANGO_DEBUG=1

.PHONY: run test lint format migrate demo admin check-migrations browser-test bench audit observatory clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.13 is needed (pyenv reads .python-version)."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

migrate: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py migrate --no-input

demo: migrate
	$(DEV_ENV) $(BIN)/python manage.py loaddata reference demo
	# History begins with a first revision of each record loaded (records that have one are skipped).
	$(DEV_ENV) $(BIN)/python manage.py createinitialrevisions meetings --comment "Loaded from the demo fixtures."

admin: migrate
	$(DEV_ENV) $(BIN)/python manage.py ensure_dev_admin

# The server and, beside it, the task worker (imports, large exports, the digest); Ctrl-C stops both.
run: demo admin
	@trap 'pkill -TERM -P $$worker 2>/dev/null; kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEV_ENV) $(BIN)/python manage.py db_worker --interval 1 & worker=$$!; \
	$(DEV_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(STAMP)
	$(BIN)/python -m pytest

browser-test: $(STAMP)
	$(BIN)/python -m pytest -m browser tests/browser

# Load test of the production server on 10,000 generated meetings (needs wrk: apt-get install wrk),
# and the records export and import round trip of 200, 1,000 and 10,000 generated meetings.
bench: $(STAMP)
	$(BIN)/python bench/run.py --database sqlite
	$(BIN)/python bench/run.py --database postgres
	$(BIN)/python bench/records.py --database sqlite
	$(BIN)/python bench/records.py --database postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Known vulnerabilities in the pinned dependencies (pip-audit); accepted ones in .ci/pip-audit-ignore.txt.
audit: $(STAMP)
	BIN=$(BIN) bash .ci/audit

# Mozilla HTTP Observatory grade of the production set-up (gunicorn behind deploy/nginx, on ports 80
# and 443 of this machine; needs root, nginx, node and npm). Not part of CI.
observatory: $(STAMP)
	BIN=$(BIN) bash .ci/observatory

check-migrations: $(STAMP)
	$(DEV_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
