"""The case's documents beside the coding form: shown to whoever may see them, PDFs drawn
by pdf.js with selectable text, HTML and text as their extracted text."""

import pytest
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.urls import reverse
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from coding.documents.services import document_upload
from coding.documents.text import extract_text
from tests.conftest import PASSWORD
from tests.documents.pdfs import minimal_pdf

SENTENCE = "Residents ran the library on Saturdays."


@pytest.fixture
def coded_case(case, coder_a, coder_b, lead, review):
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead, cases=[case])
    return case


def _upload(case, lead, name, data, **kwargs):
    return document_upload(case=case, file=ContentFile(data, name=name), actor=lead, **kwargs)


def test_html_text_leaves_out_the_title_and_anything_not_shown():
    html = (b"<!doctype html><html><head><title>Tab title</title><style>p{}</style></head>"
            b"<body><h1>Heading</h1><p>Body text.</p></body></html>")
    assert extract_text("text/html", html) == "Heading\n\nBody text."


def test_coding_page_shows_the_cases_documents_to_its_coder(client, coded_case, lead, coder_a):
    pdf = _upload(coded_case, lead, "12.pdf", minimal_pdf([SENTENCE]), title="Full text")
    html = _upload(coded_case, lead, "12-notes.html",
                   b"<p>Notes from the site visit.</p><script>alert(1)</script>", title="Notes")
    client.login(request=HttpRequest(), username="alice", password=PASSWORD)
    page = client.get(reverse("coding:coding_form", args=["demo", "12"])).content.decode()
    pdf_url = reverse("coding:document_file", args=["demo", "12", pdf.pk])
    assert f'data-pdf-src="{pdf_url}"' in page
    assert 'role="tab"' in page and "Full text" in page and "Notes" in page
    # HTML is shown as its text: nothing of the markup reaches the page.
    assert "Notes from the site visit." in page
    assert "alert(1)" not in page
    assert "js/document-viewer.js" in page
    assert reverse("coding:document_file", args=["demo", "12", html.pk]) in page


def test_coding_page_without_documents_has_no_viewer(client, coded_case, coder_a):
    client.login(request=HttpRequest(), username="alice", password=PASSWORD)
    page = client.get(reverse("coding:coding_form", args=["demo", "12"])).content.decode()
    assert "data-document-viewer" not in page and "document-viewer.js" not in page
    assert '<details class="case-about" open>' in page


@pytest.mark.browser
def test_coder_selects_a_sentence_in_the_pdf_as_evidence(page, live_server, coded_case, lead):
    _upload(coded_case, lead, "12.pdf", minimal_pdf(["Background of the case.", SENTENCE]),
            title="Full text")
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:coding_form", args=["demo", "12"]))
    span = page.locator(".textLayer span", has_text="Residents ran the library")
    expect(span).to_be_visible(timeout=30_000)
    expect(page.locator(".pdf-page")).to_have_count(2)  # minimal_pdf: a page per text
    # A triple click on the last page selects past the end of the case panel.
    span.click(click_count=3)
    button = page.locator(".use-selection").first
    button.click()
    evidence = page.locator("#" + button.get_attribute("data-target"))
    expect(evidence).to_have_value(SENTENCE)

    # The split is a keyboard-operable separator.
    separator = page.get_by_role("separator", name="Width of the document pane")
    separator.focus()
    page.keyboard.press("ArrowRight")
    expect(separator).to_have_attribute("aria-valuenow", "50")

    # On a phone the document and the form take turns.
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.locator(".case-panel")).to_be_hidden()
    page.get_by_role("button", name="Document").click()
    expect(page.locator(".case-panel")).to_be_visible()
    expect(page.locator(".textLayer span", has_text="Residents ran the library")).to_be_visible(
        timeout=30_000)
    expect(page.locator(".coding-main")).to_be_hidden()
