"""Imports from the browser: a lead uploads a codebook, cases or codings file on the review's
Import page; a background task checks it by a dry run (the importer runs in a transaction
that is rolled back) and shows what it would do; once the lead confirms, another task imports
it for real. The importers are the commands' own (coding.reviews.importers,
coding.codings.transfer): the same all-or-nothing rules and messages, one implementation.

The import runs in one transaction, so its progress cannot be written to the database where
the page would see it; it is kept beside the uploaded file in the documents storage, which
every app server and worker shares."""

from __future__ import annotations

import json
import logging
import tempfile
import time
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext as _

from coding.audit.services import audit_record
from coding.codings.transfer import codings_import
from coding.documents.storage import documents_storage
from coding.fileio import ImportFailed
from coding.imports.policies import import_job_visible_to, may_import
from coding.models import ImportJob, ImportKind, ImportStatus, Review
from coding.reviews.importers import cases_import, codebook_import

logger = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between progress writes


class _DryRun(Exception):
    """Raised at the end of a dry run so that its transaction rolls back."""

    def __init__(self, summary: dict):
        self.summary = summary


def import_job_create(*, review: Review, kind: str, upload, actor,
                      options: dict | None = None) -> ImportJob:
    """Store an uploaded file and queue its check. Refuses other people than the review's
    leads, an unknown kind, an empty file and one over IMPORT_MAX_MB. `options`: what the
    importer needs besides the file (records: coding.records.services)."""
    if not may_import(actor, review):
        raise ValidationError(gettext("Only a lead of this review can import files."))
    if kind not in ImportKind.values:
        raise ValidationError(gettext("Choose what the file holds: a codebook, cases or codings."))
    name = Path(getattr(upload, "name", "") or "upload").name[:200]
    size = getattr(upload, "size", None)
    if not size:
        raise ValidationError(gettext("%(name)s is empty.") % {"name": name})
    limit = settings.IMPORT_MAX_MB * 1024 * 1024
    if size > limit:
        raise ValidationError(gettext(
            "%(name)s is larger than the limit of %(import_max_mb)s MB.") % {
            "name": name, "import_max_mb": settings.IMPORT_MAX_MB})
    with transaction.atomic():
        job = ImportJob(review=review, kind=kind, filename=name, created_by=actor,
                        options=options or {})
        job.file.save(name, upload, save=False)
        job.save()
        audit_record(actor=actor, action="import.upload", obj=job, review=review,
                     data={"kind": kind, "filename": name, "size": size})
        transaction.on_commit(partial(_queue, "check_import", job.pk, get_language()),
                              robust=True)
    return job


def import_job_confirm(*, job: ImportJob, actor) -> ImportJob:
    """Import a checked file for real (in the background)."""
    if not may_import(actor, job.review):
        raise ValidationError(gettext("Only a lead of this review can import files."))
    if not import_job_visible_to(actor, job):  # as the pages: no such job for them
        raise ValidationError(gettext("No such import."), code="not_found")
    with transaction.atomic():
        changed = ImportJob.objects.filter(pk=job.pk, status=ImportStatus.CHECKED).update(
            status=ImportStatus.QUEUED)
        job.refresh_from_db()
        if not changed:
            raise ValidationError(gettext(
                "%(filename)s cannot be imported now: it is %(status)s.") % {
                "filename": job.filename,
                "status": job.get_status_display().lower()}, code="conflict")
        audit_record(actor=actor, action="import.confirm", obj=job, review=job.review,
                     data={"kind": job.kind, "filename": job.filename})
        transaction.on_commit(partial(_queue, "run_import", job.pk, get_language()),
                              robust=True)
    return job


