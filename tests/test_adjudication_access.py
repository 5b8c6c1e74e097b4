"""Who may see and use the adjudication and reliability pages (access matrix), what they
show, and how many queries they take."""

import csv
import io

import pytest
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse

from coding.adjudication.services import disagreements_detect
from coding.models import (
    CodedValue,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Role,
)
from tests import factories
from tests.conftest import PASSWORD

VALUES_A = {"level": "local", "roles": ["deliverer", "assessor"], "budget": 100.0,
            "agreement": True, "topic": "Meals for older people"}
VALUES_B = {"level": "state", "roles": ["deliverer"], "budget": 100.0,
            "agreement": False, "topic": "Community meals"}


def _coded_case(review, coder_a, coder_b, number="7", values_b=VALUES_B):
    case = factories.CaseFactory(review=review, number=number)
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A,
                                 evidence={"level": "the parish council"},
                                 notes={"roles": "assessors in year 2"})
    factories.coding_with_values(case=case, coder=coder_b, values=values_b,
                                 evidence={"level": "the state health agency"})
    disagreements_detect(case=case)
    return case


@pytest.fixture
def case(review, coder_a, coder_b):
    return _coded_case(review, coder_a, coder_b)


@pytest.fixture
def actors(client, coder_a, coder_b, adjudicator, lead, outsider):
    return {"anonymous": None, "outsider": outsider, "coder_a": coder_a, "coder_b": coder_b,
            "adjudicator": adjudicator, "lead": lead}


def _as(client, user):
    client.logout()
    if user is not None:
        assert client.login(request=HttpRequest(), username=user.username, password=PASSWORD)
    return client


PAGES = {
    "adjudication_queue": lambda c: reverse("coding:adjudication_queue", args=["demo"]),
    "adjudication_case": lambda c: reverse("coding:adjudication_case", args=["demo", c.number]),
    "reliability": lambda c: reverse("coding:reliability", args=["demo"]),
    "reliability_csv": lambda c: reverse("coding:reliability_csv", args=["demo"]),
    "reliability_status": lambda c: reverse("coding:reliability_status", args=["demo"]),
}
EXPECTED = {
    #                     anonymous outsider coder_a coder_b adjudicator lead
    "adjudication_queue": (302, 404, 404, 404, 200, 200),
    "adjudication_case": (302, 404, 404, 404, 200, 200),
    "reliability": (302, 404, 404, 404, 404, 200),
    "reliability_csv": (302, 404, 404, 404, 404, 200),
    "reliability_status": (302, 404, 404, 404, 404, 200),
}
ORDER = ["anonymous", "outsider", "coder_a", "coder_b", "adjudicator", "lead"]


@pytest.mark.parametrize("page", list(PAGES))
def test_page_access_matrix(client, case, actors, page):
    factories.reliability_computed(case.review)
    url = PAGES[page](case)
    got = tuple(_as(client, actors[name]).get(url).status_code for name in ORDER)
    assert got == EXPECTED[page]


def _decide_url(case, key="level"):
    return reverse("coding:disagreement_resolve", args=["demo", case.number, key])


def _reopen_url(case, key="level"):
    return reverse("coding:disagreement_reopen", args=["demo", case.number, key])


def _decision(choice="b", rationale="The state agency ran it.", version=0, **extra):
    data = {"level-choice": choice, "level-rationale": rationale,
            "level-expected_version": version}
    data.update(extra)
    return data


def test_decide_access_matrix(client, case, actors):
    got = {}
    for name in ORDER:
        response = _as(client, actors[name]).post(_decide_url(case), _decision())
        got[name] = response.status_code
    assert got == {"anonymous": 302, "outsider": 404, "coder_a": 404, "coder_b": 404,
                   "adjudicator": 302, "lead": 403}
    consensus = ConsensusValue.objects.get(attribute__key="level")
    assert consensus.decided_by == actors["adjudicator"]
    assert consensus.revisions.count() == 1


