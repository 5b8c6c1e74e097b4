"""Imports from the browser: a lead uploads a file, a background task checks it by a dry run
(nothing written), the lead confirms, another task imports it (the commands' importers, all
or nothing, same messages), progress and result stay on the page and in the audit log."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from coding.imports.services import import_job_check, import_job_confirm, import_job_run
from coding.models import AuditEvent, Case, ImportJob, ImportStatus
from tests import factories

CASES = (b"number,title,country,year,service_area,summary,source\n"
         b"21,Library run by residents,UK,2015,Culture,,\n"
         b"22,School meals,Sweden,,Education,,\n")
BAD_CASES = CASES + b"23,Parks,UK,nineteen,Environment,,\n"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _upload(client, kind="cases", data=CASES, name="cases.csv"):
    return client.post(reverse("coding:imports", args=["demo"]),
                       {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_a_lead_uploads_sees_what_the_check_would_do_confirms_and_the_cases_arrive(
        client, review, lead):
    client.force_login(lead)
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("coding:import_job", args=["demo", job.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Being checked" in page and 'data-status="checking"' in page

    import_job_check(job_id=job.pk)  # what the worker does
    job.refresh_from_db()
    assert (job.status, job.preview) == (ImportStatus.CHECKED, {
        "created": 2, "updated": 0, "unchanged": 0, "sheet": None, "added": ["21", "22"],
        "changed": []})
    assert not Case.objects.filter(number__in=["21", "22"]).exists()  # a dry run
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    assert "What importing it would do" in page and "Import cases.csv" in page

    response = client.post(reverse("coding:import_job_confirm", args=["demo", job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportStatus.QUEUED
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE and job.result["created"] == 2
    assert set(Case.objects.filter(review=review).values_list("number", flat=True)) >= {
        "21", "22"}
    assert not job.file  # the uploaded copy is gone once imported
    actions = list(AuditEvent.objects.filter(object_type="coding.importjob")
                   .values_list("action", flat=True).order_by("id"))
    assert actions == ["import.upload", "import.confirm", "import.cases"]
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    assert "What was imported" in page


def test_a_bad_file_is_refused_naming_the_file_and_row_and_imports_nothing(
        client, review, lead):
    client.force_login(lead)
    _upload(client, data=BAD_CASES, name="my cases.csv")
    job = ImportJob.objects.get()
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.error == ("my cases.csv: row 4: 'year' must be a whole number or empty, "
                         "got 'nineteen'")
    assert not Case.objects.filter(number="21").exists()
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    assert "row 4" in page and "Nothing was imported" in page and "Import my cases.csv" not in page
    # A refused file cannot be confirmed.
    response = client.post(reverse("coding:import_job_confirm", args=["demo", job.pk]),
                           follow=True)
    assert "cannot be imported now" in response.content.decode()
    assert ImportJob.objects.get().status == ImportStatus.REFUSED


def test_a_codebook_and_codings_import_through_the_same_page(client, review, lead, coder_a,
                                                             coder_b, tmp_path):
    factories.CaseFactory(review=review, number="1")
    client.force_login(lead)
    codebook = io.StringIO()
    call_command("export_codebook", review="demo", stdout=codebook)
    _upload(client, kind="codebook", data=codebook.getvalue().encode(), name="book.yaml")
    job = ImportJob.objects.get()
    import_job_check(job_id=job.pk)
    job.refresh_from_db()
    assert job.preview == {"codebook": "unchanged", "version": 1}

    codings = b"case,coder,attribute,value\n1,alice,level,local\n1,bob,level,state\n"
    _upload(client, kind="codings", data=codings, name="codings.csv")
    job = ImportJob.objects.latest("id")
    import_job_check(job_id=job.pk)
    import_job_confirm(job=job, actor=lead)
    import_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert (job.result["created"], job.result["compared_cases"],
            job.result["open_disagreements"]) == (2, 1, 1)


def test_only_leads_open_the_import_page_and_its_jobs(client, review, lead, coder_a,
                                                      adjudicator, outsider):
    client.force_login(lead)
    _upload(client)
    job = ImportJob.objects.get()
    urls = [reverse("coding:imports", args=["demo"]),
            reverse("coding:import_job", args=["demo", job.pk]),
            reverse("coding:import_job_status", args=["demo", job.pk])]
    assert [client.get(url).status_code for url in urls] == [200, 200, 200]
    for user in (coder_a, adjudicator, outsider):
        client.force_login(user)
        assert [client.get(url).status_code for url in urls] == [404, 404, 404]
        assert _upload(client).status_code == 404
        assert client.post(reverse("coding:import_job_confirm",
                                   args=["demo", job.pk])).status_code == 404
    assert ImportJob.objects.count() == 1


def test_empty_and_oversized_files_are_refused_on_the_page(client, review, lead, settings):
    client.force_login(lead)
    assert "is empty" in _upload(client, data=b"").content.decode()
    settings.IMPORT_MAX_MB = 0
    response = _upload(client)
    assert response.status_code == 400 and "larger than the limit" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_the_status_endpoint_reports_progress_while_running(client, review, lead):
    from coding.imports.services import _progress_writer

    client.force_login(lead)
    _upload(client)
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.RUNNING)
    _progress_writer(job)("writing", 40, 100)
    url = reverse("coding:import_job_status", args=["demo", job.pk])
    assert client.get(url).json() == {"status": "running", "done": 40, "total": 100,
                                      "stage": "writing"}
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    assert 'value="40"' in page and "writing, 40 of 100" in page


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_checks_and_imports_once_confirmed(client, review, lead):
    client.force_login(lead)
    _upload(client)  # autocommit: the check is queued as the upload returns
    job = ImportJob.objects.get()
    assert DBTaskResult.objects.count() == 1

    def work():
        call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                     stdout=io.StringIO())

    work()
    job.refresh_from_db()
    assert job.status == ImportStatus.CHECKED
    client.post(reverse("coding:import_job_confirm", args=["demo", job.pk]))
    work()
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert Case.objects.filter(review=review, number__in=["21", "22"]).count() == 2
    # A second run of the same job does nothing.
    assert import_job_run(job_id=job.pk).status == ImportStatus.DONE
    assert Case.objects.filter(review=review, number__in=["21", "22"]).count() == 2
