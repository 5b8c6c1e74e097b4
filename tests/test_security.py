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
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    # The only inline styles allowed are the empty one and Plotly's maplibre sheet, by hash.
    assert directives["style-src-attr"] == (
        "'unsafe-hashes' 'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
    )
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_allowed_style_hash_is_the_hash_of_nothing():
    import base64
    import hashlib

    from django.conf import settings

    empty = f"'sha256-{base64.b64encode(hashlib.sha256(b'').digest()).decode()}'"
    assert settings.CSP_EMPTY_HASH == empty
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["style-src-attr"][1] == empty


def test_api_answers_json_only(client, db):
    response = client.get("/api/reviews/", HTTP_ACCEPT="text/html,*/*;q=0.8")  # a browser
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"


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
    settings.AXES_FAILURE_LIMIT = 3
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
    settings.AXES_FAILURE_LIMIT = 2
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
    settings.AXES_FAILURE_LIMIT = 3
    _login(client, "alice", "wrong-guess")
    _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 302
    client.logout()
    _login(client, "alice", "wrong-guess")
    _login(client, "alice", "wrong-guess")
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_lockout_ends_after_the_lockout_period(client, coder_a, settings):
    import time
    from datetime import timedelta

    settings.AXES_FAILURE_LIMIT = 1
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    _login(client, "alice", "wrong-guess")
    response = _login(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert "locked for 1 minute;" in response.content.decode()
    time.sleep(1.2)
    assert _login(client, "alice", PASSWORD).status_code == 302


def test_admin_sign_in_is_rate_limited_too(client, db, settings):
    from tests.factories import UserFactory

    UserFactory(username="root", is_staff=True, is_superuser=True)
    settings.AXES_FAILURE_LIMIT = 2
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


def test_collectstatic_builds_compressed_hashed_files_in_production_mode(collectstatic):
    root, result = collectstatic  # tests/conftest.py: the run the production servers use
    assert result.returncode == 0, result.stderr
    manifest = (root / "staticfiles.json").read_text()
    assert '"css/app.css"' in manifest
    assert list(root.glob("css/app.*.css.gz")), "whitenoise did not compress app.css"
    assert list(root.glob("drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.*.js"))


def test_api_token_link_is_in_the_signed_in_header(client, coder_a):
    client.force_login(coder_a)
    assert reverse("coding:tokens") in client.get("/").content.decode()


CSP_PROBE = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
"""


def _open(page, url):
    """Open url; returns a function giving the CSP violations seen so far (console
    messages and securitypolicyviolation events)."""
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text)
            if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text
            else None)
    response = page.goto(url)
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.wait_for_load_state("networkidle")
    return lambda: messages + page.evaluate("window.__cspViolations")


def _consensus_for_some_cases(review):
    """Consensus values on every choice attribute of ten cases, so that every kind of chart
    (bars, map, heat map, Sankey) is drawn."""
    from coding.models import AttributeKind
    from tests.factories import consensus_for

    attributes = review.current_codebook().attributes.prefetch_related("options")
    for index, case in enumerate(review.cases.order_by("sort_key")[:10]):
        values = {}
        for attribute in attributes:
            keys = [option.key for option in attribute.options.all()]
            if attribute.kind == AttributeKind.SINGLE:
                values[attribute.key] = keys[index % len(keys)]
            elif attribute.kind == AttributeKind.MULTI:
                values[attribute.key] = keys[index % len(keys):][:2]
            elif attribute.kind == AttributeKind.BOOLEAN:
                values[attribute.key] = index % 2 == 0
        consensus_for(case=case, values=values)


@pytest.mark.browser
def test_dashboard_charts_render_with_no_csp_violations(page, live_server, coproduction):
    _consensus_for_some_cases(coproduction)
    page.add_init_script(CSP_PROBE)
    violations = _open(page, f"{live_server.url}/reviews/coproduction/dashboard/")
    page.locator(".js-plotly-plot .main-svg").first.wait_for()
    assert page.locator(".js-plotly-plot").count() >= 10
    assert page.locator(".js-plotly-plot .sankey").count() == 1
    assert page.locator(".js-plotly-plot .heatmaplayer").count() >= 1
    assert page.locator(".js-plotly-plot .choroplethlayer, .js-plotly-plot .geo").count() >= 1
    box = page.locator(".js-plotly-plot").first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # hover styles
    page.wait_for_timeout(300)
    assert violations() == []


@pytest.mark.browser
def test_api_docs_render_from_our_static_files_with_no_csp_violations(page, live_server, db):
    page.add_init_script(CSP_PROBE)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    violations = _open(page, f"{live_server.url}/api/docs/")
    page.get_by_text("Coproduction case coding API").first.wait_for()
    page.locator(".opblock").first.click()  # expand an operation
    page.get_by_role("button", name="Try it out").first.wait_for()
    assert violations() == []
    assert all(url.startswith(live_server.url) or url.startswith("data:") for url in requested)


def test_openapi_schema_generates_without_warnings(tmp_path):
    from django.core.management import call_command

    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = target.read_text()
    assert "/api/reviews/{slug}/codings/{number}/submit/:" in schema
    assert "tokenAuth" in schema


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_production_mode_with_compressed_cached_static_files(
    tmp_path, static_root
):
    """gunicorn.conf.py as documented, DEBUG=0, after collectstatic: pages carry the
    security headers and whitenoise serves hashed static files gzipped and cached forever."""
    import time
    import urllib.request

    port = _free_port()
    env = _production_env(
        STATIC_ROOT=str(static_root), CACHE_DIR=str(tmp_path / "cache"),
        GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0", GUNICORN_ACCESS_LOG="/dev/null",
    )
    gunicorn = Path(sys.executable).parent / "gunicorn"
    server = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                page = urllib.request.urlopen(f"{base}/accounts/login/", timeout=5)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(server.stderr.read1().decode() if server.stderr else "no server")
        assert page.status == 200
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        # Secure cookies (HSTS is only sent over HTTPS, which the proxy provides).
        assert "; Secure" in page.headers["Set-Cookie"]
        html = page.read().decode()
        css = html.split('href="/static/css/app.')[1].split('"')[0]
        request = urllib.request.Request(f"{base}/static/css/app.{css}",
                                         headers={"Accept-Encoding": "gzip"})
        static = urllib.request.urlopen(request, timeout=5)
        assert static.status == 200
        assert static.headers["Content-Encoding"] == "gzip"
        assert "immutable" in static.headers["Cache-Control"]
    finally:
        server.terminate()
        server.wait(timeout=10)