def test_reopen_access_matrix(client, case, actors):
    _as(client, actors["adjudicator"]).post(_decide_url(case), _decision())
    got = {}
    for name in ["anonymous", "outsider", "coder_a", "coder_b"]:
        got[name] = _as(client, actors[name]).post(
            _reopen_url(case), {"reopen-level-reason": "x", "reopen-level-expected_version": 1}
        ).status_code
        assert Disagreement.objects.get(attribute__key="level").status == "resolved"
    got["lead"] = _as(client, actors["lead"]).post(
        _reopen_url(case), {"reopen-level-reason": "Check the annex",
                            "reopen-level-expected_version": 1}).status_code
    assert got == {"anonymous": 302, "outsider": 404, "coder_a": 404, "coder_b": 404,
                   "lead": 302}
    assert Disagreement.objects.get(attribute__key="level").status == "open"


def test_an_adjudicator_who_coded_a_case_sees_it_but_cannot_decide(
    client, review, coder_a, coder_b, adjudicator
):
    other = factories.UserFactory(username="carl")
    factories.MembershipFactory(review=review, user=other, role=Role.CODER)
    factories.MembershipFactory(review=review, user=adjudicator, role=Role.CODER)
    case = _coded_case(review, adjudicator, other, number="9")
    _as(client, adjudicator)

    queue = client.get(reverse("coding:adjudication_queue", args=["demo"]))
    page = client.get(reverse("coding:adjudication_case", args=["demo", case.number]))
    post = client.post(_decide_url(case), _decision())

    assert "You coded this case: not adjudicable by you" in queue.content.decode()
    assert page.status_code == 200
    assert "an adjudicator does not adjudicate a case they coded" in page.content.decode()
    assert b'class="resolve-form"' not in page.content
    assert post.status_code == 403
    assert not ConsensusValue.objects.filter(case=case, attribute__key="level").exists()


def test_case_page_shows_both_codings_evidence_notes_and_text_side_by_side(
    client, case, adjudicator
):
    html = _as(client, adjudicator).get(
        reverse("coding:adjudication_case", args=["demo", case.number])).content.decode()

    for text in ("the parish council", "the state health agency", "assessors in year 2",
                 "Meals for older people", "Community meals", "Text: side by side, not compared",
                 "only Alice chose Co-assessor", "3</strong> open disagreements"):
        assert text in html
    # One decision form per open disagreement (level, roles, agreement); budget agreed.
    assert html.count('class="resolve-form"') == 3
    assert 'name="agreement-value"' in html and 'name="roles-value"' in html


def test_case_page_hides_codings_until_both_assigned_coders_submitted(
    client, review, coder_a, coder_b, adjudicator
):
    case = factories.CaseFactory(review=review, number="12")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A,
                                 evidence={"level": "secret quote"})

    html = _as(client, adjudicator).get(
        reverse("coding:adjudication_case", args=["demo", case.number])).content.decode()

    assert "not ready for adjudication" in html
    assert "secret quote" not in html


def test_deciding_through_the_page_records_and_redirects(client, case, adjudicator):
    raw = list(CodedValue.objects.values().order_by("pk"))

    response = _as(client, adjudicator).post(_decide_url(case), _decision(
        choice="other", **{"level-value": "national"}))

    assert response.status_code == 302
    assert response["Location"].endswith("#attr-level")
    consensus = ConsensusValue.objects.get(attribute__key="level")
    assert [o.key for o in consensus.options.all()] == ["national"]
    assert consensus.rationale == "The state agency ran it."
    assert list(CodedValue.objects.values().order_by("pk")) == raw
    page = client.get(response["Location"]).content.decode()
    assert "Decision saved for Level." in page
    assert "Before: <strong>no value</strong> → after: <strong>National</strong>" in page


