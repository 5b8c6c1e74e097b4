"""Text extracted after upload (per page for PDFs) and found by the case search: members find
words in every document of a case, readers only in public documents of a published review.
PostgreSQL uses full-text search (stemmed); other databases a substring per word."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from coding.documents.services import document_text_extract, document_upload
from tests import factories
from tests.documents.pdfs import minimal_pdf


def _upload(case, lead, name, data, **kwargs):
    """Upload, then extract the text as the background worker does after the commit."""
    document = document_upload(case=case, file=ContentFile(data, name=name), actor=lead,
                               **kwargs)
    return document_text_extract(document_id=document.pk)


def test_pdf_text_is_stored_per_page(case, lead):
    document = _upload(case, lead, "12.pdf", minimal_pdf(
        ["Residents ran the library.", "The council paid (in part)."]))
    document.refresh_from_db()
    assert document.text.split("\f") == [
        "Residents ran the library.", "The council paid (in part)."]


def test_html_and_text_are_stored_as_plain_text(case, lead):
    html = _upload(case, lead, "12.html",
                   b"<h1>Report</h1><p>Tenants &amp; staff</p><script>x()</script>")
    text = _upload(case, lead, "12.txt", b"  Plain   notes\n\n\n\nend ")
    assert html.text == "Report\n\nTenants & staff"
    assert text.text == "Plain notes\n\nend"


def test_pdf_without_a_text_layer_stores_no_text(case, lead):
    document = _upload(case, lead, "scan.pdf", minimal_pdf([""]))
    assert document.text == ""


@pytest.fixture
def searchable(review, case, lead, coder_a):
    other = factories.CaseFactory(review=review, number="13", title="Parks")
    _upload(case, lead, "12.pdf", minimal_pdf(["Volunteers repaired the lanterns."]))
    _upload(other, lead, "13.txt", b"The allotment gardeners met weekly.", is_public=True)
    return review


def _gallery(client, q) -> list[str]:
    response = client.get(reverse("coding:gallery", args=["demo"]), {"q": q})
    assert response.status_code == 200
    return sorted(case.number for case in response.context["filter"].qs)


def test_member_finds_a_case_by_words_in_its_documents(client, searchable, coder_a):
    client.force_login(coder_a)
    assert _gallery(client, "lanterns") == ["12"]
    assert _gallery(client, "volunteers lanterns") == ["12"]
    assert _gallery(client, "lanterns gardeners") == []  # all words in one place
    assert _gallery(client, "allotment") == ["13"]
    assert _gallery(client, "Street lights") == ["12"]  # the case's own fields still count


def test_reader_finds_words_only_in_public_documents(client, searchable, outsider):
    searchable.is_published = True
    searchable.save()
    client.force_login(outsider)
    assert _gallery(client, "lanterns") == []
    assert _gallery(client, "allotment") == ["13"]
    client.logout()
    assert _gallery(client, "lanterns") == []
    assert _gallery(client, "allotment") == ["13"]


def test_api_case_search_uses_the_documents_too(searchable, coder_a, outsider):
    api = APIClient()
    api.force_authenticate(coder_a)
    body = api.get("/api/reviews/demo/cases/", {"q": "lanterns"}).json()
    assert [case["number"] for case in body["results"]] == ["12"]
    searchable.is_published = True
    searchable.save()
    api.force_authenticate(outsider)
    assert api.get("/api/reviews/demo/cases/", {"q": "lanterns"}).json()["results"] == []
    dashboard = api.get("/api/reviews/demo/dashboard/", {"q": "allotment"}).json()
    assert dashboard["cases"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL full-text search")
def test_postgresql_search_is_stemmed(client, searchable, coder_a):
    client.force_login(coder_a)
    assert _gallery(client, "lantern repairs") == ["12"]


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the substring fallback")
def test_fallback_search_matches_parts_of_words(client, searchable, coder_a):
    client.force_login(coder_a)
    assert _gallery(client, "lantern") == ["12"]
    assert _gallery(client, "LANTERNS") == ["12"]
