"""Uploading a document: the type is read from the content, unsafe files are refused or
cleaned, and a refused file leaves nothing behind (no row, no file, no audit event)."""

import hashlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.documents.services import document_upload
from coding.models import AuditEvent, Document
from tests.documents.conftest import stored_files
from tests.documents.pdfs import minimal_pdf, pypdf_with_javascript

EXECUTABLE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64 + b"PE\x00\x00"
HOSTILE_HTML = (
    b"<!DOCTYPE html><html><head><style>body{display:none}</style>"
    b"<script>alert('x')</script></head><body><h1>Case report</h1>"
    b"<p onclick=\"steal()\">Residents ran the library.</p>"
    b"<img src=\"x.png\" onerror=\"alert(1)\"><a href=\"javascript:alert(2)\">link</a>"
    b"</body></html>"
)


def _upload(case, lead, name, data, **kwargs):
    return document_upload(case=case, file=ContentFile(data, name=name), actor=lead, **kwargs)


def _assert_nothing_stored(media_root):
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []
    assert not AuditEvent.objects.filter(action__startswith="document.").exists()


def test_lead_uploads_a_pdf_that_is_stored_with_its_metadata(case, lead, media_root):
    data = minimal_pdf(["Residents ran the library."])
    document = _upload(case, lead, "12.pdf", data, title="Full text")
    document.refresh_from_db()
    assert (document.title, document.filename, document.content_type) == (
        "Full text", "12.pdf", "application/pdf")
    assert document.size == len(data)
    assert document.sha256 == hashlib.sha256(data).hexdigest()
    assert document.is_public is False
    assert document.uploaded_by == lead
    with document.file.open("rb") as handle:
        assert handle.read() == data
    assert len(stored_files(media_root)) == 1
    event = AuditEvent.objects.get(action="document.upload")
    assert event.data["filename"] == "12.pdf" and event.actor == lead


def test_renamed_executable_as_pdf_is_refused_and_nothing_is_stored(case, lead, media_root):
    with pytest.raises(ValidationError) as error:
        _upload(case, lead, "report.pdf", EXECUTABLE)
    assert error.value.messages == [
        "report.pdf is not a PDF: its content is a Windows executable."
    ]
    _assert_nothing_stored(media_root)


def test_text_named_pdf_is_refused_with_a_clear_message(case, lead, media_root):
    with pytest.raises(ValidationError, match="report.pdf is not a PDF: its content is text"):
        _upload(case, lead, "report.pdf", b"Just some notes.")
    _assert_nothing_stored(media_root)


def test_pdf_named_as_text_is_refused(case, lead, media_root):
    with pytest.raises(ValidationError, match="named as Plain text but its content is a PDF"):
        _upload(case, lead, "notes.txt", minimal_pdf())
    _assert_nothing_stored(media_root)


@pytest.mark.parametrize("name,data,reason", [
    ("tool.txt", b"\x7fELF\x02\x01\x01" + b"\x00" * 40, "a Linux executable"),
    ("paper.docx", b"PK\x03\x04" + b"\x00" * 40, "a ZIP archive"),
    ("latin1.txt", "Café".encode("latin-1"), "not UTF-8 text"),
    ("run.txt", b"#!/bin/sh\nrm -rf /\n", "a script"),
])
def test_binary_or_unknown_content_is_refused(case, lead, media_root, name, data, reason):
    with pytest.raises(ValidationError, match=reason):
        _upload(case, lead, name, data)
    _assert_nothing_stored(media_root)


def test_html_is_sanitised_on_upload_and_the_lead_is_told(case, lead, media_root):
    document = _upload(case, lead, "12.html", HOSTILE_HTML)
    with document.file.open("rb") as handle:
        stored = handle.read().decode()
    for gone in ("<script", "alert", "onerror", "onclick", "<style", "display:none",
                 "javascript:"):
        assert gone not in stored
    assert "<h1>Case report</h1>" in stored and "Residents ran the library." in stored
    assert document.content_type == "text/html"
    assert document.notes == [
        "12.html: scripts, styles and event handlers were removed from the HTML."
    ]
    assert document.sha256 == hashlib.sha256(stored.encode()).hexdigest()


