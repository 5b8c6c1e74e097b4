"""The dry run lists case by case what an import would do: cases added, cases changed field
by field, how many unchanged, codings replaced per case and coder; capped with "and N more";
never another coder's coding of a case the lead codes and has not finished (refused)."""

import html
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.imports.services import import_job_check
from coding.models import Case, ImportJob, ImportStatus, Role
from tests import factories
from tests.imports.xlsx import cases_workbook

HEADER = b"number,title,country,year,service_area,summary,source\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _check(client, kind, data, name):
    client.post(reverse("coding:imports", args=["demo"]),
                {"kind": kind, "file": SimpleUploadedFile(name, data)})
    job = ImportJob.objects.latest("id")
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED, job.error
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    # The page's text, as read: tags out, white space as one space.
    return job, " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


@pytest.fixture
def stored_cases(review):
    health, culture = (factories.ServiceAreaFactory(name=name) for name in ("Health", "Culture"))
    for number, year, area in (("1", 2015, health), ("2", 2018, health), ("3", 2020, health)):
        case = factories.CaseFactory(review=review, number=number, title=f"Case {number}",
                                     country="UK", region="Europe", year=year, summary="",
                                     source="")
        case.service_areas.set([area])
    return health, culture


def test_the_dry_run_lists_cases_added_and_changed_field_by_field(client, review, lead,
                                                                  stored_cases):
    client.force_login(lead)
    data = cases_workbook(["1", "Case 1", "UK", 2015, "Health", "", ""],
                          ["2", "Case 2", "France", 2019, "Health", "", ""],
                          ["3", "Case 3", "UK", 2020, "Culture; Health", "", ""],
                          ["4", "A new case", "", "", "", "", ""])
    job, page = _check(client, "cases", data, "cases.xlsx")
    assert job.preview["added"] == ["4"]
    assert job.preview["changed"] == [
        {"case": "2", "fields": [["country", "UK", "France"], ["year", "2018", "2019"]]},
        {"case": "3", "fields": [["service_area", "Health", "Culture; Health"]]},
    ]
    assert "case 2: country UK → France; year 2018 → 2019" in page
    assert "case 3: service_area Health → Culture; Health" in page
    assert "Cases to add Their numbers: 4." in page
    assert "1 case unchanged." in page and "Read from the sheet “Sheet1”." in page
    assert not Case.objects.filter(review=review, number="4").exists()  # a dry run


def test_a_long_list_is_capped_and_says_how_many_more(client, review, lead, monkeypatch):
    monkeypatch.setattr("coding.reviews.importers.DETAIL_MAX", 3)
    client.force_login(lead)
    rows = b"".join(f"{n},Case {n},,,,,\n".encode() for n in range(1, 11))
    job, page = _check(client, "cases", HEADER + rows, "cases.csv")
    assert (job.preview["created"], job.preview["added"]) == (10, ["1", "2", "3"])
    assert "Their numbers: 1, 2, 3 and 7 more." in page


def test_the_dry_run_lists_codings_replaced_per_case_and_coder(client, review, lead, coder_a,
                                                               coder_b):
    case = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local",
                                                                    "budget": 3})
    client.force_login(lead)
    data = (b"case,coder,attribute,value\n1,alice,level,state\n1,alice,budget,3\n"
            b"1,bob,level,state\n")
    job, page = _check(client, "codings", data, "codings.csv")
    assert job.preview["replaced"] == [{"case": "1", "coder": "alice", "attributes": ["level"]}]
    assert job.preview["added"] == [{"case": "1", "coder": "bob"}]
    assert "Codings to replace" in page and "case 1, coded by alice: changes level" in page
    assert "Codings to add case 1 by bob." in page


def test_a_lead_who_codes_a_case_cannot_import_the_other_coders_coding_of_it(
        client, review, lead, coder_b):
    """Refused whatever Bob's coding of case 1 is (tests/imports/test_blind_import.py), with
    the row named; case 2, which the lead does not code, would have been imported."""
    from coding.models import Membership

    Membership.objects.create(review=review, user=lead, role=Role.CODER)
    mine, other = (factories.CaseFactory(review=review, number=n) for n in ("1", "2"))
    factories.AssignmentFactory(case=mine, coder=lead)
    factories.coding_with_values(case=mine, coder=coder_b, values={"level": "local"})
    factories.coding_with_values(case=other, coder=coder_b, values={"level": "local"})
    client.force_login(lead)
    data = b"case,coder,attribute,value\n2,bob,level,state\n1,bob,level,state\n"
    client.post(reverse("coding:imports", args=["demo"]),
                {"kind": "codings", "file": SimpleUploadedFile("codings.csv", data)})
    job = ImportJob.objects.latest("id")
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.error.startswith("codings.csv: row 3: another coder's coding of a case you code "
                                "yourself: row 3: case 1, 'bob'.")
    assert not job.preview


def test_the_import_pages_take_a_bounded_number_of_queries(
        client, review, lead, stored_cases, django_assert_max_num_queries):
    client.force_login(lead)
    rows = b"".join(f"{n},Case {n} renamed,,,,,\n".encode() for n in range(1, 80))
    job, _ = _check(client, "cases", HEADER + rows, "cases.csv")
    assert len(job.preview["added"]) == 50 and job.preview["created"] == 76
    for url in (reverse("coding:imports", args=["demo"]),
                reverse("coding:import_job", args=["demo", job.pk])):
        with django_assert_max_num_queries(14):
            assert client.get(url).status_code == 200
