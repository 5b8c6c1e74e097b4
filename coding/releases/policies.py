"""Who may make and see releases. Releases hold reader data only (consensus of complete
cases, the codebook); anyone who may read the review may read its releases."""

from django.db.models import QuerySet

from coding.models import Release, Review, Role
from coding.reviews.policies import review_roles


def may_create_release(user, review: Review) -> bool:
    """Only a lead of the review freezes a release."""
    return Role.LEAD in review_roles(user, review)


def visible_releases(review: Review) -> QuerySet[Release]:
    """The review's releases, newest first, without the stored archive and frozen rows."""
    return (Release.objects.filter(review=review).order_by("-number")
            .defer("archive", "rows", "codebook"))
