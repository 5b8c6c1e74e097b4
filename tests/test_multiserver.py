"""Two app servers behind one address share PostgreSQL and Redis: a sign-in lockout earned on
one holds on the other, the API throttle counts both, and a reliability report computed by one
server's background worker (a snapshot in the shared database) is served by the other.

Two gunicorn instances (two workers each) on two loopback ports model a load-balanced
deployment. The test needs PostgreSQL (DATABASE_URL) and a Redis (MULTISERVER_REDIS_URL,
default redis://127.0.0.1:6379/13); elsewhere it is skipped, unless REQUIRE_MULTISERVER=1
(as `.ci/run` sets), which turns a missing service into a failure.
"""

import http.cookiejar
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from rest_framework.authtoken.models import Token

from tests import factories

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("MULTISERVER_REDIS_URL", "redis://127.0.0.1:6379/13")
TIMEOUT = 10  # seconds, for every request


def _missing_service() -> str | None:
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "needs PostgreSQL (DATABASE_URL=postgresql://...)"
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError as error:
        return f"needs Redis at {REDIS_URL}: {error}"
    return None


@pytest.fixture(scope="module")
def services():
    missing = _missing_service()
    if missing and os.environ.get("REQUIRE_MULTISERVER") == "1":
        pytest.fail(f"REQUIRE_MULTISERVER=1 but the two-server test {missing}")
    if missing:
        pytest.skip(missing)


def _env(**extra) -> dict:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_ALLOW_ASYNC_UNSAFE", "DJANGO_SETTINGS_MODULE", "CACHE_DIR")}
    env.update(DEBUG="0", SECRET_KEY="multiserver-test-" + "x" * 40,
               ALLOWED_HOSTS="127.0.0.1", SECURE_SSL_REDIRECT="0",
               SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0",
               DJANGO_SETTINGS_MODULE="coproduction.settings")
    env.update(extra)
    return env


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict  # the test database, which the servers must share
    password = f":{urllib.parse.quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
    return (f"postgresql://{urllib.parse.quote(db['USER'])}{password}@{db['HOST'] or '127.0.0.1'}"
            f":{db['PORT'] or 5432}/{db['NAME']}")


