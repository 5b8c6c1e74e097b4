"""The web server's time limit on database statements: set from gunicorn's timeout, and a
statement stopped at it answered 503 with a message by pages and the API, never 500."""

import runpy
from pathlib import Path

import psycopg
import pytest
from django.db import OperationalError, connection
from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from coding.locks import is_lock_conflict, is_statement_timeout
from coproduction import urls as project_urls
from coproduction.settings import database_from_url

ROOT = Path(__file__).resolve().parent.parent


def _slow_statement():
    """A statement PostgreSQL stops at this connection's limit (50 ms)."""
    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = '50ms'")
        try:
            cursor.execute("SELECT pg_sleep(2)")
        finally:
            cursor.execute("RESET statement_timeout")


def slow_page(request):
    _slow_statement()
    return HttpResponse("never")


class SlowApi(APIView):
    permission_classes = ()

    def get(self, request):
        _slow_statement()
        return Response({"never": True})


urlpatterns = [
    path("slow-page/", slow_page),
    path("slow-api/", SlowApi.as_view()),
    *project_urls.urlpatterns,
]


def test_the_statement_limit_comes_from_the_environment_unless_the_url_sets_one(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "45")
    options = database_from_url("postgresql://me@db/reviews")["OPTIONS"]["options"]
    assert options == "-c jit=off -c statement_timeout=45s"
    own = database_from_url(
        "postgresql://me@db/reviews?options=-c%20statement_timeout%3D5000")["OPTIONS"]
    assert own["options"] == "-c jit=off -c statement_timeout=5000"
    assert "sqlite3" in database_from_url("sqlite:////tmp/x.db")["ENGINE"]  # no such option
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "0")
    assert "statement_timeout" not in database_from_url("postgresql://me@db/r")["OPTIONS"][
        "options"]


def test_gunicorn_gives_its_workers_timeout_as_the_statement_limit(monkeypatch):
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "")  # restored after the test
    monkeypatch.delenv("DATABASE_STATEMENT_TIMEOUT")
    monkeypatch.setenv("GUNICORN_TIMEOUT", "75")
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert config["timeout"] == 75
    import os
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "75"
    monkeypatch.setenv("DATABASE_STATEMENT_TIMEOUT", "20")  # set by the operator: kept
    runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert os.environ["DATABASE_STATEMENT_TIMEOUT"] == "20"


def test_only_a_stopped_statement_counts_as_a_timeout():
    stopped = OperationalError("canceling statement due to statement timeout")
    stopped.__cause__ = psycopg.errors.QueryCanceled("canceling statement")
    deadlock = OperationalError("deadlock detected")
    deadlock.__cause__ = psycopg.errors.DeadlockDetected("deadlock detected")
    assert is_statement_timeout(stopped) and not is_lock_conflict(stopped)
    assert not is_statement_timeout(deadlock) and is_lock_conflict(deadlock)
    assert not is_statement_timeout(OperationalError("database is locked"))
    assert not is_statement_timeout(ValueError("57014"))


def _needs_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("statement_timeout is PostgreSQL's")


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.test_statement_timeout")
def test_a_page_whose_statement_is_stopped_says_so_with_503(client):
    _needs_postgresql()
    response = client.get("/slow-page/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    html = response.content.decode()
    assert "This took too long" in html and "first check whether it was saved" in html
    assert "Traceback" not in html
    answer = client.get("/slow-page/", HTTP_ACCEPT="application/json")
    assert answer.status_code == 503 and answer.json()["ok"] is False
    assert "too long" in answer.json()["message"]
    with connection.cursor() as cursor:  # the connection is still usable
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)


@pytest.mark.django_db(transaction=True)
@pytest.mark.urls("tests.test_statement_timeout")
def test_an_api_call_whose_statement_is_stopped_gets_503_in_the_api_shape(client):
    _needs_postgresql()
    response = client.get("/slow-api/")
    assert response.status_code == 503 and response["Retry-After"] == "30"
    body = response.json()
    assert body["code"] == "too_slow" and body["errors"] == [body["detail"]]
    assert "too long" in body["detail"]
