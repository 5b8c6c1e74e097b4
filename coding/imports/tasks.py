"""Background tasks of browser imports (run by `manage.py db_worker`)."""

from django_tasks import task

from coding.imports.services import import_job_check, import_job_run


@task()
def check_import(job_id: int) -> str | None:
    job = import_job_check(job_id=job_id)
    return job.status if job else None


@task()
def run_import(job_id: int) -> str | None:
    job = import_job_run(job_id=job_id)
    return job.status if job else None
