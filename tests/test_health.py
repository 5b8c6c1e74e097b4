"""`/health/`: what a load balancer polls. 200 when the database, the cache and the
background worker are fit; 503 naming the failed check, with nothing secret in it."""

from datetime import timedelta

import pytest
from django.core.cache.backends.redis import RedisCache
from django.db import OperationalError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coding.accounts.tasks import send_password_reset_mail

URL = "/health/"


def _queue_a_task(*, waited: timedelta) -> DBTaskResult:
    result = send_password_reset_mail.enqueue(email="x@example.org", domain="t", use_https=False)
    DBTaskResult.objects.filter(pk=result.id).update(enqueued_at=timezone.now() - waited)
    return DBTaskResult.objects.get(pk=result.id)


def test_a_healthy_server_answers_200_uncached_to_anyone(client, db):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {
        "database": "ok", "cache": "ok", "worker": "ok", "queue": "ok"}}
    assert "no-store" in response["Cache-Control"]
    assert client.head(URL).status_code == 200
    assert client.post(URL).status_code == 405


def test_a_database_failure_answers_503_without_its_message(client, db, monkeypatch):
    class Broken:
        def cursor(self):
            raise OperationalError('could not connect: password "hunter2" host db.internal')

    monkeypatch.setattr("coding.health.connection", Broken())
    response = client.get(URL)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == "unreachable (OperationalError)"
    assert body["checks"]["cache"] == "ok"
    assert "hunter2" not in response.content.decode()
    assert "db.internal" not in response.content.decode()


def test_an_unreachable_cache_answers_503(client, db, monkeypatch):
    redis = RedisCache("redis://:sekret@127.0.0.1:1/0",
                       {"OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1}})
    monkeypatch.setattr("coding.health.cache", redis)  # a Redis that does not answer
    response = client.get(URL)
    assert response.status_code == 503
    assert response.json()["checks"]["cache"] == "unreachable (ConnectionError)"
    assert "sekret" not in response.content.decode()


def test_tasks_waiting_with_no_worker_taking_them_answer_503(client, db, settings):
    settings.HEALTH_QUEUE_MAX_AGE_SECONDS = 300
    settings.HEALTH_WORKER_SILENCE_SECONDS = 300
    _queue_a_task(waited=timedelta(seconds=30))
    assert client.get(URL).status_code == 200  # just queued: the worker has time
    _queue_a_task(waited=timedelta(minutes=10))
    response = client.get(URL)
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["worker"].startswith("no task taken from the queue for over 300 s")
    assert "last taken: never" in checks["worker"]
    assert checks["queue"].startswith("the oldest of 2 waiting task(s) has waited 600 s")


def test_a_busy_worker_is_alive_but_a_long_queue_still_fails(client, db):
    old = _queue_a_task(waited=timedelta(minutes=10))
    taken = _queue_a_task(waited=timedelta(minutes=11))
    DBTaskResult.objects.filter(pk=taken.pk).update(
        status="RUNNING", started_at=timezone.now() - timedelta(seconds=20))
    checks = client.get(URL).json()["checks"]
    assert checks["worker"] == "ok"
    assert checks["queue"].startswith("the oldest of 1 waiting task(s)")
    DBTaskResult.objects.filter(pk=old.pk).update(status="SUCCESSFUL")
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("delay, healthy", [(timedelta(minutes=-1), True),
                                            (timedelta(minutes=-10), False)])
def test_a_delayed_task_waits_from_the_time_it_was_due(client, db, delay, healthy):
    task = _queue_a_task(waited=timedelta(hours=1))
    DBTaskResult.objects.filter(pk=task.pk).update(run_after=timezone.now() + delay)
    assert (client.get(URL).status_code == 200) is healthy
