"""Creating a round, coding it, its completion and promoting its codings."""

import pytest
from django.core.exceptions import ValidationError

from coding import models
from coding.codings.services import CodingConflict
from coding.rounds.selectors import round_differences, round_report
from coding.rounds.services import (
    round_coding_save_draft,
    round_coding_start,
    round_coding_submit,
    round_create,
    round_promote,
)
from tests import factories
from tests.rounds.conftest import AGREE, code


def test_round_uses_current_codebook_and_numbers_rounds(pilot, review, cases, coder_a,
                                                        coder_b, lead):
    assert pilot.number == 1 and pilot.codebook == review.current_codebook()
    second = round_create(review=review, title="Pilot 2", cases=cases, coders=[coder_a, coder_b],
                          user=lead)
    assert second.number == 2 and second.cases.count() == 3
    assert models.AuditEvent.objects.filter(action="round.create").count() == 2


@pytest.mark.parametrize("kwargs, message", [
    ({"title": ""}, "title"),
    ({"cases": []}, "at least one case"),
    ({"coders": "one"}, "at least two coders"),
])
def test_round_create_refuses_bad_input(review, cases, coder_a, coder_b, lead, kwargs, message):
    args = {"review": review, "title": "Pilot", "cases": cases, "coders": [coder_a, coder_b],
            "user": lead} | kwargs
    if args["coders"] == "one":
        args["coders"] = [coder_a]
    with pytest.raises(ValidationError, match=message):
        round_create(**args)
    assert not models.Round.objects.exists()


def test_only_leads_create_rounds_and_only_members_code(review, cases, coder_a, coder_b,
                                                        outsider):
    with pytest.raises(ValidationError, match="Only a review lead"):
        round_create(review=review, title="P", cases=cases, coders=[coder_a, coder_b],
                     user=coder_a)


def test_outsider_cannot_be_a_round_coder(review, cases, coder_a, outsider, lead):
    with pytest.raises(ValidationError, match="Not members of this review: charlie"):
        round_create(review=review, title="P", cases=cases, coders=[coder_a, outsider],
                     user=lead)


def test_coder_outside_round_cannot_start(pilot, cases, lead, coder_a):
    with pytest.raises(ValidationError, match="do not code case 1"):
        round_coding_start(round_=pilot, case=cases[0], user=lead)
    with pytest.raises(ValidationError, match="do not code case 3"):
        round_coding_start(round_=pilot, case=cases[2], user=coder_a)


def test_submit_checks_required_like_codings(pilot, cases, coder_a):
    coding = code(pilot, cases[0], coder_a, {"budget": 3}, submit=False)
    with pytest.raises(ValidationError, match="Level, Role of citizens"):
        round_coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    coding.refresh_from_db()
    assert coding.status == "draft"


def test_bad_value_refused_with_the_codings_message(pilot, cases, coder_a):
    coding = round_coding_start(round_=pilot, case=cases[0], user=coder_a)
    with pytest.raises(ValidationError, match="Level"):
        round_coding_save_draft(coding=coding, values={"level": {"value": "nowhere"}},
                                expected_version=0, user=coder_a)


def test_stale_version_is_a_conflict_and_submitted_is_read_only(pilot, cases, coder_a):
    coding = code(pilot, cases[0], coder_a, AGREE, submit=False)
    with pytest.raises(CodingConflict):
        round_coding_save_draft(coding=coding, values={"budget": {"value": 1}},
                                expected_version=coding.version - 1, user=coder_a)
    coding = round_coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    with pytest.raises(CodingConflict, match="read-only"):
        round_coding_save_draft(coding=coding, values={"budget": {"value": 1}},
                                expected_version=coding.version, user=coder_a)


def test_round_completes_when_everyone_submitted_everything(pilot, cases, coder_a, coder_b,
                                                            coder_c, lead):
    for case in cases[:2]:
        for coder in (coder_a, coder_b):
            code(pilot, case, coder, AGREE)
    code(pilot, cases[0], coder_c, AGREE)
    pilot.refresh_from_db()
    assert pilot.status == "open"
    assert not models.Notification.objects.exists()  # nobody hears of others' progress
    code(pilot, cases[1], coder_c, AGREE | {"level": "state"})
    pilot.refresh_from_db()
    assert pilot.status == "complete" and pilot.completed_at
    assert models.AuditEvent.objects.filter(action="round.complete").count() == 1
    url = f"/reviews/{pilot.review.slug}/rounds/{pilot.number}/"
    assert sorted(models.Notification.objects.filter(kind="round_complete").values_list(
        "user", "url")) == sorted((u.pk, url) for u in (coder_a, coder_b, coder_c, lead))
    with pytest.raises(ValidationError, match="complete"):
        round_coding_start(round_=pilot, case=cases[0], user=lead)


def _complete(pilot, cases, coders, differ_on_2=True):
    for case in cases[:2]:
        for i, coder in enumerate(coders):
            values = dict(AGREE)
            if differ_on_2 and case.number == "2" and i == 2:
                values |= {"level": "state", "level__evidence": "carol's quote"}
            code(pilot, case, coder, values)
    pilot.refresh_from_db()


def test_round_codings_count_nowhere_in_the_review(pilot, cases, coder_a, coder_b, coder_c,
                                                   review):
    from coding.reliability.selectors import reliability_data

    _complete(pilot, cases, [coder_a, coder_b, coder_c])
    assert not models.Coding.objects.exists()
    assert not models.ConsensusValue.objects.exists()
    assert not models.Disagreement.objects.exists()
    assert reliability_data(review=review).tables["level"] == {}


