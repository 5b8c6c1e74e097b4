"""In Chromium: a lead who is neither staff nor superuser invites a coder by e-mail; the
mail's link creates the account; the new coder lands in the review and sees their queue."""

import os
import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from coding.models import Membership, Role
from tests import factories

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))
WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def _nav_rows(page) -> int:
    """How many lines the header's links take (1 = no wrapping)."""
    return page.evaluate(
        """() => new Set([...document.querySelectorAll('.site-nav > *')]
              .filter(el => el.offsetParent !== null)
              .map(el => el.getBoundingClientRect())
              .map(box => Math.round((box.top + box.height / 2) / 8))).size"""
    )


def test_lead_invites_a_coder_who_joins_by_the_mailed_link(review, lead, coder_a, live_server,
                                                           page):
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert not lead.is_staff and not lead.is_superuser
    cases = [factories.CaseFactory(review=review, number=str(n)) for n in (1, 2)]
    page.set_viewport_size(WIDE)
    _sign_in(page, live_server, "lena")

    page.get_by_role("link", name="Progress").click()
    page.locator(".site-nav").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members", exact=True)).to_be_visible()
    page.locator(".add-member").get_by_label("Username or e-mail").fill("nina@example.org")
    expect(page.locator(".add-member").get_by_label("Coder", exact=True)).to_be_checked()
    page.get_by_role("button", name="Add or invite").click()
    expect(page.get_by_text("Invitation sent to nina@example.org")).to_be_visible()
    expect(page.locator(".invitations-table")).to_contain_text("nina@example.org")
    assert _nav_rows(page) == 1
    page.screenshot(path=SHOTS / "members-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / "members-390.png", full_page=True)

    [message] = mail.outbox
    link = re.search(r"https?://\S+/invitations/\S+/", message.body).group(0)
    assert link.startswith(live_server.url)
    page.locator(".nav-account summary").click()  # the account menu under the name
    page.get_by_role("button", name="Sign out").click()

    page.set_viewport_size(WIDE)
    page.goto(link)
    expect(page.get_by_role("heading", name="Join “Demo review”")).to_be_visible()
    page.screenshot(path=SHOTS / "invitation-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / "invitation-390.png", full_page=True)
    page.get_by_label("Username").fill("nina")
    page.get_by_label("First name").fill("Nina")
    page.get_by_label("Last name").fill("Nowak")
    page.get_by_label("Password", exact=True).fill("a-long-new-password")
    page.get_by_label("Password again").fill("a-long-new-password")
    page.get_by_role("button", name="Create my account and join").click()

    expect(page).to_have_url(f"{live_server.url}/reviews/demo/my-cases/")
    expect(page.get_by_text("Welcome to Demo review, Nina Nowak.")).to_be_visible()
    expect(page.get_by_text("No cases are assigned to you in this review yet")).to_be_visible()
    nina = Membership.objects.get(review=review, role=Role.CODER, user__username="nina").user
    cases_assign(review=review, coders=[nina, coder_a], assigned_by=lead, cases=cases)
    page.reload()
    expect(page.get_by_text("0 of 2 submitted")).to_be_visible()
    expect(page.locator(".queue-item")).to_have_count(2)

    page.goto(link)  # the link worked once
    expect(page.get_by_text("This invitation has already been used.")).to_be_visible()


def test_review_nav_with_members_stays_on_one_line_at_1280(review, lead, live_server, page):
    """The widest header: a lead who also codes and adjudicates, a long review title, a long
    name."""
    review.title = "A systematic review with a rather long title about coproduction"
    review.save()
    for role in (Role.CODER, Role.ADJUDICATOR):
        factories.MembershipFactory(review=review, user=lead, role=role)
    lead.first_name, lead.last_name = "Magdalena", "Kowalska-Whitfield"
    lead.save()
    page.set_viewport_size(WIDE)
    _sign_in(page, live_server, "lena")
    page.goto(f"{live_server.url}/reviews/demo/members/")
    expect(page.locator(".site-nav").get_by_role("link", name="Members")).to_be_visible()
    page.screenshot(path=SHOTS / "members-nav-1280-closed.png")
    assert _nav_rows(page) == 1
    page.locator(".nav-account summary").click()  # the account links fold under the name
    expect(page.get_by_role("link", name="API token")).to_be_visible()
    page.screenshot(path=SHOTS / "members-nav-1280.png")
    page.keyboard.press("Escape")
    expect(page.get_by_role("link", name="API token")).to_be_hidden()
