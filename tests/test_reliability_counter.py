"""The review's reliability version (issue 22): every change the figures or coder drift depend
on bumps it in its transaction, so that the reliability page and its status poll read one row
and never compute a fingerprint, the figures or drift in the request."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from coding.adjudication.services import consensus_version, disagreement_resolve
from coding.assignments.services import assignment_set
from coding.codings.services import coding_reopen, coding_save_draft, coding_start, coding_submit
from coding.codings.transfer import codings_import
from coding.models import Disagreement, ReliabilitySnapshot, Review, SnapshotStatus
from coding.reliability import drift, selectors, services
from coding.reviews.importers import codebook_import
from tests import factories

PAGE = reverse("coding:reliability", args=["demo"])
STATUS = reverse("coding:reliability_status", args=["demo"])
API = "/api/reviews/demo/reliability/"
DRIFT_API = "/api/reviews/demo/reliability/drift/"


def version(review) -> int:
    return Review.objects.get(pk=review.pk).reliability_version


def _submit(case, user, level="local"):
    coding = coding_start(case=case, user=user)
    coding = coding_save_draft(coding=coding, expected_version=coding.version, user=user, values={
        "level": {"value": level}, "roles": {"value": ["deliverer"]}})
    return coding_submit(coding=coding, expected_version=coding.version, user=user)


@pytest.fixture
def assigned(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


# --- what bumps it -------------------------------------------------------------------


def test_a_submission_bumps_the_version_only_once_it_completes_the_case(
    assigned, coder_a, coder_b
):
    before = version(assigned.review)
    _submit(assigned, coder_a)
    # Blind coding: coder B's lead learns nothing from the status of the figures.
    assert version(assigned.review) == before
    _submit(assigned, coder_b)
    assert version(assigned.review) > before


def test_reopening_a_coding_of_a_complete_case_bumps_the_version(assigned, coder_a, coder_b,
                                                                 lead):
    coding = _submit(assigned, coder_a)
    _submit(assigned, coder_b)
    before = version(assigned.review)
    coding_reopen(coding=coding, user=lead, reason="Check the annex")
    assert version(assigned.review) > before


def test_reopening_a_coding_of_an_incomplete_case_leaves_the_version(assigned, coder_a, lead):
    coding = _submit(assigned, coder_a)
    before = version(assigned.review)
    coding_reopen(coding=coding, user=lead, reason="Check the annex")
    assert version(assigned.review) == before


def test_importing_codings_bumps_the_version(review, tmp_path):
    factories.CaseFactory(review=review, number="1")
    path = Path(tmp_path / "codings.csv")
    path.write_text("case,coder,attribute,value\n1,ann,level,local\n1,ben,level,state\n",
                    encoding="utf-8")
    before = version(review)
    codings_import(path=path, review_slug="demo", enrol=True)
    assert version(review) > before


def test_a_changed_codebook_bumps_the_version(coproduction, tmp_path):
    bundled = Path(__file__).resolve().parent.parent / "fixtures" / "coproduction_codebook.yaml"
    edited = tmp_path / "codebook.yaml"
    edited.write_text(bundled.read_text(encoding="utf-8").replace(
        "key: local", "key: municipal", 1), encoding="utf-8")
    before = version(coproduction)
    codebook_import(path=edited, review_slug="coproduction")
    assert version(coproduction) > before


def test_a_decision_bumps_the_version(assigned, coder_a, coder_b, adjudicator):
    _submit(assigned, coder_a, level="local")
    _submit(assigned, coder_b, level="state")
    disagreement = Disagreement.objects.get(case=assigned)
    before = version(assigned.review)
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                         rationale="as coded by A",
                         expected_version=consensus_version(disagreement))
    assert version(assigned.review) > before  # as every decision does


def test_assigning_a_coder_who_has_submitted_bumps_the_version(review, coder_a, coder_b, lead):
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    before = version(review)
    assignment_set(case=case, coders=[coder_a, coder_b], assigned_by=lead)  # now complete
    assert version(review) > before


@pytest.fixture
def staff_lead(lead):
    lead.is_staff = True
    lead.save()
    return lead


def test_saving_a_review_in_the_admin_bumps_the_version(client, review, staff_lead):
    """The admin's save and delete (coding.admin._data_changed) bump it; codebooks, cases,
    codings and consensus are read-only there, so a review's save is the path to check."""
    client.force_login(staff_lead)
    before = version(review)
    response = client.post(f"/admin/coding/review/{review.pk}/change/", {
        "resolution_mode": review.resolution_mode, "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302
    assert version(review) > before


def test_a_stale_review_instance_does_not_set_the_version_back(review):
    stale = Review.objects.get(pk=review.pk)
    services.reliability_changed(review=review)
    stale.title = "Renamed"
    stale.save()
    assert version(review) == 2


# --- what a request costs --------------------------------------------------------------


def never_computed_here(monkeypatch):
    """From here on, any computation of figures or drift fails the test."""
    def refuse(*args, **kwargs):
        raise AssertionError("computed in the request")

    for module, name in ((services, "snapshot_report"), (selectors, "reliability_rows"),
                         (selectors, "reliability_data"), (drift, "_per_case"),
                         (drift, "snapshot_values"), (services, "snapshot_values"),
                         (drift, "coder_drift"), (services, "drift_snapshot")):
        monkeypatch.setattr(module, name, refuse)


def _coded_review(review, coder_a, coder_b, cases: int):
    for number in range(1, cases + 1):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
        factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
        factories.consensus_for(case=case, values={"level": "local"})
    factories.reliability_computed(review)
    # A coding change after the snapshot: the first view after it is the one measured.
    factories.reliability_bumped(review)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code in (200, 202)
    return len(queries)


@pytest.mark.parametrize("cases", [2, 30])
def test_page_status_and_api_cost_a_fixed_number_of_queries_and_compute_nothing(
    client, review, coder_a, coder_b, lead, cases, monkeypatch, django_assert_max_num_queries
):
    _coded_review(review, coder_a, coder_b, cases)
    never_computed_here(monkeypatch)
    client.force_login(lead)
    api = APIClient()
    api.force_authenticate(lead)

    with django_assert_max_num_queries(12):
        html = client.get(PAGE).content.decode()
    with django_assert_max_num_queries(8):
        assert client.get(STATUS).json()["status"] == "computing"
    with django_assert_max_num_queries(10):
        assert api.get(API).status_code == 200
    with django_assert_max_num_queries(10):
        assert api.get(DRIFT_API).json()["rows"]
    with django_assert_max_num_queries(12):
        assert client.get(PAGE + "?drift=window&n=3").status_code == 200  # + stored codings
    assert 'id="drift-table"' in html and 'id="reliability-table"' in html


def test_the_number_of_queries_does_not_grow_with_the_cases(client, review, coder_a, coder_b,
                                                             lead, monkeypatch):
    client.force_login(lead)
    _coded_review(review, coder_a, coder_b, 2)
    small = [_queries(client, url) for url in (PAGE, STATUS)]
    for number in range(3, 40):
        case = factories.CaseFactory(review=review, number=str(number))
        factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
        factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})
    factories.reliability_computed(review)
    factories.reliability_bumped(review)
    never_computed_here(monkeypatch)
    assert [_queries(client, url) for url in (PAGE, STATUS)] == small


