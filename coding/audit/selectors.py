"""Reads of the audit log: one review's events for a reader, filtered by action."""

import json

from django.core.paginator import Page, Paginator

from coding.audit.policies import audit_events_visible_to
from coding.models import AuditEvent, Review

PAGE_SIZE = 50


def _plain(value) -> str:
    """An event's detail as people read it: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def audit_log(*, review: Review, user, action: str = "", page_number=None) -> dict:
    """One page of the review's log as `user` may see it, newest first, and the actions it
    holds. Example: {"page": <Page of events, each with .details [(key, text)]>,
    "actions": ["coding.submit", ...], "action": "coding.submit"}."""
    events = audit_events_visible_to(user, AuditEvent.objects.filter(review=review))
    actions = list(events.order_by("action").values_list("action", flat=True).distinct())
    if action:
        events = events.filter(action=action)
    page: Page = Paginator(events.select_related("actor"), PAGE_SIZE).get_page(page_number)
    for event in page.object_list:
        event.details = [(key, _plain(value)) for key, value in event.data.items()]
    return {"page": page, "actions": actions, "action": action}
