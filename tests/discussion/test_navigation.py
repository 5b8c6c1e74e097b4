"""The review's "Discussion" link: coders of a review in discussion mode find their
disagreements to discuss from every page, with how many wait for them (never before both
coders submitted); adjudicators and leads find the disagreements under discussion."""

import re

from coding.adjudication.selectors import discussion_nav
from coding.adjudication.services import disagreement_escalate, disagreements_detect
from coding.codings.services import coding_reopen
from coding.models import Coding, Disagreement, Role
from coding.reviews.policies import review_roles
from tests import factories
from tests.discussion.conftest import VALUES_B

LINK = re.compile(r'<a href="([^"]*)"[^>]*>Discussion(?: <span class="nav-badge"'
                  r' aria-hidden="true">(\d+)</span>)?</a>')


def _link(client, url="/reviews/demo/"):
    """The navigation's Discussion link on `url`: (href, count shown or None), or None."""
    match = LINK.search(client.get(url).text)
    return match and (match[1], match[2] and int(match[2]))


def test_coder_sees_discussion_link_with_disagreements_waiting(coded, client, coder_a):
    client.force_login(coder_a)
    assert _link(client) == ("/reviews/demo/discussion/", 3)
    page = client.get("/reviews/demo/discussion/").text
    assert re.search(r'href="/reviews/demo/discussion/" aria-current="page" '
                     r'aria-label="Discussion, 3 waiting for you"', page)


def test_escalated_and_settled_disagreements_no_longer_wait(coded, client, coder_a, coder_b):
    level = Disagreement.objects.get(case=coded, attribute__key="level")
    disagreement_escalate(disagreement=level, user=coder_b, body="We cannot agree.")
    client.force_login(coder_a)
    assert _link(client, "/reviews/demo/my-cases/") == ("/reviews/demo/discussion/", 2)


def test_the_count_waits_for_both_coders(case, client, coder_a, coder_b, lead):
    """Before Bob submits, and again while a lead has reopened his coding, Alice's link looks
    the same as when nothing differs: it must not tell her how Bob coded."""
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    client.force_login(coder_a)
    nothing = _link(client)
    assert nothing == ("/reviews/demo/discussion/", None)
    factories.coding_with_values(case=case, coder=coder_b, values=VALUES_B)
    disagreements_detect(case=case)
    assert _link(client) != nothing
    coding_reopen(coding=Coding.objects.get(case=case, coder=coder_b), user=lead)
    assert _link(client) == nothing


def test_adjudicators_and_leads_find_the_disagreements_under_discussion(coded, client,
                                                                       adjudicator, lead):
    for user in (adjudicator, lead):
        client.force_login(user)
        assert _link(client) == ("/reviews/demo/adjudication/?status=discussing", None)
    assert "Under discussion by the coders" in client.get(
        "/reviews/demo/adjudication/?status=discussing").text


def test_a_review_in_adjudicator_mode_has_no_discussion_link(review, client, coder_a,
                                                             adjudicator, lead):
    for user in (coder_a, adjudicator, lead):
        client.force_login(user)
        assert _link(client) is None


def test_outsiders_and_visitors_see_no_discussion_link(coded, client, outsider):
    assert _link(client) is None
    client.force_login(outsider)
    assert _link(client) is None


def test_the_link_costs_one_query(coded, coder_a, django_assert_max_num_queries):
    review = coded.review
    review_roles(coder_a, review)  # the navigation has read the roles already
    with django_assert_max_num_queries(1):
        assert discussion_nav(review=review, user=coder_a)["waiting"] == 3


def test_a_lead_who_codes_is_sent_to_their_own_discussion(coded, client):
    leo = factories.UserFactory(username="leo")
    for role in (Role.LEAD, Role.CODER):
        factories.MembershipFactory(review=coded.review, user=leo, role=role)
    client.force_login(leo)
    assert _link(client) == ("/reviews/demo/discussion/", None)
