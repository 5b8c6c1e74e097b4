"""A release's dashboard in real Chromium: dashboard.js draws every chart of the release
from its frozen data, the map, heat map and Sankey diagram included, and a click on a bar
stays on the release (its bars link nowhere). Screenshots go to $SCREENSHOT_DIR."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.releases.services import release_create
from tests import factories
from tests.test_public_browser import _code_some

pytestmark = pytest.mark.browser


def test_a_release_dashboard_draws_its_charts(page, live_server, coproduction, tmp_path):
    _code_some(coproduction)
    lead = factories.UserFactory(username="lena")
    factories.MembershipFactory(review=coproduction, user=lead, role="lead")
    release = release_create(review=coproduction, actor=lead, title="First",
                             authors="The team", base_url=live_server.url)
    url = live_server.url + reverse("coding:release_dashboard",
                                    args=["coproduction", release.number])
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(url)
    expect(page.locator("#chart-service_area .main-svg").first).to_be_visible()
    expect(page.locator("#chart-country path.choroplethlocation").first).to_be_attached()
    expect(page.locator("#chart-coproduction_type-citizen_roles .main-svg").first).to_be_visible()
    expect(page.locator("#chart-process .main-svg").first).to_be_visible()
    expect(page.locator(".plot.drawn")).to_have_count(page.locator(".plot").count())
    assert page.locator(".plot").count() > 5
    # The header says which release this is; each chart keeps its table of numbers.
    expect(page.locator("#release-heading")).to_contain_text("Release 1")
    assert page.locator("details.chart-table").count() == page.locator(".plot").count()
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / "release-dashboard-1280.png"), full_page=True)
    # A bar leads nowhere: the reader stays on the release.
    page.locator("#chart-service_area .point path").first.click(force=True)
    page.wait_for_timeout(300)
    assert page.url == url
