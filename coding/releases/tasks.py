"""Background tasks of releases (run by `manage.py db_worker`)."""

from django_tasks import task

from coding.releases.services import release_job_run


@task()
def make_release(job_id: int) -> str | None:
    """Freeze the review's public data as the release a lead asked for; returns the
    request's status (done, failed, or what another worker left it in)."""
    job = release_job_run(job_id=job_id)
    return job.status if job else None
