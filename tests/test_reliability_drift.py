"""Coder drift (coding/reliability/drift.py): agreement with the final consensus per coder
over time, on the reliability page, as CSV and in the API. Figures checked by hand on a
small dataset."""

import csv
import io
import json
import random
import re
from datetime import UTC, datetime

import numpy as np
import pytest
from django.urls import reverse

from coding.models import AttributeKind, CodedValue, Coding, ConsensusValue, Option, Role
from coding.reliability.coefficients import row_statistics
from coding.reliability.drift import DriftParams, coder_drift, trend
from coding.reliability.selectors import reliability_snapshot_state, snapshot_drift
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


def test_weekly_drift_is_agreement_between_the_coders_by_hand(coded,
                                                              django_assert_max_num_queries):
    """Pairs compared per case: 1: 4 (2 agree), 2: 1 (1; Bob gave no budget or roles), 3: 2
    (1), 4: 1 (0). Case 4 counts although its disagreement is open."""
    with django_assert_max_num_queries(8):  # the reading, whatever the number of cases
        drift = coder_drift(review=coded)
    assert drift["by"] == "week" and drift["coders"] == ["alice", "bob"]
    assert drift["periods"] == ["2026-W06", "2026-W07", "2026-W08"]
    assert _figures(drift["blocks"]) == [
        ("all coders", "2026-W06", 2, 5, 3, 0.6, 0),
        ("all coders", "2026-W07", 1, 2, 1, 0.5, 0),
        ("all coders", "2026-W08", 1, 1, 0, 0.0, 0),
    ]
    # Each coder with the other on the same cases: the same pairs, and who left values out.
    assert _figures(drift["rows"])[:2] == [
        ("alice", "2026-W06", 2, 5, 3, 0.6, 0),
        ("alice", "2026-W07", 1, 2, 1, 0.5, 0),
    ]
    assert _figures(drift["rows"])[3] == ("bob", "2026-W06", 2, 5, 3, 0.6, 2)
    assert (drift["blocks"][0]["period_start"], drift["blocks"][0]["period_end"]) == (
        "2026-02-02", "2026-02-08")


def test_drift_does_not_depend_on_whom_the_adjudicator_sided_with(review, coder_a, coder_b):
    """The same codings twice: once every decision takes Alice's values, once Bob's (and
    once nothing is decided): the drift is identical."""
    cases = []
    for number in ("1", "2", "3", "4"):
        case = factories.CaseFactory(review=review, number=number)
        for coder, values in ((coder_a, ALICE), (coder_b, BOB)):
            factories.AssignmentFactory(case=case, coder=coder)
            coding = factories.coding_with_values(case=case, coder=coder, values=values[number])
            Coding.objects.filter(pk=coding.pk).update(submitted_at=SUBMITTED[number])
        cases.append(case)
    answers = []
    for side in (ALICE, BOB, None):
        ConsensusValue.objects.filter(case__review=review).delete()
        for case in cases:
            if side is not None:
                factories.consensus_for(case=case, values=side[case.number])
        answers.append(coder_drift(review=review))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["blocks"][0]["agreement"] == 0.6  # not 100% for either coder


@pytest.mark.parametrize("params", [DriftParams(), DriftParams("window", 20)])
def test_drift_served_from_the_snapshot_equals_the_live_computation(coded, params):
    snapshot = factories.reliability_computed(coded)
    assert snapshot_drift(snapshot=snapshot, params=params) == coder_drift(
        review=coded, params=params)


@pytest.mark.parametrize("params", [DriftParams("window", 2), DriftParams("window", 1)])
def test_other_window_sizes_come_from_the_snapshot_without_intervals(coded, params):
    snapshot = factories.reliability_computed(coded)
    served = snapshot_drift(snapshot=snapshot, params=params)
    live = coder_drift(review=coded, params=params)
    for part in ("blocks", "rows"):
        assert _figures(served[part]) == _figures(live[part])
        assert [r["alpha"] for r in served[part]] == [r["alpha"] for r in live[part]]
        assert all(r["alpha_ci_low"] is None for r in served[part])
    assert served["trend"] == live["trend"] and served["overall"] == live["overall"]


