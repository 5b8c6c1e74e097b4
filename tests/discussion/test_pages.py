"""Discussion pages: the coder's list, the case page's forms (no JavaScript needed), the
adjudication page's thread, the lead's setting."""

import pytest

from coding.models import (
    AuditEvent,
    ConsensusMethod,
    ConsensusValue,
    Disagreement,
    DisagreementComment,
    ResolutionMode,
    Review,
)

PAGE = "/reviews/demo/discussion/7/"


def _post(client, action, key="level", **data):
    return client.post(PAGE, {"action": action, "key": key, **data})


def test_coder_lists_cases_to_discuss_and_my_cases_links_there(coded, client, coder_a):
    client.force_login(coder_a)
    page = client.get("/reviews/demo/discussion/")
    assert page.status_code == 200
    assert 'href="/reviews/demo/discussion/7/"' in page.text
    assert "<strong>3</strong> disagreements to discuss" in page.text
    assert 'href="/reviews/demo/discussion/"' in client.get("/reviews/demo/my-cases/").text


def test_the_case_page_shows_both_codings_of_the_disagreements_only(coded, client, coder_a):
    client.force_login(coder_a)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "the state ministry" in page.text, "Bob's evidence, now both have submitted"
    assert 'id="attr-level"' in page.text and 'id="attr-budget"' in page.text
    assert 'id="attr-agreement"' not in page.text, "agreed attributes are not discussed"


def test_comment_propose_accept_without_javascript(coded, client, coder_a, coder_b):
    client.force_login(coder_a)
    response = _post(client, "comment", **{"comment-level-body": "Page 2 says council."})
    assert response.status_code == 302 and response["Location"] == PAGE + "#attr-level"
    response = _post(client, "propose", **{"propose-level-value": "local",
                                           "propose-level-body": "My reading."})
    assert response.status_code == 302
    proposal = DisagreementComment.objects.get(proposal__isnull=False)

    client.force_login(coder_b)
    page = client.get(PAGE).text
    assert "Page 2 says council." in page and "Accept Local" in page
    assert f'name="accept-level-proposal" value="{proposal.pk}"' in page
    response = _post(client, "accept", **{"accept-level-proposal": proposal.pk})
    assert response.status_code == 302
    consensus = ConsensusValue.objects.get(case=coded, attribute__key="level")
    assert consensus.method == ConsensusMethod.DISCUSSION
    page = client.get(PAGE).text
    assert "Agreed after discussion" in page
    assert "You both accept this value for Level" in page


def test_a_refused_proposal_shows_the_page_again_with_the_message(coded, client, coder_a):
    client.force_login(coder_a)
    response = _post(client, "propose", **{"propose-level-value": "",
                                           "propose-level-body": "kept text"})
    assert response.status_code == 400
    assert "Level: choose one option." in response.text
    assert "kept text" in response.text
    assert not DisagreementComment.objects.exists()


def test_escalation_reaches_the_adjudicators_queue_with_the_thread(
    coded, client, coder_b, adjudicator
):
    client.force_login(adjudicator)
    assert "No open disagreements" in client.get("/reviews/demo/adjudication/").text
    client.force_login(coder_b)
    _post(client, "comment", **{"comment-level-body": "We cannot agree on the level."})
    assert _post(client, "escalate", **{"escalate-level-body": ""}).status_code == 302

    client.force_login(adjudicator)
    queue = client.get("/reviews/demo/adjudication/").text
    assert 'href="/reviews/demo/adjudication/7/"' in queue
    case = client.get("/reviews/demo/adjudication/7/").text
    assert "We cannot agree on the level." in case
    assert "Escalated by Bob" in case
    # Budget is still under discussion: no decision form for it, level has one.
    assert 'name="level-choice"' in case
    assert 'name="budget-choice"' not in case


def test_adjudicator_and_lead_comment_on_the_adjudication_page(coded, client, lead, review):
    review.resolution_mode = ResolutionMode.ADJUDICATOR
    review.save()
    client.force_login(lead)
    url = "/reviews/demo/adjudication/7/level/comment/"
    response = client.post(url, {"comment-level-body": "Ada, see page 2."})
    assert response.status_code == 302
    assert "Ada, see page 2." in client.get("/reviews/demo/adjudication/7/").text
    assert client.get(url)["Location"] == "/reviews/demo/adjudication/7/#attr-level"
    assert client.post(url, {"comment-level-body": ""}).status_code == 400


@pytest.mark.parametrize("actor", ["adjudicator", "lead", "outsider"])
def test_others_get_404_on_the_discussion_page(coded, client, actor, request):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(PAGE).status_code == 404
    assert _post(client, "comment", **{"comment-level-body": "x"}).status_code == 404


def test_coders_get_404_in_adjudicator_mode(coded, client, coder_a, review):
    review.resolution_mode = ResolutionMode.ADJUDICATOR
    review.save()
    client.force_login(coder_a)
    assert client.get(PAGE).status_code == 404
    assert "an adjudicator settles" in client.get("/reviews/demo/discussion/").text


def test_nothing_to_discuss_before_both_submitted(case, client, coder_a, coder_b):
    from tests import factories
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    client.force_login(coder_a)
    assert client.get(PAGE).status_code == 404
    assert "<strong>0</strong> disagreements" in client.get("/reviews/demo/discussion/").text


def test_lead_sets_the_resolution_mode_on_the_progress_page(review, client, lead, coder_a):
    client.force_login(lead)
    url = "/reviews/demo/progress/resolution-mode/"
    assert client.post(url, {"resolution_mode": "discussion"}).status_code == 302
    assert Review.objects.get(pk=review.pk).resolution_mode == ResolutionMode.DISCUSSION
    assert AuditEvent.objects.filter(action="review.resolution_mode").count() == 1
    assert 'value="discussion" id="mode-discussion" checked' in client.get(
        "/reviews/demo/progress/").text
    client.post(url, {"resolution_mode": "nonsense"})
    assert Review.objects.get(pk=review.pk).resolution_mode == ResolutionMode.DISCUSSION
    client.force_login(coder_a)
    assert client.post(url, {"resolution_mode": "adjudicator"}).status_code == 404


def test_discussion_page_queries_are_bounded(coded, client, coder_a, coder_b,
                                             django_assert_max_num_queries):
    for key in ("level", "budget"):
        d = Disagreement.objects.get(case=coded, attribute__key=key)
        for n in range(3):
            DisagreementComment.objects.create(disagreement=d, author=coder_b, body=f"c{n}")
    client.force_login(coder_a)
    with django_assert_max_num_queries(40):
        assert client.get(PAGE).status_code == 200


def test_admin_changes_the_resolution_mode_through_its_service(review, client, admin_user):
    from django.urls import reverse
    client.force_login(admin_user)
    data = {"title": review.title, "slug": review.slug, "description": "",
            "resolution_mode": "discussion", "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000"}
    response = client.post(reverse("admin:coding_review_change", args=[review.pk]), data)
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).resolution_mode == ResolutionMode.DISCUSSION
    event = AuditEvent.objects.get(action="review.resolution_mode")
    assert event.data == {"before": "adjudicator", "after": "discussion"}
