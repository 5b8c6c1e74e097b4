"""Background tasks of documents (Django's task API through django-tasks; run by
`manage.py db_worker`)."""

from django_tasks import task

from coding.documents.services import document_text_extract


@task()
def extract_document_text(document_id: int) -> str | None:
    """Extract one uploaded document's text for search; returns its text status."""
    document = document_text_extract(document_id=document_id)
    return document.text_status if document is not None else None
