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
