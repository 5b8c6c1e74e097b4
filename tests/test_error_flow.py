"""The error flow of page forms: a refused Save draft or Submit shows the coding page again at
its own address with the errors and what the coder typed; a success redirects there; the same
for a decision on the adjudication page and adding a member on the members page; opening a
form's target URL (reload, bookmark) leads to the page the form is on, not an empty 405."""

import re

import pytest
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse
from playwright.sync_api import expect

from coding.adjudication.services import disagreements_detect
from coding.assignments.services import cases_assign
from coding.models import AuditEvent, Coding, CodingStatus, ConsensusValue, Membership
from tests import factories
from tests.conftest import PASSWORD


@pytest.fixture
def case(review, coder_a, coder_b, lead):
    case = factories.CaseFactory(review=review, number="7")
    cases_assign(review=review, coders=[coder_a, coder_b], assigned_by=lead)
    return case


def _login(client, username):
    assert client.login(request=HttpRequest(), username=username, password=PASSWORD)


def _page_url(case):
    return reverse("coding:coding_form", args=[case.review.slug, case.number])


def _data(**fields):
    data = {"version": 0, "level": "local", "roles": ["deliverer"], "topic": "Care homes",
            "budget": "", "agreement": "yes", "level__evidence": "the council"}
    data.update(fields)
    return data


def test_the_coding_form_posts_to_the_coding_page_itself(client, case, coder_a):
    _login(client, "alice")
    html = client.get(_page_url(case)).content.decode()
    assert f'action="{_page_url(case)}"' in html
    assert 'name="action" value="save"' in html and 'name="action" value="submit"' in html


@pytest.mark.parametrize("action", ["save", "submit"])
def test_a_refused_form_shows_the_coding_page_with_the_errors_and_what_was_typed(
    client, case, coder_a, action
):
    _login(client, "alice")
    response = client.post(_page_url(case), _data(action=action, budget="a lot"))
    assert response.status_code == 400
    assert response.request["PATH_INFO"] == _page_url(case)
    html = response.content.decode()
    assert "Budget: Enter a number." in html
    assert 'value="a lot"' in html and "Care homes</textarea>" in html
    assert re.search(r'name="level" value="local"[^>]*checked', html)
    assert not Coding.objects.filter(case=case).exists()


def test_a_refused_submit_keeps_the_draft_and_names_what_is_missing(client, case, coder_a):
    _login(client, "alice")
    response = client.post(_page_url(case), _data(action="submit", level="", roles=[]))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Not submitted: please code the required attributes Level, Role of citizens." in html
    assert "Care homes</textarea>" in html
    coding = Coding.objects.get(case=case, coder=coder_a)
    assert coding.status == CodingStatus.DRAFT and coding.version == 1


def test_save_and_submit_redirect_to_the_coding_page_after_success(client, case, coder_a):
    _login(client, "alice")
    saved = client.post(_page_url(case), _data(action="save"))
    assert saved.status_code == 302 and saved.url == _page_url(case)
    assert Coding.objects.get(case=case, coder=coder_a).status == CodingStatus.DRAFT
    submitted = client.post(_page_url(case), _data(version=1))  # no button: the script's post
    assert submitted.status_code == 302 and submitted.url == _page_url(case)
    assert Coding.objects.get(case=case, coder=coder_a).status == CodingStatus.SUBMITTED


def test_a_stale_version_on_the_coding_page_shows_the_conflict_there(client, case, coder_a):
    _login(client, "alice")
    client.post(_page_url(case), _data(action="save"))
    response = client.post(_page_url(case), _data(action="save", topic="from an old tab"))
    assert response.status_code == 409
    assert "saved elsewhere (another tab?)" in response.content.decode()
    assert "from an old tab</textarea>" in response.content.decode()


def test_another_coder_cannot_post_to_a_case_not_assigned_to_them(client, case, outsider):
    _login(client, "charlie")
    assert client.post(_page_url(case), _data(action="save")).status_code == 404
    assert not Coding.objects.exists()


@pytest.fixture
def disputed(review, coder_a, coder_b, adjudicator):
    """Case 8: Alice coded level local, Bob state, budget 100 and 250."""
    case = factories.CaseFactory(review=review, number="8")
    for coder, level, budget in ((coder_a, "local", 100.0), (coder_b, "state", 250.0)):
        factories.AssignmentFactory(case=case, coder=coder)
        factories.coding_with_values(case=case, coder=coder, values={
            "level": level, "roles": ["deliverer"], "budget": budget, "agreement": True})
    disagreements_detect(case=case)
    return case