def test_the_next_snapshot_follows_a_new_coding_not_a_decision(coded):
    first = factories.reliability_computed(coded)
    before = snapshot_drift(snapshot=first, params=DriftParams())
    consensus = ConsensusValue.objects.get(case__number="3", attribute__key="level")
    consensus.options.set([Option.objects.get(attribute=consensus.attribute, key="state")])
    factories.reliability_bumped(coded)  # as the decision's service does
    second = factories.reliability_computed(coded)
    assert snapshot_drift(snapshot=second, params=DriftParams()) == before


def test_windows_of_n_cases_in_completion_order(coded):
    drift = coder_drift(review=coded, params=DriftParams("window", 2))
    assert drift["n"] == 2 and drift["periods"] == ["cases 1–2", "cases 3–4"]
    assert _figures(drift["blocks"]) == [
        ("all coders", "cases 1–2", 2, 5, 3, 0.6, 0),
        ("all coders", "cases 3–4", 2, 3, 1, 0.3333, 0),
    ]


def test_intervals_are_withheld_on_thin_blocks_with_the_reason(coded):
    drift = coder_drift(review=coded, params=DriftParams("window", 2))
    for row in drift["blocks"] + drift["rows"]:
        assert row["alpha_ci_low"] is None and row["alpha_ci_high"] is None
    assert "case-attribute units coded twice or more: no interval below 40" in (
        drift["blocks"][0]["note"])


def test_a_case_not_every_coder_submitted_does_not_count(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    for coder in (coder_a, coder_b):
        factories.AssignmentFactory(case=case, coder=coder)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"},
                                 submitted=False)
    drift = coder_drift(review=review)
    assert drift["blocks"] == [] and drift["rows"] == [] and drift["trend"] is None


# --- the trend test on seeded data (drift.trend reads the stored per-case form) ---------


def _seeded(agree_early: float, agree_late: float, cases: int = 80, attributes: int = 6,
            seed: int = 1) -> dict:
    rng = random.Random(seed)
    stored = {"attributes": [f"a{i}" for i in range(attributes)],
              "categories": [f"a{i}={v}" for i in range(attributes) for v in range(4)],
              "cases": []}
    for number in range(cases):
        share = agree_early + (agree_late - agree_early) * number / (cases - 1)
        alice, bob = [], []
        for a in range(attributes):
            value = rng.randrange(4)
            other = value if rng.random() < share else (value + 1 + rng.randrange(3)) % 4
            alice.append([a, 4 * a + value])
            bob.append([a, 4 * a + other])
        stored["cases"].append([f"2026-02-{1 + number // 10:02d}T09:00:{number % 60:02d}",
                                {"alice": alice, "bob": bob}])
    return stored


def test_a_rising_agreement_is_detected_with_a_small_p():
    result = trend(_seeded(0.4, 0.95))
    assert result["second_alpha"] > result["first_alpha"] + 0.2
    assert result["p_value"] < 0.01
    assert "rose from" in result["sentence"] and "unlikely to be chance" in result["sentence"]


def test_a_flat_agreement_is_not_called_a_trend():
    result = trend(_seeded(0.75, 0.75))
    assert result["p_value"] > 0.05
    assert "may well be chance" in result["sentence"]


def test_intervals_are_shown_on_blocks_with_enough_information():
    from coding.reliability.drift import _group

    drift = _group(_seeded(0.7, 0.7, cases=60), DriftParams("window", 20), 1000)
    for block in drift["blocks"]:
        assert block["alpha_ci_low"] <= block["alpha"] <= block["alpha_ci_high"]


# --- page, CSV, API --------------------------------------------------------------------


@pytest.fixture
def lead_client(client, coded, lead):
    factories.reliability_computed(coded)  # what the worker does after the codings
    client.force_login(lead)
    return client


