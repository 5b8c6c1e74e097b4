"""Disagreement detection and adjudication services (coding/adjudication/)."""

import pytest
from django.core.exceptions import ValidationError

from coding.adjudication.policies import OWN_CASE_MESSAGE
from coding.adjudication.services import (
    consensus_version,
    disagreement_reopen,
    disagreement_resolve,
    disagreements_detect,
)
from coding.models import (
    AuditEvent,
    CodedValue,
    Coding,
    ConsensusMethod,
    ConsensusRevision,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Role,
)
from coding.values import differing_options
from tests import factories

# Alice and Bob agree on level and the formal agreement, differ on roles, budget;
# both wrote a (different) topic text.
VALUES_A = {"level": "local", "roles": ["deliverer", "assessor"], "budget": 100.0,
            "agreement": True, "topic": "Elderly care"}
VALUES_B = {"level": "local", "roles": ["deliverer", "commissioner"], "budget": 250.0,
            "agreement": True, "topic": "Care for older people"}


@pytest.fixture
def case(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="7")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


@pytest.fixture
def coded(case, coder_a, coder_b):
    """Both codings submitted, with evidence quotes."""
    a = factories.coding_with_values(
        case=case, coder=coder_a, values=VALUES_A,
        evidence={"level": "the borough council", "roles": "volunteers deliver meals"},
    )
    b = factories.coding_with_values(
        case=case, coder=coder_b, values=VALUES_B,
        evidence={"level": "run by the local council", "roles": "residents commissioned"},
    )
    return a, b


def _raw(case):
    """Everything the coders wrote, to check adjudication never touches it."""
    codings = list(Coding.objects.filter(case=case).values().order_by("pk"))
    values = [
        (v.coding_id, v.attribute.key, v.text, v.number, v.boolean, v.evidence, v.note,
         sorted(o.key for o in v.options.all()))
        for v in CodedValue.objects.filter(coding__case=case).prefetch_related("options")
        .select_related("attribute").order_by("pk")
    ]
    return codings, values


def _consensus(case, key):
    return ConsensusValue.objects.prefetch_related("options").get(case=case, attribute__key=key)


def _disagreement(case, key):
    return Disagreement.objects.get(case=case, attribute__key=key)


def test_detection_agrees_equal_values_and_opens_differing_ones(case, coded):
    result = disagreements_detect(case=case)

    assert result.ran
    assert sorted(result.agreed) == ["agreement", "level"]
    assert sorted(result.opened) == ["budget", "roles"]
    level = _consensus(case, "level")
    assert level.method == ConsensusMethod.AGREED
    assert [o.key for o in level.options.all()] == ["local"]
    assert level.evidence == "the borough council\n\nrun by the local council"
    assert level.decided_by is None
    assert _consensus(case, "agreement").boolean is True
    assert set(Disagreement.objects.filter(case=case).values_list("attribute__key", "status")) == {
        ("budget", DisagreementStatus.OPEN), ("roles", DisagreementStatus.OPEN)
    }
    # Text is shown side by side, never a disagreement, never a consensus value.
    assert not Disagreement.objects.filter(attribute__key="topic").exists()
    assert not ConsensusValue.objects.filter(attribute__key="topic").exists()
    a, b = coded
    assert _disagreement(case, "roles").coding_a == a
    assert _disagreement(case, "roles").coding_b == b


def test_detection_records_which_options_differ(case, coded):
    disagreements_detect(case=case)

    event = AuditEvent.objects.get(action="disagreement.detect", data__attribute="roles")
    assert event.data["only_a"] == ["assessor"]
    assert event.data["only_b"] == ["commissioner"]
    assert differing_options(frozenset({"x", "y"}), frozenset({"y"})) == (["x"], [])


def test_detection_is_idempotent(case, coded):
    disagreements_detect(case=case)
    counts = (ConsensusValue.objects.count(), Disagreement.objects.count(),
              ConsensusRevision.objects.count(), AuditEvent.objects.count())

    again = disagreements_detect(case=case)

    assert again.ran and not again.agreed and not again.opened and not again.withdrawn
    assert counts == (ConsensusValue.objects.count(), Disagreement.objects.count(),
                      ConsensusRevision.objects.count(), AuditEvent.objects.count())


def test_detection_waits_until_both_assigned_coders_submitted(case, coder_a, coder_b):
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A)
    factories.coding_with_values(case=case, coder=coder_b, values=VALUES_B, submitted=False)

    result = disagreements_detect(case=case)

    assert not result.ran
    assert not Disagreement.objects.exists() and not ConsensusValue.objects.exists()


