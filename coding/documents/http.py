"""The one way a document leaves the server: streamed from storage with safe headers.

Used by the page view and the API view after they have asked the policy."""

from django.http import FileResponse, Http404

from coding.models import Document, DocumentType

TEXT_TYPES = {DocumentType.HTML, DocumentType.TEXT, DocumentType.MARKDOWN}
# A document is never part of our pages: even sanitised HTML opened on its own may run
# nothing, load nothing from elsewhere, and sits in a sandbox of its own origin.
DOCUMENT_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'none'"


def document_response(document: Document, *, download: bool = False) -> FileResponse:
    try:
        handle = document.file.open("rb")
    except (OSError, ValueError):
        raise Http404("The file of this document is missing from storage.") from None
    content_type = document.content_type
    if content_type in TEXT_TYPES:
        content_type += "; charset=utf-8"
    response = FileResponse(
        handle, content_type=content_type, as_attachment=download, filename=document.filename
    )
    response["Content-Length"] = str(document.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-cache"
    response["ETag"] = f'"{document.sha256}"'
    if document.content_type != DocumentType.PDF:
        response["Content-Security-Policy"] = DOCUMENT_CSP
    return response
