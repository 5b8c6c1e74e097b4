"""The Records pages and API: who may open them (pages: 404 for everyone but the leads, as every
lead page; API: 403 for those who may see the review, 404 for those who may not), the upload's
dry run and confirmation through the import jobs, settling duplicates, and bounded queries."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from coding.imports.services import import_job_check, import_job_run
from coding.models import DuplicateStatus, ImportJob, ImportStatus, Record, Search
from coding.records.services import records_import
from tests.records.data import GI_RIS, NESTA_RIS


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def imported(tmp_path, review, lead):
    for name, text, source in (("nesta.ris", NESTA_RIS, "Nesta"),
                               ("gi.ris", GI_RIS, "Governance International")):
        path = tmp_path / name
        path.write_text(text)
        records_import(review=review, path=path, source=source, actor=lead)


def _upload(client, data: bytes | None = None, name="nesta.ris", source="Nesta"):
    return client.post(reverse("coding:records", args=["demo"]), {
        "file": SimpleUploadedFile(name, data or NESTA_RIS.encode()), "source": source,
        "searched_on": "2014-06-01", "query": "coproduction AND public services"})


def test_a_lead_uploads_sees_the_dry_run_confirms_and_the_records_arrive(client, review, lead):
    client.force_login(lead)
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("coding:records_import_job", args=["demo", job.pk])
    assert job.options == {"source": "Nesta", "searched_on": "2014-06-01",
                           "query": "coproduction AND public services"}
    import_job_check(job_id=job.pk)  # the worker's dry run
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    assert (job.preview["records"], job.preview["suspected"]) == (4, 1)
    assert not Record.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "What importing it would do" in page and "Residents run the village library" in page
    client.post(reverse("coding:records_import_confirm", args=["demo", job.pk]))
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and Record.objects.count() == 4
    search = Search.objects.get()
    assert (search.source, str(search.searched_on), search.count) == ("Nesta", "2014-06-01", 4)
    page = client.get(response["Location"]).content.decode()
    assert "What was imported" in page and f"?search={search.pk}" in page
    # The Import page's link to the job leads here.
    assert client.get(reverse("coding:import_job", args=["demo", job.pk]))["Location"] == \
        response["Location"]


def test_a_bad_upload_is_refused_by_the_check_naming_the_record(client, review, lead):
    client.force_login(lead)
    _upload(client, data=NESTA_RIS.replace("PY  - 2019", "PY  - 1066").encode())
    job = ImportJob.objects.get()
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.error.startswith("nesta.ris: record 2 (line 12): 'year'")
    assert "record 2 (line 12)" in client.get(
        reverse("coding:records_import_job", args=["demo", job.pk])).content.decode()
    assert not Record.objects.exists()


def test_the_progress_page_links_the_records_page_for_leads(client, review, lead):
    client.force_login(lead)
    page = client.get(reverse("coding:progress", args=["demo"])).content.decode()
    assert reverse("coding:records", args=["demo"]) in page


def test_the_upload_form_needs_a_source(client, review, lead):
    client.force_login(lead)
    response = _upload(client, source="")
    assert response.status_code == 400 and not ImportJob.objects.exists()


@pytest.mark.parametrize("name", ["records", "records_duplicates"])
def test_coders_adjudicators_and_outsiders_get_404_from_lead_pages(
        client, review, coder_a, adjudicator, outsider, name):
    for user in (coder_a, adjudicator, outsider):
        client.force_login(user)
        assert client.get(reverse(f"coding:{name}", args=["demo"])).status_code == 404


def test_coders_cannot_upload_or_settle(client, review, lead, coder_a, imported):
    client.force_login(coder_a)
    assert _upload(client).status_code == 404
    suspected = Record.objects.filter(duplicate_status=DuplicateStatus.SUSPECTED).first()
    response = client.post(reverse("coding:records_duplicate_settle",
                                   args=["demo", suspected.pk]), {"action": "confirm"})
    assert response.status_code == 404
    assert client.post(reverse("coding:records_make_cases", args=["demo"])).status_code == 404
    suspected.refresh_from_db()
    assert suspected.duplicate_status == DuplicateStatus.SUSPECTED
    assert not ImportJob.objects.exists()


def test_the_lead_confirms_and_splits_duplicates_side_by_side(client, review, lead, imported):
    client.force_login(lead)
    page = client.get(reverse("coding:records_duplicates", args=["demo"])).content.decode()
    assert "2 suspected duplicates to check." in page
    assert "Residents Run the Village Library (summary)" in page and "autofocus" in page
    by_doi = Record.objects.get(title__endswith="(summary)")
    by_title = Record.objects.get(title="Parents plan school-meals!")
    url = reverse("coding:records_duplicate_settle", args=["demo", by_doi.pk])
    assert client.post(url, {"action": "confirm"}).status_code == 302
    client.post(reverse("coding:records_duplicate_settle", args=["demo", by_title.pk]),
                {"action": "split"})
    by_doi.refresh_from_db()
    by_title.refresh_from_db()
    assert (by_doi.duplicate_status, by_title.duplicate_status) == ("confirmed", "split")
    # Settled once: a second answer changes nothing and says so.
    response = client.post(url, {"action": "split"}, follow=True)
    assert "no longer a suspected duplicate" in response.content.decode()
    by_doi.refresh_from_db()
    assert by_doi.duplicate_status == "confirmed"
    page = client.get(reverse("coding:records", args=["demo"])).content.decode()
    assert "1 duplicate removed" in page


def test_the_list_filters(client, review, lead, imported):
    client.force_login(lead)
    url = reverse("coding:records", args=["demo"])
    assert "7 records" in client.get(url).content.decode()
    page = client.get(url, {"source": "Nesta", "duplicate": "suspected"}).content.decode()
    assert "1 record<" in page and "(summary)" in page
    assert "3 records" in client.get(url, {"q": "parents"}).content.decode()
    assert "0 records" in client.get(url, {"year": "nineteen"}).content.decode()


def test_the_list_page_makes_a_bounded_number_of_queries(
        client, review, lead, imported, tmp_path, django_assert_max_num_queries):
    client.force_login(lead)
    url = reverse("coding:records", args=["demo"])
    client.get(url)
    with django_assert_max_num_queries(14):
        small = client.get(url)
    for index in range(3):
        path = tmp_path / f"more{index}.ris"
        path.write_text(NESTA_RIS.replace("Residents", f"Residents {index}").replace(
            "lib.1", f"lib.{index + 10}"))
        records_import(review=review, path=path, source=f"Source {index}", actor=lead)
    with django_assert_max_num_queries(14):
        large = client.get(url)
    assert small.status_code == large.status_code == 200
    with django_assert_max_num_queries(6):
        assert client.get(reverse("api:record-list", args=["demo"])).json()["count"] == 19


def test_the_api_lists_and_imports_for_leads_only(client, review, lead, coder_a, outsider,
                                                  imported):
    url = reverse("api:record-list", args=["demo"])
    client.force_login(lead)
    body = client.get(url, {"duplicate": "suspected"}).json()
    assert body["count"] == 2
    assert {row["source"] for row in body["results"]} == {"Nesta", "Governance International"}
    searches = client.get(reverse("api:search-list", args=["demo"])).json()
    assert [(s["source"], s["count"], s["imported"]) for s in searches] == [
        ("Nesta", 4, 4), ("Governance International", 3, 3)]
    dry = client.post(url, {"file": SimpleUploadedFile("x.ris", GI_RIS.encode()),
                            "source": "Again", "dry_run": "true"})
    assert dry.status_code == 200 and dry.json()["suspected"] == 3
    bad = client.post(url, {"file": SimpleUploadedFile("x.ris", b"hello\n"), "source": "B"})
    assert bad.status_code == 400 and bad.json()["detail"] == (
        "x.ris: line 1: text outside a record (a record begins with \"TY  -\" and ends with "
        "\"ER  -\")")
    done = client.post(url, {"file": SimpleUploadedFile("x.ris", GI_RIS.encode()),
                             "source": "Again"})
    assert done.status_code == 201 and Search.objects.filter(source="Again").count() == 1
    # A coder sees the review, so 403; an outsider 404 while it is unpublished, 403 once
    # readers may see it.
    client.force_login(coder_a)
    assert client.get(url).status_code == 403
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    review.is_published = True
    review.save()
    for user in (coder_a, outsider):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"file": SimpleUploadedFile("x.ris", GI_RIS.encode()),
                                 "source": "X"}).status_code == 403
    client.logout()
    assert client.get(url).status_code in (401, 403)
    assert Search.objects.filter(source="X").count() == 0


def test_the_api_settles_duplicates_for_leads_and_answers_409_when_settled(
        client, review, lead, coder_a, imported):
    record = Record.objects.get(title__endswith="(summary)")
    url = reverse("api:record-duplicate", args=["demo", record.pk])
    client.force_login(coder_a)
    assert client.post(url, {"action": "confirm"}).status_code == 403
    client.force_login(lead)
    assert client.post(url, {"action": "maybe"}).status_code == 400
    answer = client.post(url, {"action": "confirm"})
    assert answer.status_code == 200 and answer.json()["duplicate_status"] == "confirmed"
    assert client.post(url, {"action": "split"}).status_code == 409
    record.refresh_from_db()
    assert record.duplicate_status == "confirmed"
    assert client.post(reverse("api:record-duplicate", args=["demo", 999999]),
                       {"action": "split"}).status_code == 404


def test_the_api_makes_cases_of_included_records(client, review, lead, coder_a, imported):
    from coding.models import ScreeningOutcome

    record = Record.objects.get(title="Parents plan school meals", year=2019)
    ScreeningOutcome.objects.create(record=record, stage="full_text", decision="include",
                                    method="agreed")
    url = reverse("api:record-cases", args=["demo"])
    client.force_login(coder_a)
    assert client.post(url).status_code == 403
    client.force_login(lead)
    answer = client.post(url)
    assert answer.status_code == 201 and answer.json() == {"created": ["1"]}
    assert client.post(url).json() == {"created": []}
    record.refresh_from_db()
    assert record.case.number == "1"


def test_the_duplicates_page_makes_a_bounded_number_of_queries(
        client, review, lead, imported, tmp_path, django_assert_max_num_queries):
    client.force_login(lead)
    url = reverse("coding:records_duplicates", args=["demo"])
    client.get(url)
    with django_assert_max_num_queries(10):
        client.get(url)
    path = tmp_path / "again.ris"
    path.write_text(NESTA_RIS + GI_RIS)
    records_import(review=review, path=path, source="Again", actor=lead)
    with django_assert_max_num_queries(10):
        page = client.get(url).content.decode()
    assert "9 suspected duplicates to check." in page
