from django.shortcuts import render

from coding.models import Membership, Review


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
    return render(
        request,
        "coding/home.html",
        {"published": Review.objects.published(), "my_reviews": list(entries.values())},
    )
