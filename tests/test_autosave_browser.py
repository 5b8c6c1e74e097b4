"""Autosave on the coding page in real Chromium: one save at a time, so a coder's own saves
never conflict with each other (a reload during a save, an answer lost on the way back, a
submission while a save is on its way), retries after a dropped connection, and a conflict
only when someone else changed the coding. Requests are held, replayed or failed with
Playwright's page.route."""

import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from coding.codings.services import coding_save_draft, coding_start
from coding.models import Coding, CodingStatus
from tests.test_coding_browser import _sign_in, demo  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser

# The save time in the page's language and the coder's time zone, which it names
# ("Saved 02:05 PM UTC" for lang="en"; coding-form.js).
SAVED_AT = re.compile(r"^Saved \d\d:\d\d( [AP]M)? \S+$")

SAVE = re.compile(r"/cases/\d+/code/save/$")


def _case_url(live_server, number):
    return f"{live_server.url}/reviews/coproduction/cases/{number}/code/"


def _coding(demo, number, username):  # noqa: F811
    return Coding.objects.get(case__review=demo, case__number=number, coder__username=username)


def _wait_for(page, condition, what):
    for _ in range(200):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"waited 10 s for {what}")


def test_reload_while_a_save_is_on_its_way_never_conflicts(demo, live_server, page):  # noqa: F811
    """The page is reloaded while its autosave is on the way; the save reaches the server only
    after the reloaded page was drawn (at the old version), just before the reloaded page's
    own save. That save is based on the old version, yet it is the coder's own: no conflict."""
    _sign_in(page, live_server, "coder_a")
    page.goto(_case_url(live_server, 5))
    held = []

    def hold_first_then_replay(route, request):
        if not held:
            held.append((request.url, request.headers, request.post_data_buffer))
            return  # never answered: the page is reloaded meanwhile
        if held[-1] == "replayed":
            route.continue_()
            return
        url, headers, body = held[0]
        # The held save arrives now, before the reloaded page's save.
        replayed = page.context.request.post(url, headers={
            "content-type": headers["content-type"], "accept": "application/json"}, data=body)
        assert replayed.ok, replayed.text()
        held.append("replayed")
        route.continue_()

    page.route(SAVE, hold_first_then_replay)
    page.locator("#id_main_topic").fill("Typed before the reload")
    _wait_for(page, lambda: held, "the autosave")
    page.reload()
    expect(page.locator("#id_main_topic")).to_have_value("Typed before the reload")
    page.locator("#id_main_topic").fill("Typed before the reload, and after")

    expect(page.locator("#save-state")).to_have_text(SAVED_AT)
    assert held[-1] == "replayed"
    expect(page.locator("#conflict")).to_be_hidden()
    coding = _coding(demo, "5", "coder_a")
    assert coding.values.get(attribute__key="main_topic").text == (
        "Typed before the reload, and after")
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('coding:'))") == []


def test_autosave_retries_after_a_network_error(demo, live_server, page):  # noqa: F811
    _sign_in(page, live_server, "coder_a")
    page.goto(_case_url(live_server, 6))
    attempts = []

    def drop_first(route, request):
        attempts.append(request.url)
        if len(attempts) == 1:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(SAVE, drop_first)
    page.locator("#id_main_topic").fill("Written while the connection dropped")
    expect(page.locator("#save-state")).to_contain_text("Offline — retrying")
    # No further edit: the page retries on its own.
    expect(page.locator("#save-state")).to_have_text(SAVED_AT)
    assert len(attempts) == 2
    coding = _coding(demo, "6", "coder_a")
    assert coding.values.get(attribute__key="main_topic").text == (
        "Written while the connection dropped")


def test_a_save_whose_answer_was_lost_is_known_as_the_coders_own(
        demo, live_server, page):  # noqa: F811
    """The save reaches the server but its answer is lost: the retry, based on the old
    version, is refused as a conflict by the server, and the page sees it was its own save."""
    _sign_in(page, live_server, "coder_a")
    page.goto(_case_url(live_server, 7))
    attempts = []

    def lose_first_answer(route, request):
        attempts.append(request.url)
        if len(attempts) == 1:
            assert route.fetch().ok  # stored on the server
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route(SAVE, lose_first_answer)
    page.locator("#id_main_topic").fill("Stored, but the answer was lost")
    expect(page.locator("#save-state")).to_have_text(SAVED_AT)
    expect(page.locator("#conflict")).to_be_hidden()
    assert len(attempts) >= 2
    page.locator("#id_main_topic").fill("And edited again")
    expect(page.locator("#save-state")).to_have_text(SAVED_AT)
    coding = _coding(demo, "7", "coder_a")
    assert coding.values.get(attribute__key="main_topic").text == "And edited again"
    assert coding.version == 2


