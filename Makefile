# Two commands on a fresh machine: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install setup lint bench loadtest clean practice-files lock audit

# Exactly the locked set: every package (pip and setuptools included) at the version and with
# the hashes of requirements.lock, then the project itself, without resolving anything more.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# The translation catalogues (locale/*/LC_MESSAGES/*.po) compiled into the .mo files Django
# reads, with polib: no GNU gettext needed. Only the catalogues changed since are compiled.
install: $(VENV)/.installed
	$(PY) scripts/translations.py compile

# Rewrite requirements.lock from pyproject.toml at the versions pinned in constraints.txt,
# with the hashes of every file the package index has for them, for any Python 3.11+ and
# platform (uv pip compile --universal: markers such as async-timeout's on Python < 3.11.3
# are kept). Extras stay on their pins (--no-strip-extras: `cachecontrol[filecache]==...`):
# stripped, pip in hash mode met pip-audit's `CacheControl[filecache]>=0.13.0` as a
# requirement of its own and took the newest release, which has no hash here. After adding
# a dependency or changing a pin in constraints.txt: `make lock`, then commit both files
# (tests/test_dependencies.py checks that they agree).
lock: install
	$(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--no-strip-extras --extra dev -c constraints.txt --no-emit-package coproduction-coding \
		-o requirements.lock pyproject.toml

# Known vulnerabilities in the locked set (pip-audit); says so and passes when the
# vulnerability service cannot be reached (scripts/audit.py).
audit: install
	$(PY) scripts/audit.py

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_coproduction
	$(PY) manage.py load_practice
	$(PY) manage.py seed_demo

# DEBUG is off unless set (coproduction/settings.py): the development server, its worker and
# the demo set-up run with DEBUG=1. The tests set it in pyproject.toml.
setup run: export DEBUG = 1

# The background worker (reliability snapshots) runs beside the development server and stops
# with it: Ctrl-C, or the server exiting for any reason, ends the worker by its PID.
run: setup
	@echo "Open http://$(HOST):$(PORT)/ (Ctrl-C stops the server and the background worker)"
	@$(PY) manage.py db_worker --no-reload --verbosity 1 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# One test process per CPU (pytest-xdist; each has its own test database). TEST_WORKERS=0 runs
# them all in this one process (for a debugger, or output in the order of the files).
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

loadtest: install
	bench/loadtest.sh

# Rewrite the practice review's fictional reports (fixtures/practice/) after editing them.
practice-files: install
	$(PY) scripts/make_practice_review.py

lint: install
	$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles
