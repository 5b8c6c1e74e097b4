"""SQLite, the default set-up, while another process writes (the background worker storing a
reliability snapshot): draft saves and decisions wait for the write lock instead of failing
with "database is locked" (coproduction/settings.py, SQLITE_OPTIONS)."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.slow
def test_draft_saves_and_decisions_never_fail_while_another_process_holds_the_write_lock(
    tmp_path,
):
    result = subprocess.run(
        [sys.executable, "-m", "tests.hardening.sqlite_writes", str(tmp_path / "busy.sqlite3"),
         "200"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={key: value for key, value in os.environ.items()
             if key not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(figures)  # the measured figures, shown with -s
    assert figures["writes"] >= 200
    assert figures["failures"] == 0 and figures["logged_errors"] == 0, figures
    # The other process really kept writing all along: it held the lock for a good share of the
    # time the writes took (not a count, which depends on how fast this machine writes).
    assert figures["seconds"] >= 6
    assert figures["held_share"] >= 0.25, figures
    assert figures["journal_mode"] == "wal"


def test_sqlite_connections_use_wal_immediate_transactions_and_a_busy_timeout():
    from coproduction.settings import SQLITE_OPTIONS, database_from_url

    db = database_from_url("sqlite:////tmp/some.sqlite3")
    assert db["OPTIONS"] == SQLITE_OPTIONS
    assert db["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert db["OPTIONS"]["timeout"] >= 5
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
    # PostgreSQL keeps its own settings, and checks a reused connection before a request.
    pg = database_from_url("postgresql://user@127.0.0.1:5432/name")
    assert "transaction_mode" not in pg.get("OPTIONS", {})
    assert pg["CONN_HEALTH_CHECKS"] is True