def test_detection_compares_only_the_two_assigned_coders(case, coded, review):
    third = factories.UserFactory(username="carol")
    factories.coding_with_values(case=case, coder=third, values={**VALUES_A, "budget": 1.0})

    disagreements_detect(case=case)

    assert set(Disagreement.objects.values_list("attribute__key", flat=True)) == {
        "budget", "roles"
    }


def test_multi_choice_with_nothing_ticked_by_both_is_agreed_none(case, coder_a, coder_b):
    factories.coding_with_values(case=case, coder=coder_a, values={"roles": []})
    factories.coding_with_values(case=case, coder=coder_b, values={"roles": []})

    disagreements_detect(case=case)

    roles = _consensus(case, "roles")
    assert roles.method == ConsensusMethod.AGREED and not roles.options.exists()
    # Attributes neither coder answered get no consensus value.
    assert not ConsensusValue.objects.filter(attribute__key="level").exists()


def test_one_coder_leaving_a_value_out_is_a_disagreement(case, coder_a, coder_b):
    factories.coding_with_values(case=case, coder=coder_a, values={"budget": 3})
    factories.coding_with_values(case=case, coder=coder_b, values={})

    disagreements_detect(case=case)

    assert _disagreement(case, "budget").status == DisagreementStatus.OPEN


def test_resolving_with_coder_a_value_writes_consensus_not_codings(case, coded, adjudicator):
    disagreements_detect(case=case)
    raw_before = _raw(case)

    consensus = disagreement_resolve(
        disagreement=_disagreement(case, "roles"), user=adjudicator, choice="a",
        rationale="The case text says volunteers assess the service.", expected_version=0,
    )

    consensus = _consensus(case, "roles")
    assert consensus.method == ConsensusMethod.ADJUDICATED
    assert sorted(o.key for o in consensus.options.all()) == ["assessor", "deliverer"]
    assert consensus.decided_by == adjudicator and consensus.decided_at is not None
    assert consensus.rationale == "The case text says volunteers assess the service."
    assert consensus.evidence == "volunteers deliver meals"
    assert consensus.version == 1
    revision = consensus.revisions.get()
    assert revision.changed_by == adjudicator
    assert revision.before is None
    assert revision.after["value"] == ["assessor", "deliverer"]
    assert revision.after["choice"] == "a"
    assert _disagreement(case, "roles").status == DisagreementStatus.RESOLVED
    assert _raw(case) == raw_before
    event = AuditEvent.objects.get(action="consensus.adjudicate")
    assert event.actor == adjudicator and event.data["rationale"].startswith("The case text")


@pytest.mark.parametrize(
    "key, value, check",
    [
        ("budget", "175.5", lambda c: c.number == 175.5),
        ("roles", ["commissioner", "assessor"],
         lambda c: sorted(o.key for o in c.options.all()) == ["assessor", "commissioner"]),
        ("roles", [], lambda c: not c.options.exists()),
    ],
)
def test_resolving_with_another_value(case, coded, adjudicator, key, value, check):
    disagreements_detect(case=case)

    disagreement_resolve(
        disagreement=_disagreement(case, key), user=adjudicator, choice="other", value=value,
        rationale="Neither coder read the annex.", expected_version=0,
    )

    assert check(_consensus(case, key))


def test_resolving_single_and_boolean_with_another_value(case, coder_a, coder_b, adjudicator):
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local",
                                                                   "agreement": True})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state",
                                                                   "agreement": False})
    disagreements_detect(case=case)

    disagreement_resolve(disagreement=_disagreement(case, "level"), user=adjudicator,
                         choice="other", value="national", rationale="Federal programme.",
                         expected_version=0)
    disagreement_resolve(disagreement=_disagreement(case, "agreement"), user=adjudicator,
                         choice="other", value="no", rationale="No contract was signed.",
                         expected_version=0)

    assert [o.key for o in _consensus(case, "level").options.all()] == ["national"]
    assert _consensus(case, "agreement").boolean is False


@pytest.mark.parametrize("value, message", [
    ("lots", "enter a number"), ("", "enter a number"),
])
def test_resolving_with_a_bad_other_value_saves_nothing(case, coded, adjudicator, value, message):
    disagreements_detect(case=case)

    with pytest.raises(ValidationError, match=message):
        disagreement_resolve(disagreement=_disagreement(case, "budget"), user=adjudicator,
                             choice="other", value=value, rationale="Because.",
                             expected_version=0)

    assert not ConsensusValue.objects.filter(attribute__key="budget").exists()
    assert _disagreement(case, "budget").status == DisagreementStatus.OPEN


