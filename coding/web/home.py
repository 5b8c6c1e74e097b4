from django.conf import settings
from django.shortcuts import render

from coding.models import Membership, Review
from coding.reviews.policies import may_create_review, pages_for_roles
from coding.reviews.selectors import practice_review


def home(request):
    entries: dict = {}
    if request.user.is_authenticated:
        memberships = Membership.objects.filter(user=request.user).select_related("review")
        for membership in memberships.order_by("review__title", "role"):
            entry = entries.setdefault(
                membership.review.pk, {"review": membership.review, "roles": set(), "labels": []}
            )
            entry["roles"].add(membership.role)
            entry["labels"].append(membership.get_role_display())
    for entry in entries.values():
        entry["pages"] = pages_for_roles(entry["roles"])
    practice = practice_review()
    return render(
        request,
        "coding/home.html",
        {
            "published": Review.objects.published(),
            "my_reviews": list(entries.values()),
            "practice": practice,
            "practice_pages": entries.get(practice.pk, {}).get("pages", set()) if practice else (),
            # Demo accounts exist only where seed_demo ran, which it does only with DEBUG on.
            "demo": settings.DEBUG,
            "may_create_review": may_create_review(request.user),
        },
    )
