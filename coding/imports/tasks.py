"""Background tasks of browser imports (run by `manage.py db_worker`)."""

from contextlib import nullcontext

from django.utils import translation
from django_tasks import task

from coding.imports.services import import_job_check, import_job_run


# `language`: the uploader's language when the job was queued, so that the reasons a file is
# refused (stored in ImportJob.error) are written in it. None: the site's default.
@task()
def check_import(job_id: int, language: str | None = None) -> str | None:
    with translation.override(language) if language else nullcontext():
        job = import_job_check(job_id=job_id)
    return job.status if job else None


@task()
def run_import(job_id: int, language: str | None = None) -> str | None:
    with translation.override(language) if language else nullcontext():
        job = import_job_run(job_id=job_id)
    return job.status if job else None
