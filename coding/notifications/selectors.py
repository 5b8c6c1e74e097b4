"""Reading notifications: the header's unread count and the list page."""

from django.core.paginator import Page, Paginator

from coding.models import Notification, NotificationSettings
from coding.notifications.policies import notifications_visible_to

PAGE_SIZE = 25


def unread_count(user) -> int:
    """One COUNT on the (user, read_at) index."""
    return notifications_visible_to(user, Notification.objects.unread()).count()


def notifications_page(user, page: str | int | None = 1, per_page: int = PAGE_SIZE) -> Page:
    """One page of the user's notifications, newest first, in two queries (count, rows)."""
    rows = notifications_visible_to(user, Notification.objects.all()).select_related(
        "review"
    ).order_by("-created_at", "-id")
    return Paginator(rows, per_page).get_page(page)


def daily_digest_enabled(user) -> bool:
    return NotificationSettings.objects.filter(user=user, daily_digest=True).exists()
