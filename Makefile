# Two commands on a fresh machine: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install setup lint bench loadtest clean practice-files

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_coproduction
	$(PY) manage.py load_practice
	$(PY) manage.py seed_demo

# The background worker (reliability snapshots) runs beside the development server and stops
# with it: Ctrl-C, or the server exiting for any reason, ends the worker by its PID.
run: setup
	@echo "Open http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the background worker)"
	@$(PY) manage.py db_worker --no-reload --verbosity 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

loadtest: install
	bench/loadtest.sh

# Rewrite the practice review's fictional reports (fixtures/practice/) after editing them.
practice-files: install
	$(PY) scripts/make_practice_review.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
