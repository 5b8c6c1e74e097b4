"""Security headers that neither Django's SecurityMiddleware nor django-csp sets, and the
pages' answer to a lock conflict.

The Content-Security-Policy itself is django-csp's (settings.CONTENT_SECURITY_POLICY).
"""

import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render

from coding.locks import LOCK_CONFLICT_MESSAGE, is_lock_conflict

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


class LockConflictMiddleware:
    """A transaction the database aborted because others wrote at the same moment (a deadlock
    or serialization failure it was retried once for, or SQLite's lock wait running out:
    coding.locks) answers 409 with a message, never 500. The API answers it in
    coding.api.errors; this is the pages' side."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_conflict(exception):
            return None
        logger.warning("Lock conflict on %s %s: %s", request.method, request.path, exception)
        message = str(LOCK_CONFLICT_MESSAGE)
        if "application/json" in request.headers.get("Accept", ""):  # autosave and the like
            return JsonResponse({"ok": False, "busy": True, "message": message}, status=409)
        return render(request, "409.html", {"message": message}, status=409)


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
