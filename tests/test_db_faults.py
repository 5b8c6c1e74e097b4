"""A database connection PostgreSQL drops (a restart, a failover, an idle timeout; here
pg_terminate_backend) is replaced, not fatal: the background worker goes on taking tasks, and
the first request a server process answers afterwards does not fail
(CONN_HEALTH_CHECKS, coproduction/settings.py).

Each test starts its own process (a worker, a gunicorn) on the test database; PostgreSQL only.
"""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from tests import factories
from tests.test_multiserver import (  # noqa: F401  (fixtures and helpers)
    ROOT,
    _database_url,
    _env,
    _free_port,
    _wait_until_up,
)

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="needs PostgreSQL (DATABASE_URL=postgresql://...)"),
    pytest.mark.django_db(transaction=True),
]


def _terminate(application_name: str) -> int:
    """Drop every connection of that application; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE application_name = %s AND pid <> pg_backend_pid()", [application_name])
        return cursor.fetchone()[0]


def _connections(application_name: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                       [application_name])
        return cursor.fetchone()[0]


def _wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def _stop(process: subprocess.Popen) -> None:
    process.terminate()  # our own child, by its handle
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _start_worker(application_name: str, tmp_path):
    """A worker on the test database whose connections carry `application_name`, polling
    every 0.2 s, with its output in tmp_path/worker.log; (process, open log file)."""
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115  (the caller closes it)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.2",
         "--no-startup-delay", "--verbosity", "1"],
        cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        env=_env(DATABASE_URL=f"{_database_url()}?application_name={application_name}",
                 DB_CONN_MAX_AGE="600", STATIC_ROOT=str(tmp_path)),
    )
    return worker, log


def _done(task_id) -> bool:
    return DBTaskResult.objects.filter(pk=task_id, status="SUCCESSFUL").exists()


def test_the_worker_goes_on_taking_tasks_after_its_database_connection_is_dropped(review,
                                                                                   tmp_path):
    from coding.public.tasks import warm_dashboard

    name = f"cp-worker-{os.getpid()}"
    worker, log = _start_worker(name, tmp_path)
    try:
        first = warm_dashboard.enqueue(review_id=review.pk)
        assert _wait_for(lambda: _done(first.id), 60), (tmp_path / "worker.log").read_text()
        assert _terminate(name) >= 1  # the worker's connection, idle between tasks
        time.sleep(0.5)  # it polls the queue meanwhile (every 0.2 s)
        second = warm_dashboard.enqueue(review_id=review.pk)
        factories.CaseFactory(review=review)
        third = warm_dashboard.enqueue(review_id=review.pk)
        assert _wait_for(lambda: _done(second.id) and _done(third.id), 60), (
            (tmp_path / "worker.log").read_text())
        assert worker.poll() is None  # still running
        assert _connections(name) == 1  # on a new connection
    finally:
        _stop(worker)
        log.close()


def _status(task_id) -> str:
    return DBTaskResult.objects.get(pk=task_id).status


def test_a_connection_dropped_in_the_middle_of_a_task_fails_that_task_not_the_worker(review,
                                                                                     tmp_path):
    from coding.public.tasks import warm_dashboard
    from tests.fault_tasks import wait_in_database

    name = f"cp-worker-mid-{os.getpid()}"
    worker, log = _start_worker(name, tmp_path)
    try:
        waiting = wait_in_database.enqueue(seconds=30)
        assert _wait_for(lambda: _status(waiting.id) == "RUNNING", 60), (
            (tmp_path / "worker.log").read_text())
        time.sleep(0.5)  # inside pg_sleep by now
        assert _terminate(name) >= 1
        # The task fails (its failure recorded on a new connection) and the worker goes on.
        assert _wait_for(lambda: _status(waiting.id) == "FAILED", 30), (
            (tmp_path / "worker.log").read_text())
        after = warm_dashboard.enqueue(review_id=review.pk)
        assert _wait_for(lambda: _done(after.id), 60), (tmp_path / "worker.log").read_text()
        assert worker.poll() is None  # still running
    finally:
        _stop(worker)
        log.close()


def test_the_first_request_after_a_dropped_connection_does_not_fail(review, static_root):  # noqa: F811
    review.is_published = True
    review.save(update_fields=["is_published"])
    name = f"cp-web-{os.getpid()}"
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env=_env(DATABASE_URL=f"{_database_url()}?application_name={name}",
                 DB_CONN_MAX_AGE="600", WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="/dev/null",
                 STATIC_ROOT=str(static_root), GUNICORN_BIND=f"127.0.0.1:{port}"),
    )
    url = f"http://127.0.0.1:{port}/api/reviews/demo/"

    def get() -> int:
        try:
            with urllib.request.urlopen(url, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        _wait_until_up(f"http://127.0.0.1:{port}")
        assert get() == 200  # the worker process now keeps a connection (CONN_MAX_AGE)
        terminated, statuses = [], []
        for _ in range(3):
            terminated.append(_terminate(name))
            statuses.append(get())
        assert terminated == [1, 1, 1]  # each time, the connection the last request kept
        assert statuses == [200, 200, 200]  # without health checks: 500, on a dead connection
    finally:
        _stop(server)