def import_job_check(*, job_id: int) -> ImportJob | None:
    """The dry run (the check task's body): what the import would do, or why it is refused."""
    job = ImportJob.objects.select_related("review", "created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.CHECKING:
        return job
    try:
        with transaction.atomic():
            raise _DryRun(_run(job))
    except _DryRun as dry:
        job.preview, job.status = dry.summary, ImportStatus.CHECKED
    except ImportFailed as error:
        job.error, job.status = _message(job, error), ImportStatus.REFUSED
    except ValidationError as error:
        job.error, job.status = " ".join(error.messages), ImportStatus.REFUSED
    except Exception as error:  # noqa: BLE001 - whatever it is, the job must end
        logger.exception("Import job %s: the check failed", job.pk)
        job.error, job.status = _unexpected(job, error, checking=True), ImportStatus.FAILED
    job.finished_at = timezone.now()
    if job.status != ImportStatus.CHECKED:
        job.file.delete(save=False)  # nothing more will be done with it
    job.save(update_fields=["preview", "error", "status", "finished_at", "file"])
    return job


def import_job_run(*, job_id: int) -> ImportJob | None:
    """The import (the run task's body), once: the task that claims the job runs it."""
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING)
    job = ImportJob.objects.select_related("review", "created_by").filter(pk=job_id).first()
    if not claimed or job is None:
        return job
    try:
        with transaction.atomic():
            summary = _run(job, progress=_progress_writer(job))
            # The counts; the case-by-case detail stays on the job.
            audit_record(actor=job.created_by, action=f"import.{job.kind}", obj=job,
                         review=job.review, data={"filename": job.filename, **{
                             key: value for key, value in summary.items()
                             if not isinstance(value, list)}})
        job.result, job.status = summary, ImportStatus.DONE
    except ImportFailed as error:
        # The file changed nothing meanwhile-valid data could not take (e.g. a case deleted
        # since the check): nothing was imported.
        job.error, job.status = _message(job, error), ImportStatus.FAILED
    except ValidationError as error:
        job.error, job.status = " ".join(error.messages), ImportStatus.FAILED
    except Exception as error:  # noqa: BLE001 - whatever it is, the job must end
        logger.exception("Import job %s: the import failed", job.pk)
        job.error, job.status = _unexpected(job, error, checking=False), ImportStatus.FAILED
    job.finished_at = timezone.now()
    job.file.delete(save=False)  # imported (or not importable): the data is in the database
    job.save(update_fields=["result", "error", "status", "finished_at", "file"])
    documents_storage.delete(_progress_name(job))
    return job


ACTIVE = [ImportStatus.CHECKING, ImportStatus.QUEUED, ImportStatus.RUNNING]


def import_jobs_fail_stuck() -> int:
    """Fail the jobs left checking, queued or importing whose task is neither queued nor
    running (its worker stopped, or it never reached the queue), with a message saying what
    to do; an import is one transaction, so nothing of it was kept. Run when the worker
    starts and by `manage.py recover_background_jobs`. How many were failed."""
    from coding.background import tasks_in_hand

    running = timedelta(minutes=settings.IMPORT_TASK_TIMEOUT_MINUTES)
    in_hand = {
        name: tasks_in_hand(f"coding.imports.tasks.{name}", "job_id",
                            running_for_at_most=running)
        for name in ("check_import", "run_import")
    }
    now = timezone.now()
    # A job a moment old may be between its commit and its task's enqueue.
    grace = now - timedelta(minutes=1)
    failed = 0
    for job in ImportJob.objects.filter(status__in=ACTIVE, created_at__lt=grace):
        task = "check_import" if job.status == ImportStatus.CHECKING else "run_import"
        known = in_hand[task]
        if known is None:  # no queue to look in: only time tells
            if job.created_at > now - running:
                continue
        elif job.pk in known:
            continue
        message = _interrupted(job)
        if ImportJob.objects.filter(pk=job.pk, status=job.status).update(
            status=ImportStatus.FAILED, error=message, finished_at=now
        ):
            job.file.delete(save=False)
            documents_storage.delete(_progress_name(job))
            logger.warning("Import job %s was %s with no task: failed", job.pk, job.status)
            failed += 1
    return failed


def import_job_progress(job: ImportJob) -> dict:
    """How far a running import is: {"stage", "done", "total"} (empty before it starts)."""
    if job.status != ImportStatus.RUNNING:
        return {}
    try:
        with documents_storage.open(_progress_name(job), "rb") as stored:
            return json.loads(stored.read())
    except (OSError, ValueError):
        return {}


