"""The coding form as a work surface (Chromium): compact when empty, progress shown live,
keyboard shortcuts for the next unanswered attribute and for options, evidence and note as
disclosures that open when used."""

import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from coding.models import Coding

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))
SCREEN = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo(coproduction, settings):
    settings.DEBUG = True
    call_command("seed_demo", verbosity=0)
    settings.DEBUG = False
    return coproduction


def _sign_in(page, live_server, username="coder_a"):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("coproduce-demo")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_empty_form_fits_in_two_screen_heights_at_1280(demo, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(SCREEN)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/5/code/")
    height = _height(page)
    page.screenshot(path=SHOTS / "form-empty-1280.png", full_page=True)
    print(f"empty form at 1280: {height} px")
    page.set_viewport_size(PHONE)
    page.reload()
    print(f"empty form at 390: {_height(page)} px")
    page.screenshot(path=SHOTS / "form-empty-390.png", full_page=True)
    assert height <= 2.1 * SCREEN["height"], height


def _saved_values(case_number: str) -> dict:
    coding = Coding.objects.get(case__number=case_number, case__review__slug="coproduction",
                                coder__username="coder_a")
    return {v.attribute.key: v for v in coding.values.select_related("attribute")
            .prefetch_related("options")}


def test_each_attribute_shows_done_and_the_count_follows_live(demo, live_server, page):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/6/code/")
    count = page.locator("#answered-count")
    expect(count).to_have_text("0 of 12 answered")
    level = page.locator("#attr-level")
    expect(level).not_to_have_class(re.compile("is-answered"))
    level.get_by_label("Local").check()
    expect(count).to_have_text("1 of 12 answered")
    expect(level).to_have_class(re.compile("is-answered"))
    expect(level.locator(".state-text")).to_have_text("Answered")
    page.locator("#id_main_topic").fill("Network building")
    expect(count).to_have_text("2 of 12 answered")
    level.get_by_role("button", name="Clear choice for Level").click()
    expect(count).to_have_text("1 of 12 answered")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    # The server counts the same way when the page is drawn.
    page.reload()
    expect(count).to_have_text("1 of 12 answered")
    expect(page.locator("#attr-main_topic")).to_have_class(re.compile("is-answered"))


def test_keys_jump_to_the_next_unanswered_attribute_and_choose_options(demo, live_server,
                                                                      page):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/7/code/")
    page.locator("#id_level_0").focus()
    page.keyboard.press("2")  # the second option of Level
    expect(page.locator("#id_level_1")).to_be_checked()
    page.keyboard.press("u")  # Service setting is the next unanswered attribute
    expect(page.locator("#id_service_setting_0")).to_be_focused()
    page.keyboard.press("u")  # unanswered ones only: it stays until answered, then moves on
    expect(page.locator("#id_coproduction_type_0")).to_be_focused()
    page.keyboard.press("3")
    page.keyboard.press("u")
    expect(page.locator("#id_citizen_roles_0")).to_be_focused()
    page.keyboard.press("1")
    page.keyboard.press("3")
    page.keyboard.press("3")  # a checkbox: the same key again unticks it
    page.keyboard.press("2")
    page.keyboard.press("u")
    expect(page.locator("#id_factors_0")).to_be_focused()
    expect(page.locator("#answered-count")).to_have_text("3 of 12 answered")
    page.keyboard.press("Control+s")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    values = _saved_values("7")
    assert [o.key for o in values["level"].options.all()] == ["state"]
    assert [o.key for o in values["coproduction_type"].options.all()] == ["citizen"]
    assert sorted(o.key for o in values["citizen_roles"].options.all()) == [
        "co_commissioner", "co_deliverer"]
    assert "service_setting" not in values
    # In a text box the keys type as usual.
    page.locator("#id_main_topic").focus()
    page.keyboard.type("u2")
    expect(page.locator("#id_main_topic")).to_have_value("u2")


def test_none_option_clears_the_other_options_and_they_clear_it(demo, live_server, page):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/8/code/")
    tools = page.locator("#attr-participation_tools")
    survey = tools.get_by_label("Citizen survey")
    panel = tools.get_by_label("Citizen advisory group")
    none = tools.get_by_label("No participation tool reported")
    survey.check()
    panel.check()
    none.check()
    expect(survey).not_to_be_checked()
    expect(panel).not_to_be_checked()
    expect(page.locator("#save-state")).to_contain_text("Saved")
    assert [o.key for o in _saved_values("8")["participation_tools"].options.all()] == [
        "none_reported"]
    survey.check()
    expect(none).not_to_be_checked()
    expect(page.locator("#save-state")).to_contain_text("Saved")
    assert [o.key for o in _saved_values("8")["participation_tools"].options.all()] == [
        "citizen_survey"]


def test_evidence_and_note_are_one_line_until_used_and_open_when_they_hold_text(
    demo, live_server, page
):
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/9/code/")
    block = page.locator("#attr-factors")
    evidence = block.locator("textarea.evidence")
    expect(evidence).to_be_hidden()
    summary = block.locator("summary", has_text="Evidence")
    summary.focus()
    page.keyboard.press("Enter")
    expect(evidence).to_be_focused()
    page.keyboard.type("a joint plan")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    assert _saved_values("9")["factors"].evidence == "a joint plan"
    # A note typed and not yet saved comes back from the browser's copy, opened.
    block.locator("summary", has_text="Note").click()
    block.get_by_label(re.compile("^Note")).fill("check page 3")
    page.reload()
    expect(evidence).to_be_visible()
    expect(evidence).to_have_value("a joint plan")
    expect(block.get_by_label(re.compile("^Note"))).to_be_visible()
    expect(block.get_by_label(re.compile("^Note"))).to_have_value("check page 3")
    expect(page.locator("#attr-values textarea.evidence")).to_be_hidden()


def test_half_filled_form_screenshots(demo, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(SCREEN)
    _sign_in(page, live_server)
    page.goto(f"{live_server.url}/reviews/coproduction/cases/10/code/")
    page.locator("#id_main_topic").fill("Patients and staff plan elder care together")
    page.locator("#attr-level").get_by_label("Local").check()
    page.locator("#attr-service_setting").get_by_label("Single-service").check()
    page.locator("#attr-coproduction_type").get_by_label("User coproduction").check()
    roles = page.locator("#attr-citizen_roles")
    roles.get_by_label("Co-deliverer").check()
    roles.locator("summary", has_text="Evidence").click()
    roles.locator("textarea.evidence").fill("Patients run the weekly sessions themselves.")
    page.locator("#attr-partnership_forms").get_by_label("No partnership reported").check()
    expect(page.locator("#answered-count")).to_have_text("6 of 12 answered")
    expect(page.locator("#save-state")).to_contain_text("Saved")
    page.screenshot(path=SHOTS / "form-half-1280.png", full_page=True)
    print(f"half-filled form at 1280: {_height(page)} px")
    page.set_viewport_size(PHONE)
    page.reload()
    page.screenshot(path=SHOTS / "form-half-390.png", full_page=True)
    page.locator("#attr-citizen_roles").scroll_into_view_if_needed()
    page.screenshot(path=SHOTS / "form-half-390-screen.png")
    print(f"half-filled form at 390: {_height(page)} px")
    expect(page.locator("#answered-count")).to_have_text("6 of 12 answered")
