"""The Content-Security-Policy header is built once per process (coding.middleware
.CSPMiddleware, issue 22) and is the header django-csp builds."""

from csp.constants import NONCE, SELF
from csp.decorators import csp_update
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory

from coding import middleware
from coding.middleware import CSPMiddleware


def _counting(monkeypatch) -> list:
    calls = []

    def counted(**kwargs):
        calls.append(kwargs)
        return build_policy(**kwargs)

    monkeypatch.setattr(middleware, "build_policy", counted)
    middleware._BUILT_POLICIES.clear()
    return calls


def test_the_header_is_the_one_django_csp_builds(client, db):
    response = client.get("/healthz")
    assert response["Content-Security-Policy"] == build_policy()
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_the_header_is_built_once_for_many_responses(client, db, monkeypatch):
    calls = _counting(monkeypatch)
    headers = {client.get(url)["Content-Security-Policy"]
               for url in ("/healthz", "/", "/healthz", "/accounts/login/") * 3}
    assert headers == {build_policy()}
    # Once for the header, once for the (unset) report-only header: not once per response.
    assert sorted(call.get("report_only") for call in calls) == [False, True]


def test_a_nonce_or_a_views_own_policy_still_gets_its_own_header(monkeypatch, settings):
    # Our policy asks for no nonce; one that does gets a fresh one in each response.
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"script-src": [SELF, NONCE]}}
    calls = _counting(monkeypatch)
    csp = CSPMiddleware(lambda request: HttpResponse("ok"))
    request = RequestFactory().get("/")
    csp.process_request(request)
    nonce = str(request.csp_nonce)  # a template asking for a nonce

    with_nonce = csp.process_response(request, HttpResponse("ok"))["Content-Security-Policy"]

    assert f"'nonce-{nonce}'" in with_nonce
    plain = RequestFactory().get("/")
    csp.process_request(plain)
    assert f"'nonce-{nonce}'" not in csp.process_response(
        plain, HttpResponse("ok"))["Content-Security-Policy"]

    @csp_update({"img-src": ["https://maps.example"]})
    def view(request):
        return HttpResponse("ok")

    other = RequestFactory().get("/")
    csp.process_request(other)
    header = csp.process_response(other, view(other))["Content-Security-Policy"]
    assert "https://maps.example" in header and header != build_policy()
    assert len(calls) >= 3  # nonce and update: built for their response


def test_a_changed_setting_is_followed(client, db, settings):
    client.get("/healthz")
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": [SELF]}}
    assert client.get("/healthz")["Content-Security-Policy"] == "default-src 'self'"
