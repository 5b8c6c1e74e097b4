"""Every import job ends, checked, imported, refused or failed with a message a lead can act
on, whatever goes wrong: a file that would take the worker down is refused, an unexpected
error fails the job, and a job whose worker stopped is failed when a worker starts."""

import io
import tracemalloc
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from coding.imports import services
from coding.imports.services import import_job_check, import_job_run
from coding.models import ImportJob, ImportStatus
from tests.hardening.test_strict_import import billion_laughs
from tests.imports.test_imports import _upload, media_root  # noqa: F401  (its fixture)


def test_a_billion_laughs_codebook_is_refused_naming_the_line_in_little_memory(
        client, review, lead):
    client.force_login(lead)
    # Six levels (a million strings), not nine: on a loader without the refusal the
    # billion-string file grows a worker to gigabytes.
    data = billion_laughs(6).encode()
    _upload(client, kind="codebook", data=data, name="laughs.yaml")
    job = ImportJob.objects.get()

    tracemalloc.start()
    try:
        import_job_check(job_id=job.pk)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    job.refresh_from_db()
    assert job.status == ImportStatus.REFUSED
    assert job.error.startswith("laughs.yaml: line 1: an anchor (&a0): YAML anchors and "
                                "aliases are not accepted")
    assert peak < 20 * 1024 * 1024


@pytest.mark.parametrize("error", [RuntimeError("boom"), MemoryError(), KeyError("x")])
def test_an_unexpected_error_in_the_check_fails_the_job_with_a_message(
        client, review, lead, monkeypatch, error):
    client.force_login(lead)
    _upload(client)
    job = ImportJob.objects.get()

    def broken(**kwargs):
        raise error

    monkeypatch.setattr(services, "cases_import", broken)
    import_job_check(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED and job.finished_at is not None
    assert job.error == (
        f"cases.csv could not be checked: the check stopped with an unexpected error "
        f"({type(error).__name__}). Nothing was imported. Upload the file again; if it "
        "happens again, tell the site's administrator.")
    assert not job.file
    page = client.get(reverse("coding:import_job", args=["demo", job.pk])).content.decode()
    assert "could not be checked" in page


def test_an_unexpected_error_in_the_import_fails_the_job_with_a_message(
        client, review, lead, monkeypatch):
    client.force_login(lead)
    _upload(client)
    job = ImportJob.objects.get()
    import_job_check(job_id=job.pk)
    client.post(reverse("coding:import_job_confirm", args=["demo", job.pk]))
    monkeypatch.setattr(services, "cases_import",
                        lambda **kwargs: (_ for _ in ()).throw(OSError("disk full")))

    import_job_run(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == ImportStatus.FAILED
    assert job.error.startswith("cases.csv was not imported: the import stopped with an "
                                "unexpected error (OSError)")


def _stuck(review, lead, status, minutes_ago=5) -> ImportJob:
    job = ImportJob.objects.create(review=review, kind="cases", filename="cases.csv",
                                   created_by=lead, status=status)
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes_ago))
    return job


@pytest.mark.django_db(transaction=True)
def test_the_worker_fails_jobs_left_checking_or_importing_as_it_starts(review, lead):
    checking = _stuck(review, lead, ImportStatus.CHECKING)
    running = _stuck(review, lead, ImportStatus.RUNNING)
    just_made = _stuck(review, lead, ImportStatus.CHECKING, minutes_ago=0)

    out = io.StringIO()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=out)

    checking.refresh_from_db()
    running.refresh_from_db()
    assert (checking.status, checking.error) == (
        ImportStatus.FAILED, "cases.csv could not be checked: the check was interrupted (the "
        "background worker stopped). Nothing was imported. Upload the file again.")
    assert running.status == ImportStatus.FAILED
    assert running.error.startswith("cases.csv was not imported: the import was interrupted")
    # A moment old: it may be between its commit and its task's enqueue.
    assert ImportJob.objects.get(pk=just_made.pk).status == ImportStatus.CHECKING
    assert "2 import(s) failed" in out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_a_job_whose_task_is_still_queued_is_left_to_run(client, review, lead):
    client.force_login(lead)
    _upload(client)  # autocommit: its check is queued as the upload returns
    job = ImportJob.objects.get()
    ImportJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=5))
    assert DBTaskResult.objects.filter(task_path="coding.imports.tasks.check_import").exists()

    call_command("recover_background_jobs", stdout=io.StringIO())
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.CHECKING
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=io.StringIO())

    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.CHECKED


def test_a_worker_that_stays_queues_one_periodic_recovery(review, lead, settings):
    from coding.background import (
        RECOVERY_TASK,
        recover_background_jobs_task,
        recovery_schedule,
    )

    settings.BACKGROUND_RECOVERY_MINUTES = 10
    assert recovery_schedule() is True
    assert recovery_schedule() is False  # a second worker starting: one is queued already
    queued = DBTaskResult.objects.get(task_path=RECOVERY_TASK)
    assert queued.status == "READY" and queued.run_after > timezone.now() + timedelta(minutes=9)

    stuck = _stuck(review, lead, ImportStatus.CHECKING)
    DBTaskResult.objects.filter(pk=queued.pk).update(status="RUNNING",
                                                     started_at=timezone.now())
    counts = recover_background_jobs_task.call()  # what the worker runs ten minutes later

    assert counts["imports_failed"] == 1
    assert ImportJob.objects.get(pk=stuck.pk).status == ImportStatus.FAILED
    assert DBTaskResult.objects.filter(task_path=RECOVERY_TASK, status="READY").count() == 1
