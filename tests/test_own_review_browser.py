"""Your own review, end to end in Chromium (issue 24, "Done when"): a new account that is
neither staff nor superuser creates a review on the New review page, builds a
three-attribute codebook in the codebook editor, imports its cases from an .xlsx on the
Import page, drops a zip of PDFs on the documents page, invites two coders by e-mail (each
accepts and creates their account), assigns the cases, and both coders code a case.
The browser does everything; the test only plays the background worker and reads the mail.
Screenshots go to $SCREENSHOT_DIR (default: pytest's tmp dir)."""

import base64
import os
import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from playwright.sync_api import expect

from coding.models import (
    Case,
    Coding,
    CodingStatus,
    Document,
    Membership,
    Review,
    Role,
    TextStatus,
)
from tests import factories
from tests.documents.bulk_files import zip_of
from tests.documents.pdfs import minimal_pdf
from tests.imports.xlsx import cases_workbook
from tests.worker import run_queued_tasks

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1280, "height": 900}
CODERS = {"cora": "Cora", "omar": "Omar"}
NEW_PASSWORD = "a-long-new-password"


def _press(page, name):
    """Focus the button called `name` and press Enter on it."""
    page.get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")


def _type(page, label, text):
    page.get_by_label(label, exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def create_review(page, live_server, shots):
    """Nadia signs in, presses New review, takes the slug suggested from the title."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("nadia")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")
    page.get_by_role("link", name="New review").click()
    page.get_by_label("Title").fill("School meals in Europe")
    expect(page.get_by_label("Short name (slug)")).to_have_value("school-meals-in-europe")
    page.get_by_label("Description (optional)").fill("How schools and parents run meals.")
    page.get_by_role("button", name="Create review").click()
    expect(page).to_have_url(f"{live_server.url}/reviews/school-meals-in-europe/progress/")
    expect(page.get_by_text("you lead it")).to_be_visible()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    page.screenshot(path=str(shots / "own-review-created-1280.png"), full_page=True)


def build_codebook(page):
    """Three attributes: a single choice with two options, a number, a text."""
    page.get_by_role("link", name="Build the codebook").click()
    _type(page, "Codebook title", "School meals codebook")
    _press(page, "Add section")
    page.keyboard.type("Basics")
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Who runs the meals")
    _type(page, "Option label (section 1, attribute 1, option 1)", "The school")
    _press(page, "Add option (section 1, attribute 1)")
    page.keyboard.type("Parents")
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Pupils served")
    page.get_by_label("Kind (section 1, attribute 2)", exact=True).select_option("number")
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Main lesson")
    page.get_by_label("Kind (section 1, attribute 3)", exact=True).select_option("text")
    expect(page.locator("#codebook-preview").get_by_role("radio", name="Parents")).to_be_visible()
    _press(page, "Save codebook")
    expect(page.locator("#codebook-outcome")).to_have_text("Codebook created (version 1).")


def import_cases(page, live_server, slug, tmp_path):
    upload = tmp_path / "cases.xlsx"
    upload.write_bytes(cases_workbook(
        [1, "Meals cooked by parents", "France", 2019, "Education", "Parents cook.", None],
        [2, "A school kitchen garden", "Sweden", 2021, "Education", "Pupils grow food.", None]))
    page.goto(f"{live_server.url}/reviews/{slug}/progress/")
    page.get_by_role("link", name="Import the cases").click()
    page.get_by_label("Cases (CSV or .xlsx)").check()
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.get_by_role("button", name="Upload and check").click()
    run_queued_tasks(page)
    expect(page.get_by_role("heading", name="Cases to add")).to_be_visible(timeout=30_000)
    page.get_by_role("button", name="Import cases.xlsx").click()
    run_queued_tasks(page)
    expect(page.get_by_role("heading", name="What was imported")).to_be_visible(timeout=30_000)


def drop_documents(page, live_server, slug):
    """A zip of two PDFs named by case number, dropped on the documents page."""
    archive = zip_of({f"reports/{n}.pdf": minimal_pdf([f"Report of case {n}: meals."])
                      for n in ("1", "2")})
    page.goto(f"{live_server.url}/reviews/{slug}/progress/")
    page.get_by_role("link", name="Add the cases’ documents").click()
    expect(page.get_by_role("heading", name="Add many documents")).to_be_visible()
    page.wait_for_load_state("load")  # the page's script listens for the drop
    transfer = page.evaluate_handle("""b64 => {
        const transfer = new DataTransfer();
        const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0));
        transfer.items.add(new File([bytes], "reports.zip", {type: "application/zip"}));
        return transfer;
    }""", base64.b64encode(archive).decode())
    page.dispatch_event("#drop-zone", "drop", {"dataTransfer": transfer})
    expect(page.get_by_role("heading", name="Check: nothing stored yet")).to_be_visible()
    page.get_by_role("button", name="Upload 2 matched files").click()
    # The upload's answer has come back (its files stored, their extraction queued) once the
    # progress line counts extracted texts; only then may the worker find the tasks.
    expect(page.locator("#bulk-progress-text")).to_contain_text("text extracted",
                                                                timeout=30_000)
    expect(page.locator("#bulk-results")).to_contain_text("stored")
    run_queued_tasks(page)  # the text extraction
    expect(page.locator("#bulk-progress-text")).to_have_text(
        "All 2 documents stored and their text extracted.", timeout=30_000)


def invite_coders(page, live_server, slug) -> dict[str, str]:
    """Two invitations by e-mail; returns each address's link from the mail."""
    page.goto(f"{live_server.url}/reviews/{slug}/progress/")
    page.get_by_role("link", name="Invite the coders").click()
    for name in CODERS:
        page.locator(".add-member").get_by_label("Username or e-mail").fill(
            f"{name}@example.org")
        expect(page.locator(".add-member").get_by_label("Coder", exact=True)).to_be_checked()
        page.get_by_role("button", name="Add or invite").click()
        expect(page.get_by_text(f"Invitation sent to {name}@example.org")).to_be_visible()
    links = {}
    for message in mail.outbox:
        [address] = message.to
        links[address.split("@")[0]] = re.search(
            r"https?://\S+/invitations/\S+/", message.body).group(0)
    assert set(links) == set(CODERS)
    return links


