"""Many documents at once in real Chromium: the lead chooses several files (or drops a zip)
on the review's documents page, sees each file matched, refused with the reason or unmatched
before anything is stored, uploads the matched ones and watches the bar until their text is
extracted. Screenshots at 1280 and 390 px go to $SCREENSHOT_DIR (default: pytest's tmp dir)."""

import base64
import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coding.models import Document, TextStatus
from tests import factories
from tests.documents.bulk_files import zip_of
from tests.documents.pdfs import minimal_pdf
from tests.test_accessibility_browser import WIDTHS, _serious_violations

pytestmark = pytest.mark.browser


@pytest.fixture
def cases(review, settings):
    # The text extraction runs as the upload commits, as a worker would soon after.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return {n: factories.CaseFactory(review=review, number=n, title=f"Case title {n}")
            for n in ("1", "12", "K01")}


def _open_page(page, live_server, client_cookie):
    page.context.add_cookies([client_cookie])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + "/reviews/demo/progress/")
    page.get_by_role("navigation").get_by_role("link", name="Documents").click()
    expect(page.get_by_role("heading", name="Add many documents")).to_be_visible(timeout=20_000)
    expect(page.locator("#bulk-form")).to_have_attribute("data-ready", "true")


@pytest.fixture
def lead_cookie(client, lead, live_server, settings):
    client.force_login(lead)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    return {"name": cookie.key, "value": cookie.value, "url": live_server.url}


def _row(page, name):
    return page.locator("#bulk-results tbody tr").filter(
        has=page.get_by_role("rowheader", name=name, exact=True))


def test_lead_chooses_files_sees_each_result_then_uploads_with_progress(
        page, live_server, cases, lead_cookie, tmp_path):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    files = {"12.pdf": minimal_pdf(["Residents ran the library."]),
             "12-appendix.txt": b"Appendix: the budget.",
             "1.pdf": b"MZ\x90\x00" + b"\x00" * 60,
             "notes.txt": b"Not named by case.",
             "docs.zip": zip_of({"K01.html": b"<p>Kiosk</p><script>x()</script>"})}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    _open_page(page, live_server, lead_cookie)
    page.get_by_label("Files or a zip").set_input_files([str(tmp_path / n) for n in files])

    # The check answers in well under a second; the machine running the tests may be busy.
    expect(page.get_by_role("heading", name="Check: nothing stored yet")).to_be_visible(
        timeout=20_000)
    expect(_row(page, "12.pdf")).to_contain_text("matched")
    expect(_row(page, "12.pdf")).to_contain_text("12. Case title 12")
    expect(_row(page, "12-appendix.txt")).to_contain_text("Appendix")
    expect(_row(page, "notes.txt")).to_contain_text("Does not start with a case number")
    expect(_row(page, "docs.zip/K01.html")).to_contain_text("matched")
    assert Document.objects.count() == 0  # the check stored nothing
    page.screenshot(path=str(shots / "bulk-documents-check-1280.png"), full_page=True)

    page.get_by_role("button", name="Upload 4 matched files").click()
    expect(page.locator("#bulk-progress-text")).to_have_text(
        "All 3 documents stored and their text extracted.", timeout=20_000)
    expect(page.locator("#bulk-bar")).to_have_js_property("value", 3)
    expect(page.locator("#latest-documents tbody tr")).to_have_count(3)
    expect(page.locator("#documents-overview")).to_contain_text("3 documents on 2 of 3 cases")
    expect(_row(page, "12.pdf")).to_contain_text("stored")
    expect(_row(page, "1.pdf")).to_contain_text("Windows executable")
    expect(_row(page, "docs.zip/K01.html")).to_contain_text("scripts, styles and event handlers")
    assert sorted(Document.objects.values_list("case__number", "title", "text_status")) == [
        ("12", "Appendix", TextStatus.READY), ("12", "Full text", TextStatus.READY),
        ("K01", "Full text", TextStatus.READY)]
    for width in WIDTHS:  # the results drawn by the script, at both widths
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"bulk-documents-{width}.png"), full_page=True)
        assert _serious_violations(page) == [], width


def test_lead_drops_a_zip_and_dropping_it_again_says_the_files_exist(
        page, live_server, cases, lead_cookie):
    archive = zip_of({"docs/1.txt": b"One.", "docs/12.txt": b"Twelve.",
                      "__MACOSX/docs/._1.txt": b"\x00"})
    payload = [{"name": "docs.zip", "b64": base64.b64encode(archive).decode()}]
    _open_page(page, live_server, lead_cookie)

    def drop():
        transfer = page.evaluate_handle("""files => {
            const transfer = new DataTransfer();
            for (const f of files) {
              const bytes = Uint8Array.from(atob(f.b64), c => c.charCodeAt(0));
              transfer.items.add(new File([bytes], f.name, {type: "application/zip"}));
            }
            return transfer;
        }""", payload)
        page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})

    drop()
    expect(_row(page, "docs.zip/docs/1.txt")).to_contain_text("matched", timeout=20_000)
    expect(page.locator("#bulk-results tbody tr")).to_have_count(2)  # __MACOSX skipped
    page.get_by_role("button", name="Upload 2 matched files").click()
    expect(page.locator("#bulk-progress-text")).to_have_text(
        "All 2 documents stored and their text extracted.", timeout=20_000)
    assert Document.objects.count() == 2

    drop()
    expect(_row(page, "docs.zip/docs/1.txt")).to_contain_text("already on case 1",
                                                               timeout=20_000)
    expect(page.get_by_role("button", name="No file to upload")).to_be_disabled()
    assert Document.objects.count() == 2