def test_resolving_with_an_unknown_option_is_refused(case, coded, adjudicator):
    disagreements_detect(case=case)

    with pytest.raises(ValidationError, match="not among its options"):
        disagreement_resolve(disagreement=_disagreement(case, "roles"), user=adjudicator,
                             choice="other", value=["funder"], rationale="x",
                             expected_version=0)


def test_resolving_needs_a_rationale(case, coded, adjudicator):
    disagreements_detect(case=case)

    with pytest.raises(ValidationError, match="rationale"):
        disagreement_resolve(disagreement=_disagreement(case, "budget"), user=adjudicator,
                             choice="a", rationale="   ", expected_version=0)

    assert not ConsensusValue.objects.filter(attribute__key="budget").exists()


def test_only_adjudicators_resolve(case, coded, lead, outsider):
    disagreements_detect(case=case)

    for user in (lead, outsider):
        with pytest.raises(ValidationError, match="Only an adjudicator"):
            disagreement_resolve(disagreement=_disagreement(case, "budget"), user=user,
                                 choice="a", rationale="Because.", expected_version=0)

    assert not ConsensusValue.objects.filter(attribute__key="budget").exists()


def test_an_adjudicator_does_not_adjudicate_a_case_they_coded(case, coded, coder_a, review):
    factories.MembershipFactory(review=review, user=coder_a, role=Role.ADJUDICATOR)
    disagreements_detect(case=case)

    with pytest.raises(ValidationError) as error:
        disagreement_resolve(disagreement=_disagreement(case, "budget"), user=coder_a,
                             choice="a", rationale="Mine is right.", expected_version=0)

    assert error.value.messages == [OWN_CASE_MESSAGE]
    assert not ConsensusValue.objects.filter(attribute__key="budget").exists()


def test_an_adjudicator_with_an_unassigned_coding_of_the_case_is_refused(case, coded, adjudicator):
    factories.coding_with_values(case=case, coder=adjudicator, values={"budget": 5})
    disagreements_detect(case=case)

    with pytest.raises(ValidationError, match="cannot adjudicate"):
        disagreement_resolve(disagreement=_disagreement(case, "budget"), user=adjudicator,
                             choice="a", rationale="x", expected_version=0)


def test_a_stale_decision_is_a_conflict_not_an_overwrite(case, coded, adjudicator, review):
    other = factories.UserFactory(username="otto")
    factories.MembershipFactory(review=review, user=other, role=Role.ADJUDICATOR)
    disagreements_detect(case=case)
    disagreement = _disagreement(case, "budget")
    disagreement_resolve(disagreement=disagreement, user=other, choice="b",
                         rationale="Annual report.", expected_version=0)

    with pytest.raises(ValidationError, match="Someone else changed this decision"):
        disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                             rationale="Budget table.", expected_version=0)

    consensus = _consensus(case, "budget")
    assert consensus.number == 250.0 and consensus.decided_by == other


def test_changing_a_decision_keeps_every_version(case, coded, adjudicator):
    disagreements_detect(case=case)
    disagreement = _disagreement(case, "budget")
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                         rationale="First reading.", expected_version=0)

    disagreement_reopen(disagreement=disagreement, user=adjudicator,
                        reason="Found the 2011 budget.", expected_version=1)
    assert _disagreement(case, "budget").status == DisagreementStatus.OPEN
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="other",
                         value=180, rationale="The 2011 budget says 180.",
                         expected_version=consensus_version(disagreement))

    consensus = _consensus(case, "budget")
    assert consensus.number == 180.0 and consensus.version == 2
    history = list(consensus.revisions.order_by("changed_at", "id"))
    assert [(r.before and r.before["value"], r.after["value"], r.rationale) for r in history] == [
        (None, 100.0, "First reading."),
        (100.0, 180.0, "The 2011 budget says 180."),
    ]
    reopen = AuditEvent.objects.get(action="disagreement.reopen")
    assert reopen.actor == adjudicator and reopen.data["reason"] == "Found the 2011 budget."


def test_reopening_needs_a_reason_and_a_decided_disagreement(case, coded, adjudicator):
    disagreements_detect(case=case)
    disagreement = _disagreement(case, "budget")

    with pytest.raises(ValidationError, match="open already"):
        disagreement_reopen(disagreement=disagreement, user=adjudicator, reason="x",
                            expected_version=0)
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                         rationale="r", expected_version=0)
    with pytest.raises(ValidationError, match="why"):
        disagreement_reopen(disagreement=disagreement, user=adjudicator, reason="",
                            expected_version=1)
    assert _disagreement(case, "budget").status == DisagreementStatus.RESOLVED


