"""The review's audit log, for its leads."""

import json

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from coding.models import AuditEvent, Role
from coding.reviews.policies import get_review_for_member, review_roles

PAGE_SIZE = 50


def _plain(value) -> str:
    """An event's detail as people read it: text as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


@login_required
def audit_log(request, slug):
    review = get_review_for_member(request.user, slug, Role.LEAD)
    events = AuditEvent.objects.filter(review=review).select_related("actor")
    actions = list(
        AuditEvent.objects.filter(review=review)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    for event in page.object_list:
        event.details = [(key, _plain(value)) for key, value in event.data.items()]
    return render(
        request,
        "coding/audit.html",
        {
            "review": review,
            "roles": review_roles(request.user, review),
            "page": page,
            "actions": actions,
            "action": action,
        },
    )
