from django.shortcuts import render

from coding.models import Membership, Review


def home(request):
    my_reviews: dict = {}
    if request.user.is_authenticated:
        memberships = Membership.objects.filter(user=request.user).select_related("review")
        for membership in memberships.order_by("review__title", "role"):
            my_reviews.setdefault(membership.review, []).append(membership.get_role_display())
    return render(
        request,
        "coding/home.html",
        {"published": Review.objects.published(), "my_reviews": my_reviews},
    )
