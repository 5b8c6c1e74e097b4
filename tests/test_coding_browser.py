"""A coder's walk through the coding form in real Chromium (Playwright)."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from coding.models import Coding, CodingStatus

pytestmark = pytest.mark.browser

# Screenshots go here for people to look at (CI keeps them as artifacts if it likes).
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))


@pytest.fixture
def demo(coproduction, settings):
    """The bundled review with `make run`'s demo accounts and assignments."""
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    return coproduction


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("coproduce-demo")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def _select_case_title(page):
    page.evaluate(
        """() => {
            const range = document.createRange();
            range.selectNodeContents(document.getElementById("case-heading"));
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }"""
    )


def _code(page, attribute, title):
    """Give one attribute a value, an evidence quote taken from the case text, and a note."""
    key, kind = attribute.key, attribute.kind
    block = page.locator(f"#attr-{key}")
    options = [o.key for o in attribute.options.all()]
    if kind == "single":
        block.locator(f'input[value="{options[0]}"]').check()
    elif kind == "multi":
        for option in options[:2]:
            block.locator(f'input[value="{option}"]').check()
    elif kind == "boolean":
        block.get_by_label("Yes", exact=True).check()
    elif kind == "number":
        block.get_by_label(attribute.label).fill("3")
    else:
        block.get_by_label(re.compile(f"^{attribute.label}")).fill(f"{key} in a few words")
    _select_case_title(page)
    # Evidence and note are one line until used; once text is selected in the case, every
    # attribute offers it as evidence, and the evidence box opens with it.
    block.get_by_role("button", name="Use selected text as evidence").click()
    expect(block.locator("textarea.evidence")).to_be_visible()
    expect(block.locator("textarea.evidence")).to_have_value(title)
    block.locator("summary", has_text="Note").click()
    block.get_by_label(re.compile("^Note")).fill(f"note on {key}")


def test_coder_codes_a_case_from_queue_to_read_only(demo, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    _sign_in(page, live_server, "coder_a")
    page.goto(f"{live_server.url}/reviews/coproduction/my-cases/")
    expect(page.get_by_text("0 of 12 submitted")).to_be_visible()
    page.screenshot(path=SHOTS / "queue-1280.png", full_page=True)

    page.keyboard.press("n")  # the next case is one keystroke away
    expect(page).to_have_url(re.compile(r"/cases/1/code/$"))
    case = demo.cases.get(number="1")
    attributes = list(demo.current_codebook().attributes.prefetch_related("options"))
    page.screenshot(path=SHOTS / "form-1280.png")

    half = len(attributes) // 2
    for attribute in attributes[:half]:
        _code(page, attribute, case.title)
    # Reload at once, before the autosave has necessarily run: nothing may be lost.
    page.reload()
    for attribute in attributes[:half]:
        expect(page.locator(f"#attr-{attribute.key} textarea.evidence")).to_have_value(case.title)
        expect(page.locator(f"#id_{attribute.key}__note")).to_have_value(f"note on {attribute.key}")
    expect(page.locator("#save-state")).to_contain_text("Saved")

    for attribute in attributes[half:]:
        _code(page, attribute, case.title)
    page.get_by_role("button", name="Submit").click()

    expect(page.get_by_text("submitted. It is read-only now")).to_be_visible()
    expect(page.get_by_role("button", name="Save draft")).to_have_count(0)
    expect(page.locator("#coding-form")).to_have_count(0)
    expect(page.locator(".evidence-quote")).to_have_count(len(attributes))
    page.screenshot(path=SHOTS / "read-only-1280.png")

    coding = Coding.objects.get(case=case, coder__username="coder_a")
    assert coding.status == CodingStatus.SUBMITTED
    values = list(coding.values.all())
    assert len(values) == len(attributes)
    assert all(v.evidence == case.title and v.note.startswith("note on") for v in values)
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('coding:'))") == []

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reviews/coproduction/cases/2/code/")
    page.screenshot(path=SHOTS / "form-390.png", full_page=True)
    page.goto(f"{live_server.url}/reviews/coproduction/my-cases/")
    expect(page.get_by_text("1 of 12 submitted")).to_be_visible()
    page.screenshot(path=SHOTS / "queue-390.png", full_page=True)


def test_second_tab_gets_a_conflict_and_keeps_its_text(demo, live_server, page):
    _sign_in(page, live_server, "coder_b")
    url = f"{live_server.url}/reviews/coproduction/cases/3/code/"
    page.goto(url)
    other = page.context.new_page()
    other.goto(url)

    page.locator("#id_main_topic").fill("Written in the first tab")
    expect(page.locator("#save-state")).to_contain_text("Saved")

    other.locator("#id_main_topic").fill("Written in the second tab")
    expect(other.locator("#save-state")).to_contain_text("Conflict")
    expect(other.get_by_role("alert")).to_contain_text("saved elsewhere (another tab?)")
    expect(other.get_by_label("Your unsaved text, to copy")).to_have_value(
        re.compile("Main topic: Written in the second tab")
    )
    coding = Coding.objects.get(case__number="3", case__review=demo, coder__username="coder_b")
    assert coding.values.get(attribute__key="main_topic").text == "Written in the first tab"


def test_keyboard_only_coding_and_ctrl_s(demo, live_server, page):
    _sign_in(page, live_server, "coder_a")
    page.goto(f"{live_server.url}/reviews/coproduction/cases/4/code/")
    page.locator("#id_main_topic").focus()
    page.keyboard.type("Typed without a mouse")
    page.keyboard.press("Tab")  # the definition's "more"
    page.keyboard.press("Tab")  # the evidence disclosure
    page.keyboard.press("Enter")  # opens it and puts the cursor in the quote
    page.keyboard.type("a quote")
    page.locator("#id_level_0").focus()
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # radios: arrows move the choice
    page.locator("#id_citizen_roles_1").focus()
    page.keyboard.press("Space")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    coding = Coding.objects.get(case__number="4", case__review=demo, coder__username="coder_a")
    values = {v.attribute.key: v for v in coding.values.select_related("attribute")}
    assert values["main_topic"].text == "Typed without a mouse"
    assert values["main_topic"].evidence == "a quote"
    assert [o.key for o in values["level"].options.all()] == ["state"]
    assert [o.key for o in values["citizen_roles"].options.all()] == ["co_deliverer"]
