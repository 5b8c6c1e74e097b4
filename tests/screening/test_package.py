"""Stage one in the replication package: every screener's decision, blind-aware for a lead
who screens, valid under frictionless."""

import csv
import io
import zipfile

import pytest

from tests import factories
from tests.screening.conftest import decide

PACKAGE = "/reviews/demo/reliability/package.zip"


@pytest.fixture(autouse=True)
def _snapshot(review):
    """The package waits for the review's reliability snapshot: one computed."""
    factories.reliability_computed(review)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.content[:500]
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)
                                      if response.streaming else response.content))


def _rows(archive, name):
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_package_holds_the_screening_decisions_and_validates(
        assigned, lead, coder_a, coder_b, client, tmp_path):
    first, second = assigned[:2]
    decide(first, coder_a, "include")
    decide(first, coder_b, "exclude")
    decide(second, coder_a, "include")
    client.force_login(lead)
    archive = _zip(client.get(PACKAGE))
    rows = _rows(archive, "screening_decisions.csv")
    assert list(rows[0]) == ["record", "screener", "stage", "decision", "reason"]
    assert sorted((r["screener"], r["decision"]) for r in rows) == [
        ("alice", "include"), ("alice", "include"), ("bob", "exclude")]
    frictionless = pytest.importorskip("frictionless")
    archive.extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_a_lead_who_screens_gets_nothing_of_the_other_screeners_blind_decision(
        assigned, lead, coder_a, client):
    from coding.models import Membership, Role, ScreeningAssignment

    Membership.objects.create(review=assigned[0].review, user=lead, role=Role.CODER)
    ScreeningAssignment.objects.filter(record=assigned[0], screener__username="bob").update(
        screener=lead)
    decide(assigned[0], coder_a, "exclude")  # the lead has not decided: blind
    client.force_login(lead)
    archive = _zip(client.get(PACKAGE))
    assert "screening_decisions.csv" in archive.namelist()
    assert _rows(archive, "screening_decisions.csv") == []


def test_a_review_that_screened_nothing_has_no_screening_file(review, lead, client):
    client.force_login(lead)
    assert "screening_decisions.csv" not in _zip(client.get(PACKAGE)).namelist()
