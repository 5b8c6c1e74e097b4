"""A transaction the database aborts because others wrote at the same moment (coding/locks.py):
run again once by the service, and otherwise answered 409 with a message on pages and in the
API, never 500. The race itself, on PostgreSQL between two servers, is in
tests/test_multiserver_races.py."""

import threading
import time

import pytest
from django.db import OperationalError, connection, transaction
from rest_framework.authtoken.models import Token

from coding.adjudication.services import disagreements_detect
from coding.models import AuditEvent, Case, Coding, CodingStatus, Disagreement
from tests import factories


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def _deadlock() -> OperationalError:
    """An OperationalError as Django raises it for PostgreSQL's "deadlock detected"."""
    error = OperationalError("deadlock detected")
    error.__cause__ = _Deadlock("deadlock detected")
    return error


def _raises_deadlock(*args, **kwargs):
    raise _deadlock()


@pytest.fixture
def disputed(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    disagreements_detect(case=case, notify=False)
    return case


def _raises_database_locked(*args, **kwargs):
    raise OperationalError("database is locked")  # SQLite, after its busy timeout


@pytest.mark.parametrize("failure", [_raises_deadlock, _raises_database_locked])
def test_a_deadlocked_page_post_answers_409_with_a_message(client, lead, disputed, coder_a,
                                                           monkeypatch, failure):
    monkeypatch.setattr("coding.web.lead.coding_reopen", failure)
    coding = Coding.objects.get(case=disputed, coder=coder_a)
    client.force_login(lead)
    url = f"/reviews/demo/codings/{coding.pk}/reopen/"
    response = client.post(url, {"reason": "Check it."})
    assert response.status_code == 409
    assert "Someone else changed this case at the same moment" in response.content.decode()
    # A script (autosave) asking for JSON gets JSON.
    response = client.post(url, {"reason": "Check it."}, headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.json()["busy"] is True
    assert "try again" in response.json()["message"]
    assert Coding.objects.get(pk=coding.pk).status == CodingStatus.SUBMITTED


def test_a_deadlocked_api_call_answers_409_with_a_message(client, adjudicator, disputed,
                                                          monkeypatch):
    monkeypatch.setattr("coding.api.views.adjudication.disagreement_resolve", _raises_deadlock)
    disagreement = Disagreement.objects.get(case=disputed)
    token = Token.objects.create(user=adjudicator)
    response = client.post(
        f"/api/reviews/demo/disagreements/{disagreement.pk}/resolve/",
        {"choice": "a", "rationale": "The report says so.", "version": 0},
        content_type="application/json", headers={"Authorization": f"Token {token.key}"},
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "lock_conflict"
    assert "Someone else changed this case at the same moment" in body["detail"]
    assert body["errors"] == [body["detail"]]


@pytest.mark.django_db(transaction=True)  # the service's own transaction is the outermost
def test_a_submission_the_database_aborted_once_is_run_again_and_counted_once(
    review, coder_a, monkeypatch
):
    from coding.codings import services

    case = factories.CaseFactory(review=review, number="1")
    coding = factories.coding_with_values(case=case, coder=coder_a, submitted=False,
                                          values={"level": "local", "roles": ["deliverer"]})
    real = services.record_unticked_multi_choices
    calls = []

    def deadlock_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise _deadlock()
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "record_unticked_multi_choices", deadlock_once)
    services.coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    assert len(calls) == 2
    coding.refresh_from_db()
    assert coding.status == CodingStatus.SUBMITTED
    # The first attempt rolled back: one submission, one audit event.
    assert AuditEvent.objects.filter(action="coding.submit").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_submission_aborted_twice_is_not_run_a_third_time(review, coder_a, monkeypatch):
    from coding.codings import services

    case = factories.CaseFactory(review=review, number="1")
    coding = factories.coding_with_values(case=case, coder=coder_a, submitted=False,
                                          values={"level": "local", "roles": ["deliverer"]})
    calls = []

    def deadlock_always(*args, **kwargs):
        calls.append(1)
        raise _deadlock()

    monkeypatch.setattr(services, "record_unticked_multi_choices", deadlock_always)
    with pytest.raises(OperationalError):
        services.coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    assert len(calls) == 2
    # Inside a caller's transaction the service cannot run again: the caller gets the error.
    calls.clear()
    with pytest.raises(OperationalError), transaction.atomic():
        services.coding_submit(coding=coding, expected_version=coding.version, user=coder_a)
    assert len(calls) == 1
    assert Coding.objects.get(pk=coding.pk).status == CodingStatus.DRAFT


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_a_decision_waits_for_the_case_before_it_locks_the_disagreement(
    review, coder_a, coder_b, adjudicator
):
    """While another transaction holds the case (a resubmission comparing the codings), a
    decision waits at the case and holds nothing the other needs: the disagreement stays
    free. Before, the decision locked the disagreement first and the resubmission then waited
    for it while holding the case: a deadlock."""
    from coding.adjudication.services import disagreement_resolve

    case = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    disagreements_detect(case=case, notify=False)
    disagreement = Disagreement.objects.get(case=case)
    holding, release, decided = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def hold_the_case():
        try:
            with transaction.atomic():
                list(Case.objects.select_for_update().filter(pk=case.pk))
                holding.set()
                release.wait(10)
        finally:
            connection.close()

    def decide():
        try:
            disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                                 rationale="The report says so.", expected_version=0)
            decided.set()
        except Exception as error:  # shown below
            errors.append(error)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_case)
    holder.start()
    assert holding.wait(10)
    decider = threading.Thread(target=decide)
    decider.start()
    time.sleep(0.5)
    try:
        assert not decided.is_set()  # it queues behind the case
        with transaction.atomic():  # and has not taken the disagreement meanwhile
            locked = list(Disagreement.objects.select_for_update(nowait=True, of=("self",))
                          .filter(pk=disagreement.pk).values_list("pk", flat=True))
        assert locked == [disagreement.pk]
    finally:
        release.set()
        holder.join(10)
        decider.join(10)
    assert errors == [] and decided.is_set()
