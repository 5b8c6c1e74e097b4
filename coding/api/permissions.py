"""The API's permissions, derived from the policies the pages ask (one rule table):
``page_permission("members")`` opens a view to whoever opens the review's Members page
(coding.reviews.policies.PAGE_ROLES), ``policy_permission(may_manage_rounds)`` to whoever a
domain policy allows. There is no role table here.

Every API view under /api/reviews/<slug>/ mixes in ReviewMixin; `get_review()`
answers 404 for a review the client may not know about (unpublished and not a
member), exactly like the pages, so these classes only decide between 200 and
401/403 on a review the client can see.

Views deny by default (REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"] is DenyByDefault):
each view says whom it serves, the public ones too (AllowAny, IsPublishedReadOnly).
"""

from collections.abc import Callable

from django.utils.translation import gettext_lazy
from rest_framework import permissions

from coding.reviews.policies import is_member, may_open_page


class DenyByDefault(permissions.BasePermission):
    """The default for a view that declares no permission: nobody."""

    message = gettext_lazy("This API view declares no permission, so it serves nobody.")

    def has_permission(self, request, view):
        return False


def policy_permission(policy: Callable, message: str, name: str = "") -> type:
    """A permission class that asks `policy(user, review)` about the view's review."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and policy(request.user, view.get_review())

    return type(name or f"Allows_{policy.__name__}", (permissions.BasePermission,), {
        "message": message, "has_permission": has_permission,
        "__doc__": f"Asks {policy.__module__}.{policy.__name__}.",
    })


def user_policy_permission(policy: Callable, message: str, name: str = "") -> type:
    """A permission class that asks `policy(user)`, for views that act on no review yet
    (creating one: coding.reviews.policies.may_create_review)."""

    def has_permission(self, request, view):
        return request.user.is_authenticated and policy(request.user)

    return type(name or f"Allows_{policy.__name__}", (permissions.BasePermission,), {
        "message": message, "has_permission": has_permission,
        "__doc__": f"Asks {policy.__module__}.{policy.__name__}.",
    })


def page_permission(page: str) -> type:
    """Open to whoever opens the review's `page` (a key of PAGE_ROLES), as the pages are."""
    return policy_permission(
        lambda user, review: may_open_page(user, review, page),
        gettext_lazy("Your roles in this review do not allow this."),
        name=f"Opens_{page}",
    )


IsReviewMember = policy_permission(
    is_member, gettext_lazy("Only members of this review may do this."), "IsReviewMember"
)


class IsPublishedReadOnly(permissions.BasePermission):
    """Anyone may read a published review's public data."""

    message = gettext_lazy("This review is not published.")

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS and view.get_review().is_published
