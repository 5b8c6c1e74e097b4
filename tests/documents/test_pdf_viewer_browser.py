"""The PDF viewer beside the coding form in real Chromium: quotes read as the document (a line
break is a space), and a long PDF is drawn as it scrolls into view, a bounded number of pages
at a time, with anchored and pasted quotes still found on far pages."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from coding.codings.services import coding_save_draft, coding_start
from coding.documents.services import document_upload
from coding.models import CodedValue
from tests.conftest import PASSWORD
from tests.documents.pdfs import minimal_pdf

pytestmark = pytest.mark.browser

PAGE_BUDGET = 8  # static/js/document-viewer.js
PAGES = 2000


@pytest.fixture
def coded_case(case, coder_a, coder_b, lead, review):
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead, cases=[case])
    return case


def _open_coding_page(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:coding_form", args=["demo", "12"]))


def _select(page, first_words, last_words):
    """Select from `first_words` in one text-layer span to the end of `last_words` in another."""
    page.evaluate(
        """([first, last]) => {
            const spans = [...document.querySelectorAll(".textLayer span")];
            const from = spans.find((s) => s.textContent.includes(first)).firstChild;
            const to = spans.find((s) => s.textContent.includes(last)).firstChild;
            const range = document.createRange();
            range.setStart(from, from.data.indexOf(first));
            range.setEnd(to, to.data.indexOf(last) + last.length);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [first_words, last_words],
    )


def test_a_quote_across_a_line_break_of_a_pdf_reads_with_a_space(
        page, live_server, coded_case, lead):
    document = document_upload(
        case=coded_case, actor=lead, title="Full text",
        file=ContentFile(minimal_pdf(["Residents asked for more\nregular contact with staff."]),
                         name="12.pdf"))
    _open_coding_page(page, live_server)
    expect(page.locator(".textLayer span", has_text="regular contact")).to_be_visible(
        timeout=30_000)
    _select(page, "for more", "regular contact")
    block = page.locator("#attr-topic")
    block.get_by_role("button", name="Use selected text as evidence").click()
    expect(block.locator("textarea.evidence")).to_have_value("for more regular contact")
    expect(page.locator("#save-state")).to_contain_text("Saved", timeout=20_000)

    value = CodedValue.objects.get(coding__coder__username="alice", attribute__key="topic")
    assert value.evidence == "for more regular contact"
    [anchor] = value.evidence_anchors
    assert (anchor["document"], anchor["page"]) == (document.pk, 1)
    assert anchor["exact"] == "for more regular contact"
    assert anchor["prefix"].endswith("Residents asked ")
    assert anchor["suffix"].startswith(" with staff.")
    assert anchor["end"] - anchor["start"] == len("for more regular contact")


# The page at the middle of the document pane.
IN_VIEW = """() => {
    const box = document.querySelector(".case-panel").getBoundingClientRect();
    return [...document.querySelectorAll(".pdf-page")].find(
        (p) => p.getBoundingClientRect().bottom > box.top + box.height / 2).dataset.page;
}"""


def _drawn(page):
    return page.evaluate("""() => ({
        drawn: document.querySelectorAll(".pdf-page[data-drawn]").length,
        canvases: document.querySelectorAll(".pdf-page canvas").length,
        pages: [...document.querySelectorAll(".pdf-page[data-drawn]")].map(
            (p) => Number(p.dataset.page)),
    })""")


def test_a_long_pdf_is_drawn_as_it_scrolls_into_view_within_a_page_budget(
        page, live_server, coded_case, lead, coder_a):
    texts = [f"Page {n} of the long report." for n in range(1, PAGES + 1)]
    document = document_upload(case=coded_case, actor=lead, title="Long report",
                               file=ContentFile(minimal_pdf(texts), name="12.pdf"))
    # Two quotes on far pages: one taken from the viewer (anchored to page 300), one pasted.
    coding = coding_start(case=coded_case, user=coder_a)
    coding_save_draft(coding=coding, user=coder_a, expected_version=coding.version, values={
        "topic": {"value": "Reports", "evidence": "Page 300 of the long report.", "anchors": [
            {"document": document.pk, "page": 300, "exact": "Page 300 of the long report."}]},
        "budget": {"value": 3, "evidence": "Page 1200 of the long report."},
    })
    _open_coding_page(page, live_server)
    expect(page.locator(".textLayer span", has_text="Page 1 of the long report.")).to_be_visible(
        timeout=30_000)
    # Every page has its place (a placeholder of the page's size); few are drawn.
    expect(page.locator(".pdf-page")).to_have_count(PAGES)
    first = page.locator('.pdf-page[data-page="1"]').bounding_box()
    placeholder = page.locator(f'.pdf-page[data-page="{PAGES}"]').bounding_box()
    assert (round(placeholder["width"]), round(placeholder["height"])) == (
        round(first["width"]), round(first["height"]))
    assert 1 <= _drawn(page)["drawn"] <= PAGE_BUDGET

    # Scrolling down page by page draws the pages reached and gives back those left behind.
    pane = page.locator(".case-panel")
    for _ in range(30):
        pane.evaluate("(el) => { el.scrollTop += el.clientHeight * 0.7; }")
        page.wait_for_timeout(50)
        state = _drawn(page)
        assert state["drawn"] <= PAGE_BUDGET and state["canvases"] <= PAGE_BUDGET, state
    reached = page.evaluate(IN_VIEW)
    expect(page.locator(".textLayer span", has_text=f"Page {reached} of the long report.")
           ).to_be_visible(timeout=30_000)
    assert 1 not in _drawn(page)["pages"]

    # Focusing the evidence box scrolls to its quote's page (300), draws it and marks it.
    page.locator("#attr-topic textarea.evidence").focus()
    mark = page.locator('.pdf-page[data-page="300"] mark.hl-own')
    expect(mark).to_have_text("Page 300 of the long report.", timeout=30_000)
    expect(mark).to_be_in_viewport()
    # A pasted quote (no anchor) is looked for in the pages' text, then drawn and marked.
    page.locator("#attr-budget textarea.evidence").focus()
    mark = page.locator('.pdf-page[data-page="1200"] mark.hl-own')
    expect(mark).to_have_text("Page 1200 of the long report.", timeout=60_000)
    expect(mark).to_be_in_viewport()
    state = _drawn(page)
    assert state["drawn"] <= PAGE_BUDGET and state["canvases"] <= PAGE_BUDGET, state
    assert 300 not in state["pages"]

    # Zooming draws the pages in view again at the new size, within the same budget.
    width = page.locator('.pdf-page[data-page="1"]').bounding_box()["width"]
    page.get_by_role("button", name="Zoom in").click()
    expect(page.locator("[data-zoom-level]")).to_have_text("125 %")
    expect(page.locator(".pdf-page")).to_have_count(PAGES)
    expect(page.locator(".pdf-page[data-drawn]").first).to_be_attached(timeout=30_000)
    assert page.locator('.pdf-page[data-page="1"]').bounding_box()["width"] > width * 1.2
    reached = page.evaluate(IN_VIEW)
    expect(page.locator(".textLayer span", has_text=f"Page {reached} of the long report.")
           ).to_be_visible(timeout=30_000)
    state = _drawn(page)
    assert state["drawn"] <= PAGE_BUDGET and state["canvases"] <= PAGE_BUDGET, state