def test_a_decision_without_rationale_is_refused_and_keeps_the_input(client, case, adjudicator):
    response = _as(client, adjudicator).post(_decide_url(case), _decision(
        choice="other", rationale="", **{"level-value": "national"}))

    assert response.status_code == 400
    html = response.content.decode()
    assert "This field is required." in html
    assert '<option value="national" selected>' in html
    assert not ConsensusValue.objects.filter(attribute__key="level").exists()


def test_other_without_a_value_is_refused(client, case, adjudicator):
    response = _as(client, adjudicator).post(_decide_url(case), _decision(choice="other"))

    assert response.status_code == 400
    assert "Give the other value" in response.content.decode()


def test_a_stale_decision_gets_a_conflict_message(client, case, adjudicator, review):
    _as(client, adjudicator).post(_decide_url(case), _decision())
    Disagreement.objects.filter(attribute__key="level").update(status="open")

    response = client.post(_decide_url(case), _decision(choice="a", rationale="My reading."))

    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this decision" in html
    assert "My reading." in html
    assert ConsensusValue.objects.get(attribute__key="level").rationale == (
        "The state agency ran it.")


def test_consensus_complete_after_every_disagreement_is_decided(client, case, adjudicator):
    _as(client, adjudicator)
    client.post(_decide_url(case), _decision())
    client.post(_decide_url(case, "roles"), {
        "roles-choice": "other", "roles-value": ["deliverer", "commissioner"],
        "roles-rationale": "Residents also commissioned.", "roles-expected_version": 0})
    client.post(_decide_url(case, "agreement"), {
        "agreement-choice": "other", "agreement-value": "yes",
        "agreement-rationale": "Signed in 2009.", "agreement-expected_version": 0})

    html = client.get(reverse("coding:adjudication_case", args=["demo", case.number])).content
    assert b"Consensus complete." in html
    assert not Disagreement.objects.filter(status=DisagreementStatus.OPEN).exists()
    assert ConsensusRevision.objects.filter(changed_by=adjudicator).count() == 3


def test_queue_filters_by_attribute_and_pair_with_counts(
    client, review, coder_a, coder_b, adjudicator
):
    carl = factories.UserFactory(username="carl")
    _coded_case(review, coder_a, coder_b, number="1")
    _coded_case(review, coder_a, carl, number="2",
                values_b={**VALUES_A, "level": "national"})
    _as(client, adjudicator)
    url = reverse("coding:adjudication_queue", args=["demo"])

    everything = client.get(url).context
    by_attribute = client.get(url, {"attribute": "roles"}).context
    by_pair = client.get(url, {"pair": "alice,carl"}).context

    assert everything["total"] == 4 and len(everything["cases"]) == 2
    assert ("level", "Level", 2) in everything["attributes"]
    assert ("alice,bob", "alice and bob", 3) in everything["pairs"]
    assert [c["number"] for c in by_attribute["cases"]] == ["1"]
    assert [(c["number"], c["n"]) for c in by_pair["cases"]] == [("2", 1)]


@pytest.mark.parametrize("n", [5, 50])
def test_queue_query_count_does_not_grow_with_cases(
    client, review, coder_a, coder_b, adjudicator, django_assert_max_num_queries, n
):
    for number in range(1, n + 1):
        _coded_case(review, coder_a, coder_b, number=str(number))
    _as(client, adjudicator)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("coding:adjudication_queue", args=["demo"]))

    assert len(response.context["cases"]) == n


def test_case_page_query_count_is_bounded(
    client, case, adjudicator, django_assert_max_num_queries
):
    _as(client, adjudicator)
    client.post(_decide_url(case), _decision())

    # 19, three for the disagreements' threads (comments, acceptances, who may comment) and
    # one for the header's unread notifications.
    with django_assert_max_num_queries(23):
        response = client.get(reverse("coding:adjudication_case", args=["demo", case.number]))
    assert response.status_code == 200


