"""The review's audit log, for its leads."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from coding.audit.selectors import audit_log as audit_log_page
from coding.reviews.policies import get_review_for_page, review_roles


@login_required
def audit_log(request, slug):
    review = get_review_for_page(request.user, slug, "audit_log")
    data = audit_log_page(
        review=review, user=request.user, action=request.GET.get("action", ""),
        page_number=request.GET.get("page"),
    )
    return render(request, "coding/audit.html", {
        "review": review, "roles": review_roles(request.user, review), **data,
    })
