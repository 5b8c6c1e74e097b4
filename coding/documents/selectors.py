"""Reads of documents: a case's list for a viewer, one document for a viewer (or 404), and
the search in documents' text."""

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connections
from django.db.models import Count, Q, QuerySet
from django.http import Http404

from coding.documents.policies import document_visible_to, documents_visible_to
from coding.models import Case, Document, TextStatus


def case_documents(*, user, case: Case) -> list[Document]:
    """The case's documents this user may see, oldest first."""
    documents = documents_visible_to(user, Document.objects.filter(case=case))
    return list(documents.select_related("case__review").order_by("uploaded_at", "id"))


def document_for_viewer(*, user, case: Case, pk: int) -> Document:
    """One document of the case if the user may see it; 404 otherwise, so that nobody learns
    that a private document exists."""
    document = Document.objects.select_related("case__review").filter(case=case, pk=pk).first()
    if document is None or not document_visible_to(user, document):
        raise Http404("No such document")
    return document


def documents_matching(queryset: QuerySet[Document], query: str) -> QuerySet[Document]:
    """Documents whose text holds every word of `query`. PostgreSQL: full-text search
    (stemmed with DOCUMENT_SEARCH_CONFIG, so "libraries" finds "library"; the migration adds
    a GIN index for it). Other databases: each word as a case-insensitive substring."""
    words = query.split()
    if not words:
        return queryset
    if connections[queryset.db].vendor == "postgresql":
        config = settings.DOCUMENT_SEARCH_CONFIG
        return queryset.annotate(
            text_search=SearchVector("text", config=config)
        ).filter(text_search=SearchQuery(query, config=config, search_type="plain"))
    for word in words:
        queryset = queryset.filter(text__icontains=word)
    return queryset


def review_documents_overview(*, review, recent: int = 20) -> dict:
    """The review's documents page: how many documents on how many of its cases, and the most
    recent uploads. A fixed number of queries."""
    documents = Document.objects.filter(case__review=review)
    counts = documents.aggregate(documents=Count("id"), cases=Count("case", distinct=True),
                                 pending=Count("id", filter=Q(text_status=TextStatus.PENDING)))
    counts["all_cases"] = Case.objects.filter(review=review).count()
    latest = list(documents.select_related("case").order_by("-uploaded_at", "-id")[:recent])
    return {"counts": counts, "recent": latest}


def documents_text_state(*, review, ids) -> dict:
    """The text extraction of these documents of the review (ids of others are ignored):
    {"documents": [{"id": 3, "text_status": "pending"}], "pending": 1, "done": 0}."""
    rows = list(Document.objects.filter(case__review=review, pk__in=list(ids)[:1000])
                .order_by("pk").values("id", "text_status"))
    pending = sum(1 for row in rows if row["text_status"] == TextStatus.PENDING)
    return {"documents": rows, "pending": pending, "done": len(rows) - pending}
