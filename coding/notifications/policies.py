"""Who sees which notifications: a person sees only their own, in every review.

What a notification may say is decided where it is written (the services that call
coding.notifications.services.notify): never anything about another coder's coding of a
case the recipient is blind on, so texts name the review, the recipient's own work and
counts of cases, and adjudication notices go only to adjudicators who may decide the case
(coding.adjudication.policies.cases_user_may_decide: never one of its coders).
"""

from django.db.models import QuerySet
from django.http import Http404

from coding.models import Notification


def notification_visible_to(user, notification: Notification) -> bool:
    return user.is_authenticated and notification.user_id == user.pk


def notifications_visible_to(user, queryset: QuerySet[Notification]) -> QuerySet[Notification]:
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(user=user)


def get_notification_for_user(user, pk) -> Notification:
    """The user's own notification, else 404 (whether it exists for someone else or not)."""
    notification = notifications_visible_to(user, Notification.objects.all()).filter(
        pk=pk
    ).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification
