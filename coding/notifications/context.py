"""The header's unread count: one COUNT per request, and only on pages that show it."""

from django.utils.functional import SimpleLazyObject

from coding.notifications.selectors import unread_count


def _cached_count(request) -> int:
    if not hasattr(request, "_notifications_unread"):
        request._notifications_unread = unread_count(request.user)
    return request._notifications_unread


def notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: a response that renders no header (JSON, a CSV, a redirect) runs no query.
    return {"notifications_unread": SimpleLazyObject(lambda: _cached_count(request))}