def test_reliability_page_shows_the_drift_table_and_chart_data(lead_client, coded):
    html = lead_client.get(reverse("coding:reliability", args=["demo"])).content.decode()
    assert 'id="drift-table"' in html and 'id="drift-chart-data"' in html
    assert 'id="drift-coders"' in html and 'id="drift-overall"' in html
    assert "60.0%" in html and "js/drift.js" in html
    assert "consensus, which the coders" in html  # says what it is not
    assert "Too few complete cases for a trend test" in html
    html = lead_client.get(
        reverse("coding:reliability", args=["demo"]) + "?drift=window&n=2"
    ).content.decode()
    assert "cases 1–2" in html


def test_the_page_shows_drift_a_page_of_periods_at_a_time_and_the_csv_all(
        lead_client, coded, monkeypatch):
    from coding.reliability import drift as module

    monkeypatch.setattr(module, "PAGE_PERIODS", 2)
    url = reverse("coding:reliability", args=["demo"]) + "?drift=window&n=1"
    first = lead_client.get(url).content.decode()
    assert "case 1</th>" in first and "case 2</th>" in first and "case 3</th>" not in first
    assert "Periods 1–2 of 4" in first and "page=2#drift" in first
    assert "drift=window&amp;n=1&amp;page=2" in first  # the grouping kept
    chart = json.loads(re.search(r'id="drift-chart-data"[^>]*>(.*?)</script>', first,
                                 re.S).group(1))
    assert chart["periods"] == ["case 1", "case 2"]
    second = lead_client.get(url + "&page=2").content.decode()
    assert "case 3</th>" in second and "case 4</th>" in second and "case 1</th>" not in second
    assert "page=1#drift" in second and "page=3" not in second
    assert "case 4</th>" in lead_client.get(url + "&page=99").content.decode()  # the last
    assert "case 1</th>" in lead_client.get(url + "&page=x").content.decode()  # the first
    csv_text = lead_client.get(reverse("coding:reliability_drift_csv", args=["demo"])
                               + "?drift=window&n=1").content.decode()
    assert all(f"case {n}" in csv_text for n in (1, 2, 3, 4))
    monkeypatch.setattr(module, "PAGE_PERIODS", 3)
    weeks = lead_client.get(reverse("coding:reliability", args=["demo"])).content.decode()
    assert "2026-W08</th>" in weeks and "Periods " not in weeks  # one page: no pager


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_a_page_of_windows_cut_from_the_stored_json_equals_that_page_of_all_windows(
        coded, n, monkeypatch, django_assert_max_num_queries):
    """The page reads the snapshot's cases of its periods only (the database cuts them out of
    the stored JSON, on PostgreSQL and SQLite alike), in a few queries."""
    from coding.reliability import drift as module
    from coding.reliability.selectors import snapshot_drift, snapshot_drift_page

    monkeypatch.setattr(module, "PAGE_PERIODS", 2)
    snapshot = factories.reliability_computed(coded)
    params = DriftParams("window", n)
    whole = snapshot_drift(snapshot=snapshot, params=params)
    for page in (1, 2, 3, "x", 99):
        with django_assert_max_num_queries(3):
            alone, paged = snapshot_drift_page(snapshot=snapshot, params=params, page=page)
        cut, expected = module.drift_page(whole, page)
        assert alone == cut and paged.number == expected.number
    assert len(whole["periods"]) == -(-4 // n) and whole["blocks"]


@pytest.mark.parametrize("by, n", [("window", 1), ("window", 7), ("window", 30),
                                   ("week", 20)])
def test_a_page_of_periods_grouped_alone_equals_the_same_page_cut_from_all(
        by, n, monkeypatch):
    from coding.reliability import drift as module

    monkeypatch.setattr(module, "PAGE_PERIODS", 4)
    stored = _random_stored(3)
    codings = {**stored, "format": module.FORMAT, "overall": module._overall(stored, 0),
               "trend": None}
    head = {key: codings[key] for key in ("format", "categories", "overall", "trend")}
    cases = stored["cases"]
    params = DriftParams(by, n)
    whole = module.drift_from_codings(codings, params)
    pages = -(-len(whole["periods"]) // 4)
    for page in [*range(1, pages + 1), "x", 99]:
        asked = []

        def cases_between(first, last, asked=asked):
            asked.append((first, last))
            return cases[first:last]

        alone, paged = module.drift_page_from_codings(head, len(cases), cases_between, params,
                                                      page)
        cut, expected = module.drift_page(whole, page)
        assert alone == cut
        assert (paged.number, paged.paginator.count) == (expected.number, len(whole["periods"]))
        if by == "window":  # only the page's cases are read
            first = (paged.number - 1) * 4 * n
            assert asked == [(first, min(first + 4 * n, len(cases)))]
    assert pages > 1 or len(whole["periods"]) <= 4  # several pages where there are


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
                       "values_compared", "values_agreed", "agreement", "alpha",
                       "alpha_ci_low", "alpha_ci_high", "not_coded"]
    assert rows[1][:8] == ["all coders", "2026-W06", "2026-02-02", "2026-02-08", "2", "5",
                           "3", "0.6"]
    assert rows[1][9:] == ["", "", "0"]  # no interval on two cases
    bob = [row for row in rows if row[0] == "'=bob"]  # escaped: no formula in a spreadsheet
    assert [row[7] for row in bob] == ["0.6", "0.5", "0.0"]
    assert [row[11] for row in bob] == ["2", "0", "0"]


def test_api_returns_the_same_figures(lead_client, coded):
    body = lead_client.get("/api/reviews/demo/reliability/drift/?drift=window&n=2").json()
    status = {"status": body.pop("status"), "computed_at": body.pop("computed_at")}
    served = snapshot_drift(snapshot=reliability_snapshot_state(review=coded).latest,
                            params=DriftParams("window", 2))
    assert body == served
    live = coder_drift(review=coded, params=DriftParams("window", 2))
    assert _figures(body["blocks"]) == _figures(live["blocks"])
    assert body["trend"] is None and body["overall"] == live["overall"]
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


def test_the_drift_page_reads_within_the_same_query_bound(lead_client, coded,
                                                          django_assert_max_num_queries):
    url = reverse("coding:reliability", args=["demo"])
    for query in ("", "?drift=window&n=2", "?drift=window&n=20"):
        with django_assert_max_num_queries(12):  # as tests/test_reliability_counter.py
            assert lead_client.get(url + query).status_code == 200
    with django_assert_max_num_queries(8):
        assert lead_client.get(reverse("coding:reliability_drift_csv", args=["demo"])
                               + "?drift=window&n=3").status_code == 200


def test_only_the_blocks_whose_cases_changed_are_computed_again(monkeypatch):
    import json

    from coding.reliability import drift as module

    stored = _seeded(0.7, 0.7, cases=60)
    window = DriftParams("window", 20)
    digests: list = []
    first = module._group(stored, window, 1000, digests=digests)
    # As the next snapshot reads them: the previous one's stored JSON.
    previous = module._reusable(json.loads(json.dumps(first)), digests)
    changed = json.loads(json.dumps(stored))
    pairs = changed["cases"][25][1]["bob"][0]  # one value of one case of the second window
    pairs[1] = 4 * pairs[0] + (pairs[1] - 4 * pairs[0] + 1) % 4
    computed = []
    figures = module._figures
    monkeypatch.setattr(module, "_figures",
                        lambda coded, n_boot: computed.append(n_boot) or figures(coded, n_boot))
    again: list = []
    reused = module._group(changed, window, 1000, previous=previous, digests=again)
    assert [a == b for a, b in zip(digests, again, strict=True)] == [True, False, True]
    # The second window's bootstrap only (the coders' point figures are counted for every
    # block at once, see the next test).
    assert computed == [1000]
    monkeypatch.setattr(module, "_figures", figures)
    assert json.loads(json.dumps(reused)) == json.loads(json.dumps(
        module._group(changed, window, 1000)))
    assert reused["blocks"][1] != first["blocks"][1]


def test_drift_on_threads_equals_drift_on_one_and_keeps_the_callers_language(monkeypatch):
    from django.utils import translation

    from coding.reliability import drift as module
    from coding.reliability import threads as parallel

    stored = _random_stored(3, cases=160)
    both = {}
    for threads in (1, 2):
        monkeypatch.setattr(parallel, "THREADS", threads)
        with translation.override("es"):
            prepared = module._Prepared(stored)
            both[threads] = (module._group(stored, DriftParams("window", 20), 1000, prepared),
                             module._overall(stored, 1000, prepared))
    assert both[1] == both[2]
    notes = [row["note"] for row in both[2][0]["rows"] + both[2][0]["blocks"] if row["note"]]
    assert notes and all("intervalo" in note or "Solo" in note for note in notes), notes[:3]
    with translation.override("es"):
        languages = parallel.in_parallel(lambda _item: translation.get_language(), list(range(6)))
    assert languages == ["es"] * 6


def _random_stored(seed: int, cases: int = 90, coders: int = 4, attributes: int = 5) -> dict:
    """Cases coded by two to four of `coders` coders, some values missing, one coder now and
    then with an empty coding."""
    rng = random.Random(seed)
    names = [f"c{i}" for i in range(coders)]
    stored = {"attributes": [f"a{i}" for i in range(attributes)],
              "categories": [f"a{i}={v}" for i in range(attributes) for v in range(3)],
              "cases": []}
    for number in range(cases):
        coded = {}
        # Four coders on a case only in the first half: blocks with and without units of
        # four values.
        most = coders if number < cases // 2 else 3
        for coder in rng.sample(names, rng.randint(2, most)):
            coded[coder] = [[a, 3 * a + rng.choice([0, 0, 0, 1, 2])]
                            for a in range(attributes) if rng.random() < 0.85]
        if number >= cases - 6:  # the last window: one answer, nothing to tell apart
            coded = {coder: [[0, 0]] for coder in coded}
        if number == cases - 10:
            coded[next(iter(coded))] = []  # an empty coding
        stored["cases"].append([f"2026-02-01T09:{number // 60:02d}:{number % 60:02d}", coded])
    return stored


@pytest.mark.parametrize("seed", range(6))
def test_each_coders_point_figures_per_block_equal_row_statistics_per_block(seed):
    from coding.reliability import drift as module

    stored = _random_stored(seed)
    params = DriftParams("window", 7)
    prepared = module._Prepared(stored)
    grouped = module._group(stored, params, 0, prepared)
    expected = []
    for column, coder in enumerate(prepared.coders):
        for _period, _s, _e, first, last in module._block_ranges(stored["cases"], params):
            if not prepared.cases_of(column, first, last):
                continue
            coded, not_coded = prepared.with_others(column, first, last)
            figures = module._figures(coded, 0)
            expected.append((coder, prepared.cases_of(column, first, last), not_coded,
                             module._counts(coded), figures["alpha"], bool(figures["note"])))
    got = [(r["coder"], r["cases"], r["not_coded"], (r["values_compared"], r["values_agreed"]),
            r["alpha"], bool(r["note"])) for r in grouped["rows"]]
    assert got == expected
    assert {row[4] for row in got if row[1] and row[0] == got[-1][0]} - {None}  # alphas
    assert [row[4] for row in got if row[0] == got[-1][0]][-1] is None  # not estimable
    ranges = module._block_ranges(stored["cases"], params)
    for block, (_period, _s, _e, first, last) in zip(grouped["blocks"], ranges, strict=True):
        between = prepared.between(first, last)
        assert (block["values_compared"], block["values_agreed"]) == module._counts(between)
        figures = module._figures(between, 0)
        assert (block["alpha"], block["note"]) == (figures["alpha"], figures["note"])
    # Both ways of a block's point alpha are taken: counted (at most three values a unit,
    # bit for bit) and row_statistics (a unit of four values).
    points = prepared.block_points(ranges)
    assert False in points and any(isinstance(p, float) for p in points)
    for alpha, (_period, _s, _e, first, last) in zip(points, ranges, strict=True):
        if alpha is not False:
            expected = row_statistics(prepared.between(first, last), n_boot=0)
            assert alpha == expected["krippendorff_alpha"]  # exactly


def test_a_snapshot_takes_the_unchanged_blocks_from_the_last_one(coded, monkeypatch):
    from coding.reliability import drift as module

    first = factories.reliability_computed(coded)
    computed = []
    figures = module._figures
    monkeypatch.setattr(module, "_figures",
                        lambda coded, n_boot: computed.append(n_boot) or figures(coded, n_boot))
    factories.reliability_bumped(coded)
    second = factories.reliability_computed(coded)
    assert second.pk != first.pk and second.drift == first.drift
    assert second.drift_codings["digests"] == first.drift_codings["digests"]
    assert second.drift_codings["overall"] == first.drift_codings["overall"]
    # No case changed: nothing was computed again, not even the figures over all cases.
    assert computed == []


def test_a_snapshot_after_a_changed_case_computes_the_overall_figures_again(coded,
                                                                           monkeypatch):
    from coding.reliability import drift as module

    first = factories.reliability_computed(coded)
    value = CodedValue.objects.filter(
        coding__case__review=coded, attribute__kind=AttributeKind.NUMBER,
        number__isnull=False).order_by("pk").first()
    value.number = value.number + 1
    value.save()
    computed, trends = [], []
    figures, trend = module._figures, module.trend
    monkeypatch.setattr(module, "_figures",
                        lambda coded, n_boot: computed.append(n_boot) or figures(coded, n_boot))
    monkeypatch.setattr(module, "trend",
                        lambda stored, prepared=None: trends.append(1) or trend(stored, prepared))
    factories.reliability_bumped(coded)
    second = factories.reliability_computed(coded)
    assert second.drift_codings["digests"]["all"] != first.drift_codings["digests"]["all"]
    # The overall figures (between the coders and per coder) and the trend, computed again.
    assert computed[:3] == [1000, 1000, 1000] and trends == [1]
    assert second.drift_codings["overall"] == module._overall(
        second.drift_codings, module.N_BOOT)


def test_a_snapshot_takes_the_report_from_the_last_one_while_its_data_stand(coded,
                                                                           monkeypatch):
    from coding.models import Attribute, ReliabilitySnapshot
    from coding.reliability import services

    first = factories.reliability_computed(coded)
    computed = []
    report = services.snapshot_report
    monkeypatch.setattr(services, "snapshot_report",
                        lambda data: computed.append(1) or report(data=data))
    factories.reliability_bumped(coded)
    second = factories.reliability_computed(coded)
    assert second.pk != first.pk and second.report == first.report and computed == []
    digest = first.drift_codings["digests"]["report"]
    assert second.drift_codings["digests"]["report"] == digest

    # A label the report shows: computed again.
    attribute = Attribute.objects.get(codebook__review=coded, key="level")
    attribute.label = "Level of government"
    attribute.save()
    factories.reliability_bumped(coded)
    third = factories.reliability_computed(coded)
    assert computed == [1] and third.drift_codings["digests"]["report"] != digest
    assert [a["label"] for a in third.report["attributes"] if a["key"] == "level"] == [
        "Level of government"]

    # A value: computed again, as from scratch.
    value = CodedValue.objects.filter(
        coding__case__review=coded, attribute__kind=AttributeKind.NUMBER,
        number__isnull=False).order_by("pk").first()
    value.number = value.number + 1
    value.save()
    factories.reliability_bumped(coded)
    fourth = factories.reliability_computed(coded)
    assert computed == [1, 1] and fourth.report != third.report
    monkeypatch.setattr(services, "snapshot_report", report)
    factories.reliability_bumped(coded)
    ReliabilitySnapshot.objects.exclude(pk=fourth.pk).delete()
    fourth.delete()
    assert factories.reliability_computed(coded).report == fourth.report


def test_a_snapshot_reads_the_report_tables_and_drift_values_as_each_would_read_them_apart(
    review
):
    """snapshot_values reads the values once for the report and for drift: the report's
    tables (in case order) are reliability_data's and the per-case values _per_case's, with
    codings of an earlier codebook, an incomplete case, a draft, values not given, and a
    single choice with two options stored (a corrupt row) among them."""
    from coding.reliability import drift
    from coding.reliability.selectors import reliability_data, report_digest

    rng = random.Random(7)
    coders = [factories.UserFactory(username=name) for name in ("cy", "al", "bo")]

    def values():
        return {"level": rng.choice(["national", "state", "local", None]),
                "roles": rng.sample(["commissioner", "deliverer", "assessor"], rng.randint(0, 2)),
                "budget": rng.choice([None, 1.0, 2.5, 3]), "agreement": rng.choice([None, True,
                                                                                     False]),
                "topic": "a text, never compared"}

    def code(numbers):
        for number in numbers:
            case = factories.CaseFactory(review=review, number=str(number))
            for coder in rng.sample(coders, 2 + number % 2):
                factories.coding_with_values(case=case, coder=coder, values=values())

    code([12, 3, 7, 1])  # under version 1
    factories.codebook_for(review, version=2)
    code([10, 2, 30, 4, 5, 11])
    incomplete = factories.CaseFactory(review=review, number="6")
    factories.coding_with_values(case=incomplete, coder=coders[0], values=values())
    factories.coding_with_values(case=incomplete, coder=coders[1], values=values(),
                                 submitted=False)
    corrupt = CodedValue.objects.filter(
        coding__case__number="2", attribute__key="level", attribute__codebook__version=2
    ).first()
    corrupt.options.set(Option.objects.filter(attribute=corrupt.attribute))

    values = drift.snapshot_values(review=review)
    data, stored = values.report_data(), values.per_case()

    expected = reliability_data(review=review)
    assert data.codebook == expected.codebook and data.attributes == expected.attributes
    assert _arrays(data) == _arrays(expected)
    assert report_digest(data=data) == report_digest(data=expected)
    level = data.encoded["level"][0]
    assert level.codes.shape == (6, 3)  # cases 2, 4, 5, 10, 11 and 30; cy, al and bo
    # Case 2 is the first unit; its corrupt value reads as its smallest key.
    column = data.coders.index(corrupt.coding.coder.username)
    assert data.scales["level"][level.codes[0, column]] == "local"
    assert stored == drift._per_case(review)
    assert len(stored["cases"]) == 10  # both codebooks' complete cases


def _arrays(data) -> tuple:
    """What the report and its digest are computed from: the coders (the columns) and every
    attribute's arrays (selectors._coded) with its scale."""
    from coding.reliability.selectors import _coded

    arrays = {}
    for attribute in data.attributes:
        coded, extra = _coded(data, attribute)
        arrays[attribute.key] = (
            coded.codes.tolist(), str(coded.codes.dtype), coded.q,
            None if coded.values is None else coded.values.tolist(),
            None if extra is None else [array.tolist() for array in extra],
            data.scales[attribute.key])
    return data.coders, arrays


@pytest.mark.parametrize("seed", range(3))
def test_the_values_read_as_columns_equal_the_reading_row_by_row(review, seed):
    """drift._per_case reads the values as columns and decodes each distinct stored value
    once; it gives what the row-by-row reading gave (tests/drift_reading_reference.py), in
    the same orders: the per-case values (attributes and categories numbered as first met)
    and the report's tables (cases in case order, coders in value order). Two codebook
    versions, cases coded by two or three coders, an incomplete case, a draft, a coding with
    no values, values not given, several options chosen, zeros of both signs, and a single
    choice with two options stored (a corrupt row)."""
    from coding.reliability import drift
    from coding.reliability.selectors import (
        ReliabilityData,
        Tables,
        report_attributes,
        report_digest,
    )
    from tests.drift_reading_reference import per_case_rows

    rng = random.Random(seed)
    coders = [factories.UserFactory(username=name) for name in ("cy", "al", "bo", "di")]

    def values():
        return {"level": rng.choice(["national", "state", "local", None]),
                "roles": rng.sample(["commissioner", "deliverer", "assessor"], rng.randint(0, 3)),
                "budget": rng.choice([None, 1.0, 2.5, 3, 0.0, -0.0, 1e-9]),
                "agreement": rng.choice([None, True, False]), "topic": "text, never compared"}

    def code(numbers):
        for number in numbers:
            case = factories.CaseFactory(review=review, number=str(number))
            for coder in rng.sample(coders, 2 + number % 2):
                factories.coding_with_values(
                    case=case, coder=coder, values={} if number == 9 else values())

    code(rng.sample(range(10, 40), 6))  # under version 1
    factories.codebook_for(review, version=2)
    code(rng.sample(range(40, 80), 8) + [9])
    incomplete = factories.CaseFactory(review=review, number="6")
    factories.coding_with_values(case=incomplete, coder=coders[0], values=values())
    factories.coding_with_values(case=incomplete, coder=coders[1], values=values(),
                                 submitted=False)
    corrupt = CodedValue.objects.filter(
        attribute__key="level", attribute__codebook__version=2).first()
    corrupt.options.set(Option.objects.filter(attribute=corrupt.attribute))

    tables = Tables(report_attributes(review.current_codebook()))
    expected_stored = per_case_rows(review, tables)
    expected = ReliabilityData(review.current_codebook(), list(tables.attributes.values()),
                               tables.tables)
    values = drift.snapshot_values(review=review)
    data, stored = values.report_data(), values.per_case()

    assert stored == expected_stored
    assert _arrays(data) == _arrays(expected)
    assert report_digest(data=data) == report_digest(data=expected)
    assert stored == drift._per_case(review)
    assert {"al", "bo"} & set(stored["cases"][-1][1])  # the cases are there


@pytest.mark.parametrize("seed", range(4))
def test_the_units_matrix_made_straight_from_the_cases_equals_the_tables_made_first(seed):
    """_matrix (the snapshot's units x coders matrix) is _between of _units' tables, unit for
    unit: coders with different attributes on a case, an empty coding, and a coder of the
    review who coded none of these cases (a column of -1)."""
    from coding.reliability import drift as module

    stored = _random_stored(seed)
    cases = stored["cases"]
    q = len(stored["categories"])
    tables, coders = module._units(cases)
    coders = [*coders, "zz-no-case"]

    coded, sizes = module._matrix(cases, coders, q)

    expected = module._between(tables, coders, q)
    assert coded.q == expected.q and coded.codes.dtype == expected.codes.dtype
    assert np.array_equal(coded.codes, expected.codes)
    assert sizes.tolist() == [len(table) for table in tables]
    assert (coded.codes[:, -1] == -1).all() and (coded.codes >= 0).any()


def test_the_reference_reading_merges_values_with_their_options_in_value_order():
    from tests.drift_reading_reference import with_chosen_options

    values = [(1, "a"), (3, "b"), (5, "c"), (7, "d"), (9, "e")]
    through = [(1, "x"), (2, "lost"), (3, "y"), (3, "z"), (6, "lost"), (7, "y"), (7, "z")]

    merged = list(with_chosen_options(iter(values), iter(through)))

    assert merged == [((1, "a"), {"x"}), ((3, "b"), {"y", "z"}), ((5, "c"), None),
                      ((7, "d"), {"y", "z"}), ((9, "e"), None)]
    assert merged[1][1] is merged[3][1]  # each distinct set held once