def test_the_page_shows_the_last_figures_as_being_updated_while_newer_ones_compute(
    client, review, coder_a, coder_b, lead, monkeypatch
):
    _coded_review(review, coder_a, coder_b, 3)
    never_computed_here(monkeypatch)
    client.force_login(lead)

    html = client.get(PAGE).content.decode()

    assert "These figures are being updated." in html
    assert 'id="reliability-table"' in html and 'id="drift-table"' in html
    assert client.get(STATUS).json()["status"] == "computing"


def test_an_up_to_date_page_does_not_say_being_updated(client, review, coder_a, coder_b, lead):
    _coded_review(review, coder_a, coder_b, 3)
    factories.reliability_computed(review)
    client.force_login(lead)
    html = client.get(PAGE).content.decode()
    assert "being updated" not in html and "from the current codings." in html


# --- recovery and the migration ---------------------------------------------------------


def test_recovery_computes_the_current_version_after_the_migration(review, coder_a, coder_b):
    """The migration keeps each review's newest ready snapshot as version 0 (never current):
    it is shown as being updated until the worker's recovery asks for the current version."""
    from importlib import import_module

    _coded_review(review, coder_a, coder_b, 2)
    kept = ReliabilitySnapshot.objects.get()
    older = ReliabilitySnapshot.objects.create(review=review, version=kept.version + 5,
                                               status=SnapshotStatus.SUPERSEDED)
    migration = import_module("coding.migrations.0021_reliability_counter")
    migration.keep_newest_ready(apps, None)
    assert list(ReliabilitySnapshot.objects.values_list("pk", "version")) == [(kept.pk, 0)]
    assert not ReliabilitySnapshot.objects.filter(pk=older.pk).exists()
    review.refresh_from_db()
    state = selectors.reliability_snapshot_state(review=review)
    assert state.latest.pk == kept.pk and state.status == "computing"

    call_command("recover_background_jobs", stdout=io.StringIO())

    pending = ReliabilitySnapshot.objects.get(version=version(review))
    assert pending.status == SnapshotStatus.PENDING
    services.reliability_snapshot_compute(snapshot_id=pending.pk)
    review.refresh_from_db()
    state = selectors.reliability_snapshot_state(review=review)
    assert state.status == "up_to_date" and state.latest.drift["week"]["rows"]
