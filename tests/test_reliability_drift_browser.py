"""Coder drift on the reliability page in Chromium: all coders and one line per coder, drawn
without console errors and hidden from screen readers (the tables have the figures)."""

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from tests.test_reliability_drift import coded  # noqa: F401  (the hand-counted dataset)

pytestmark = pytest.mark.browser


def test_drift_chart_draws_all_coders_and_a_line_per_coder(browser, live_server, coded, lead):  # noqa: F811
    from tests import factories

    factories.reliability_computed(coded)  # drift is served from the worker's snapshot
    shots = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    client = Client()
    client.force_login(User.objects.get(pk=lead.pk))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": live_server.url}])
    page = context.new_page()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/reviews/demo/reliability/#drift")
    chart = page.locator("#drift-chart")
    expect(chart.locator('svg.main-svg[aria-hidden="true"]').first).to_be_attached()
    expect(chart.locator(".legendtext")).to_have_text(["all coders", "alice", "bob"])
    expect(chart.locator(".scatterlayer .trace")).to_have_count(3)
    expect(page.locator("#drift-table tbody tr")).to_have_count(3)
    expect(page.locator("#drift-coders tbody tr")).to_have_count(6)
    page.locator("#drift").screenshot(path=shots / "reliability-drift-1280.png")
    page.set_viewport_size({"width": 390, "height": 900})
    page.reload()
    expect(chart.locator(".scatterlayer .trace")).to_have_count(3)
    page.locator("#drift").screenshot(path=shots / "reliability-drift-390.png")
    context.close()
    assert errors == []


def test_drift_with_enough_cases_states_the_trend_in_words(browser, live_server, review, lead,
                                                          coder_a, coder_b):
    """40 cases over four weeks, the coders agreeing more later: the page says whether the
    rise could be chance, and the chart draws the intervals."""
    import random
    from datetime import UTC, datetime, timedelta

    from coding.models import Coding
    from tests import factories

    rng = random.Random(3)
    levels = ["local", "national", "state"]
    for number in range(1, 41):
        case = factories.CaseFactory(review=review, number=str(number))
        first = rng.choice(levels)
        agree = rng.random() < (0.3 if number <= 20 else 0.95)
        second = first if agree else rng.choice([v for v in levels if v != first])
        at = datetime(2026, 2, 2, 9, tzinfo=UTC) + timedelta(days=(number - 1) * 28 // 40)
        for coder, level in ((coder_a, first), (coder_b, second)):
            factories.AssignmentFactory(case=case, coder=coder)
            coding = factories.coding_with_values(
                case=case, coder=coder,
                values={"level": level, "agreement": number % 3 == 0 or not agree})
            Coding.objects.filter(pk=coding.pk).update(submitted_at=at)
    factories.reliability_computed(review)
    shots = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/coproduction-screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    client = Client()
    client.force_login(User.objects.get(pk=lead.pk))
    cookie = client.cookies[django_settings.SESSION_COOKIE_NAME]
    for width in (1280, 390):
        context = browser.new_context(viewport={"width": width, "height": 900})
        context.add_cookies([{"name": cookie.key, "value": cookie.value,
                              "url": live_server.url}])
        page = context.new_page()
        page.goto(f"{live_server.url}/reviews/demo/reliability/?drift=window&n=20#drift")
        expect(page.locator("#drift-trend")).to_contain_text("rose from")
        expect(page.locator("#drift-trend")).to_contain_text("unlikely to be chance")
        expect(page.locator("#drift-chart .scatterlayer .trace")).to_have_count(3)
        page.locator("#drift").screenshot(path=shots / f"reliability-drift-trend-{width}.png")
        context.close()
