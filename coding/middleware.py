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
