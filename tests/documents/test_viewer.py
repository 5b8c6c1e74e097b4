"""The case's documents beside the coding form: shown to whoever may see them, PDFs drawn
by pdf.js with selectable text, HTML and text as their extracted text."""

import pytest
from django.core.files.base import ContentFile
from django.http import HttpRequest
from django.urls import reverse
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from coding.documents.services import document_text_extract, document_upload
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
    url = reverse("coding:coding_form", args=["demo", "12"])
    # Until the worker has extracted it, the page says so.
    assert "The text of this document is being extracted" in client.get(url).content.decode()
    document_text_extract(document_id=html.pk)
    page = client.get(url).content.decode()
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
    # The quote is marked in the document, and still is after a reload (from the saved draft).
    expect(page.locator(".textLayer mark.hl-own")).to_have_text(SENTENCE)
    expect(page.locator("#save-state")).to_contain_text("Saved",
                                                    timeout=20_000)
    page.reload()
    expect(page.locator(".textLayer mark.hl-own")).to_have_text(SENTENCE, timeout=30_000)
    # Stored with where it is: the document, page 2, the quote and its offsets there.
    from coding.models import CodedValue, Document

    [anchor] = CodedValue.objects.get(
        coding__coder__username="alice", evidence=SENTENCE).evidence_anchors
    assert anchor["document"] == Document.objects.get().pk
    assert (anchor["page"], anchor["exact"], anchor["start"]) == (2, SENTENCE, 0)
    assert anchor["end"] >= len(SENTENCE)

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


@pytest.mark.browser
def test_adjudicator_sees_both_coders_evidence_and_decides_without_a_reload(
    page, live_server, coproduction, tmp_path
):
    from coding.codings.services import coding_save_draft, coding_start, coding_submit
    from coding.models import Assignment, ConsensusValue, Role
    from tests import factories

    review = coproduction
    users = {}
    for name, role in (("coder_a", Role.CODER), ("coder_b", Role.CODER),
                       ("adjudicator", Role.ADJUDICATOR), ("lead", Role.LEAD)):
        users[name] = factories.UserFactory(username=name)
        factories.MembershipFactory(review=review, user=users[name], role=role)
    case = review.cases.get(number="3")
    document_upload(
        case=case, actor=users["lead"], title="Full text",
        file=ContentFile(minimal_pdf([
            "The council ran the scheme with volunteers.",
            "Residents designed the menu and rated the meals.",
        ]), name="3.pdf"),
    )
    for name in ("coder_a", "coder_b"):
        Assignment.objects.create(case=case, coder=users[name])
    common = {"main_topic": {"value": "Meals"}, "level": {"value": "local"},
              "service_setting": {"value": "single"}, "citizen_roles": {"value": ["co_deliverer"]},
              "factors": {"value": ["planning"]}, "outcomes": {"value": ["citizen_engagement"]}}
    values = {
        "coder_a": {**common, "coproduction_type": {
            "value": "professional", "evidence": "The council ran the scheme"}},
        "coder_b": {**common, "coproduction_type": {
            "value": "citizen", "evidence": "Residents designed the menu"},
            "formal_agreement": {"value": "no"}},
    }
    for name, coded in values.items():
        coding = coding_start(case=case, user=users[name])
        coding = coding_save_draft(coding=coding, values=coded, expected_version=0,
                                   user=users[name])
        coding_submit(coding=coding, expected_version=coding.version, user=users[name])

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("adjudicator")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + reverse("coding:adjudication_case", args=[review.slug, "3"]))
    # The first open disagreement is current: A's evidence in blue, B's in orange.
    expect(page.locator(".textLayer mark.hl-a")).to_have_text("The council ran the scheme",
                                                              timeout=30_000)
    expect(page.locator(".textLayer mark.hl-b")).to_have_text("Residents designed the menu")
    page.screenshot(path=str(tmp_path / "adjudication-document-1280.png"))

    # A decision is saved in place: the page is not loaded again.
    page.evaluate("window.stillTheSamePage = true")
    item = page.locator("#attr-coproduction_type")
    item.get_by_label("value: Professional coproduction", exact=False).check()
    item.get_by_label("Rationale").fill("The council led it.")
    item.get_by_role("button", name="Save decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision saved for Type of coproduction")
    expect(page.locator("#attr-coproduction_type")).to_contain_text("Decided")
    assert page.evaluate("window.stillTheSamePage") is True
    # The keyboard is on the next open disagreement.
    expect(page.locator("#attr-formal_agreement")).to_be_focused()
    assert ConsensusValue.objects.get(case=case, attribute__key="coproduction_type",
                                      attribute__codebook=case.review.current_codebook()
                                      ).rationale == "The council led it."
    # K goes back to it (the only other open one), J forward again.
    page.keyboard.press("k")
    expect(page.locator("#attr-formal_agreement")).to_be_focused()
