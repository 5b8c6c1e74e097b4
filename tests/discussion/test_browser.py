"""Discussion mode in real Chromium: two coders of a bundled case, both submitted, discuss a
disagreement on the discussion page (comment, propose, accept) and the consensus says
"agreed after discussion"; they escalate another, and the adjudicator finds it in the queue
with the thread and decides it."""

import os
from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import (
    Assignment,
    ConsensusMethod,
    ConsensusValue,
    Disagreement,
    ResolutionMode,
    Role,
)
from coding.reviews.services import review_set_resolution_mode
from tests import factories
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

COMMON = {
    "main_topic": {"value": "Community meals"},
    "citizen_roles": {"value": ["co_deliverer"]},
    "factors": {"value": ["planning"]},
    "outcomes": {"value": ["service_effectiveness"]},
}
CODER_A = {
    **COMMON,
    "level": {"value": "local", "evidence": "the borough council ran the scheme"},
    "service_setting": {"value": "single"},
    "coproduction_type": {"value": "citizen"},
}
CODER_B = {
    **COMMON,
    "level": {"value": "state", "evidence": "a state programme"},
    "service_setting": {"value": "multi"},
    "coproduction_type": {"value": "citizen"},
}


def _submit(case, user, values):
    coding = coding_start(case=case, user=user)
    coding = coding_save_draft(coding=coding, values=values, expected_version=coding.version,
                               user=user)
    return coding_submit(coding=coding, expected_version=coding.version, user=user)


def _sign_in(page, live_server, username, next_url):
    page.context.clear_cookies()
    page.goto(live_server.url + reverse("login") + "?next=" + next_url)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")


def test_two_coders_discuss_agree_and_escalate_in_chromium(
    page, live_server, coproduction, tmp_path
):
    shots = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    review = coproduction
    users = {}
    for name, first, role in (("coder_a", "Aisha", Role.CODER), ("coder_b", "Ben", Role.CODER),
                              ("adjudicator", "Ada", Role.ADJUDICATOR),
                              ("lead", "Lena", Role.LEAD)):
        users[name] = factories.UserFactory(username=name, first_name=first)
        factories.MembershipFactory(review=review, user=users[name], role=role)
    review_set_resolution_mode(review=review, actor=users["lead"],
                               mode=ResolutionMode.DISCUSSION)
    case = review.cases.get(number="3")
    for name in ("coder_a", "coder_b"):
        Assignment.objects.create(case=case, coder=users[name])
    _submit(case, users["coder_a"], CODER_A)
    _submit(case, users["coder_b"], CODER_B)
    assert set(Disagreement.objects.filter(case=case).values_list("attribute__key", flat=True)
               ) == {"level", "service_setting"}
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    slug = review.slug

    # Aisha finds the case from My cases, sees Ben's coding, comments and proposes.
    _sign_in(page, live_server, "coder_a", reverse("coding:queue", args=[slug]))
    page.locator("#discussion-link").get_by_role("link").click()
    expect(page.get_by_role("heading", name="Disagreements to discuss")).to_be_visible()
    page.get_by_role("link", name="Case 3").click()
    level = page.locator("#attr-level")
    expect(level).to_contain_text("a state programme")
    level.get_by_label("Comment on").fill("The report says the borough council ran it.")
    level.get_by_role("button", name="Add comment").click()
    expect(page.locator(".messages")).to_contain_text("Comment added")
    level = page.locator("#attr-level")
    level.locator(".propose-form select").select_option("local")
    level.get_by_role("button", name="Propose").click()
    expect(page.locator(".messages")).to_contain_text("Proposal added")

    # Ben reads the thread, replies and accepts: the consensus is agreed after discussion.
    _sign_in(page, live_server, "coder_b", reverse("coding:discussion_case", args=[slug, "3"]))
    level = page.locator("#attr-level")
    expect(level).to_contain_text("The report says the borough council ran it.")
    level.get_by_label("Comment on").fill("Agreed, page 2 confirms it.")
    level.get_by_role("button", name="Add comment").click()
    level = page.locator("#attr-level")
    level.get_by_role("button", name="Accept Local").click()
    expect(page.locator(".messages")).to_contain_text("agreed after discussion")
    expect(page.locator("#attr-level")).to_contain_text("Agreed after discussion")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(shots / f"discussion-case-{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})
    consensus = ConsensusValue.objects.get(case=case, attribute__key="level")
    assert consensus.method == ConsensusMethod.DISCUSSION
    assert "Aisha: The report says the borough council ran it." in consensus.rationale
    assert "Ben: Agreed, page 2 confirms it." in consensus.rationale

    # Service setting: Ben cannot agree and escalates it.
    setting = page.locator("#attr-service_setting")
    setting.get_by_text("Cannot agree? Escalate to an adjudicator").click()
    setting.locator(".escalate-form textarea").fill("Single or multi: we read it differently.")
    setting.get_by_role("button", name="Escalate").click()
    expect(page.locator(".messages")).to_contain_text("escalated")

    # Ada finds it in her queue, reads the thread and decides.
    _sign_in(page, live_server, "adjudicator", reverse("coding:adjudication_queue",
                                                       args=[slug]))
    expect(page.locator(".queue-count")).to_contain_text("1 open disagreement in 1 case")
    page.get_by_role("link", name="Adjudicate case 3").click()
    item = page.locator("#attr-service_setting")
    expect(item).to_contain_text("Escalated by Ben")
    expect(item).to_contain_text("Single or multi: we read it differently.")
    expect(page.locator("#attr-level")).to_contain_text("Agreed after discussion")
    item.get_by_label("Aisha’s value", exact=False).check()
    item.get_by_label("Rationale").fill("The scheme ran in one service setting.")
    item.get_by_role("button", name="Save decision").click()
    expect(page.locator(".messages")).to_contain_text("Decision saved for")
    assert ConsensusValue.objects.get(
        case=case, attribute__key="service_setting").method == ConsensusMethod.ADJUDICATED
    assert errors == []
