"""The header in real Chromium: a lead's review links fit on one line at 1280 px, and the
account menu opens from the keyboard at 1280 and 390 px."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import Role
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
