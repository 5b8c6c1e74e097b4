"""Reads of browser imports: a review's recent jobs, one job for a lead (or 404)."""

from django.http import Http404

from coding.imports.policies import import_job_visible_to
from coding.models import ImportJob, Review

RECENT = 20


def recent_import_jobs(*, review: Review) -> list[ImportJob]:
    return list(ImportJob.objects.filter(review=review).select_related("created_by")[:RECENT])


def import_job_for(*, user, review: Review, pk: int) -> ImportJob:
    job = ImportJob.objects.select_related("review", "created_by").filter(
        review=review, pk=pk).first()
    if job is None or not import_job_visible_to(user, job):
        raise Http404("No such import")
    return job


def import_job_state(job: ImportJob) -> dict:
    """What the page's script polls: the state, and while running how far it is (kept beside
    the file, see coding.imports.services)."""
    from coding.imports.services import import_job_progress

    return {"status": job.status, **import_job_progress(job)}
