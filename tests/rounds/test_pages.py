"""The rounds' pages: list and create, the round coding page, the round page's results."""

import re

from coding import models
from tests.rounds.conftest import AGREE, code


def test_lead_creates_round_from_numbers_and_ranges(client, review, cases, lead, coder_a,
                                                    coder_b):
    client.force_login(lead)
    page = client.get("/reviews/demo/rounds/")
    # Every coder is ticked by default; the lead (no coder role) is not.
    assert page.status_code == 200
    assert re.search(r'value="alice"[^>]*checked', page.text)
    assert re.search(r'value="bob"[^>]*checked', page.text)
    assert not re.search(r'value="lena"[^>]*checked', page.text)
    response = client.post("/reviews/demo/rounds/", {
        "title": "Pilot 1", "cases": "1-2", "coders": ["alice", "bob"]})
    assert response.status_code == 302 and response["Location"] == "/reviews/demo/rounds/1/"
    round_ = models.Round.objects.get()
    assert sorted(round_.cases.values_list("number", flat=True)) == ["1", "2"]
    assert "Pilot 1" in client.get("/reviews/demo/rounds/").text


def test_create_form_names_unknown_cases(client, review, cases, lead, coder_a, coder_b):
    client.force_login(lead)
    response = client.post("/reviews/demo/rounds/", {
        "title": "Pilot", "cases": "1, 99", "coders": ["alice", "bob"]})
    assert response.status_code == 400
    assert "No such case in this review: 99." in response.text
    assert not models.Round.objects.exists()


def test_rounds_list_is_for_leads(client, review, coder_a, outsider):
    for user in (coder_a, outsider):
        client.force_login(user)
        assert client.get("/reviews/demo/rounds/").status_code == 404


def test_coder_sees_round_on_my_cases_and_codes_a_case(client, pilot, cases, coder_a):
    client.force_login(coder_a)
    queue = client.get("/reviews/demo/my-cases/").text
    assert "Calibration round 1: 0 of 2 cases coded" in queue
    page = client.get("/reviews/demo/rounds/1/cases/1/code/")
    assert page.status_code == 200 and "calibration round 1" in page.text
    assert 'data-save-url="/reviews/demo/rounds/1/cases/1/code/save/"' in page.text
    response = client.post("/reviews/demo/rounds/1/cases/1/code/", {
        "version": 0, "level": "local", "roles": ["deliverer"], "action": "submit"})
    assert response.status_code == 302
    coding = models.RoundCoding.objects.get()
    assert coding.status == "submitted" and coding.values.count() >= 2
    assert not models.Coding.objects.exists()
    assert "Calibration round 1: 1 of 2 cases coded" in client.get(
        "/reviews/demo/my-cases/").text


def test_round_submit_refusal_names_missing_attributes(client, pilot, cases, coder_a):
    client.force_login(coder_a)
    response = client.post("/reviews/demo/rounds/1/cases/1/code/", {
        "version": 0, "budget": "3", "action": "submit"})
    assert response.status_code == 400
    assert "please code the required attributes Level, Role of citizens" in response.text


def test_autosave_answers_json(client, pilot, cases, coder_a):
    client.force_login(coder_a)
    response = client.post("/reviews/demo/rounds/1/cases/1/code/save/",
                           {"version": 0, "level": "state", "action": "save"},
                           HTTP_ACCEPT="application/json")
    assert response.json()["ok"] is True and response.json()["version"] == 1


def test_non_round_coder_and_case_outside_round_are_404(client, pilot, cases, lead, coder_a):
    client.force_login(lead)
    assert client.get("/reviews/demo/rounds/1/cases/1/code/").status_code == 404
    client.force_login(coder_a)
    assert client.get("/reviews/demo/rounds/1/cases/3/code/").status_code == 404
    assert client.get("/reviews/demo/rounds/9/").status_code == 404


def test_complete_round_page_shows_reliability_and_differences(
        client, pilot, cases, lead, coder_a, coder_b, coder_c, django_assert_max_num_queries):
    for case in cases[:2]:
        for coder in (coder_a, coder_b, coder_c):
            values = AGREE | ({"level": "national", "level__evidence": "bob says national"}
                              if (coder, case.number) == (coder_b, "1") else {})
            code(pilot, case, coder, values)
    client.force_login(lead)
    with django_assert_max_num_queries(60):
        page = client.get("/reviews/demo/rounds/1/").text
    assert 'id="round-reliability"' in page and "Fleiss" in page
    assert page.index('href="#diff-level"') < page.index('href="#diff-roles"')
    assert "bob says national" in page and "National" in page
    assert 'id="rounds-chart"' in page and "Round 1 (codebook v1)" in page
    assert 'id="promote-form"' in page
    # The round's coders see the results too, once complete, from their My cases page.
    client.force_login(coder_c)
    assert "Calibration round 1 is complete" in client.get("/reviews/demo/my-cases/").text
    assert "bob says national" in client.get("/reviews/demo/rounds/1/").text


def test_promote_from_page(client, pilot, cases, lead, coder_a, coder_b, coder_c):
    for case in cases[:2]:
        for coder in (coder_a, coder_b, coder_c):
            code(pilot, case, coder, AGREE)
    client.force_login(lead)
    response = client.post("/reviews/demo/rounds/1/promote/",
                           {"coder_1": "alice", "coder_2": "carol"}, follow=True)
    assert "2 cases now have these codings in the review" in response.text
    assert models.Coding.objects.filter(coder__username="carol").count() == 2


def test_rounds_list_and_api_list_take_a_bounded_number_of_queries(
        client, review, cases, lead, coder_a, coder_b, django_assert_max_num_queries):
    from rest_framework.authtoken.models import Token

    from coding.rounds.services import round_create

    for n in range(6):
        round_create(review=review, title=f"Pilot {n}", cases=cases, coders=[coder_a, coder_b],
                     user=lead)
    client.force_login(lead)
    with django_assert_max_num_queries(20):
        assert client.get("/reviews/demo/rounds/").status_code == 200
    token = Token.objects.create(user=lead)
    with django_assert_max_num_queries(15):
        response = client.get("/api/reviews/demo/rounds/",
                              HTTP_AUTHORIZATION=f"Token {token.key}")
    assert len(response.json()) == 6
