"""In Chromium: a lead assigns cases; the coder sees the unread count in the header, opens
the notification and lands on their queue, and the count goes down."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))


def test_coder_sees_the_count_and_opens_the_notification(review, lead, coder_a, coder_b,
                                                         adjudicator, live_server, page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for n in (1, 2, 3):
        factories.CaseFactory(review=review, number=str(n))
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()

    bell = page.get_by_role("link", name="Notifications, 1 unread")
    expect(bell).to_be_visible()
    expect(bell.locator(".nav-badge")).to_have_text("1")
    bell.click()
    expect(page.get_by_role("heading", name="Notifications", exact=True)).to_be_visible()
    page.screenshot(path=SHOTS / "notifications-1280.png", full_page=True)

    page.get_by_role("button", name="Unread: 3 cases assigned to you in “Demo review”").click()
    expect(page).to_have_url(f"{live_server.url}/reviews/demo/my-cases/")
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
    expect(page.locator(".nav-badge")).to_have_count(0)