def test_redetection_after_a_reopened_coding_keeps_adjudicated_decisions(
    case, coded, adjudicator
):
    disagreements_detect(case=case)
    disagreement_resolve(disagreement=_disagreement(case, "budget"), user=adjudicator,
                         choice="b", rationale="Annual report.", expected_version=0)
    a, b = coded
    # A lead reopened Alice's coding; she changed level and roles, and resubmitted.
    level = CodedValue.objects.get(coding=a, attribute__key="level")
    level.options.set(level.attribute.options.filter(key="state"))
    roles = CodedValue.objects.get(coding=a, attribute__key="roles")
    roles.options.set(roles.attribute.options.filter(key__in=["deliverer", "commissioner"]))
    budget = CodedValue.objects.get(coding=a, attribute__key="budget")
    budget.number = 300.0
    budget.save()

    result = disagreements_detect(case=case)

    # The adjudicated budget decision survives, still resolved.
    budget_consensus = _consensus(case, "budget")
    assert budget_consensus.method == ConsensusMethod.ADJUDICATED
    assert budget_consensus.number == 250.0
    assert _disagreement(case, "budget").status == DisagreementStatus.RESOLVED
    assert "budget" in result.kept
    # Level was agreed and no longer is: now an open disagreement, no agreed value.
    assert _disagreement(case, "level").status == DisagreementStatus.OPEN
    assert not ConsensusValue.objects.filter(case=case, attribute__key="level").exists()
    # Roles differed and now agree: the open disagreement is gone, the value agreed.
    assert not Disagreement.objects.filter(case=case, attribute__key="roles").exists()
    assert sorted(o.key for o in _consensus(case, "roles").options.all()) == [
        "commissioner", "deliverer"
    ]
    assert AuditEvent.objects.filter(action="consensus.withdraw", data__attribute="level").exists()


def test_submitting_both_codings_detects_disagreements(case, coder_a, coder_b):
    from coding.codings.services import coding_save_draft, coding_start, coding_submit

    for coder, values in ((coder_a, {"level": "local", "roles": ["deliverer"], "budget": 1}),
                          (coder_b, {"level": "state", "roles": ["deliverer"], "budget": 1})):
        coding = coding_start(case=case, user=coder)
        coding = coding_save_draft(
            coding=coding, values={k: {"value": v} for k, v in values.items()},
            expected_version=coding.version, user=coder,
        )
        assert not Disagreement.objects.exists()
        coding_submit(coding=coding, expected_version=coding.version, user=coder)

    assert list(Disagreement.objects.values_list("attribute__key", flat=True)) == ["level"]
    assert set(ConsensusValue.objects.values_list("attribute__key", flat=True)) == {
        "roles", "budget"
    }


@pytest.mark.django_db(transaction=True)
def test_two_coders_submitting_at_the_same_moment_still_get_compared(monkeypatch):
    """Both submits update their own coding, then compare: without a lock each would see
    the other's coding as a draft (not committed yet) and no comparison would run."""
    import threading
    import time

    from django.db import connection, connections

    import coding.adjudication.services as adjudication
    from coding.codings.services import coding_save_draft, coding_start, coding_submit

    if connection.vendor != "postgresql":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    review = factories.ReviewFactory(slug="race")
    factories.codebook_for(review)
    case = factories.CaseFactory(review=review)
    coders = [factories.UserFactory(username=name) for name in ("ann", "ben")]
    codings = []
    for coder, level in zip(coders, ("local", "state"), strict=True):
        factories.MembershipFactory(review=review, user=coder, role=Role.CODER)
        factories.AssignmentFactory(case=case, coder=coder)
        coding = coding_start(case=case, user=coder)
        codings.append(coding_save_draft(
            coding=coding, values={"level": {"value": level}, "roles": {"value": ["deliverer"]}},
            expected_version=coding.version, user=coder))
    real_detect = adjudication.disagreements_detect
    barrier = threading.Barrier(2, timeout=20)

    def detect_slowly(**kwargs):
        # The other submission comes meanwhile: it waits for the case (coding.locks, taken
        # first by coding_submit), so it cannot update its coding before this one commits.
        time.sleep(0.3)
        return real_detect(**kwargs)

    monkeypatch.setattr(adjudication, "disagreements_detect", detect_slowly)
    errors = []

    def submit(coding, coder):
        try:
            barrier.wait()  # both submit at the same moment
            coding_submit(coding=coding, expected_version=coding.version, user=coder)
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=pair)
               for pair in zip(codings, coders, strict=True)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert list(Disagreement.objects.filter(case=case).values_list(
        "attribute__key", flat=True)) == ["level"]
    assert ConsensusValue.objects.filter(case=case, attribute__key="roles").exists()
