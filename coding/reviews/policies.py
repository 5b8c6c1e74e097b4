"""Who holds which role in a review, and who may see a review at all. Every page, API view
and admin class finds its review through these."""

from django.conf import settings
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from coding.models import Membership, ResolutionMode, Review, Role


def review_roles(user, review: Review) -> set[str]:
    """The roles a user holds in a review: a subset of {"lead", "coder", "adjudicator"}."""
    if not user.is_authenticated:
        return set()
    cache = getattr(user, "_review_roles_cache", None)
    if cache is None:
        cache = user._review_roles_cache = {}
    if review.pk not in cache:
        cache[review.pk] = set(
            Membership.objects.filter(review=review, user=user).values_list("role", flat=True)
        )
    return cache[review.pk]


def is_lead(user, review: Review) -> bool:
    return Role.LEAD in review_roles(user, review)


def is_adjudicator(user, review: Review) -> bool:
    return Role.ADJUDICATOR in review_roles(user, review)


def is_member(user, review: Review) -> bool:
    return bool(review_roles(user, review))


def may_publish(user, review: Review) -> bool:
    """Leads publish or withdraw their review."""
    return is_lead(user, review)


def may_change_resolution_mode(user, review: Review) -> bool:
    """Leads choose how disagreements are settled (adjudicator, or discussion first); so do
    superusers, who administer every review in the admin."""
    return user.is_superuser or is_lead(user, review)


def may_edit_codebook(user, review: Review) -> bool:
    """Leads build and change the review's codebook (the editor page, the API's PUT); the
    page is theirs alone (PAGE_ROLES["codebook"]). Members and, for a published review,
    readers read the codebook through the API's GET, as they read it on the coding form and
    the gallery."""
    return is_lead(user, review)


def may_change_reliability_thresholds(user, review: Review) -> bool:
    """Leads set the alpha thresholds of the reliability verdicts."""
    return is_lead(user, review)


def reviews_led_by(user) -> QuerySet[Review]:
    return Review.objects.filter(memberships__user=user, memberships__role=Role.LEAD).distinct()


def may_administer(user) -> bool:
    """Who may use the admin: superusers, and active staff who lead at least one review
    (the admin then shows them those reviews' rows only)."""
    return user.is_superuser or (
        user.is_active and user.is_staff and reviews_led_by(user).exists()
    )


def may_create_review(user) -> bool:
    """Who may create a review (and then leads it): settings.REVIEW_CREATORS says whether any
    signed-in account may ("signed-in", the default) or staff only ("staff"); superusers
    always may. The New review page, POST /api/reviews/ and the admin all ask this."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if settings.REVIEW_CREATORS == "staff":
        return user.is_staff
    return True


def may_delete_reviews(user) -> bool:
    """Deleting a review (everything in it goes), and editing lists shared by every review
    (service areas), is for the server's superusers; leads manage the reviews they lead."""
    return user.is_superuser


def admin_reviews(user) -> QuerySet[Review] | None:
    """The reviews whose rows `user` administers: those they lead, or None for superusers,
    who administer everything (rows of no review, such as sign-in events, too)."""
    return None if user.is_superuser else reviews_led_by(user)


# The member pages of a review and the roles that open each. Views find their review with
# get_review_for_page and templates link to pages_open_to, so both follow this table.
PAGE_ROLES: dict[str, tuple[str, ...]] = {
    "queue": (Role.CODER,),
    "progress": (Role.LEAD,),
    "audit_log": (Role.LEAD,),
    "adjudication": (Role.ADJUDICATOR, Role.LEAD),
    "reliability": (Role.LEAD,),
    "members": (Role.LEAD,),
    "imports": (Role.LEAD,),
    # Adding many documents at once: those who manage documents (documents/policies.py).
    "documents": (Role.LEAD,),
    "rounds": (Role.LEAD,),
    "discussion": (Role.CODER,),
    "codebook": (Role.LEAD,),
    # Candidate records for screening: imports, duplicates, cases from included records.
    "records": (Role.LEAD,),
    # Eligibility screening (coding.screening): screeners screen, leads set it up and assign,
    # adjudicators and leads see its conflicts (the two screeners too, in discussion mode:
    # coding.screening.policies.may_view_conflicts).
    "screening": (Role.CODER,),
    "screening_manage": (Role.LEAD,),
    "screening_conflicts": (Role.ADJUDICATOR, Role.LEAD),
}

# Pages with something on them only in one resolution mode. Elsewhere they still open (and
# say there is nothing there) but are not linked: pages_open_to leaves them out.
PAGE_MODES: dict[str, str] = {
    "discussion": ResolutionMode.DISCUSSION,
}


def pages_for_roles(held: set[str]) -> set[str]:
    """Which of PAGE_ROLES' pages the holder of roles `held` may open."""
    return {page for page, roles in PAGE_ROLES.items() if held.intersection(roles)}


def page_in_mode(page: str, review: Review) -> bool:
    """Whether `page` has a use in `review`'s resolution mode (PAGE_MODES)."""
    return PAGE_MODES.get(page, review.resolution_mode) == review.resolution_mode


def pages_open_to(user, review: Review) -> set[str]:
    """Which of PAGE_ROLES' pages `user` may open in `review` and should find linked (those
    of PAGE_MODES only in their mode), e.g. {"queue", "progress"}."""
    return {page for page in pages_for_roles(review_roles(user, review))
            if page_in_mode(page, review)}


def may_open_page(user, review: Review, page: str) -> bool:
    """Whether `user` may open the review's `page` (a key of PAGE_ROLES); the API's views
    ask it too (coding.api.permissions.page_permission)."""
    return page in pages_for_roles(review_roles(user, review))


def get_review_for_page(user, slug: str, page: str) -> Review:
    """The review if `user` may open its `page` (a key of PAGE_ROLES), else 404."""
    return get_review_for_member(user, slug, *PAGE_ROLES[page])


# One answer for a review that does not exist and one the asker may not know about, on every
# surface (the API's body is this message): nothing tells an unpublished slug from a missing
# one.
NOT_FOUND_MESSAGE = "Not found."


def _review_or_404(slug: str) -> Review:
    # With its screening settings (one join) and whether it has candidate records (a subquery):
    # the navigation's Screening link asks whether the review screens here without a query of
    # its own (coding.templatetags.screening_nav).
    from coding.models import Record

    review = (Review.objects.select_related("screening_settings")
              .annotate(has_records=Exists(Record.objects.filter(review=OuterRef("pk"))))
              .filter(slug=slug).first())
    if review is None:
        raise Http404(NOT_FOUND_MESSAGE)
    return review


def get_review_for_member(user, slug: str, *roles: str) -> Review:
    """The review if the user holds one of `roles` in it (any role when none given), else 404.

    404 rather than 403 so that outsiders cannot learn which unpublished reviews exist.
    """
    review = _review_or_404(slug)
    held = review_roles(user, review)
    if not held or (roles and not held.intersection(roles)):
        raise Http404(NOT_FOUND_MESSAGE)
    return review


def get_public_review(user, slug: str) -> Review:
    """A review the public may see (published), or any review its members may see."""
    review = _review_or_404(slug)
    if not review.is_published and not is_member(user, review):
        raise Http404(NOT_FOUND_MESSAGE)
    return review