# --- helpers ---------------------------------------------------------------------------------


def _queue(task_name: str, job_id: int, language: str | None) -> None:
    """Queue the job's task with the language it was asked in (its messages are stored)."""
    from coding.imports import tasks

    getattr(tasks, task_name).enqueue(job_id=job_id, language=language)


def _run(job: ImportJob, progress=None) -> dict:
    """Run the job's importer on a local copy of its file; a summary of what it did."""
    slug = job.review.slug
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / job.filename
        with job.file.open("rb") as stored:
            path.write_bytes(stored.read())
        if job.kind == ImportKind.CODEBOOK:
            result = codebook_import(path=path, review_slug=slug, actor=job.created_by)
            return {"codebook": result.outcome, "version": result.codebook.version}
        if job.kind == ImportKind.RECORDS:
            from coding.records.services import records_import_for_job

            return records_import_for_job(job=job, path=path, dry_run=False)
        if job.kind == ImportKind.CASES:
            result = cases_import(path=path, review_slug=slug, progress=progress)
            return {"created": result.created, "updated": result.updated,
                    "unchanged": result.unchanged, "sheet": result.sheet,
                    "added": result.added,
                    "changed": [{"case": number, "fields": [list(change) for change in fields]}
                                for number, fields in result.changes]}
        result = codings_import(path=path, review_slug=slug, actor=job.created_by,
                                progress=progress)
        added, replaced = _codings_detail(result)
        return {"rows": result.rows, "created": result.created, "updated": result.updated,
                "unchanged": result.unchanged, "new_accounts": len(result.new_accounts),
                "new_memberships": len(result.new_memberships),
                "compared_cases": result.compared_cases,
                "open_disagreements": result.open_disagreements, "sheet": result.sheet,
                "added": added, "replaced": replaced}


def _codings_detail(result) -> tuple[list, list]:
    """The codings the file adds and replaces, one by one. None is another coder's coding of a
    case the lead who uploaded it is blind on: the importer refuses such a file
    (coding.codings.policies.import_codings_refused). Listing only some of the lead's own would
    tell them whether a case became complete, so all of them are listed."""
    return ([{"case": n, "coder": c} for n, c in result.added],
            [{"case": n, "coder": c, "attributes": keys} for n, c, keys in result.replaced])


def _unexpected(job: ImportJob, error: Exception, *, checking: bool) -> str:
    if checking:
        text = _("%(file)s could not be checked: the check stopped with an unexpected "
                 "error (%(error)s). Nothing was imported. Upload the file again; if it "
                 "happens again, tell the site's administrator.")
    else:
        text = _("%(file)s was not imported: the import stopped with an unexpected error "
                 "(%(error)s), and nothing of it was kept. Upload the file again; if it "
                 "happens again, tell the site's administrator.")
    return text % {"file": job.filename, "error": type(error).__name__}


def _interrupted(job: ImportJob) -> str:
    if job.status == ImportStatus.CHECKING:
        text = _("%(file)s could not be checked: the check was interrupted (the background "
                 "worker stopped). Nothing was imported. Upload the file again.")
    else:
        text = _("%(file)s was not imported: the import was interrupted (the background "
                 "worker stopped), and nothing of it was kept. Upload the file again.")
    return text % {"file": job.filename}


def _message(job: ImportJob, error: ImportFailed) -> str:
    # The importer saw a temporary copy: name the file as the lead uploaded it.
    return f"{job.filename}: {error.where}: {error.reason}"


def _progress_name(job: ImportJob) -> str:
    return f"imports/progress-{job.pk}.json"


def _progress_writer(job: ImportJob):
    last = [0.0]

    def progress(stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] < PROGRESS_EVERY and done != total:
            return
        last[0] = now
        name = _progress_name(job)
        documents_storage.delete(name)
        documents_storage.save(name, ContentFile(json.dumps(
            {"stage": stage, "done": done, "total": total}).encode()))

    return progress
