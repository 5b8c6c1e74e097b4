"""Coder drift (coding/reliability/drift.py): agreement with the final consensus per coder
over time, on the reliability page, as CSV and in the API. Figures checked by hand on a
small dataset."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from coding.models import Coding, ConsensusValue, Option, Role
from coding.reliability.drift import DriftParams, coder_drift
from coding.reliability.selectors import snapshot_drift
from tests import factories

# Four compared attributes: level (single), budget (number), roles (multi), agreement (yes/no).
CONSENSUS = {
    "1": {"level": "local", "budget": 100.0, "roles": ["deliverer"], "agreement": True},
    "2": {"level": "national", "roles": ["commissioner"]},
    "3": {"level": "local", "agreement": False},
}
ALICE = {
    "1": {"level": "local", "budget": 100.0, "roles": ["deliverer"], "agreement": True},  # 4/4
    "2": {"level": "national", "roles": ["commissioner"], "budget": 5.0},  # 2/2 (no budget
    # consensus: not compared)
    "3": {"level": "state", "agreement": False},  # 1/2
    "4": {"level": "local"},  # case 4 is not complete: left out
}
BOB = {
    "1": {"level": "state", "budget": 100.0, "roles": ["deliverer", "assessor"],
          "agreement": True},  # 2/4
    "2": {"level": "national"},  # 1/1, roles not coded
    "3": {"level": "local", "agreement": False},  # 2/2
    "4": {"level": "state"},
}
# Cases 1 and 2 submitted in ISO week 2026-W06, case 3 in W07, case 4 in W08.
SUBMITTED = {"1": datetime(2026, 2, 2, 9, tzinfo=UTC), "2": datetime(2026, 2, 4, 9, tzinfo=UTC),
             "3": datetime(2026, 2, 10, 9, tzinfo=UTC), "4": datetime(2026, 2, 17, 9, tzinfo=UTC)}


@pytest.fixture
def coded(review, coder_a, coder_b):
    for number in ("1", "2", "3", "4"):
        case = factories.CaseFactory(review=review, number=number)
        for coder, values in ((coder_a, ALICE), (coder_b, BOB)):
            factories.AssignmentFactory(case=case, coder=coder)
            coding = factories.coding_with_values(case=case, coder=coder, values=values[number])
            Coding.objects.filter(pk=coding.pk).update(submitted_at=SUBMITTED[number])
        if number in CONSENSUS:
            factories.consensus_for(case=case, values=CONSENSUS[number])
        else:
            factories.consensus_for(case=case, values={"level": "local"}, complete=False)
    return review


def _figures(rows):
    return [(r["coder"], r["period"], r["cases"], r["values_compared"], r["values_agreed"],
             r["agreement"], r["not_coded"]) for r in rows]


def test_weekly_drift_matches_the_hand_count(coded, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):  # the comparison, whatever the number of cases
        drift = coder_drift(review=coded)
    assert drift["by"] == "week" and drift["coders"] == ["alice", "bob"]
    assert drift["periods"] == ["2026-W06", "2026-W07"]
    assert _figures(drift["rows"]) == [
        ("alice", "2026-W06", 2, 6, 6, 1.0, 0),
        ("alice", "2026-W07", 1, 2, 1, 0.5, 0),
        ("bob", "2026-W06", 2, 5, 3, 0.6, 1),
        ("bob", "2026-W07", 1, 2, 2, 1.0, 0),
    ]
    assert (drift["rows"][0]["period_start"], drift["rows"][0]["period_end"]) == (
        "2026-02-02", "2026-02-08")


@pytest.mark.parametrize("params", [DriftParams(), DriftParams("window", 20),
                                    DriftParams("window", 2), DriftParams("window", 1)])
def test_drift_served_from_the_snapshot_equals_the_live_computation(coded, params):
    snapshot = factories.reliability_computed(coded)
    assert snapshot_drift(snapshot=snapshot, params=params) == coder_drift(
        review=coded, params=params)


def test_the_next_snapshot_follows_a_new_decision(coded):
    first = factories.reliability_computed(coded)
    before = snapshot_drift(snapshot=first, params=DriftParams())["rows"]
    # Case 3's level is decided again: "state" (Alice's value), not "local".
    consensus = ConsensusValue.objects.get(case__number="3", attribute__key="level")
    consensus.options.set([Option.objects.get(attribute=consensus.attribute, key="state")])
    factories.reliability_bumped(coded)  # as the decision's service does
    second = factories.reliability_computed(coded)

    rows = snapshot_drift(snapshot=second, params=DriftParams())["rows"]
    again = {(r["coder"], r["period"]): r["agreement"] for r in rows}
    assert again[("alice", "2026-W07")] == 1.0 and again[("bob", "2026-W07")] == 0.5
    assert before != rows
    assert rows == coder_drift(review=coded)["rows"]


def test_windows_of_n_submitted_cases(coded):
    drift = coder_drift(review=coded, params=DriftParams("window", 2))
    assert drift["n"] == 2 and drift["periods"] == ["cases 1–2", "case 3"]
    assert _figures(drift["rows"])[:2] == [
        ("alice", "cases 1–2", 2, 6, 6, 1.0, 0),
        ("alice", "case 3", 1, 2, 1, 0.5, 0),
    ]
    one = coder_drift(review=coded, params=DriftParams("window", 1))
    assert [r["agreement"] for r in one["rows"] if r["coder"] == "bob"] == [0.5, 1.0, 1.0]


def test_a_case_whose_consensus_is_not_complete_does_not_count(coded, coder_a):
    """Case 4 has codings and a consensus value, but an open disagreement: nothing of it."""
    drift = coder_drift(review=coded)
    assert "2026-W08" not in drift["periods"]
    assert sum(r["cases"] for r in drift["rows"] if r["coder"] == "alice") == 3


def test_a_multiple_choice_with_a_none_option_left_untouched_is_not_coded(review, coder_a,
                                                                            coder_b):
    roles = review.current_codebook().attributes.get(key="roles")
    factories.OptionFactory(attribute=roles, key="none", label="None of these", is_none=True,
                            order=9)
    case = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=case, coder=coder_a, values={"roles": ["none"]})
    factories.coding_with_values(case=case, coder=coder_b, values={"roles": []})
    factories.consensus_for(case=case, values={"roles": ["none"]})
    rows = {r["coder"]: r for r in coder_drift(review=review)["rows"]}
    assert (rows["alice"]["values_compared"], rows["alice"]["values_agreed"]) == (1, 1)
    assert (rows["bob"]["values_compared"], rows["bob"]["not_coded"]) == (0, 1)
    assert rows["bob"]["agreement"] is None


# --- page, CSV, API --------------------------------------------------------------------


@pytest.fixture
def lead_client(client, coded, lead):
    factories.reliability_computed(coded)  # what the worker does after the codings
    client.force_login(lead)
    return client


def test_reliability_page_shows_the_drift_table_and_chart_data(lead_client, coded):
    html = lead_client.get(reverse("coding:reliability", args=["demo"])).content.decode()
    assert 'id="drift-table"' in html and 'id="drift-chart-data"' in html
    assert "60.0%" in html and "js/drift.js" in html
    html = lead_client.get(
        reverse("coding:reliability", args=["demo"]) + "?drift=window&n=2"
    ).content.decode()
    assert "cases 1–2" in html


def test_bad_drift_parameters_get_a_message(lead_client, coded):
    url = reverse("coding:reliability", args=["demo"])
    html = lead_client.get(url + "?drift=window&n=zero").content.decode()
    assert "The window size n must be a whole number from 1 to 1000." in html
    csv_response = lead_client.get(reverse("coding:reliability_drift_csv", args=["demo"])
                                   + "?drift=month")
    assert csv_response.status_code == 400
    assert "Group drift by 'week' or 'window'" in csv_response.content.decode()
    api = lead_client.get("/api/reviews/demo/reliability/drift/?drift=window&n=5000")
    assert api.status_code == 400 and "1 to 1000" in api.json()["detail"]


def test_drift_csv_has_the_table_with_formula_escaping(lead_client, coded, coder_b):
    coder_b.username = "=bob"
    coder_b.save()
    factories.reliability_bumped(coded)  # the names are those of the snapshot's time
    factories.reliability_computed(coded)
    response = lead_client.get(reverse("coding:reliability_drift_csv", args=["demo"]))
    assert response["Content-Disposition"] == (
        'attachment; filename="demo-coder-drift-weekly.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["coder", "period", "period_start", "period_end", "cases",
                       "values_compared", "values_agreed", "agreement", "not_coded"]
    assert ["alice", "2026-W06", "2026-02-02", "2026-02-08", "2", "6", "6", "1.0", "0"] in rows
    bob = [row for row in rows if row[0] == "'=bob"]  # escaped: no formula in a spreadsheet
    assert [row[7] for row in bob] == ["0.6", "1.0"]


def test_api_returns_the_same_figures(lead_client, coded):
    body = lead_client.get("/api/reviews/demo/reliability/drift/?drift=window&n=2").json()
    status = {"status": body.pop("status"), "computed_at": body.pop("computed_at")}
    assert body == coder_drift(review=coded, params=DriftParams("window", 2))
    assert status["status"] == "up_to_date" and status["computed_at"]


@pytest.mark.parametrize("actor", ["coder_a", "adjudicator", "outsider"])
def test_only_leads_see_drift(client, coded, actor, request):
    client.force_login(request.getfixturevalue(actor))
    assert client.get(reverse("coding:reliability_drift_csv", args=["demo"])).status_code == 404
    assert client.get("/api/reviews/demo/reliability/drift/").status_code in (403, 404)


def test_a_lead_who_codes_sees_no_drift_from_a_case_they_are_blind_on(client, review, coder_a,
                                                                      coder_b):
    """Alice leads and codes case 1 with Bob; Bob has submitted, Alice has not: the drift
    page and API look the same as before Bob submitted."""
    factories.MembershipFactory(review=review, user=coder_a, role=Role.LEAD)
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    client.force_login(coder_a)

    def seen():
        return (client.get("/api/reviews/demo/reliability/drift/").json(),
                client.get(reverse("coding:reliability_drift_csv", args=["demo"])).content)

    before = seen()
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})
    assert seen() == before
