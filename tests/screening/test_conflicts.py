"""Screening conflicts are settled as the review's resolution mode says: by an adjudicator
who did not screen the record, or first by the two screeners in discussion."""

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from coding.models import Role, ScreeningConflict, ScreeningOutcome
from coding.reviews.services import review_set_resolution_mode
from coding.screening.services import (
    screening_conflict_decide,
    screening_conflict_escalate,
    screening_conflict_propose,
)
from tests import factories
from tests.screening.conftest import decide


@pytest.fixture
def conflict(assigned, coder_a, coder_b):
    decide(assigned[0], coder_a, "include")
    decide(assigned[0], coder_b, "exclude")
    return ScreeningConflict.objects.get(record=assigned[0])


def test_an_adjudicator_settles_a_conflict_with_a_rationale(conflict, adjudicator, client):
    client.force_login(adjudicator)
    listing = client.get("/reviews/demo/screening/conflicts/")
    assert conflict.record.title in listing.content.decode()
    response = client.post(f"/reviews/demo/screening/conflicts/{conflict.pk}/", {
        "action": "decide", "decision": "include", "rationale": "Citizens co-deliver."})
    assert response.status_code == 302
    outcome = ScreeningOutcome.objects.get(record=conflict.record)
    assert (outcome.decision, outcome.method, outcome.decided_by) == (
        "include", "adjudicated", adjudicator)
    assert outcome.rationale == "Citizens co-deliver."
    conflict.refresh_from_db()
    assert conflict.status == "resolved"


def test_a_screener_who_adjudicates_cannot_settle_their_own_record(conflict, coder_a, review):
    factories.MembershipFactory(review=review, user=coder_a, role=Role.ADJUDICATOR)
    alice = type(coder_a).objects.get(pk=coder_a.pk)  # her roles afresh
    with pytest.raises(ValidationError) as refused:
        screening_conflict_decide(conflict=conflict, user=alice, decision="include")
    assert refused.value.code == "own_case"
    assert not ScreeningOutcome.objects.exists()


def test_coders_cannot_see_conflicts_in_adjudication_mode(conflict, coder_a, client):
    client.force_login(coder_a)
    assert client.get("/reviews/demo/screening/conflicts/").status_code == 404
    api = APIClient()
    api.force_authenticate(coder_a)
    assert api.get("/api/reviews/demo/screening/conflicts/").status_code == 403


def test_in_discussion_mode_equal_proposals_settle_the_conflict(conflict, coder_a, coder_b,
                                                                adjudicator, review, lead):
    review_set_resolution_mode(review=review, mode="discussion", actor=lead)
    with pytest.raises(ValidationError) as waiting:
        screening_conflict_decide(conflict=conflict, user=adjudicator, decision="include")
    assert waiting.value.code == "discussion"
    api = APIClient()
    api.force_authenticate(coder_a)
    listed = api.get("/api/reviews/demo/screening/conflicts/").json()
    assert [c["id"] for c in listed["results"]] == [conflict.pk]
    first = api.post(f"/api/reviews/demo/screening/conflicts/{conflict.pk}/propose/",
                     {"decision": "exclude", "rationale": "No citizens after all."},
                     format="json")
    assert first.status_code == 200 and first.json()["settled"] is False
    assert screening_conflict_propose(conflict=conflict, user=coder_b, decision="exclude",
                                      rationale="Agreed.") is not None
    outcome = ScreeningOutcome.objects.get(record=conflict.record)
    assert (outcome.decision, outcome.method) == ("exclude", "discussed")
    assert "No citizens after all." in outcome.rationale


def test_in_discussion_mode_an_escalated_conflict_goes_to_the_adjudicator(
        conflict, coder_a, adjudicator, review, lead):
    review_set_resolution_mode(review=review, mode="discussion", actor=lead)
    screening_conflict_escalate(conflict=conflict, user=coder_a)
    assert adjudicator.notifications.filter(kind="adjudication_needed").count() >= 1
    with pytest.raises(ValidationError):
        screening_conflict_propose(conflict=conflict, user=coder_a, decision="include")
    api = APIClient()
    api.force_authenticate(adjudicator)
    response = api.post(f"/api/reviews/demo/screening/conflicts/{conflict.pk}/resolve/",
                        {"decision": "include", "rationale": "Eligible."}, format="json")
    assert response.status_code == 200, response.content
    assert ScreeningOutcome.objects.get(record=conflict.record).method == "adjudicated"


def test_rationale_is_never_shown_to_readers(conflict, adjudicator, review, client):
    screening_conflict_decide(conflict=conflict, user=adjudicator, decision="include",
                              rationale="secret-rationale")
    review.is_published = True
    review.save()
    for url in ("/reviews/demo/", "/api/reviews/demo/screening/decisions/",
                f"/reviews/demo/screening/conflicts/{conflict.pk}/"):
        assert b"secret-rationale" not in client.get(url).content
