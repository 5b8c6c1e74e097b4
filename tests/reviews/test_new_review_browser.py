"""The New review page in Chromium: the slug follows the title until edited by hand; a taken
slug is shown beside its field, with no accessibility violation at either width."""

import pytest
from django.conf import settings as django_settings
from django.test import Client
from playwright.sync_api import expect

from coding.models import Review
from tests import factories
from tests.test_accessibility_browser import WIDTHS, _serious_violations

pytestmark = pytest.mark.browser


def test_the_slug_follows_the_title_until_edited_and_a_taken_one_is_named(page, live_server,
                                                                           db):
    factories.ReviewFactory(slug="school-meals", title="Someone else's")
    user = factories.UserFactory(username="nadia")
    client = Client()
    client.force_login(user)
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value,
                               "url": live_server.url}])
    page.goto(f"{live_server.url}/new-review/")
    page.wait_for_load_state("load")
    title, slug = page.get_by_label("Title"), page.get_by_label("Short name (slug)")
    title.press_sequentially("École & Meals!")
    expect(slug).to_have_value("ecole-meals")
    slug.fill("school-meals")
    title.fill("École & Meals! again")
    expect(slug).to_have_value("school-meals")  # edited by hand: left alone
    page.locator("main").get_by_role("button", name="Create review").click()
    expect(page.get_by_role("alert")).to_contain_text("“school-meals” is taken")
    expect(slug).to_have_attribute("aria-invalid", "true")
    expect(title).to_have_value("École & Meals! again")
    assert Review.objects.count() == 1
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        assert _serious_violations(page) == [], width
