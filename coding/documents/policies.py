"""Who may see, download and manage a case's documents (the case's own rule, per document)."""

from django.db.models import Q, QuerySet

from coding.models import Document, Membership, Review
from coding.reviews.policies import PAGE_ROLES, is_member, may_open_page


def document_visible_to(user, document: Document) -> bool:
    """Members of the review see every document; anyone else only a public document of a
    published review."""
    review = document.case.review
    if is_member(user, review):
        return True
    return document.is_public and review.is_published


def documents_visible_to(user, queryset: QuerySet[Document]) -> QuerySet[Document]:
    """The queryset form of document_visible_to, for lists and counts."""
    visible = Q(is_public=True, case__review__is_published=True)
    if user.is_authenticated:
        visible |= Q(case__review__in=Membership.objects.filter(user=user).values("review"))
    return queryset.filter(visible)


def documents_manageable_by(user, review: Review) -> bool:
    """Only the review's leads upload, import and delete documents: those who open the
    review's documents page (reviews/policies.py PAGE_ROLES["documents"])."""
    return may_open_page(user, review, "documents")


def reviews_with_documents_manageable_by(user, queryset: QuerySet[Review]) -> QuerySet[Review]:
    """The queryset form of documents_manageable_by."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(memberships__user=user,
                           memberships__role__in=PAGE_ROLES["documents"]).distinct()