def test_html_content_under_a_text_name_is_sanitised_as_html(case, lead):
    document = _upload(case, lead, "notes.txt", b"<html><body><script>x()</script>Hi</body>")
    assert document.content_type == "text/html"
    assert document.filename == "notes.txt.html"
    with document.file.open("rb") as handle:
        assert b"script" not in handle.read()


def test_markdown_and_plain_text_are_accepted(case, lead):
    markdown = _upload(case, lead, "12-notes.md", b"# Notes\n\nResidents ran it.")
    text = _upload(case, lead, "12.txt", "Résumé of the case.".encode())
    assert (markdown.content_type, text.content_type) == ("text/markdown", "text/plain")


def test_file_over_the_size_limit_is_refused(case, lead, media_root, settings):
    settings.DOCUMENT_MAX_BYTES = 1000
    with pytest.raises(ValidationError) as error:
        _upload(case, lead, "big.txt", b"a" * 1001)
    assert error.value.messages == ["big.txt is 1001\xa0bytes; documents may be at most "
                                    "1000\xa0bytes."]
    _assert_nothing_stored(media_root)


@pytest.mark.parametrize("data", [
    minimal_pdf(javascript="app.alert('pwned')"),
    minimal_pdf(javascript="app.alert('pwned')", hide_names=True),
    pypdf_with_javascript(),
], ids=["open-action", "escaped-names", "names-tree"])
def test_pdf_with_embedded_javascript_is_refused(case, lead, media_root, data):
    with pytest.raises(ValidationError, match="12.pdf contains JavaScript; PDFs with scripts"):
        _upload(case, lead, "12.pdf", data)
    _assert_nothing_stored(media_root)


def test_broken_pdf_is_refused(case, lead, media_root):
    with pytest.raises(ValidationError, match="12.pdf is not a readable PDF"):
        _upload(case, lead, "12.pdf", b"%PDF-1.4\nnot really a pdf at all")
    _assert_nothing_stored(media_root)


def test_same_file_twice_on_a_case_is_refused(case, lead, media_root):
    _upload(case, lead, "12.pdf", minimal_pdf(), title="Full text")
    with pytest.raises(ValidationError, match="already on case 12 as “Full text”"):
        _upload(case, lead, "copy.pdf", minimal_pdf())
    assert Document.objects.count() == 1
    assert len(stored_files(media_root)) == 1


@pytest.mark.parametrize("actor", ["coder_a", "adjudicator", "outsider"])
def test_only_leads_may_upload(request, case, media_root, actor):
    with pytest.raises(ValidationError, match="Only a lead"):
        _upload(case, request.getfixturevalue(actor), "12.pdf", minimal_pdf())
    _assert_nothing_stored(media_root)


def test_lead_uploads_on_the_documents_page(client, case, lead, media_root):
    client.force_login(lead)
    url = reverse("coding:case_documents", args=["demo", "12"])
    response = client.post(url, {
        "file": SimpleUploadedFile("12.pdf", minimal_pdf(), content_type="application/pdf"),
        "title": "Full text", "is_public": "on",
    })
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.title, document.is_public) == ("Full text", True)
    page = client.get(url)
    assert "Full text" in page.content.decode()


def test_page_shows_why_an_upload_was_refused(client, case, lead, media_root):
    client.force_login(lead)
    response = client.post(reverse("coding:case_documents", args=["demo", "12"]), {
        "file": SimpleUploadedFile("evil.pdf", EXECUTABLE, content_type="application/pdf"),
    })
    assert response.status_code == 400
    assert "evil.pdf is not a PDF: its content is a Windows executable." in (
        response.content.decode())
    _assert_nothing_stored(media_root)
