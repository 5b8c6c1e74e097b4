"""Security headers that neither Django's SecurityMiddleware nor django-csp sets, and the
pages' answer when the database refused a request's work (a lock conflict, a timeout).

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY), with
its header built once per process (CSPMiddleware below).
"""

import http.client
import logging
from dataclasses import asdict

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone, translation

from coding.locks import (
    LOCK_CONFLICT_MESSAGE,
    TOO_SLOW_MESSAGE,
    TOO_SLOW_RETRY_AFTER,
    is_lock_conflict,
    is_statement_timeout,
)

logger = logging.getLogger(__name__)

# Features no page of ours uses; deny them to every frame.
DEFAULT_PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), payment=(), usb=()"
)


def security_headers(get_response):
    permissions = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)

    def middleware(request):
        response = get_response(request)
        response.headers.setdefault("Permissions-Policy", permissions)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        return response

    return middleware


class DatabaseRefusalMiddleware:
    """What the pages answer when the database refused a request's work, never a 500
    (coding.locks says which refusal it was; the API answers the same in coding.api.errors):

    - 409 with LOCK_CONFLICT_MESSAGE: a transaction aborted because others wrote at the same
      moment (a deadlock or serialization failure it was retried once for, or SQLite's lock
      wait running out);
    - 503 with TOO_SLOW_MESSAGE and Retry-After: a statement stopped at the web server's time
      limit.

    A script's request (autosave and the like, asking for JSON) gets the message as JSON."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if is_lock_conflict(exception):
            logger.warning("Lock conflict on %s %s: %s", request.method, request.path, exception)
            status, template, message = 409, "409.html", str(LOCK_CONFLICT_MESSAGE)
            extra = {"busy": True}
        elif is_statement_timeout(exception):
            logger.error("Statement timeout on %s %s: %s", request.method, request.path,
                         exception)
            status, template, message = 503, "503.html", str(TOO_SLOW_MESSAGE)
            extra = {}
        else:
            return None
        if "application/json" in request.headers.get("Accept", ""):
            response = JsonResponse({"ok": False, **extra, "message": message}, status=status)
        else:
            response = render(request, template, {"message": message}, status=status)
        if status == 503:
            response["Retry-After"] = str(TOO_SLOW_RETRY_AFTER)
        return response


def private_responses(get_response):
    """The one place that marks answers for one person (coding.public.policies
    .request_is_personal: someone signed in, or an API request with credentials) and the
    API's answers, whatever view, error handler or decorator made them:

    - an answer for one person is `Cache-Control: private`, so that no proxy or shared
      cache ever hands it to someone else. One that carries a validator (a document's file,
      with its ETag) is also `no-cache`: the browser may keep it but asks again each time.
      Every other is also `no-store`: a member's page, blind coding included, is not left
      in the browser's cache for the next person at the same computer. A `public` marking
      (coding.public.responses, for anonymous readers only) never survives on such an answer.
    - every API answer says `Vary: Authorization, Cookie`: what it holds depends on the token
      or the session it was asked with.

    Anonymous readers' shared answers (ETag, `public, no-cache`, 304) are left as
    coding.public.responses made them. Placed before WhiteNoise, so static files pass
    through unmarked (they are the same for everyone)."""
    from django.utils.cache import patch_cache_control, patch_vary_headers

    from coding.public.policies import request_is_personal

    def middleware(request):
        response = get_response(request)
        if request_is_personal(request):
            patch_cache_control(response, private=True)
            if response.has_header("ETag") or response.has_header("Last-Modified"):
                patch_cache_control(response, no_cache=True)
            else:
                patch_cache_control(response, no_store=True)
        match = getattr(request, "resolver_match", None)
        if match is not None and "api" in match.namespaces:
            patch_vary_headers(response, ("Authorization", "Cookie"))
        return response

    return middleware


# The policy headers built from the settings alone, by report-only or not: the same for every
# response of the process (see CSPMiddleware). Emptied when a test changes the settings.
_BUILT_POLICIES: dict[bool, str] = {}


@receiver(setting_changed)
def _forget_built_policies(*, setting, **kwargs) -> None:
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _BUILT_POLICIES.clear()


class CSPMiddleware(BaseCSPMiddleware):
    """django-csp's middleware (4.0), with the header built once per process.

    django-csp builds the policy string from the settings on every response (39% of an
    in-process static request, issue 22). Unless the response carries a policy of its own
    (csp.decorators: `_csp_config`, `_csp_update`, `_csp_replace`) or the request used a nonce
    (`request.csp_nonce`), the string depends on the settings only, so it is built once and
    reused; in those two cases it is built as django-csp builds it. Which responses get the
    header (exempt views, excluded prefixes, DEBUG's error pages) is django-csp's rule,
    unchanged."""

    def _policy(self, request, response, *, report_only: bool) -> str:
        parts = self.get_policy_parts(request=request, response=response,
                                      report_only=report_only)
        if parts.config is None and parts.update is None and parts.replace is None \
                and parts.nonce is None:
            built = _BUILT_POLICIES.get(report_only)
            if built is None:
                built = _BUILT_POLICIES[report_only] = build_policy(report_only=report_only)
            return built
        return build_policy(**asdict(parts), report_only=report_only)

    def process_response(self, request, response):
        exempted_debug_codes = (http.client.INTERNAL_SERVER_ERROR, http.client.NOT_FOUND)
        if response.status_code in exempted_debug_codes and settings.DEBUG:
            return response
        for report_only, header, exempt, setting in (
            (False, HEADER, "_csp_exempt", "CONTENT_SECURITY_POLICY"),
            (True, HEADER_REPORT_ONLY, "_csp_exempt_ro", "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        ):
            policy = self._policy(request, response, report_only=report_only)
            if not policy or header in response or getattr(response, exempt, False):
                continue
            prefixes = (getattr(settings, setting, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
            if not request.path_info.startswith(tuple(prefixes)):
                response[header] = policy
        # As django-csp: once the header is written, asking for a nonce is an error.
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class AccountLocaleMiddleware:
    """A signed-in person's own language and time zone (their account's settings), after
    AuthenticationMiddleware. Django's LocaleMiddleware (earlier) has already chosen the
    language from the switcher's cookie or Accept-Language; an account's language replaces
    it. Times are rendered in the account's time zone, else the site's TIME_ZONE. API
    requests with a token are authenticated later, by the view: they follow Accept-Language.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from coding.accounts.selectors import is_offered_language, locale_preferences, zone

        prefs = locale_preferences(getattr(request, "user", None))
        if prefs.language and is_offered_language(prefs.language):
            translation.activate(prefs.language)
            request.LANGUAGE_CODE = translation.get_language()
        timezone.activate(zone(prefs.time_zone))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
