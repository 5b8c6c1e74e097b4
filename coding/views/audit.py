"""The review's audit log, for its leads."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from coding.access import get_review_for_member, review_roles
from coding.models import AuditEvent, Role

PAGE_SIZE = 50


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