def test_another_tabs_change_is_still_a_conflict_after_a_network_error(
        demo, live_server, page):  # noqa: F811
    """A tab whose save failed on the network retries; meanwhile another tab saved. The
    retry is refused, and the page, asking what the server holds, finds someone else's text:
    it shows the conflict and keeps its own text to copy."""
    _sign_in(page, live_server, "coder_b")
    url = _case_url(live_server, 8)
    page.goto(url)
    other = page.context.new_page()
    other.goto(url)
    offline = [True]

    def fail_while_offline(route, request):
        if offline[0]:
            route.abort("internetdisconnected")
        else:
            route.continue_()

    page.route(SAVE, fail_while_offline)
    page.locator("#id_main_topic").fill("Written in the tab that went offline")
    expect(page.locator("#save-state")).to_contain_text("Offline — retrying")

    other.locator("#id_main_topic").fill("Written in the other tab")
    expect(other.locator("#save-state")).to_contain_text("Saved")
    offline[0] = False

    expect(page.locator("#save-state")).to_contain_text("Conflict", timeout=15_000)
    expect(page.get_by_role("alert")).to_contain_text("saved elsewhere (another tab?)")
    expect(page.get_by_label("Your unsaved text, to copy")).to_have_value(
        re.compile("Main topic: Written in the tab that went offline"))
    coding = _coding(demo, "8", "coder_b")
    assert coding.values.get(attribute__key="main_topic").text == "Written in the other tab"


def _complete_values(codebook):
    """A value for every attribute of `codebook`, so that a submission is not refused."""
    values = {}
    for attribute in codebook.attributes.prefetch_related("options"):
        options = [o.key for o in attribute.options.all() if not o.is_none]
        values[attribute.key] = {"value": {
            "single": options[:1] and options[0], "multi": options[:1], "boolean": "yes",
            "number": 3}.get(attribute.kind, f"{attribute.key} in a few words")}
    return values


def test_submit_during_an_autosave_waits_for_it_and_never_conflicts(
        demo, live_server, page):  # noqa: F811
    """Submit is pressed while an autosave is on its way and after further edits. The post
    waits for the save and carries the version it returned; no save starts behind it (one
    would make the submission a conflict with the coder's own save)."""
    coder = get_user_model().objects.get(username="coder_a")
    case = demo.cases.get(number="9")
    coding = coding_start(case=case, user=coder)
    coding_save_draft(coding=coding, values=_complete_values(demo.current_codebook()),
                      expected_version=coding.version, user=coder)
    _sign_in(page, live_server, "coder_a")
    page.goto(_case_url(live_server, 9))
    saves, posts = [], []

    def hold_first_answer(route, request):
        if not saves:
            saves.append((route, route.fetch()))  # stored; its answer is held back
        else:
            saves.append("another save")
            route.continue_()

    def hold_submission(route, request):
        if request.method == "POST":
            posts.append(route)
        else:
            route.continue_()

    page.route(SAVE, hold_first_answer)
    page.route(re.compile(r"/cases/9/code/$"), hold_submission)
    page.locator("#id_main_topic").fill("Saved on the way")
    _wait_for(page, lambda: saves, "the autosave")
    page.locator("#id_main_topic").fill("Saved on the way, and submitted")
    page.get_by_role("button", name="Submit").click()
    held, answer = saves[0]
    held.fulfill(response=answer)
    _wait_for(page, lambda: posts, "the submission")
    page.wait_for_timeout(1500)  # longer than the autosave's delay
    posts[0].continue_()

    expect(page.get_by_text("submitted. It is read-only now")).to_be_visible()
    assert saves[1:] == []
    coding = Coding.objects.get(pk=coding.pk)
    assert coding.status == CodingStatus.SUBMITTED
    assert coding.values.get(attribute__key="main_topic").text == (
        "Saved on the way, and submitted")
