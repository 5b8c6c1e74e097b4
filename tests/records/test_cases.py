"""Included records become cases: one action for the lead, a case per record included at the
review's final stage and without a case yet, numbered after the highest number; idempotent,
audited; the case page links to its record for members only."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from coding.models import (
    AuditEvent,
    Case,
    DuplicateStatus,
    Record,
    ScreeningOutcome,
    ScreeningSettings,
    ScreeningStages,
    Search,
)
from coding.records.selectors import final_stage, included_records_without_case
from coding.records.services import cases_from_included_records
from tests import factories


def _record(review, title, **fields):
    search = Search.objects.filter(review=review).first() or Search.objects.create(
        review=review, source="Nesta", count=3)
    return Record.objects.create(review=review, search=search, title=title, **fields)


def _outcome(record, stage, decision):
    return ScreeningOutcome.objects.create(record=record, stage=stage, decision=decision,
                                           method="agreed")


@pytest.fixture
def screened(review):
    """Three records: one included at both stages, one included at title/abstract only, one
    excluded; case 7 exists already."""
    factories.CaseFactory(review=review, number="7")
    kept = _record(review, "Tenants repair their estate", year=2019, doi="10.1/te",
                   abstract="Tenants and the housing office share repairs.",
                   authors="Berg, Anna")
    halfway = _record(review, "Parking permits", year=2020)
    excluded = _record(review, "Road tolls", url="https://example.org/tolls")
    for record in (kept, halfway, excluded):
        _outcome(record, "title_abstract", "include" if record is not excluded else "exclude")
    _outcome(kept, "full_text", "include")
    return kept, halfway, excluded


def test_the_final_stage_follows_the_screening_settings(review):
    assert final_stage(review) == "full_text"  # no settings: both stages
    ScreeningSettings.objects.create(review=review, stages=ScreeningStages.TITLE_ABSTRACT)
    assert final_stage(review) == "title_abstract"


def test_included_records_become_cases_once(review, lead, screened):
    kept, halfway, excluded = screened
    cases = cases_from_included_records(review=review, actor=lead)
    assert [case.number for case in cases] == ["8"]
    case = Case.objects.get(review=review, number="8")
    assert (case.title, case.year, case.source, case.summary) == (
        "Tenants repair their estate", 2019, "https://doi.org/10.1/te",
        "Tenants and the housing office share repairs.")
    kept.refresh_from_db()
    assert kept.case == case
    assert AuditEvent.objects.filter(action="case.create_from_record",
                                     object_id=str(case.pk), actor=lead).exists()
    assert cases_from_included_records(review=review, actor=lead) == []  # idempotent
    assert Case.objects.filter(review=review).count() == 2


def test_with_one_stage_the_title_abstract_outcome_decides(review, lead, screened):
    ScreeningSettings.objects.create(review=review, stages=ScreeningStages.TITLE_ABSTRACT)
    assert set(included_records_without_case(review)) == {screened[0], screened[1]}
    cases = cases_from_included_records(review=review, actor=lead)
    assert sorted(case.title for case in cases) == ["Parking permits",
                                                    "Tenants repair their estate"]
    halfway = Case.objects.get(title="Parking permits")
    assert halfway.source == "Parking permits (2020)"  # neither link nor DOI: a citation


def test_a_removed_duplicate_never_becomes_a_case(review, lead, screened):
    kept = screened[0]
    Record.objects.filter(pk=kept.pk).update(duplicate_status=DuplicateStatus.CONFIRMED)
    assert cases_from_included_records(review=review, actor=lead) == []


def test_only_a_lead_makes_cases(review, coder_a, screened):
    with pytest.raises(ValidationError):
        cases_from_included_records(review=review, actor=coder_a)
    assert not Record.objects.filter(case__isnull=False).exists()


def test_the_page_button_makes_the_cases(client, review, lead, screened):
    client.force_login(lead)
    page = client.get(reverse("coding:records", args=["demo"])).content.decode()
    assert "Create a case from 1 included record" in page
    response = client.post(reverse("coding:records_make_cases", args=["demo"]))
    assert response.status_code == 302
    assert Case.objects.filter(review=review, number="8").exists()
    page = client.get(reverse("coding:records", args=["demo"])).content.decode()
    assert "included record" not in page.split("<h2 id=\"searches-heading\"")[0].split(
        "</ul>")[1]


def test_the_case_page_links_to_its_record_for_members_not_readers(
        client, review, lead, coder_a, screened):
    cases_from_included_records(review=review, actor=lead)
    review.is_published = True
    review.save()
    url = reverse("coding:case_detail", args=["demo", "8"])
    record_url = reverse("coding:record_detail", args=["demo", screened[0].pk])
    assert record_url not in client.get(url).content.decode()
    client.force_login(coder_a)
    assert record_url in client.get(url).content.decode()
    assert client.get(record_url).status_code == 200
    client.logout()
    assert client.get(record_url).status_code == 302  # sign in first
