"""Reads of documents: a case's list for a viewer, and one document for a viewer (or 404)."""

from django.http import Http404

from coding.documents.policies import document_visible_to, documents_visible_to
from coding.models import Case, Document


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
