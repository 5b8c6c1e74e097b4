"""The API's workflow endpoints call the same services as the pages: version checks,
required attributes, adjudication, reliability and the dashboard give the same results."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import (
    Assignment,
    AuditEvent,
    Coding,
    ConsensusRevision,
    ConsensusValue,
    Review,
)
from coding.reviews.services import review_data_changed
from tests import factories
from tests.test_api import ALICE_CODING, BOB_CODING, _code_and_submit


def _client(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def case(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    Assignment.objects.create(case=case, coder=coder_a)
    Assignment.objects.create(case=case, coder=coder_b)
    return case


URL = "/api/reviews/demo/codings/1/"


def test_save_draft_returns_the_coding_with_its_new_version(case, coder_a):
    alice = _client(coder_a)
    assert alice.get(URL).json() == {
        "case": "1", "status": "not_started", "version": 0, "codebook_version": 1,
        "updated_at": None, "submitted_at": None, "values": [],
    }
    response = alice.put(URL, {"version": 0, "values": ALICE_CODING}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "draft" and body["version"] == 1
    values = {v["attribute"]: v for v in body["values"]}
    assert values["level"] == {"attribute": "level", "value": "local",
                               "evidence": "quote-from-alice", "note": "note-by-alice",
                               "evidence_anchors": []}
    assert values["roles"]["value"] == ["deliverer"]
    assert values["budget"]["value"] == 1200
    assert values["agreement"]["value"] is True
    assert alice.get(URL).json() == body
    assert AuditEvent.objects.filter(action="coding.save_draft", actor=coder_a).count() == 1


def test_two_saves_of_the_same_version_conflict_and_the_first_is_kept(case, coder_a):
    alice = _client(coder_a)
    first = alice.put(URL, {"version": 0, "values": [{"attribute": "topic", "value": "First"}]},
                      format="json")
    assert first.status_code == 200
    second = alice.put(URL, {"version": 0, "values": [{"attribute": "topic", "value": "Second"}]},
                       format="json")
    assert second.status_code == 409
    assert "saved elsewhere" in second.json()["detail"]
    stored = Coding.objects.get(coder=coder_a).values.get(attribute__key="topic")
    assert stored.text == "First"


def test_bad_values_are_refused_with_the_attribute_named_and_nothing_saved(case, coder_a):
    alice = _client(coder_a)
    response = alice.put(URL, {"version": 0, "values": [
        {"attribute": "topic", "value": "Kept?"}, {"attribute": "level", "value": "planet"},
    ]}, format="json")
    assert response.status_code == 400
    assert "Level: 'planet' is not one of its options." in response.json()["detail"]
    assert not Coding.objects.filter(coder=coder_a, values__isnull=False).exists()

    response = alice.put(URL, {"version": 0, "values": [{"attribute": "nope", "value": 1}]},
                         format="json")
    assert response.status_code == 400
    assert "nope" in response.json()["detail"]

    response = alice.put(URL, {"values": "not a list"}, format="json")
    assert response.status_code == 400
    assert "values" in response.json()["fields"]

    twice = [{"attribute": "topic", "value": "a"}, {"attribute": "topic", "value": "b"}]
    response = alice.put(URL, {"version": 0, "values": twice}, format="json")
    assert response.status_code == 400
    assert "given twice" in response.json()["detail"]


def test_submit_names_missing_required_attributes_then_makes_the_coding_read_only(
    case, coder_a
):
    alice = _client(coder_a)
    saved = alice.put(URL, {"version": 0, "values": [{"attribute": "level", "value": "local"}]},
                      format="json").json()
    refused = alice.post(URL + "submit/", {"version": saved["version"]}, format="json")
    assert refused.status_code == 400
    assert refused.json()["missing"] == ["roles"]
    assert "Role of citizens" in refused.json()["detail"]
    assert Coding.objects.get(coder=coder_a).status == "draft"

    saved = alice.put(URL, {"version": saved["version"],
                            "values": [{"attribute": "roles", "value": ["assessor"]}]},
                      format="json").json()
    done = alice.post(URL + "submit/", {"version": saved["version"]}, format="json")
    assert done.status_code == 200
    assert done.json()["status"] == "submitted"
    again = alice.put(URL, {"version": done.json()["version"],
                            "values": [{"attribute": "topic", "value": "late"}]}, format="json")
    assert again.status_code == 409
    assert "read-only" in again.json()["detail"]


def test_submit_without_a_draft_says_what_to_do(case, coder_a):
    response = _client(coder_a).post(URL + "submit/", {"version": 0}, format="json")
    assert response.status_code == 400
    assert "save a draft" in response.json()["detail"]


def test_coding_list_shows_own_states_and_filters(case, review, coder_a):
    factories.AssignmentFactory(case__review=review, case__number="2", coder=coder_a)
    alice = _client(coder_a)
    alice.put(URL, {"version": 0, "values": [{"attribute": "topic", "value": "x"}]},
              format="json")
    rows = alice.get("/api/reviews/demo/codings/").json()["results"]
    assert [(r["case"], r["status"], r["version"]) for r in rows] == [
        ("1", "draft", 1), ("2", "not_started", 0),
    ]
    drafts = alice.get("/api/reviews/demo/codings/?state=draft").json()
    assert [r["case"] for r in drafts["results"]] == ["1"]
    assert alice.get("/api/reviews/demo/codings/?state=bogus").status_code == 400


def _disagreements(client, **params):
    return client.get("/api/reviews/demo/disagreements/", params).json()["results"]


def test_adjudicator_resolves_disagreements_through_the_service(
    case, coder_a, coder_b, adjudicator
):
    _code_and_submit(_client(coder_a), "1", ALICE_CODING)
    _code_and_submit(_client(coder_b), "1", BOB_CODING)
    ada = _client(adjudicator)
    rows = {row["attribute"]: row for row in _disagreements(ada, status="open")}
    roles = rows["roles"]
    url = f"/api/reviews/demo/disagreements/{roles['id']}/resolve/"

    no_reason = ada.post(url, {"choice": "a", "rationale": " ", "version": 0}, format="json")
    assert no_reason.status_code == 400
    resolved = ada.post(url, {"choice": "b", "rationale": "B quotes the text.", "version": 0},
                        format="json")
    assert resolved.status_code == 200, resolved.json()
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["consensus"] == {"value": ["assessor", "deliverer"], "method": "adjudicated",
                                 "rationale": "B quotes the text.", "version": 1}
    stale = ada.post(url, {"choice": "a", "rationale": "Changed my mind.", "version": 0},
                     format="json")
    assert stale.status_code == 409
    other = ada.post(url, {"choice": "other", "value": ["commissioner"],
                           "rationale": "Neither fits.", "version": 1}, format="json")
    assert other.status_code == 200
    assert other.json()["consensus"]["value"] == ["commissioner"]
    consensus = ConsensusValue.objects.get(case=case, attribute__key="roles")
    assert ConsensusRevision.objects.filter(consensus=consensus).count() == 2
    # The raw codings are untouched.
    alice_roles = Coding.objects.get(coder=coder_a).values.get(attribute__key="roles")
    assert [o.key for o in alice_roles.options.all()] == ["deliverer"]

    assert [r["attribute"] for r in _disagreements(ada, status="open")] == ["budget"]
    assert [r["attribute"] for r in _disagreements(ada, attribute="roles")] == ["roles"]
    assert _disagreements(ada, case="2") == []
    assert ada.get("/api/reviews/demo/disagreements/?status=nope").status_code == 400

    reopened = ada.post(f"/api/reviews/demo/disagreements/{roles['id']}/reopen/",
                        {"reason": "New evidence", "version": 2}, format="json")
    assert reopened.status_code == 200
    assert reopened.json()["status"] == "open"


def test_leads_read_but_only_adjudicators_resolve(case, coder_a, coder_b, lead):
    _code_and_submit(_client(coder_a), "1", ALICE_CODING)
    _code_and_submit(_client(coder_b), "1", BOB_CODING)
    lena = _client(lead)
    row = _disagreements(lena)[0]
    assert lena.get(f"/api/reviews/demo/disagreements/{row['id']}/").status_code == 200
    response = lena.post(f"/api/reviews/demo/disagreements/{row['id']}/resolve/",
                         {"choice": "a", "rationale": "x", "version": 0}, format="json")
    assert response.status_code == 403


def test_reliability_matches_the_reliability_command(review, coder_a, coder_b, lead):
    levels = [("local", "local"), ("state", "local"), ("national", "national"),
              ("local", "local"), ("state", "state")]
    for number, (a, b) in enumerate(levels, start=1):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a,
                                     values={"level": a, "roles": ["deliverer"]})
        factories.coding_with_values(case=case, coder=coder_b,
                                     values={"level": b, "roles": ["deliverer", "assessor"]})
    out = StringIO()
    call_command("reliability", review="demo", format="json", stdout=out)
    expected = json.loads(out.getvalue())
    factories.reliability_computed(review)
    body = _client(lead).get("/api/reviews/demo/reliability/").json()
    assert body["rows"] == expected
    assert body["coders"] == ["alice", "bob"]
    level = next(row for row in body["rows"] if row["attribute"] == "level")
    assert level["units"] == 5 and level["percent_agreement"] == pytest.approx(0.8)


def test_dashboard_and_case_list_give_the_pages_numbers(coproduction):
    client = APIClient()
    assert client.get("/api/reviews/coproduction/cases/?country=UK").json()["count"] == 31
    assert client.get("/api/reviews/coproduction/cases/?country=Sweden").json()["count"] == 5
    health = client.get("/api/reviews/coproduction/cases/?service_area=health-care").json()
    assert health["count"] == 15
    board = client.get("/api/reviews/coproduction/dashboard/").json()
    assert board["cases"] == 56
    charts = {chart["id"]: chart for chart in board["charts"]}
    countries = {row[0]: row[2] for row in charts["country"]["rows"]}
    assert countries["UK"] == 31 and countries["Sweden"] == 5
    services = dict(charts["service_area"]["rows"])
    assert services["Health care"] == 15
    filtered = client.get("/api/reviews/coproduction/dashboard/?country=UK").json()
    assert filtered["cases"] == 31
    assert filtered["filters"] == {"country": ["UK"]}
    assert sum(row[1] for row in
               {c["id"]: c for c in filtered["charts"]}["region"]["rows"]) == 31


def test_case_list_search_sort_pagination_and_bad_filters(coproduction):
    client = APIClient()
    page = client.get("/api/reviews/coproduction/cases/?page_size=10&sort=-number").json()
    assert page["count"] == 56 and len(page["results"]) == 10
    assert page["results"][0]["number"] == "56"
    assert page["next"].endswith("page=2&page_size=10&sort=-number")
    found = client.get("/api/reviews/coproduction/cases/?q=Sweden").json()
    assert found["count"] >= 5
    bad = client.get("/api/reviews/coproduction/cases/?country=Atlantis")
    assert bad.status_code == 400
    assert "country" in bad.json()["fields"]
    assert client.get("/api/reviews/coproduction/cases/?page=999").status_code == 404


def test_case_list_query_count_does_not_grow_with_cases(
    review, coder_a, django_assert_max_num_queries
):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    client = APIClient()
    counts = []
    for total in (5, 50):
        while review.cases.count() < total:
            factories.CaseFactory(review=review)
        review_data_changed(review=review.pk)  # as an import does: readers see new cases
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/reviews/demo/cases/?page_size=100")
        assert response.json()["count"] == total
        counts.append(len(queries))
    assert counts[0] == counts[1]
    with django_assert_max_num_queries(counts[0]):
        client.get("/api/reviews/demo/consensus/")


def test_assignments_by_lead_call_cases_assign(review, coder_a, coder_b, lead):
    for number in ("1", "2", "3"):
        factories.CaseFactory(review=review, number=number)
    lena = _client(lead)
    created = lena.post("/api/reviews/demo/assignments/",
                        {"coders": ["alice", "bob"], "cases": ["1", "2"]}, format="json")
    assert created.status_code == 201
    assert sorted((a["case"], a["coder"]) for a in created.json()) == [
        ("1", "alice"), ("1", "bob"), ("2", "alice"), ("2", "bob"),
    ]
    again = lena.post("/api/reviews/demo/assignments/", {"coders": ["alice", "bob"],
                                                         "cases": ["1"]}, format="json")
    assert again.status_code == 201 and again.json() == []
    unknown = lena.post("/api/reviews/demo/assignments/", {"coders": ["alice", "zed"]},
                        format="json")
    assert unknown.status_code == 400 and "zed" in unknown.json()["detail"]
    not_coder = lena.post("/api/reviews/demo/assignments/", {"coders": ["alice", "lena"]},
                          format="json")
    assert not_coder.status_code == 400
    assert "not a coder" in not_coder.json()["detail"]
    listed = lena.get("/api/reviews/demo/assignments/").json()
    assert listed["count"] == 4


def test_anonymous_clients_are_throttled(coproduction, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "3/min"})
    client = APIClient()
    codes = [client.get("/api/reviews/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get("/api/reviews/")
    assert "throttled" in refused.json()["detail"].lower()
    assert int(refused.headers["Retry-After"]) > 0
