"""An import is checked and run in the language its lead asked in: the reasons a file is
refused are stored (ImportJob.error), so the worker writes them in that language."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from coding.imports.services import import_job_create
from tests.imports.test_imports import CASES, media_root  # noqa: F401  (its fixture)


def test_the_check_is_queued_with_the_uploaders_language(
        review, lead, django_capture_on_commit_callbacks):
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        job = import_job_create(review=review, kind="cases", actor=lead,
                                upload=SimpleUploadedFile("cases.csv", CASES))
    assert list(DBTaskResult.objects.values_list("args_kwargs", flat=True)) == [
        {"args": [], "kwargs": {"job_id": job.pk, "language": "es"}}]
