"""Text extraction has a budget (settings.TEXT_EXTRACTION_LIMITS: seconds, memory, pages) and
runs in a child process: a PDF whose pages are compression bombs and one of 50,000 pages end
within the budget as "text not extracted: too large", never retried, and the worker's own
memory does not grow with them."""

import resource
import time

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from coding.documents.services import document_text_extract, document_upload
from coding.documents.text import TextTooLarge, extract_text_bounded
from coding.models import Document, TextStatus
from tests.documents.pdfs import minimal_pdf, pdf_with_compression_bombs, pdf_with_pages

LIMITS = {"seconds": 20, "memory_mb": 300, "pages": 2000}


def _max_rss_mb(who) -> float:
    return resource.getrusage(who).ru_maxrss / 1024


def _extract(case, lead, data, settings) -> tuple[Document, float]:
    settings.DOCUMENT_MAX_PAGES = 100_000  # let it in, to see what the extraction does
    document = document_upload(case=case, file=ContentFile(data, name="12.pdf"), actor=lead)
    started = time.monotonic()
    document = document_text_extract(document_id=document.pk)
    return document, time.monotonic() - started


def test_a_pdf_of_fifty_thousand_pages_is_stored_as_too_large(case, lead, settings):
    settings.TEXT_EXTRACTION_LIMITS = LIMITS
    worker_before = _max_rss_mb(resource.RUSAGE_SELF)

    document, seconds = _extract(case, lead, pdf_with_pages(50_000), settings)

    assert document.text_status == TextStatus.TOO_LARGE and document.text == ""
    assert seconds < 30  # within a minute even on a busy machine
    assert _max_rss_mb(resource.RUSAGE_SELF) - worker_before < 100


def test_a_pdf_of_compression_bombs_ends_within_its_budget(case, lead, settings):
    # About 160 KB: 50 pages of 1 MB of text operators each (a few seconds a page unbounded).
    settings.TEXT_EXTRACTION_LIMITS = {**LIMITS, "seconds": 5, "memory_mb": 300}
    data = pdf_with_compression_bombs(pages=50, megabytes=1)
    worker_before = _max_rss_mb(resource.RUSAGE_SELF)

    document, seconds = _extract(case, lead, data, settings)

    assert document.text_status == TextStatus.TOO_LARGE
    assert seconds < 20  # the 5 s budget and the child's start, not seconds a page
    assert _max_rss_mb(resource.RUSAGE_SELF) - worker_before < 100  # the worker's memory
    # Not tried again: the task is done with it.
    assert document_text_extract(document_id=document.pk).text_status == TextStatus.TOO_LARGE


def test_an_ordinary_pdf_is_extracted_in_the_child_process(case, lead, settings):
    settings.TEXT_EXTRACTION_LIMITS = LIMITS
    document, _ = _extract(case, lead, minimal_pdf(["Lanterns", "Benches"]), settings)
    assert (document.text_status, document.text) == (TextStatus.READY, "Lanterns\fBenches")


def test_a_child_over_its_memory_budget_is_too_large_not_a_crash():
    # One page of 5 MB of text operators needs about 260 MB to extract.
    with pytest.raises(TextTooLarge, match="more than 90 MB of memory"):
        extract_text_bounded("application/pdf", pdf_with_compression_bombs(1, megabytes=5),
                             limits={"seconds": 30, "memory_mb": 90, "pages": 10})


def test_the_lead_is_told_the_text_was_not_extracted_because_it_is_too_large(
    client, case, lead, settings
):
    settings.TEXT_EXTRACTION_LIMITS = {**LIMITS, "pages": 1}
    _extract(case, lead, minimal_pdf(["One", "Two"]), settings)
    client.force_login(lead)
    page = client.get(reverse("coding:case_documents", args=["demo", "12"])).content.decode()
    assert "text not extracted: too large" in page
