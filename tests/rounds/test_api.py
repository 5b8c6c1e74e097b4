"""The rounds' API: create, code a round case, submit, results once complete, promote."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding import models
from tests.rounds.conftest import AGREE, code


@pytest.fixture
def api():
    def make(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
        return client
    return make


def test_lead_creates_round_with_every_coder_by_default(api, review, cases, lead, coder_a,
                                                        coder_b):
    response = api(lead).post("/api/reviews/demo/rounds/",
                              {"title": "Pilot", "cases": ["1", "2"]}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["coders"] == ["alice", "bob"]
    assert response.json()["codebook_version"] == 1
    assert api(lead).get("/api/reviews/demo/rounds/").json()[0]["number"] == 1


def test_coder_cannot_create_and_unknown_case_is_named(api, review, cases, lead, coder_a):
    response = api(coder_a).post("/api/reviews/demo/rounds/", {"title": "P", "cases": ["1"]},
                                 format="json")
    assert response.status_code == 403
    response = api(lead).post("/api/reviews/demo/rounds/", {"title": "P", "cases": ["1", "77"]},
                              format="json")
    assert response.status_code == 400 and "77" in response.json()["detail"]
    assert not models.Round.objects.exists()


def test_coder_codes_and_submits_a_round_case(api, pilot, cases, coder_a):
    client = api(coder_a)
    base = "/api/reviews/demo/rounds/1/codings/1/"
    assert client.get(base).json()["status"] == "not_started"
    saved = client.put(base, {"version": 0, "values": [
        {"attribute": "level", "value": "local", "evidence": "the council"}]}, format="json")
    assert saved.status_code == 200 and saved.json()["version"] == 1
    refused = client.post(base + "submit/", {"version": 1}, format="json")
    assert refused.status_code == 400 and refused.json()["missing"] == ["roles"]
    client.put(base, {"version": 1, "values": [{"attribute": "roles", "value": ["deliverer"]}]},
               format="json")
    stale = client.put(base, {"version": 1, "values": []}, format="json")
    assert stale.status_code == 409
    submitted = client.post(base + "submit/", {"version": 2}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    detail = client.get("/api/reviews/demo/rounds/1/").json()
    assert {"case": "1", "status": "submitted"} in detail["own_cases"]
    assert detail["progress"] is None and detail["results"] is None


def test_round_case_api_is_404_for_others(api, pilot, cases, lead, coder_a, outsider):
    assert api(lead).get("/api/reviews/demo/rounds/1/codings/1/").status_code == 404
    assert api(coder_a).get("/api/reviews/demo/rounds/1/codings/3/").status_code == 404
    assert api(outsider).get("/api/reviews/demo/rounds/1/").status_code == 404


def test_complete_round_has_results_and_promotes(api, pilot, cases, lead, coder_a, coder_b,
                                                 coder_c):
    for case in cases[:2]:
        for coder in (coder_a, coder_b, coder_c):
            code(pilot, case, coder, AGREE | ({"agreement": False} if coder == coder_c else {}))
    detail = api(lead).get("/api/reviews/demo/rounds/1/").json()
    assert detail["status"] == "complete"
    results = detail["results"]
    assert results["attributes"][0]["key"] == "agreement"
    assert results["attributes"][0]["rows"][0]["fleiss_kappa"] is not None or \
        results["attributes"][0]["rows"][0]["percent_agreement"] < 1
    agreement = next(d for d in results["differences"] if d["key"] == "agreement")
    assert [c["case"] for c in agreement["cases"]] == ["1", "2"]
    assert [s["value"] for s in agreement["cases"][0]["codings"]] == ["Yes", "Yes", "No"]
    assert api(coder_a).post("/api/reviews/demo/rounds/1/promote/", {}).status_code == 403
    promoted = api(lead).post("/api/reviews/demo/rounds/1/promote/",
                              {"coders": ["alice", "carol"]}, format="json")
    assert promoted.json() == {"promoted": ["1", "2"], "skipped": []}
    assert models.Disagreement.objects.filter(attribute__key="agreement").count() == 2