def test_round_report_has_every_coefficient_lowest_agreement_first(pilot, cases, coder_a,
                                                                   coder_b, coder_c, lead):
    _complete(pilot, cases, [coder_a, coder_b, coder_c])
    report = round_report(round_=pilot)
    assert report["coders"] == ["alice", "bob", "carol"]
    first = report["attributes"][0]
    assert first["key"] == "level"
    row = first["rows"][0]
    for key in ("krippendorff_alpha", "fleiss_kappa", "conger_kappa", "gwet_ac1",
                "percent_agreement"):
        assert key in row
    assert row["coders"] == 3 and row["units"] == 2
    assert row["percent_agreement"] < 1
    compared = [a["agreement"] for a in report["attributes"] if a["agreement"] is not None]
    assert compared == sorted(compared) and len(compared) == 3  # level, roles, agreement
    assert report["attributes"][-1]["key"] == "budget"  # nobody coded it: last
    differences = round_differences(round_=pilot, user=lead)
    level = next(d for d in differences if d["key"] == "level")
    assert [row["case"].number for row in level["cases"]] == ["2"]
    carol = level["cases"][0]["codings"][2]
    assert (carol["coder"].username, carol["value"], carol["evidence"]) == (
        "carol", "State", "carol's quote")
    assert next(d for d in differences if d["key"] == "roles")["cases"] == []


def test_promote_copies_assigned_coders_codings_and_runs_detection(
        pilot, cases, coder_a, coder_b, coder_c, lead, review):
    _complete(pilot, cases, [coder_a, coder_b, coder_c])
    from coding.assignments.services import assignment_set

    assignment_set(case=cases[1], coders=[coder_a, coder_c], assigned_by=lead)
    result = round_promote(round_=pilot, user=lead, coders=[coder_a, coder_b])
    assert result == {"promoted": ["1", "2"], "skipped": []}
    assert models.Coding.objects.filter(status="submitted").count() == 4
    # Case 1: Alice and Bob (picked) agree; case 2: Alice and Carol (assigned) differ on level.
    assert set(models.Assignment.objects.filter(case=cases[0]).values_list(
        "coder__username", flat=True)) == {"alice", "bob"}
    assert models.Disagreement.objects.get().case == cases[1]
    cases[0].refresh_from_db()
    assert cases[0].consensus_complete
    with pytest.raises(ValidationError, match="in use"):
        round_promote(round_=pilot, user=lead, coders=[coder_a, coder_b])


def test_promote_refused_before_complete_and_for_coders(pilot, cases, coder_a, lead):
    with pytest.raises(ValidationError, match="not complete"):
        round_promote(round_=pilot, user=lead)
    with pytest.raises(ValidationError, match="Only a review lead"):
        round_promote(round_=pilot, user=coder_a)


def test_revised_codebook_after_a_round_is_a_new_version_for_the_next_round(
        pilot, review, cases, coder_a, coder_b, coder_c, lead, tmp_path):
    """Nobody has coded in the review yet, so a changed codebook would replace the current
    one in place; a round keeps it, and the next round is coded under the new version."""
    from coding.reviews.importers import codebook_import
    from coding.rounds.selectors import rounds_chart

    _complete(pilot, cases, [coder_a, coder_b, coder_c])
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "title: Revised\nsections:\n- title: Basics\n  attributes:\n"
        "  - key: level\n    label: Level\n    kind: single\n    required: true\n"
        "    options:\n    - {key: national, label: National}\n    - {key: local, label: Local}\n"
    )
    assert codebook_import(path=path, review_slug="demo").outcome == "new version"
    pilot.refresh_from_db()
    assert pilot.codebook.version == 1 and pilot.codebook.attributes.count() == 5
    second = round_create(review=review, title="Pilot 2", cases=cases[:2],
                          coders=[coder_a, coder_b], user=lead)
    assert second.codebook.version == 2
    for case in cases[:2]:
        for coder in (coder_a, coder_b):
            code(second, case, coder, {"level": "local"})
    chart = rounds_chart(review=review, user=lead)
    assert chart["rounds"] == ["Round 1 (codebook v1)", "Round 2 (codebook v2)"]
    level = next(s for s in chart["series"] if s["key"] == "level")
    assert level["alpha"][0] is not None and level["alpha"][0] < 1
    roles = next(s for s in chart["series"] if s["key"] == "roles")
    assert roles["alpha"][1] is None  # not in version 2
    with pytest.raises(ValidationError, match="newer version"):
        round_promote(round_=pilot, user=lead, coders=[coder_a, coder_b])


@pytest.mark.parametrize("bob_started", [False, True])
def test_a_lead_who_codes_a_case_promotes_it_without_learning_whether_the_other_started(
        pilot, cases, coder_a, coder_b, coder_c, lead, bob_started):
    """Carol leads and codes case 1 in the review with Bob: promoting the round skips it with
    the same words whether Bob has a coding of it in the review or not (issue 25, item 1)."""
    from coding.assignments.services import assignment_set

    factories.MembershipFactory(review=pilot.review, user=coder_c, role=models.Role.LEAD)
    _complete(pilot, cases, [coder_a, coder_b, coder_c])
    assignment_set(case=cases[0], coders=[coder_c, coder_b], assigned_by=lead)
    if bob_started:
        factories.CodingFactory(case=cases[0], coder=coder_b)
    result = round_promote(round_=pilot, user=coder_c, coders=[coder_a, coder_b])
    assert result["skipped"] == ["1: you code it in the review; another lead can promote it"]
    assert models.Coding.objects.filter(case=cases[0]).count() == (1 if bob_started else 0)