def _adjudication_url(case):
    return reverse("coding:adjudication_case", args=[case.review.slug, case.number])


def test_the_decision_forms_post_to_the_adjudication_page_itself(client, disputed,
                                                                 adjudicator):
    _login(client, "ada")
    html = client.get(_adjudication_url(disputed)).content.decode()
    assert f'action="{_adjudication_url(disputed)}#attr-level"' in html
    assert 'name="action" value="resolve"' in html and 'name="key" value="level"' in html
    assert "/decide/" not in html


@pytest.mark.parametrize(("fields", "message"), [
    ({"level-rationale": ""}, "This field is required."),
    ({"level-choice": "other", "level-value": "continental"},
     "Select a valid choice. continental is not one of the available choices."),
    ({"level-choice": "other", "level-value": ""},
     "Give the other value, or choose a coder’s value."),
])
def test_a_refused_decision_shows_the_adjudication_page_with_the_message_and_the_input(
    client, disputed, adjudicator, fields, message
):
    _login(client, "ada")
    data = {"action": "resolve", "key": "level", "level-choice": "b",
            "level-rationale": "The state agency ran it, p. 3", "level-expected_version": 0,
            **fields}
    response = client.post(_adjudication_url(disputed), data)
    assert response.status_code == 400
    assert response.request["PATH_INFO"] == _adjudication_url(disputed)
    html = response.content.decode()
    assert message in html
    if data["level-rationale"]:
        assert "The state agency ran it, p. 3</textarea>" in html
    assert re.search(rf'name="level-choice" value="{data["level-choice"]}"[^>]*checked', html)
    # The rest of the page is there too: the other disagreement's form, untouched.
    assert 'name="budget-choice"' in html
    assert not ConsensusValue.objects.filter(case=disputed, attribute__key="level").exists()


def test_a_decision_redirects_to_the_adjudication_page_after_success(client, disputed,
                                                                     adjudicator):
    _login(client, "ada")
    response = client.post(_adjudication_url(disputed), {
        "action": "resolve", "key": "budget", "budget-choice": "other", "budget-value": "175",
        "budget-rationale": "The audited accounts say 175.", "budget-expected_version": 0})
    assert response.status_code == 302
    assert response.url == _adjudication_url(disputed) + "#attr-budget"
    consensus = ConsensusValue.objects.get(case=disputed, attribute__key="budget")
    assert consensus.number == 175.0


def test_a_refused_reopen_and_comment_stay_on_the_adjudication_page(client, disputed,
                                                                    adjudicator, lead):
    _login(client, "ada")
    client.post(_adjudication_url(disputed), {
        "action": "resolve", "key": "level", "level-choice": "a",
        "level-rationale": "Parish minutes.", "level-expected_version": 0})
    _login(client, "lena")
    reopen = client.post(_adjudication_url(disputed), {
        "action": "reopen", "key": "level", "reopen-level-reason": "",
        "reopen-level-expected_version": 1})
    assert reopen.status_code == 400
    assert reopen.request["PATH_INFO"] == _adjudication_url(disputed)
    assert "This field is required." in reopen.content.decode()
    comment = client.post(_adjudication_url(disputed), {
        "action": "comment", "key": "level", "comment-level-body": "x" * 20_001})
    assert comment.status_code == 400
    assert comment.request["PATH_INFO"] == _adjudication_url(disputed)
    assert "xxxxxxxxxx</textarea>" in comment.content.decode()


def test_an_unknown_action_on_the_adjudication_page_says_so(client, disputed, adjudicator):
    _login(client, "ada")
    response = client.post(_adjudication_url(disputed), {"action": "delete", "key": "level"},
                           follow=True)
    assert response.status_code == 200
    assert "Choose what to do: decide, reopen or comment." in response.content.decode()


def _members_url(review):
    return reverse("coding:members", args=[review.slug])


def test_a_refused_member_add_shows_the_members_page_with_the_message_and_the_input(
    client, review, lead, coder_a
):
    _login(client, "lena")
    html = client.get(_members_url(review)).content.decode()
    assert f'action="{_members_url(review)}" class="add-member-form"' in html
    response = client.post(_members_url(review), {"identifier": "nobody-here",
                                                  "roles": ["adjudicator"]})
    assert response.status_code == 400
    assert response.request["PATH_INFO"] == _members_url(review)
    html = response.content.decode()
    add_form = html.split('class="add-member-form"')[1].split("</form>")[0]
    assert "No account has the username &#x27;nobody-here&#x27;" in add_form
    assert 'value="nobody-here"' in add_form
    assert re.search(r'value="adjudicator"[^>]*checked', add_form)
    assert not re.search(r'value="coder"[^>]*checked', add_form)
    assert "alice" in html  # the member list is there as usual


