"""Calibration rounds in real Chromium: a lead creates a round, a new coder codes a round
case through the coding form, and once everyone has submitted the round's page shows its
reliability."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coding import models
from coding.models import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.rounds.conftest import AGREE, code

pytestmark = pytest.mark.browser
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))


def _sign_in(page, live_server, username, path):
    page.goto(f"{live_server.url}/accounts/login/?next={path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()


def test_lead_creates_round_new_coder_codes_it_and_round_shows_reliability(
        live_server, browser, review, cases, lead, coder_a, coder_b):
    # Nina joined the review today: no case of the review is hers yet, only the round.
    nina = factories.UserFactory(username="nina", first_name="Nina")
    factories.MembershipFactory(review=review, user=nina, role=Role.CODER)

    lead_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(lead_page, live_server, "lena", "/reviews/demo/rounds/")
    lead_page.get_by_label("Title").fill("Pilot 1")
    lead_page.get_by_label("Cases").fill("1-2")
    for name in ("alice", "bob", "nina"):
        expect(lead_page.locator(f'input[name="coders"][value="{name}"]')).to_be_checked()
    lead_page.get_by_role("button", name="Create round").click()
    expect(lead_page.get_by_role("heading", name="Calibration round 1: Pilot 1")).to_be_visible()
    round_ = models.Round.objects.get()
    assert round_.coders.count() == 3

    coder_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    _sign_in(coder_page, live_server, "nina", "/reviews/demo/my-cases/")
    expect(coder_page.get_by_text("Calibration round 1: 0 of 2 cases coded")).to_be_visible()
    coder_page.get_by_role("link", name="Code the round’s cases").click()
    coder_page.get_by_role("link", name="Case 1: Case 1").click()
    expect(coder_page.get_by_role("heading", name="Code case 1")).to_be_visible()
    coder_page.locator('#attr-level input[value="local"]').check()
    coder_page.locator('#attr-roles input[value="deliverer"]').check()
    coder_page.locator("#attr-agreement").get_by_label("Yes", exact=True).check()
    coder_page.get_by_role("button", name="Submit").click()
    expect(coder_page.get_by_text("Case 1 submitted in round 1.")).to_be_visible()
    coding = models.RoundCoding.objects.get(coder=nina)
    assert coding.status == "submitted"
    assert not models.Coding.objects.exists()

    # Everyone else submits; Bob differs on level for case 2.
    code(round_, cases[1], nina, AGREE)
    for coder in (coder_a, coder_b):
        code(round_, cases[0], coder, AGREE)
        code(round_, cases[1], coder, AGREE | ({"level": "state", "level__evidence":
                                                "the state ran it"} if coder == coder_b else {}))
    lead_page.reload()
    expect(lead_page.locator("#round-status")).to_have_text(
        "Complete: every coder submitted every case")
    table = lead_page.locator("#round-reliability")
    expect(table).to_be_visible()
    expect(table.locator("tbody tr").first).to_contain_text("Level")
    expect(lead_page.get_by_text("the state ran it")).to_be_visible()
    lead_page.wait_for_function(
        "() => document.querySelector('#rounds-chart svg.main-svg[aria-hidden=\"true\"]')")
    lead_page.screenshot(path=SHOTS / "round-complete-1280.png", full_page=True)
    coder_page.screenshot(path=SHOTS / "round-coding-1280.png", full_page=True)
