"""The reliability page, its status endpoint, its CSV and the API read the latest snapshot:
they say when it was computed, how long it took and whether newer figures are on their way,
and never compute in the request."""

import csv
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from coding.models import ReliabilitySnapshot, SnapshotStatus
from coding.reliability import selectors, services
from tests import factories

PAGE = reverse("coding:reliability", args=["demo"])
STATUS = reverse("coding:reliability_status", args=["demo"])
CSV = reverse("coding:reliability_csv", args=["demo"])
API = "/api/reviews/demo/reliability/"


def _code(review, coder_a, coder_b, number, a="local", b="local"):
    case = factories.CaseFactory(review=review, number=number)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": a})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": b})


@pytest.fixture
def never_computed_here(monkeypatch):
    """Any computation of figures in the request fails the test."""
    def refuse(**kwargs):
        raise AssertionError("reliability computed in the request")

    monkeypatch.setattr(services, "snapshot_report", refuse)
    monkeypatch.setattr(selectors, "reliability_rows", refuse)


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_page_without_a_snapshot_says_it_is_being_computed_and_writes_nothing(
    client, review, coder_a, coder_b, lead, never_computed_here
):
    _code(review, coder_a, coder_b, "1")  # codings no service announced
    client.force_login(lead)

    response = client.get(PAGE)

    html = response.content.decode()
    assert response.status_code == 200
    assert "The figures are being computed" in html and "refreshes itself" in html
    assert 'id="reliability-table"' not in html and "Download this table" not in html
    assert f'data-status-url="{STATUS}"' in html and "js/reliability-status.js" in html
    assert client.get(STATUS).json() == {
        "status": "computing", "snapshot": None, "computed_at": None, "duration_seconds": None}
    assert not ReliabilitySnapshot.objects.exists()  # a GET writes nothing
    # The worker's recovery (as it starts, and every few minutes) asks for it.
    call_command("recover_background_jobs", stdout=io.StringIO())
    assert ReliabilitySnapshot.objects.get().status == SnapshotStatus.PENDING


def test_page_shows_when_the_figures_were_computed_and_how_long_it_took(
    client, review, coder_a, coder_b, lead
):
    _code(review, coder_a, coder_b, "1")
    snapshot = factories.reliability_computed(review)
    # A fixed duration: a measured one can fall half-way between two hundredths, where
    # Python's :.2f and the template's floatformat round differently.
    type(snapshot).objects.filter(pk=snapshot.pk).update(duration=0.5)
    snapshot.refresh_from_db()
    client.force_login(lead)

    html = client.get(PAGE).content.decode()
    status = client.get(STATUS)

    # The time once, in the viewer's zone and naming it (not followed by another "UTC").
    when = snapshot.finished_at.replace(microsecond=0).isoformat()
    assert f'Figures computed <time datetime="{when}">' in html
    assert '<span class="time-zone">UTC</span></time> in 0.50 s' in html
    assert "in 0.50 s, from the current codings." in html
    assert "being computed" not in html and 'id="reliability-table"' in html
    assert set(status["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert status.json() == {"status": "up_to_date", "snapshot": snapshot.pk,
                             "computed_at": snapshot.finished_at.isoformat(),
                             "duration_seconds": snapshot.duration}


def test_page_keeps_the_last_figures_while_newer_ones_are_computed(
    client, review, coder_a, coder_b, lead, never_computed_here, monkeypatch
):
    _code(review, coder_a, coder_b, "1")
    monkeypatch.undo()
    old = factories.reliability_computed(review)
    _code(review, coder_a, coder_b, "2", b="state")
    client.force_login(lead)

    response = client.get(PAGE)

    html = response.content.decode()
    level = next(r for r in response.context["rows"] if r["attribute"] == "level")
    assert level["units"] == 1 and level["percent_agreement"] == 1.0  # the old figures
    assert "Newer figures are being computed" in html
    assert f'data-snapshot="{old.pk}"' in html
    assert client.get(STATUS).json()["status"] == "computing"


def test_page_says_when_computing_the_current_figures_failed(
    client, review, coder_a, coder_b, lead, monkeypatch
):
    _code(review, coder_a, coder_b, "1")
    factories.reliability_computed(review)
    _code(review, coder_a, coder_b, "2")
    snapshot = services.reliability_snapshot_request(review=review)
    monkeypatch.setattr(services, "snapshot_report",
                        lambda **kw: (_ for _ in ()).throw(MemoryError("out of memory")))
    with pytest.raises(MemoryError):
        services.reliability_snapshot_compute(snapshot_id=snapshot.pk)
    client.force_login(lead)

    html = client.get(PAGE).content.decode()

    assert "Computing the figures of the current codings failed" in html
    assert "the figures below are older" in html and "MemoryError: out of memory" in html
    assert client.get(STATUS).json()["status"] == "failed"
    assert _api(lead).get(API).json()["status"] == "failed"


def test_api_answers_202_until_the_first_figures_exist(
    review, coder_a, coder_b, lead, never_computed_here
):
    _code(review, coder_a, coder_b, "1")

    response = _api(lead).get(API)

    assert response.status_code == 202 and response["Retry-After"] == "5"
    assert response.json() == {"rows": [], "pairs": [], "coders": [], "status": "computing",
                               "computed_at": None, "duration_seconds": None}


def test_api_serves_the_latest_snapshot_with_when_and_how_long(
    review, coder_a, coder_b, lead
):
    _code(review, coder_a, coder_b, "1")
    snapshot = factories.reliability_computed(review)
    _code(review, coder_a, coder_b, "2", b="state")

    body = _api(lead).get(API).json()

    assert list(body) == ["rows", "pairs", "coders", "status", "computed_at",
                          "duration_seconds"]
    assert body["rows"] == snapshot.report["rows"] and body["coders"] == ["alice", "bob"]
    assert body["status"] == "computing"  # case 2 came in after the snapshot
    assert body["computed_at"] == snapshot.finished_at.isoformat().replace("+00:00", "Z")
    assert body["duration_seconds"] == snapshot.duration


def test_csv_says_when_its_figures_were_computed_and_whether_they_are_current(
    client, review, coder_a, coder_b, lead
):
    client.force_login(lead)
    _code(review, coder_a, coder_b, "1")
    assert client.get(CSV).status_code == 503  # nothing computed yet
    snapshot = factories.reliability_computed(review)

    current = list(csv.DictReader(io.StringIO(client.get(CSV).content.decode())))
    _code(review, coder_a, coder_b, "2")
    older = list(csv.DictReader(io.StringIO(client.get(CSV).content.decode())))

    assert list(current[0])[-3:] == ["computed_at", "computation_seconds", "up_to_date"]
    assert current[0]["computed_at"] == snapshot.finished_at.isoformat()
    assert float(current[0]["computation_seconds"]) == snapshot.duration
    assert {r["up_to_date"] for r in current} == {"yes"}
    assert {r["up_to_date"] for r in older} == {"no"}
    assert older[0]["units"] == "1"


def test_page_labels_come_from_the_snapshot_after_the_codebook_changed(
    client, review, coder_a, coder_b, lead
):
    from coding.models import Attribute

    _code(review, coder_a, coder_b, "1")
    factories.reliability_computed(review)
    Attribute.objects.filter(codebook__review=review, key="level").delete()
    factories.reliability_bumped(review)  # as the admin's delete does
    client.force_login(lead)

    response = client.get(PAGE)

    assert response.status_code == 200
    assert any(r["label"] == "Level" for r in response.context["rows"])
    assert "Newer figures are being computed" in response.content.decode()
