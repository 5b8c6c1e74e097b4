"""A screener screens ten records by keyboard alone, in real Chromium (Playwright)."""

import pytest
from playwright.sync_api import expect

from coding.models import ScreeningDecision
from coding.screening.services import screening_assign
from tests import factories
from tests.screening.conftest import make_records
from tests.test_accessibility_browser import _serious_violations

pytestmark = pytest.mark.browser

KEYS = ["i", "e", "m", "i", "i", "e", "e", "m", "i", "e"]
VALUES = {"i": "include", "e": "exclude", "m": "maybe"}


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def test_a_screener_screens_ten_records_by_keyboard_alone(screening, lead, coder_a, coder_b,
                                                           live_server, page):
    records = make_records(screening, 10)
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    _sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/demo/screening/")
    title = page.locator("#record-title")
    expect(title).to_have_text(records[0].title)
    assert _serious_violations(page) == []
    for i, key in enumerate(KEYS):
        expect(title).to_have_text(records[i].title)
        page.keyboard.press(key)
    # The last decision leaves the last record in view; the progress counts her work.
    expect(page.locator('[data-progress="decided"]')).to_have_text("10")
    expect(page.locator('[data-progress="remaining"]')).to_have_text("0")
    saved = dict(ScreeningDecision.objects.filter(screener=coder_a)
                 .values_list("record_id", "decision"))
    assert saved == {r.pk: VALUES[k] for r, k in zip(records, KEYS, strict=True)}
    # Back with ← to the ninth record, change it, then undo that change with U.
    page.keyboard.press("ArrowLeft")
    expect(title).to_have_text(records[8].title)
    expect(page.locator("#record-mine")).to_contain_text("Include")
    page.keyboard.press("e")
    expect(title).to_have_text(records[9].title)
    page.wait_for_function(
        "() => document.querySelector('[data-progress=\"decided\"]').textContent === '10'")
    page.keyboard.press("u")
    expect(title).to_have_text(records[8].title)
    expect(page.locator('[data-progress="decided"]')).to_have_text("9")
    assert not ScreeningDecision.objects.filter(screener=coder_a, record=records[8]).exists()
    page.keyboard.press("n")
    expect(title).to_have_text(records[9].title)
    expect(page.locator("#record-mine")).to_contain_text("Exclude")


def test_at_full_text_a_number_key_chooses_the_exclusion_reason(screening, lead, coder_a,
                                                                 coder_b, live_server, page):
    from coding.screening.services import screening_settings_save

    screening_settings_save(review=screening, user=lead, stages="full_text", criteria="",
                            reasons=["No citizens", "No outcomes"])
    records = make_records(screening, 2)
    screening_assign(review=screening, user=lead, stage="full_text",
                     screeners=[coder_a, coder_b])
    _sign_in(page, live_server, "alice")
    page.goto(f"{live_server.url}/reviews/demo/screening/")
    title = page.locator("#record-title")
    expect(title).to_have_text(records[0].title)
    page.keyboard.press("e")  # no reason yet: refused, stays
    expect(page.locator("#screening-message")).to_contain_text("exclusion reason")
    expect(title).to_have_text(records[0].title)
    page.keyboard.press("2")
    expect(page.get_by_label("No outcomes")).to_be_checked()
    page.keyboard.press("e")
    expect(title).to_have_text(records[1].title)
    page.keyboard.press("i")
    expect(page.locator('[data-progress="decided"]')).to_have_text("2")
    excluded = ScreeningDecision.objects.get(screener=coder_a, record=records[0])
    assert (excluded.decision, excluded.reason.key) == ("exclude", "no-outcomes")


def test_the_other_screening_pages_pass_axe(screening, lead, adjudicator, coder_a, coder_b,
                                            live_server, browser):
    from coding.models import ScreeningConflict
    from tests.screening.conftest import decide

    records = make_records(screening, 2)
    screening_assign(review=screening, user=lead, stage="title_abstract",
                     screeners=[coder_a, coder_b])
    decide(records[0], coder_a, "include")
    decide(records[0], coder_b, "exclude")
    conflict = ScreeningConflict.objects.get()
    pages = {"lena": ["settings/", "assign/", "conflicts/"],
             "ada": ["conflicts/", f"conflicts/{conflict.pk}/"]}
    for username, paths in pages.items():
        context = browser.new_context()
        page = context.new_page()
        _sign_in(page, live_server, username)
        for path in paths:
            response = page.goto(f"{live_server.url}/reviews/demo/screening/{path}")
            assert response.status == 200, path
            assert _serious_violations(page) == [], path
        context.close()
