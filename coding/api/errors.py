"""One shape for every API error: {"detail": "...", "errors": [...]} plus, for invalid
input, "fields" ({field: [messages]}). Scripts can always print `detail`."""

import logging

from django.utils.translation import gettext
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from coding.locks import (
    LOCK_CONFLICT_MESSAGE,
    TOO_SLOW_MESSAGE,
    TOO_SLOW_RETRY_AFTER,
    is_lock_conflict,
    is_statement_timeout,
)

logger = logging.getLogger(__name__)


def _flatten(data, prefix: str = "") -> list[str]:
    if isinstance(data, dict):
        return [m for key, value in data.items() for m in _flatten(value, f"{prefix}{key}: ")]
    if isinstance(data, list):
        return [m for value in data for m in _flatten(value, prefix)]
    return [f"{prefix}{data}"]


def api_exception_handler(exc, context):
    if is_lock_conflict(exc):  # coding.locks: others wrote at the same moment; never a 500
        logger.warning("Lock conflict in %s: %s", context.get("view").__class__.__name__, exc)
        message = str(LOCK_CONFLICT_MESSAGE)
        return Response({"detail": message, "errors": [message], "code": "lock_conflict"},
                        status=status.HTTP_409_CONFLICT)
    if is_statement_timeout(exc):  # stopped at the web server's time limit (coding.locks)
        logger.error("Statement timeout in %s: %s", context.get("view").__class__.__name__, exc)
        message = str(TOO_SLOW_MESSAGE)
        return Response({"detail": message, "errors": [message], "code": "too_slow"},
                        status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(TOO_SLOW_RETRY_AFTER)})
    response = exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(data, dict) and isinstance(data.get("detail"), str) and "errors" in data:
        return response  # already shaped by coding.api.views.service_errors
    if isinstance(data, dict) and set(data) == {"detail"}:
        response.data = {"detail": str(data["detail"]), "errors": [str(data["detail"])]}
        return response
    messages = _flatten(data)
    response.data = {"detail": " ".join(messages) or gettext("Invalid input."), "errors": messages}
    if isinstance(data, dict):
        response.data["fields"] = data
    return response
