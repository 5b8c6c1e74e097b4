"""Draft saves and decisions on a SQLite file while another process keeps taking its write lock
(run by tests/hardening/test_sqlite_busy.py as `python -m tests.hardening.sqlite_writes PATH N`).

This process migrates a fresh SQLite database at PATH (with the project's own settings, as `make
run` uses them), builds a review with a draft and a disagreement, starts a second process that
holds SQLite write transactions for 200 ms at a time (as the background worker does while it
stores a reliability snapshot), and then makes at least N writes, for at least MIN_SECONDS,
through the services: draft saves and decisions, alternately. It prints one JSON line with what
it measured. The test database of pytest is in memory and cannot be shared with a second
process, hence the subprocess.
"""

import json
import logging
import os
import subprocess
import sys
import time

HOLD_SECONDS = 0.2
PAUSE_SECONDS = 0.02
# The writes go on (past N if need be) for at least this long, so that the holder takes the
# lock many times while they run, however fast the machine is.
MIN_SECONDS = 6.0

# The second process: raw sqlite3 (no Django), one write transaction after another.
HOLDER = f"""
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], timeout=60, isolation_level=None)
db.execute("CREATE TABLE IF NOT EXISTS busy_holder (n INTEGER)")
print("ready", flush=True)
n = 0
while True:
    db.execute("BEGIN IMMEDIATE")
    db.execute("INSERT INTO busy_holder VALUES (?)", (n,))
    time.sleep({HOLD_SECONDS})
    db.execute("COMMIT")
    n += 1
    time.sleep({PAUSE_SECONDS})
"""


class _Errors(logging.Handler):
    """Errors that code swallows and logs (e.g. a robust on-commit hook that queues a task)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def main(path: str, writes: int) -> dict:
    os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coproduction.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from coding.adjudication.services import consensus_version, disagreement_resolve
    from coding.codings.services import coding_save_draft, coding_start
    from coding.models import Disagreement, Role
    from tests import factories

    call_command("migrate", verbosity=0)
    review = factories.ReviewFactory(slug="busy", title="Busy review")
    factories.codebook_for(review)
    people = {}
    for username, role in [("alice", Role.CODER), ("bob", Role.CODER),
                           ("ada", Role.ADJUDICATOR)]:
        people[username] = factories.UserFactory(username=username)
        factories.MembershipFactory(review=review, user=people[username], role=role)
    disputed = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=disputed, coder=people["alice"], values={"level": "local"})
    factories.coding_with_values(case=disputed, coder=people["bob"], values={"level": "state"})
    from coding.adjudication.services import disagreements_detect

    disagreements_detect(case=disputed, notify=False)
    disagreement = Disagreement.objects.get(case=disputed)
    drafted = factories.CaseFactory(review=review, number="2")
    factories.AssignmentFactory(case=drafted, coder=people["alice"])
    coding = coding_start(case=drafted, user=people["alice"])
    with connection.cursor() as cursor:
        journal_mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]

    errors = _Errors()
    logging.getLogger().addHandler(errors)
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, path], stdout=subprocess.PIPE,
                              text=True)
    failures: list[str] = []
    latencies: list[float] = []
    try:
        assert holder.stdout.readline().strip() == "ready"
        time.sleep(HOLD_SECONDS)  # the holder is inside its first write transaction
        started = time.monotonic()
        n = 0
        while n < writes or time.monotonic() - started < MIN_SECONDS:
            began = time.monotonic()
            try:
                if n % 2 == 0:
                    coding = coding_save_draft(
                        coding=coding, values={"budget": {"value": n}},
                        expected_version=coding.version, user=people["alice"])
                else:
                    disagreement_resolve(
                        disagreement=disagreement, user=people["ada"],
                        choice="a" if n % 4 == 1 else "b", rationale=f"Decision {n}.",
                        expected_version=consensus_version(disagreement))
            except Exception as error:  # every failure counts, whatever its kind
                failures.append(f"{type(error).__name__}: {error}")
            latencies.append(time.monotonic() - began)
            n += 1
        elapsed = time.monotonic() - started
    finally:
        holder.terminate()  # our own child, by its handle
        holder.wait(timeout=10)
    with connection.cursor() as cursor:
        held = cursor.execute("SELECT count(*) FROM busy_holder").fetchone()[0]
    latencies.sort()
    return {
        "journal_mode": journal_mode,
        "writes": n,
        "failures": len(failures),
        "logged_errors": len(errors.messages),
        "first_failures": (failures + errors.messages)[:3],
        "holder_transactions": held,
        "seconds": round(elapsed, 1),
        "held_share": round(held * HOLD_SECONDS / elapsed, 2),
        "median_write_ms": round(latencies[len(latencies) // 2] * 1000),
        "max_write_ms": round(latencies[-1] * 1000),
    }


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]))), flush=True)