@pytest.fixture(scope="module")
def servers(services, django_db_setup, static_root):
    """(url_a, url_b, prefix): two gunicorns sharing the test database and Redis, started
    once for this module (each start costs seconds)."""
    prefix = f"test-multiserver-{secrets.token_hex(4)}"
    env = _env(
        STATIC_ROOT=str(static_root), DATABASE_URL=_database_url(), REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=prefix, WEB_CONCURRENCY="2", GUNICORN_ACCESS_LOG="/dev/null",
        LOGIN_FAILURE_LIMIT="3", API_ANON_RATE="4/min", DB_CONN_MAX_AGE="0",
    )
    servers, urls = [], []
    try:
        for _ in range(2):
            port = _free_port()
            servers.append(subprocess.Popen(
                [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
                cwd=ROOT, env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            urls.append(f"http://127.0.0.1:{port}")
        for url in urls:
            _wait_until_up(url)
        yield urls[0], urls[1], prefix
    finally:
        for server in servers:  # by PID, never by name
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=5)
        _redis().delete(*_redis().keys(f"{prefix}:*") or ["none"])


@pytest.fixture
def two_servers(servers, transactional_db):
    """The servers, with this test's rows committed where they can read them."""
    return servers


def _redis():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def _wait_until_up(url: str) -> None:
    # Generous: on a busy machine four workers importing Django took over 30 s.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/accounts/login/", timeout=2)  # not throttled
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} did not start within 90 s")


class Browser:
    """Cookies shared across ports, as behind a proxy that serves both under one name."""

    def __init__(self):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )

    def request(self, url, data=None, headers=None) -> tuple[int, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(url, data=body, headers=headers or {})
        try:
            with self.opener.open(request, timeout=TIMEOUT) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def sign_in(self, base: str, username: str, password: str) -> tuple[int, str]:
        status, html = self.request(f"{base}/accounts/login/")
        assert status == 200, html[:300]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        return self.request(f"{base}/accounts/login/", {
            "csrfmiddlewaretoken": token, "username": username, "password": password,
        })


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _strong_password(settings, *users):
    """The servers check passwords with production's hashers, not the tests' fast MD5."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    for user in users:
        user.set_password(factories.PASSWORD)
        user.save(update_fields=["password"])


def test_a_lockout_earned_on_one_server_holds_on_the_other(two_servers, coder_a, coder_b,
                                                           settings):
    server_a, server_b, _ = two_servers
    _strong_password(settings, coder_a, coder_b)
    browser = Browser()
    assert browser.sign_in(server_a, "alice", "wrong-guess")[0] == 200
    assert browser.sign_in(server_b, "alice", "wrong-guess")[0] == 200
    status, html = browser.sign_in(server_a, "alice", "wrong-guess")
    assert status == 429 and "Too many failed sign-ins" in html
    # The right password, on the other server, in a new browser: still locked.
    status, html = Browser().sign_in(server_b, "alice", factories.PASSWORD)
    assert status == 429
    assert "locked for 15 minutes" in html
    # Bob, from the same address, signs in on either server.
    assert Browser().sign_in(server_b, "bob", factories.PASSWORD)[0] == 302
    assert Browser().sign_in(server_a, "bob", factories.PASSWORD)[0] == 302


def test_the_api_throttle_counts_requests_to_both_servers(two_servers):
    server_a, server_b, _ = two_servers
    browser = Browser()
    codes = [browser.request(f"{url}/api/reviews/")[0]
             for url in (server_a, server_b, server_a, server_b)]
    assert codes == [200, 200, 200, 200]  # API_ANON_RATE=4/min, across both servers
    assert browser.request(f"{server_a}/api/reviews/")[0] == 429
    status, body = browser.request(f"{server_b}/api/reviews/")
    assert status == 429 and "throttled" in body.lower()


def test_a_reliability_report_computed_by_one_server_is_served_by_the_other(
    two_servers, review, coder_a, coder_b, lead, static_root
):
    import json

    from django_tasks_db.models import DBTaskResult

    from coding.models import ReliabilitySnapshot, SnapshotStatus

    server_a, server_b, prefix = two_servers
    for number, (a, b) in enumerate([("local", "local"), ("state", "local")], start=1):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a, values={"level": a})
        factories.coding_with_values(case=case, coder=coder_b, values={"level": b})
    token = Token.objects.create(user=lead)
    headers = {"Authorization": f"Token {token.key}"}
    url = "/api/reviews/demo/reliability/"

    # Server A has no figures yet: it says so (a GET writes nothing).
    status, body = Browser().request(server_a + url, headers=headers)
    assert status == 202 and json.loads(body)["status"] == "computing"
    assert DBTaskResult.objects.count() == 0
    # A worker beside server A (the production settings, the shared database) asks for them
    # as it starts (these codings were made without the services, which would have asked)
    # and computes them.
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-reload",
         "--no-startup-delay", "--verbosity", "0"],
        cwd=ROOT, check=True, timeout=120,
        env=_env(STATIC_ROOT=str(static_root), DATABASE_URL=_database_url(),
                 REDIS_URL=REDIS_URL, CACHE_KEY_PREFIX=prefix),
    )
    snapshot = ReliabilitySnapshot.objects.get()
    assert snapshot.status == SnapshotStatus.READY
    status, body = Browser().request(server_a + url, headers=headers)
    computed = json.loads(body)
    assert status == 200 and computed["coders"] == ["alice", "bob"]
    # Mark the stored snapshot, so that the answer of server B shows where it came from (a
    # recomputation would not carry the mark).
    report = snapshot.report
    ReliabilitySnapshot.objects.filter(pk=snapshot.pk).update(
        report={**report, "coders": ["alice", "bob", "stored-by-server-a"]})

    status, body = Browser().request(server_b + url, headers=headers)
    assert status == 200
    served = json.loads(body)
    assert served["coders"] == ["alice", "bob", "stored-by-server-a"]
    assert served["rows"] == computed["rows"] and served["status"] == "up_to_date"
    assert served["computed_at"] == computed["computed_at"]
    # Nothing computed or queued again.
    assert ReliabilitySnapshot.objects.count() == 1 and DBTaskResult.objects.count() == 1