def test_a_member_add_redirects_to_the_members_page_after_success(client, review, lead,
                                                                  outsider):
    _login(client, "lena")
    response = client.post(_members_url(review), {"identifier": "charlie", "roles": ["coder"]})
    assert response.status_code == 302 and response.url == _members_url(review)
    assert Membership.objects.filter(review=review, user=outsider, role="coder").exists()
    assert AuditEvent.objects.filter(action="membership.create", actor=lead).exists()


# Every POST-only page URL (coding/urls.py) and the page its form is on.
POST_ONLY = [
    ("coding_save", {"number": "7"}, "coding_form", {"number": "7"}, ""),
    ("coding_submit", {"number": "7"}, "coding_form", {"number": "7"}, ""),
    ("coding_reopen", {"pk": 3}, "coding_detail", {"pk": 3}, ""),
    ("review_publish", {}, "gallery", {}, ""),
    ("assign_auto", {}, "progress", {}, ""),
    ("assign_case", {}, "progress", {}, ""),
    ("disagreement_resolve", {"number": "7", "key": "level"}, "adjudication_case",
     {"number": "7"}, "#attr-level"),
    ("disagreement_reopen", {"number": "7", "key": "level"}, "adjudication_case",
     {"number": "7"}, "#attr-level"),
    ("member_add", {}, "members", {}, ""),
    ("member_roles", {}, "members", {}, ""),
    ("member_remove", {}, "members", {}, ""),
    ("invitation_revoke", {"pk": 2}, "members", {}, ""),
    ("document_delete", {"number": "7", "pk": 5}, "case_documents", {"number": "7"}, ""),
]


@pytest.mark.parametrize(("name", "kwargs", "page", "page_kwargs", "anchor"), POST_ONLY)
def test_opening_a_form_target_redirects_to_the_page_of_the_form(
    client, review, lead, name, kwargs, page, page_kwargs, anchor
):
    _login(client, "lena")
    url = reverse(f"coding:{name}", kwargs={"slug": review.slug, **kwargs})
    response = client.get(url)
    assert response.status_code == 302
    assert response.url == reverse(f"coding:{page}",
                                   kwargs={"slug": review.slug, **page_kwargs}) + anchor
    assert client.head(url).status_code == 302


@pytest.mark.parametrize("name", ["token_create", "token_revoke"])
def test_opening_a_token_form_target_redirects_to_the_tokens_page(client, coder_a, name):
    _login(client, "alice")
    response = client.get(reverse(f"coding:{name}"))
    assert response.status_code == 302 and response.url == reverse("coding:tokens")


def test_an_anonymous_visitor_opening_submit_signs_in_to_the_coding_page(client, case):
    response = client.get(reverse("coding:coding_submit", args=["demo", "7"]), follow=True)
    first, then = response.redirect_chain[0][0], response.redirect_chain[-1][0]
    assert first == _page_url(case)
    assert then == "/accounts/login/?next=" + _page_url(case)


def test_other_methods_on_a_form_target_are_not_allowed(client, review, lead):
    _login(client, "lena")
    response = client.put(reverse("coding:assign_auto", args=[review.slug]))
    assert response.status_code == 405 and response["Allow"] == "POST"


def test_the_old_submit_address_still_submits(client, case, coder_a):
    _login(client, "alice")
    response = client.post(reverse("coding:coding_submit", args=["demo", "7"]), _data())
    assert response.status_code == 302 and response.url == _page_url(case)
    assert Coding.objects.get(case=case, coder=coder_a).status == CodingStatus.SUBMITTED


@pytest.mark.browser
def test_a_refused_submit_in_the_browser_stays_on_the_coding_page_with_the_text(
    page, live_server, case, coder_a
):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/", timeout=30_000)
    page.goto(live_server.url + _page_url(case))
    page.locator("#id_topic").fill("Care homes, run by residents")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "please code the required attributes Level, Role of citizens", timeout=30_000
    )
    assert page.url == live_server.url + _page_url(case)
    expect(page.locator("#id_topic")).to_have_value("Care homes, run by residents")
    # A reload of the address shows the page with the saved draft, not an error.
    assert page.goto(live_server.url + _page_url(case)).status == 200
    expect(page.locator("#id_topic")).to_have_value("Care homes, run by residents")