@pytest.mark.parametrize("n", [5, 50])
def test_reliability_page_query_count_does_not_grow_with_cases(
    client, review, coder_a, coder_b, lead, django_assert_max_num_queries, n
):
    for number in range(1, n + 1):
        _coded_case(review, coder_a, coder_b, number=str(number))
    factories.reliability_computed(review)
    _as(client, lead)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("coding:reliability", args=["demo"]))

    html = response.content.decode()
    assert 'id="reliability-chart-data"' in html
    assert "vendor/plotly.min.js" in html and "js/reliability.js" in html
    level = next(r for r in response.context["rows"] if r["attribute"] == "level")
    assert level["units"] == n and level["percent_agreement"] == 0.0


def test_reliability_page_shows_confusion_matrix_for_chosen_attribute(
    client, case, lead
):
    factories.reliability_computed(case.review)
    response = _as(client, lead).get(reverse("coding:reliability", args=["demo"]),
                                     {"attribute": "roles", "pair": "alice,bob"})

    matrix = response.context["matrix"]
    by_key = {o["key"]: o for o in matrix["options"]}
    assert by_key["assessor"]["only_a"] == 1 and by_key["deliverer"]["both"] == 1
    level = _as(client, lead).get(reverse("coding:reliability", args=["demo"]),
                                  {"attribute": "level"}).context["matrix"]
    assert level["columns"] == ["Local", "State"]


def test_reliability_csv_matches_the_command(client, case, lead):
    factories.reliability_computed(case.review)
    response = _as(client, lead).get(reverse("coding:reliability_csv", args=["demo"]))

    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0])[:4] == ["attribute", "option", "units", "coders"]
    assert [(r["attribute"], r["option"]) for r in rows][:3] == [
        ("level", ""), ("budget", ""), ("roles", "")]
    pairs = client.get(reverse("coding:reliability_csv", args=["demo"]), {"table": "pairs"})
    assert "alice,bob,level,1" in pairs.content.decode()


def test_nav_links_follow_roles(client, case, adjudicator, lead, coder_a):
    queue = reverse("coding:adjudication_queue", args=["demo"])
    reliability = reverse("coding:reliability", args=["demo"])

    as_lead = _as(client, lead).get(queue).content.decode()
    as_adjudicator = _as(client, adjudicator).get(queue).content.decode()

    assert f'href="{reliability}"' in as_lead and f'href="{queue}"' in as_lead
    assert f'href="{queue}"' in as_adjudicator and f'href="{reliability}"' not in as_adjudicator


def test_queue_leaves_out_cases_whose_coding_was_reopened(client, case, adjudicator, lead):
    from coding.codings.services import coding_reopen

    coding = case.codings.get(coder__username="bob")
    coding_reopen(coding=coding, user=lead, reason="Bob misread the case")
    _as(client, adjudicator)

    queue = client.get(reverse("coding:adjudication_queue", args=["demo"])).context
    page = client.get(reverse("coding:adjudication_case", args=["demo", case.number]))
    post = client.post(_decide_url(case), _decision())

    assert queue["cases"] == [] and queue["total"] == 0
    assert "not ready for adjudication" in page.content.decode()
    assert "the state health agency" not in page.content.decode()
    assert post.status_code == 302
    assert not ConsensusValue.objects.filter(attribute__key="level").exists()


def test_pages_work_before_anything_is_coded(client, review, lead, adjudicator):
    factories.reliability_computed(review)
    reliability = _as(client, lead).get(reverse("coding:reliability", args=["demo"]))
    queue = _as(client, adjudicator).get(reverse("coding:adjudication_queue", args=["demo"]))

    assert reliability.status_code == 200
    assert "No two coders have coded the same case yet." in reliability.content.decode()
    assert all(r["units"] == 0 for r in reliability.context["rows"])
    assert queue.status_code == 200
    assert "No open disagreements." in queue.content.decode()
