"""Discussion through the API: the same rules and messages as the pages."""

import pytest
from rest_framework.test import APIClient

from coding.adjudication.policies import NOT_DISCUSSANT_MESSAGE
from coding.models import ConsensusValue, Disagreement, ResolutionMode

BASE = "/api/reviews/demo/"


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_coder_lists_disagreements_to_discuss_with_both_values(coded, coder_a):
    body = _api(coder_a).get(BASE + "discussions/").json()
    rows = {r["attribute"]: r for r in body["results"]}
    assert set(rows) == {"level", "roles", "budget"}
    assert rows["level"]["a"]["value"] == "local" and rows["level"]["b"]["value"] == "state"
    assert rows["level"]["under_discussion"] is True
    assert rows["level"]["thread"]["comments"] == []


def test_comment_propose_accept_agree_through_the_api(level, coder_a, coder_b):
    url = f"{BASE}disagreements/{level.pk}/"
    response = _api(coder_a).post(url + "comments/", {"body": "Council, page 2."}, format="json")
    assert response.status_code == 201
    response = _api(coder_b).post(url + "propose/", {"value": "local"}, format="json")
    assert response.status_code == 200
    proposal = response.json()["thread"]["comments"][-1]
    assert proposal["is_proposal"] and proposal["proposal"] == "local"
    assert response.json()["thread"]["accepted"] == {"bob": proposal["id"]}

    response = _api(coder_a).post(url + "accept/", {"proposal": proposal["id"]}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "resolved"
    assert response.json()["consensus"]["method"] == "discussion"
    assert ConsensusValue.objects.get(case=level.case, attribute__key="level").method == (
        "discussion"
    )


def test_escalation_through_the_api_lets_the_adjudicator_decide(level, coder_a, adjudicator):
    url = f"{BASE}disagreements/{level.pk}/"
    listed = _api(adjudicator).get(BASE + "disagreements/?status=open").json()["results"]
    assert [r["attribute"] for r in listed] == []
    discussing = _api(adjudicator).get(BASE + "disagreements/?status=discussing").json()
    assert {r["attribute"] for r in discussing["results"]} == {"level", "roles", "budget"}
    early = _api(adjudicator).post(url + "resolve/", {"choice": "a", "rationale": "x",
                                                      "version": 0}, format="json")
    assert early.status_code == 400

    response = _api(coder_a).post(url + "escalate/", {"body": "Stuck."}, format="json")
    assert response.status_code == 200 and response.json()["thread"]["escalated_by"] == "Alice"
    listed = _api(adjudicator).get(BASE + "disagreements/?status=open").json()["results"]
    assert [(r["attribute"], r["may_decide"]) for r in listed] == [("level", True)]
    thread = _api(adjudicator).get(url + "comments/").json()["thread"]
    assert [c["body"] for c in thread["comments"]] == ["Stuck."]
    response = _api(adjudicator).post(url + "resolve/", {"choice": "a", "rationale": "Page 2.",
                                                         "version": 0}, format="json")
    assert response.status_code == 200


def test_adjudicator_may_comment_but_not_propose(level, adjudicator):
    url = f"{BASE}disagreements/{level.pk}/"
    assert _api(adjudicator).post(url + "comments/", {"body": "Hm."},
                                  format="json").status_code == 201
    response = _api(adjudicator).post(url + "propose/", {"value": "local"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == NOT_DISCUSSANT_MESSAGE


@pytest.mark.parametrize("actor", ["outsider"])
def test_outsiders_get_404(level, actor, request):
    response = _api(request.getfixturevalue(actor)).get(
        f"{BASE}disagreements/{level.pk}/comments/")
    assert response.status_code == 404


def test_coders_have_no_threads_in_adjudicator_mode(level, coder_a, review):
    review.resolution_mode = ResolutionMode.ADJUDICATOR
    review.save()
    api = _api(coder_a)
    assert api.get(BASE + "discussions/").json()["results"] == []
    assert api.get(f"{BASE}disagreements/{level.pk}/comments/").status_code == 404


def test_a_bad_proposal_gets_the_services_message(level, coder_a):
    response = _api(coder_a).post(f"{BASE}disagreements/{level.pk}/propose/",
                                  {"value": "galactic"}, format="json")
    assert response.status_code == 400
    assert "galactic" in response.json()["detail"]
    assert not Disagreement.objects.get(pk=level.pk).comments.exists()


def test_review_api_shows_the_resolution_mode(discussion_review, coder_a):
    assert _api(coder_a).get(BASE).json()["resolution_mode"] == "discussion"
