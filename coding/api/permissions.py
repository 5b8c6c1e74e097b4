"""Permissions composed from role classes, doccano style:
``permission_classes = [IsReviewLead | IsReviewAdjudicator]``.

Every API view under /api/reviews/<slug>/ mixes in ReviewMixin; `get_review()`
answers 404 for a review the client may not know about (unpublished and not a
member), exactly like the pages, so these classes only decide between 200 and
401/403 on a review the client can see.
"""

from rest_framework import permissions

from coding.models import Role
from coding.reviews.policies import review_roles


def _roles(request, view) -> set[str]:
    return review_roles(request.user, view.get_review())


class IsReviewMember(permissions.BasePermission):
    message = "Only members of this review may do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and bool(_roles(request, view))


class IsReviewLead(permissions.BasePermission):
    message = "Only the review's leads may do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and Role.LEAD in _roles(request, view)


class IsReviewCoder(permissions.BasePermission):
    message = "Only the review's coders may do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and Role.CODER in _roles(request, view)


class IsReviewAdjudicator(permissions.BasePermission):
    message = "Only the review's adjudicators may do this."

    def has_permission(self, request, view):
        return request.user.is_authenticated and Role.ADJUDICATOR in _roles(request, view)


class IsPublishedReadOnly(permissions.BasePermission):
    """Anyone may read a published review's public data."""

    message = "This review is not published."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS and view.get_review().is_published
