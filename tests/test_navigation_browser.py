"""The header in real Chromium: a lead's review links fit on one line at 1280 px (also in a
review in discussion mode, with its Discussion link and count), and the account menu opens
from the keyboard at 1280 and 390 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.adjudication.services import disagreements_detect
from coding.models import ResolutionMode, Role
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 390])
def test_lead_header_fits_and_account_menu_opens_by_keyboard(live_server, page, review, width):
    lead = factories.UserFactory(username="lena", first_name="Lena", last_name="Lead",
                                 is_staff=True)
    for role in (Role.LEAD, Role.CODER, Role.ADJUDICATOR):
        factories.MembershipFactory(review=review, user=lead, role=role)
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(live_server.url + reverse("login") + "?next="
              + reverse("coding:progress", args=[review.slug]))
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Coding progress")).to_be_visible()
    if width == 1280:
        height = page.evaluate("document.querySelector('.site-nav').offsetHeight")
        assert height < 60, f"the header wraps onto a second line ({height} px)"
    sign_out = page.get_by_role("button", name="Sign out")
    expect(sign_out).to_be_hidden()
    page.locator(".nav-account summary").focus()
    page.keyboard.press("Enter")
    expect(sign_out).to_be_visible()
    box = page.locator(".nav-account .nav-menu").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width, "the menu leaves the screen"
    sign_out.click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_lead_header_fits_in_a_discussion_review(live_server, page, review, coder_b):
    """Every link a lead who codes and adjudicates can have, the Discussion link's count too."""
    review.resolution_mode = ResolutionMode.DISCUSSION
    review.save()
    lead = factories.UserFactory(username="lena", first_name="Lena", last_name="Lead",
                                 is_staff=True)
    for role in (Role.LEAD, Role.CODER, Role.ADJUDICATOR):
        factories.MembershipFactory(review=review, user=lead, role=role)
    case = factories.CaseFactory(review=review, number="7")
    for coder, level in ((lead, "local"), (coder_b, "state")):
        factories.AssignmentFactory(case=case, coder=coder)
        factories.coding_with_values(case=case, coder=coder, values={"level": level})
    disagreements_detect(case=case)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + reverse("login") + "?next="
              + reverse("coding:progress", args=[review.slug]))
    page.fill("#id_username", "lena")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Coding progress")).to_be_visible()
    expect(page.get_by_role("link", name="Discussion, 1 waiting for you")).to_be_visible()
    height = page.evaluate("document.querySelector('.site-nav').offsetHeight")
    assert height < 60, f"the header wraps onto a second line ({height} px)"
    page.get_by_role("link", name="Discussion, 1 waiting for you").click()
    expect(page.get_by_role("heading", name="Disagreements to discuss")).to_be_visible()
