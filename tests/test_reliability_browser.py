"""The reliability page in real Chromium with the bundled codebook: the new coefficients,
intervals under their figures and numbered warnings, at 1280 and 390 px. Screenshots go to
$SCREENSHOT_DIR (default: pytest's tmp dir)."""

import os
import random
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import Role
from tests import factories
from tests.conftest import PASSWORD
from tests.worker import run_queued_tasks

pytestmark = pytest.mark.browser

CHOICES = {
    "level": ["national", "state", "local"],
    "service_setting": ["single", "multi"],
    "coproduction_type": ["professional", "user", "citizen"],
}
ROLES = ["co_commissioner", "co_deliverer", "co_assessor"]


def _values(rng, like=None):
    if like is not None and rng.random() < 0.8:
        return like
    return {
        **{key: rng.choice(options) for key, options in CHOICES.items()},
        "citizen_roles": rng.sample(ROLES, rng.randint(1, 2)),
        "formal_agreement": rng.random() < 0.9,  # rare "no": the kappa paradox shows
    }


def test_lead_sees_new_coefficients_and_warnings_in_chromium(
    page, live_server, coproduction, tmp_path
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    users = {}
    for name, role in (("coder_a", Role.CODER), ("coder_b", Role.CODER), ("lead", Role.LEAD)):
        users[name] = factories.UserFactory(username=name)
        factories.MembershipFactory(review=coproduction, user=users[name], role=role)
    rng = random.Random(3)
    for case in coproduction.cases.order_by("sort_key")[:40]:
        first = _values(rng)
        factories.coding_with_values(case=case, coder=users["coder_a"], values=first)
        factories.coding_with_values(case=case, coder=users["coder_b"],
                                     values=_values(rng, like=first))
    factories.reliability_computed(coproduction)

    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("login") + "?next="
              + reverse("coding:reliability", args=[coproduction.slug]))
    page.fill("#id_username", "lead")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    expect(page.get_by_role("heading", name="Inter-coder reliability")).to_be_visible()
    table = page.locator("#reliability-table")
    for heading in ("Fleiss’ κ", "Conger’s κ", "Gwet’s AC2", "PABAK", "Prevalence index"):
        expect(table.locator("thead")).to_contain_text(heading)
    level_row = table.locator("tr", has=page.get_by_role("rowheader", name="Level", exact=True))
    expect(level_row).to_contain_text("nominal")
    expect(level_row.locator(".rel-ci").first).to_contain_text(" to ")
    # Options nobody chose get notes (fewer than 10 cases or undefined resamples).
    expect(page.locator(".rel-notes li").first).to_be_visible()
    page.screenshot(path=str(shots / "reliability-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 800})
    page.screenshot(path=str(shots / "reliability-390.png"), full_page=True)
    # At 390 px the table scrolls inside its own box; the page itself does not.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert not errors


def test_page_shows_computing_then_the_figures_once_the_worker_has_run(
    page, live_server, review, coder_a, coder_b, lead, tmp_path
):
    """No figures exist yet: the page says they are being computed (and queues them); the
    real database worker then runs, and the page, polling its status, shows the figures."""
    from coding.models import ReliabilitySnapshot, SnapshotStatus

    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    for number, (a, b) in enumerate([("local", "local"), ("state", "local"),
                                     ("national", "national")], start=1):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a, values={"level": a})
        factories.coding_with_values(case=case, coder=coder_b, values={"level": b})
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url + reverse("login") + "?next="
              + reverse("coding:reliability", args=[review.slug]))
    page.fill("#id_username", lead.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")

    status = page.locator("#reliability-status")
    expect(status).to_contain_text("The figures are being computed", timeout=30_000)
    expect(page.locator("#reliability-table")).to_have_count(0)
    assert not ReliabilitySnapshot.objects.exists()  # the page writes nothing: the worker asks
    page.screenshot(path=str(shots / "reliability-computing.png"), full_page=True)

    run_queued_tasks(page)

    # The page reloads itself once its status endpoint says the figures are ready.
    expect(page.locator("#reliability-table")).to_be_visible(timeout=30_000)
    expect(status).to_contain_text("from the current codings")
    expect(status).not_to_contain_text("being computed")
    level_row = page.locator("#reliability-table tbody tr").first  # codebook order
    expect(level_row.locator("th")).to_contain_text("Level")
    expect(level_row).to_contain_text("0.667")  # 2 of 3 cases agree
    page.screenshot(path=str(shots / "reliability-computed.png"), full_page=True)
    assert ReliabilitySnapshot.objects.get().status == SnapshotStatus.READY
    assert not errors
