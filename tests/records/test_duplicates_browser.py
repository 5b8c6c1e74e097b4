"""In Chromium: the lead settles suspected duplicates by keyboard alone, one pair after the
other (the first pair's first button has the focus)."""

import pytest
from playwright.sync_api import expect

from coding.models import Record
from coding.records.services import records_import
from tests import factories
from tests.records.data import GI_RIS, NESTA_RIS

pytestmark = pytest.mark.browser


def test_the_lead_settles_duplicates_by_keyboard(review, lead, live_server, page, tmp_path):
    for name, text, source in (("nesta.ris", NESTA_RIS, "Nesta"),
                               ("gi.ris", GI_RIS, "Governance International")):
        (tmp_path / name).write_text(text)
        records_import(review=review, path=tmp_path / name, source=source, actor=lead)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("lena")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/reviews/demo/records/duplicates/")
    expect(page.get_by_text("2 suspected duplicates to check.")).to_be_visible()
    page.keyboard.press("Enter")  # the first pair: a duplicate
    expect(page.get_by_text("1 suspected duplicate to check.")).to_be_visible()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the second: not a duplicate
    expect(page.get_by_text("No suspected duplicate is waiting.")).to_be_visible()
    statuses = dict(Record.objects.filter(duplicate_of__isnull=False)
                    .values_list("title", "duplicate_status"))
    assert statuses == {"Residents Run the Village Library (summary)": "confirmed",
                        "Parents plan school-meals!": "split"}
