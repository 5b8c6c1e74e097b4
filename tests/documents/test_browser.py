"""Documents in real Chromium: a lead uploads a PDF on the case's documents page, a refused
file is explained, a member opens the file; a reader gets 404 for a private document.
Screenshots go to $SCREENSHOT_DIR (default: pytest's tmp dir) at 1280 and 390 px."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import Document
from tests.conftest import PASSWORD
from tests.documents.pdfs import minimal_pdf

pytestmark = pytest.mark.browser


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_lead_uploads_a_pdf_and_a_reader_cannot_open_it(
    page, live_server, case, lead, tmp_path, review
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    (tmp_path / "12.pdf").write_bytes(minimal_pdf(["Residents ran the library."]))
    (tmp_path / "fake.pdf").write_bytes(b"MZ\x90\x00" + b"\x00" * 60)
    _sign_in(page, live_server, "lena")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("coding:case_detail", args=["demo", "12"]))
    page.get_by_role("link", name="Documents page of this case").click()

    page.get_by_label("File").set_input_files(str(tmp_path / "fake.pdf"))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "fake.pdf is not a PDF: its content is a Windows executable.")

    page.get_by_label("File").set_input_files(str(tmp_path / "12.pdf"))
    page.get_by_label("Title").fill("Full text")
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("Uploaded “Full text” (12.pdf).")
    row = page.locator("table.documents tbody tr").first
    expect(row).to_contain_text("Full text")
    expect(row).to_contain_text("members only")
    page.screenshot(path=str(shots / "documents-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.screenshot(path=str(shots / "documents-390.png"), full_page=True)

    document = Document.objects.get()
    file_url = live_server.url + reverse("coding:document_file",
                                         args=["demo", "12", document.pk])
    response = page.request.get(file_url)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.body() == minimal_pdf(["Residents ran the library."])

    # A reader of the published review: 404 for the private document.
    review.is_published = True
    review.save()
    page.context.clear_cookies()
    assert page.request.get(file_url).status == 404