def accept(browser, link, username, slug):
    context = browser.new_context(viewport=WIDE)
    page = context.new_page()
    page.goto(link)
    expect(page.get_by_role("heading", name="Join “School meals in Europe”")).to_be_visible()
    page.get_by_label("Username").fill(username)
    page.get_by_label("First name").fill(CODERS[username])
    page.get_by_label("Password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password again").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Create my account and join").click()
    expect(page).to_have_url(re.compile(rf"/reviews/{slug}/my-cases/$"))
    return page


def code_case_1(page, level: str, pupils: str, shots):
    page.reload()
    page.get_by_role("link", name=re.compile("Meals cooked by parents")).first.click()
    expect(page).to_have_url(re.compile(r"/cases/1/code/$"))
    page.locator("#attr-who_runs_the_meals").get_by_label(level, exact=True).check()
    page.get_by_role("spinbutton", name="Pupils served").fill(pupils)
    page.locator("#id_main_lesson").fill("Parents can run a kitchen.")
    page.screenshot(path=str(shots / "own-review-coding-1280.png"), full_page=True)
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_text("submitted. It is read-only now")).to_be_visible()


def test_a_new_account_runs_its_own_review_from_the_browser_to_a_first_coded_case(
    browser, page, live_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    nadia = factories.UserFactory(username="nadia", first_name="Nadia")
    assert not nadia.is_staff and not nadia.is_superuser
    slug = "school-meals-in-europe"
    page.set_viewport_size(WIDE)

    create_review(page, live_server, shots)
    build_codebook(page)
    import_cases(page, live_server, slug, tmp_path)
    drop_documents(page, live_server, slug)
    links = invite_coders(page, live_server, slug)
    coders = {name: accept(browser, link, name, slug) for name, link in links.items()}

    page.goto(f"{live_server.url}/reviews/{slug}/progress/")
    expect(page.get_by_role("heading", name="Next steps")).to_have_count(0)  # all done
    page.get_by_role("button", name="Assign automatically").click()
    code_case_1(coders["cora"], "Parents", "120", shots)
    code_case_1(coders["omar"], "The school", "120", shots)

    review = Review.objects.get(slug=slug)
    assert not review.is_published
    assert list(Membership.objects.filter(review=review, role=Role.LEAD)
                .values_list("user__username", flat=True)) == ["nadia"]
    codebook = review.current_codebook()
    assert [(a.key, a.kind) for a in codebook.attributes.order_by("order")] == [
        ("who_runs_the_meals", "single"), ("pupils_served", "number"), ("main_lesson", "text")]
    assert sorted(Case.objects.filter(review=review).values_list("number", flat=True)) == [
        "1", "2"]
    assert sorted(Document.objects.filter(case__review=review).values_list(
        "case__number", "text_status")) == [("1", TextStatus.READY), ("2", TextStatus.READY)]
    assert set(get_user_model().objects.filter(username__in=CODERS).values_list(
        "is_staff", flat=True)) == {False}
    codings = Coding.objects.filter(case__review=review, case__number="1")
    assert sorted(codings.values_list("coder__username", "status")) == [
        ("cora", CodingStatus.SUBMITTED), ("omar", CodingStatus.SUBMITTED)]
    # They disagree on who runs the meals: the review's adjudication now has work.
    page.goto(f"{live_server.url}/reviews/{slug}/adjudication/")
    expect(page.get_by_role("link", name=re.compile("Case 1"))).to_be_visible()
    page.screenshot(path=str(shots / "own-review-adjudication-1280.png"), full_page=True)
    for context_page in coders.values():
        context_page.context.close()
