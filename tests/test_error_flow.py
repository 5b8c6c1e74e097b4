"""The error flow of page forms: a refused Save draft or Submit shows the coding page again at
its own address with the errors and what the coder typed; a success redirects there; opening
a form's target URL (reload, bookmark) leads to the page the form is on, not an empty 405."""

import re

import pytest
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse
from playwright.sync_api import expect

from coding.assignments.services import cases_assign
from coding.models import Coding, CodingStatus
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
