"""The round's blind rule: nobody sees another coder's round coding of a case, nor whether
it exists, before every coder of the round has submitted that case; and a round does not
show a coder the round codings of a case they are blind on in the review's coding."""

import re

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding import models
from coding.assignments.services import assignment_set
from coding.rounds.policies import round_coding_visible_to, round_codings_visible_to
from coding.rounds.selectors import round_report
from coding.rounds.services import round_create
from tests import factories
from tests.rounds.conftest import AGREE, code


@pytest.fixture
def leo(review):
    """Leads the review and codes in the round; staff, so he uses the admin too."""
    user = factories.UserFactory(username="leo", is_staff=True)
    for role in (models.Role.LEAD, models.Role.CODER):
        factories.MembershipFactory(review=review, user=user, role=role)
    return user


@pytest.fixture
def round_with_leo(review, cases, coder_b, leo, lead):
    return round_create(review=review, title="Pilot", cases=cases[:2], coders=[coder_b, leo],
                        user=lead)


def _normalised(response) -> str:
    text = f"{response.status_code}\n{response.content.decode()}"
    text = re.sub(r'(csrfmiddlewaretoken" value=")[^"]*', r"\1", text)
    return re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?", "<t>", text)


LEO_URLS = [
    "/reviews/demo/rounds/", "/reviews/demo/rounds/1/", "/reviews/demo/rounds/1/cases/1/code/",
    "/reviews/demo/my-cases/", "/reviews/demo/audit/",
    "/reviews/demo/audit/?action=round_coding.submit",
    "/admin/coding/roundcoding/", "/admin/coding/roundvalue/", "/admin/coding/auditevent/",
    "/admin/coding/round/",
    "/api/reviews/demo/rounds/", "/api/reviews/demo/rounds/1/",
    "/api/reviews/demo/rounds/1/codings/1/",
]


@pytest.mark.parametrize("url", LEO_URLS)
def test_nothing_leo_sees_changes_when_bob_codes_their_round_case(round_with_leo, cases,
                                                                  coder_b, leo, url):
    if url.startswith("/api/"):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=leo)[0]}")
    else:
        from django.test import Client

        client = Client()
        client.force_login(leo)
    first = client.get(url)
    assert first.status_code == 200, url
    before = _normalised(first)
    code(round_with_leo, cases[0], coder_b, AGREE | {"level__evidence": "bob's secret"},
         submit=False)
    assert _normalised(client.get(url)) == before, f"{url} changed after Bob's draft"
    coding = models.RoundCoding.objects.get(coder=coder_b)
    from coding.rounds.services import round_coding_submit

    round_coding_submit(coding=coding, expected_version=coding.version, user=coder_b)
    assert _normalised(client.get(url)) == before, f"{url} changed after Bob submitted"


def test_others_round_coding_visible_once_every_round_coder_submitted_the_case(
        round_with_leo, cases, coder_b, leo, lead):
    bob = code(round_with_leo, cases[0], coder_b, AGREE)
    assert not round_coding_visible_to(leo, bob)
    assert not round_coding_visible_to(lead, bob)  # a lead outside the round waits too
    code(round_with_leo, cases[0], leo, AGREE)
    assert round_coding_visible_to(leo, bob) and round_coding_visible_to(lead, bob)
    # Case 2 is still open: the round is not complete, yet case 1's codings are comparable.
    round_with_leo.refresh_from_db()
    assert round_with_leo.status == "open"
    bob_2 = code(round_with_leo, cases[1], coder_b, AGREE)
    assert not round_coding_visible_to(leo, bob_2)
    assert set(round_codings_visible_to(leo, models.RoundCoding.objects.all())) == {
        bob, models.RoundCoding.objects.get(coder=leo, case=cases[0])}


def test_staff_lead_who_codes_sees_others_round_codings_in_admin_only_when_complete(
        client, round_with_leo, cases, coder_b, leo):
    bob = code(round_with_leo, cases[0], coder_b, AGREE | {"level__evidence": "bob's quote"})
    client.force_login(leo)
    assert "bob&#x27;s quote" not in client.get(
        f"/admin/coding/roundcoding/{bob.pk}/change/", follow=True).text
    code(round_with_leo, cases[0], leo, AGREE)
    assert "bob&#x27;s quote" in client.get(f"/admin/coding/roundcoding/{bob.pk}/change/").text


def test_audit_log_shows_round_submissions_only_once_visible(client, round_with_leo, cases,
                                                             coder_b, leo, lead):
    bob = code(round_with_leo, cases[0], coder_b, AGREE)
    marker = f"coding.roundcoding #{bob.pk}<"
    client.force_login(lead)
    assert marker in client.get("/reviews/demo/audit/").text  # Lena does not code in it
    client.force_login(leo)
    assert marker not in client.get("/reviews/demo/audit/").text
    code(round_with_leo, cases[0], leo, AGREE)
    assert marker in client.get("/reviews/demo/audit/").text


def test_round_does_not_show_a_coder_round_codings_of_a_case_they_are_blind_on(
        client, review, cases, coder_a, coder_b, lead):
    """Alice and Bob also code case 1 in the review and have not submitted it there: the
    round's differences leave case 1 out for them, not for the lead."""
    assignment_set(case=cases[0], coders=[coder_a, coder_b], assigned_by=lead)
    pilot = round_create(review=review, title="P", cases=cases[:2], coders=[coder_a, coder_b],
                         user=lead)
    for case in cases[:2]:
        code(pilot, case, coder_a, AGREE)
        code(pilot, case, coder_b, AGREE | {"level": "state",
                                            "level__evidence": f"bob on {case.number}"})
    client.force_login(coder_a)
    page = client.get("/reviews/demo/rounds/1/").text
    assert "bob on 2" in page and "bob on 1" not in page
    # The figures leave case 1 out for her too: one case compared, not two.
    assert "1 case of this round is left out here" in page
    report = round_report(round_=pilot, user=coder_a)
    assert report["attributes"][0]["rows"][0]["units"] == 1
    client.force_login(lead)
    page = client.get("/reviews/demo/rounds/1/").text
    assert "bob on 2" in page and "bob on 1" in page and "left out here" not in page
    assert round_report(round_=pilot, user=lead)["attributes"][0]["rows"][0]["units"] == 2
