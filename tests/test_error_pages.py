"""Branded 400/403/404/500 pages (and the CSRF failure page) that work under the
Content-Security-Policy; with DEBUG on, Django's own 404 page stays readable."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory
from django.views import defaults

from tests.factories import PASSWORD


def _assert_branded_and_csp_clean(html: str) -> None:
    assert 'class="brand"' in html and "/static/css/app.css" in html
    assert "Back to the start page" in html
    # Nothing the policy would block: no inline style, no inline script.
    assert "<style" not in html and not re.search(r"\sstyle=", html)
    for chunk in html.split("<script")[1:]:
        assert chunk.lstrip().startswith("src="), chunk[:80]


def test_an_unknown_address_gets_the_branded_404_page_under_the_csp(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert "not shared with you" in html
    _assert_branded_and_csp_clean(html)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


def test_a_case_of_an_unknown_review_gets_the_branded_404_page(client, db):
    response = client.get("/reviews/nobody/cases/1/")
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in response.content.decode()


def test_the_403_page_offers_sign_in_to_an_anonymous_visitor(db):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/reviews/demo/progress/")
    request.user = AnonymousUser()
    response = defaults.permission_denied(request, PermissionDenied())
    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not open this page" in html
    assert "/accounts/login/?next=/reviews/demo/progress/" in html
    _assert_branded_and_csp_clean(html)


def test_the_400_and_500_pages_render_without_a_request_context(db):
    request = RequestFactory().get("/")
    bad = defaults.bad_request(request, ValueError("a detail never shown"))
    assert bad.status_code == 400
    assert "could not be understood" in bad.content.decode()
    assert "a detail never shown" not in bad.content.decode()
    _assert_branded_and_csp_clean(bad.content.decode())
    error = defaults.server_error(request)
    assert error.status_code == 500
    assert "Something went wrong on our side" in error.content.decode()
    _assert_branded_and_csp_clean(error.content.decode())


def test_an_expired_form_gets_the_branded_csrf_page(db, coder_a):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 403
    html = response.content.decode()
    assert "The form could not be sent" in html
    _assert_branded_and_csp_clean(html)


def test_with_debug_on_djangos_404_page_is_readable(client, db, settings):
    """Django's technical 404 page styles itself inline; django-csp sends no policy on
    DEBUG 404 and 500 pages, so the developer sees it styled."""
    settings.DEBUG = True
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Content-Security-Policy" not in response.headers
    assert "Using the URLconf defined in" in response.content.decode()


def test_refused_control_characters_get_the_branded_400_page_with_the_reason(client, db):
    response = client.get("/reviews/demo/cases/%00/")
    assert response.status_code == 400
    html = response.content.decode()
    assert "The request could not be understood" in html
    assert "control character (U+0000" in html
    _assert_branded_and_csp_clean(html)


def _break_the_start_page(monkeypatch):
    """The start page raises, so that the live server answers with the 500 page."""
    from django.urls import get_resolver

    def broken(request):
        raise RuntimeError("a bug")

    pattern = next(p for p in get_resolver().url_patterns if getattr(p, "name", "") == "home")
    monkeypatch.setattr(pattern, "callback", broken)


@pytest.mark.browser
@pytest.mark.parametrize(("status", "heading"), [
    (400, "The request could not be understood"),
    (403, "The form could not be sent"),
    (404, "Page not found"),
    (500, "Something went wrong on our side"),
])
def test_every_error_page_shows_styled_with_no_csp_violations(
    page, live_server, db, monkeypatch, status, heading
):
    from tests.test_security import CSP_PROBE

    page.add_init_script(CSP_PROBE)
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text))
    if status == 403:  # a sign-in form sent after its CSRF cookie is gone
        page.goto(f"{live_server.url}/accounts/login/")
        page.context.clear_cookies()
        with page.expect_navigation() as navigation:
            page.get_by_label("Username").fill("alice")
            page.get_by_label("Password").fill("x")
            page.locator("main").get_by_role("button", name="Sign in").click()
        response = navigation.value
    else:
        if status == 500:
            _break_the_start_page(monkeypatch)
        path = {400: "/reviews/demo/cases/%00/", 404: "/no-such-page/", 500: "/"}[status]
        response = page.goto(live_server.url + path)
    assert response.status == status
    page.wait_for_load_state("load")
    assert page.locator("h1").inner_text() == heading
    assert page.evaluate("getComputedStyle(document.querySelector('.brand')).textDecorationLine") \
        == "none"
    assert page.evaluate("window.__cspViolations") == []
    assert not [m for m in messages if "Content Security Policy" in m]
