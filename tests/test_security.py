"""Production hardening: security headers, login rate limiting, check --deploy, static files."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _production_env(**extra) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        # The test run sets DJANGO_ALLOW_ASYNC_UNSAFE (for Playwright); production never does.
        if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                       "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="example.org",
        DJANGO_SETTINGS_MODULE="coproduction.settings",
    )
    env.update(extra)
    return env


@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/api/reviews/", "/api/docs/"])
def test_every_response_carries_the_security_headers(client, db, url):
    response = client.get(url)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'"
    assert directives["form-action"] == "'self'"
    assert "unsafe" not in csp
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_api_docs_page_has_no_inline_script_or_style(client, db):
    html = client.get("/api/docs/").content.decode()
    assert "<style" not in html
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), chunk[:80]
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script.headers["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def _login(client, username, password, url="/accounts/login/"):
    return client.post(url, {"username": username, "password": password})


def test_login_is_locked_after_repeated_failures_even_for_the_right_password(
    client, coder_a, settings
):
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        response = _login(client, "alice", "wrong-guess")
        assert response.status_code == 200
        assert "didn't match" in response.content.decode()
    response = _login(client, "alice", "wrong-guess")
    assert response.status_code == 429
    assert "Too many failed sign-ins" in response.content.decode()

    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_username_and_address(client, coder_a, coder_b, settings):
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 429
    # Bob, from the same address, is not locked out by guesses at Alice's password ...
    assert _login(client, "bob", PASSWORD).status_code == 302
    # ... and neither is Alice from another address.
    client.logout()
    response = client.post(
        "/accounts/login/",
        {"username": "alice", "password": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302


def test_successful_sign_in_clears_the_failure_count(client, coder_a, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    _login(client, "alice", "wrong-guess")
    _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    _login(client, "alice", "wrong-guess")
    _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_lockout_ends_after_the_lockout_period(client, coder_a, settings, monkeypatch):
    import time

    settings.LOGIN_FAILURE_LIMIT = 1
    settings.LOGIN_LOCKOUT_MINUTES = 1
    _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 429
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 61)
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_admin_sign_in_is_rate_limited_too(client, db, settings):
    from tests.factories import UserFactory

    UserFactory(username="root", is_staff=True, is_superuser=True)
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(client, "root", "wrong-guess", url="/admin/login/")
    response = _login(client, "root", PASSWORD, url="/admin/login/")
    assert "Too many failed sign-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_check_deploy_is_clean_in_production_mode():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=_production_env(), capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_refuses_the_development_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_collectstatic_builds_compressed_hashed_files_in_production_mode(tmp_path):
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput"],
        cwd=ROOT, env=_production_env(STATIC_ROOT=str(tmp_path)),
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    manifest = (tmp_path / "staticfiles.json").read_text()
    assert '"css/app.css"' in manifest
    assert list(tmp_path.glob("css/app.*.css.gz")), "whitenoise did not compress app.css"
    assert list(tmp_path.glob("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.*.js"))


def test_api_token_link_is_in_the_signed_in_header(client, coder_a):
    client.force_login(coder_a)
    assert reverse("coding:tokens") in client.get("/").content.decode()
