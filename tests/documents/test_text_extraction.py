"""A document's text is extracted by a background task after the upload commits, not in the
upload request; until then the document says "text being extracted" and search skips it."""

import io
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.test import APIClient

from coding.documents import services
from coding.documents.services import document_text_extract, document_upload
from coding.models import Document, TextStatus
from tests.documents.pdfs import minimal_pdf

TASK = "coding.documents.tasks.extract_document_text"


def _upload(case, lead, data=None, name="12.pdf"):
    data = data if data is not None else minimal_pdf(["Volunteers repaired the lanterns."])
    return document_upload(case=case, file=ContentFile(data, name=name), actor=lead)


def _gallery(client, q) -> list[str]:
    response = client.get(reverse("coding:gallery", args=["demo"]), {"q": q})
    return sorted(case.number for case in response.context["filter"].qs)


def test_upload_queues_the_extraction_instead_of_doing_it(
    case, lead, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(services, "extract_text_bounded",
                        lambda *a, **k: pytest.fail("extracted at upload"))

    with django_capture_on_commit_callbacks(execute=True):
        document = _upload(case, lead)
        assert not DBTaskResult.objects.exists()  # nothing before the commit

    document.refresh_from_db()
    assert (document.text, document.text_status) == ("", TextStatus.PENDING)
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        (TASK, {"args": [], "kwargs": {"document_id": document.pk}})]


def test_search_finds_the_document_once_its_text_is_extracted(client, case, lead, coder_a):
    document = _upload(case, lead)
    client.force_login(coder_a)
    assert _gallery(client, "lanterns") == []

    document_text_extract(document_id=document.pk)

    assert _gallery(client, "lanterns") == ["12"]


def test_page_and_api_say_text_being_extracted_until_done(client, case, lead):
    document = _upload(case, lead)
    client.force_login(lead)
    page = reverse("coding:case_documents", args=["demo", "12"])
    api = APIClient()
    api.force_authenticate(lead)
    url = f"/api/reviews/demo/cases/12/documents/{document.pk}/"

    assert "text being extracted" in client.get(page).content.decode()
    assert api.get(url).json()["text_status"] == "pending"
    document_text_extract(document_id=document.pk)
    assert "text being extracted" not in client.get(page).content.decode()
    assert api.get(url).json()["text_status"] == "ready"


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_extracts_the_text(case, lead):
    document = _upload(case, lead)  # autocommit: queued as the upload returns
    assert Document.objects.get(pk=document.pk).text_status == TextStatus.PENDING

    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=io.StringIO())

    document.refresh_from_db()
    assert document.text_status == TextStatus.READY
    assert document.text == "Volunteers repaired the lanterns."
    assert DBTaskResult.objects.get(task_path=TASK).status == "SUCCESSFUL"


def test_a_file_that_cannot_be_read_marks_the_text_failed(client, case, lead):
    document = _upload(case, lead)
    with document.file.open("wb") as stored:  # damaged in the store after the checks
        stored.write(b"%PDF-1.4 not really")

    with pytest.raises(Exception):  # noqa: B017 - whatever pypdf raises for it
        document_text_extract(document_id=document.pk)

    document.refresh_from_db()
    assert (document.text, document.text_status) == ("", TextStatus.FAILED)
    client.force_login(lead)
    page = client.get(reverse("coding:case_documents", args=["demo", "12"]))
    assert "text could not be extracted" in page.content.decode()


def test_extracting_twice_changes_nothing(case, lead, monkeypatch):
    document = _upload(case, lead, b"Plain notes", name="12.txt")
    document_text_extract(document_id=document.pk)
    monkeypatch.setattr(services, "extract_text_bounded",
                        lambda *a, **k: pytest.fail("extracted again"))

    again = document_text_extract(document_id=document.pk)

    assert (again.text, again.text_status) == ("Plain notes", TextStatus.READY)


def test_an_extraction_lost_with_its_worker_is_queued_again_by_the_recovery_not_by_a_page(
    client, case, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = _upload(case, lead)
    DBTaskResult.objects.all().delete()  # the worker took the task and died with it
    client.force_login(lead)
    page = reverse("coding:case_documents", args=["demo", "12"])

    def recover():
        with django_capture_on_commit_callbacks(execute=True):
            call_command("recover_background_jobs", stdout=io.StringIO())

    recover()
    assert not _extractions()  # recent: its worker may still be on it

    long_ago = timezone.now() - timedelta(minutes=settings.TEXT_EXTRACTION_TIMEOUT_MINUTES + 1)
    Document.objects.filter(pk=document.pk).update(text_requested_at=long_ago)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(page)  # a GET writes nothing, and queues nothing
    assert not _extractions()
    assert Document.objects.get(pk=document.pk).text_requested_at == long_ago

    recover()
    recover()  # the second finds it queued a moment ago
    assert _extractions() == [{"args": [], "kwargs": {"document_id": document.pk}}]

    document_text_extract(document_id=document.pk)  # what the queued task runs
    document.refresh_from_db()
    assert document.text_status == TextStatus.READY and "lanterns" in document.text


def test_an_extraction_still_queued_is_not_queued_twice(
    case, lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        document = _upload(case, lead)
    long_ago = timezone.now() - timedelta(minutes=settings.TEXT_EXTRACTION_TIMEOUT_MINUTES + 1)
    Document.objects.filter(pk=document.pk).update(text_requested_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        call_command("recover_background_jobs", stdout=io.StringIO())

    assert len(_extractions()) == 1  # its task waits in the queue: left alone


def _extractions() -> list[dict]:
    return list(DBTaskResult.objects.filter(task_path=TASK).values_list("args_kwargs", flat=True))
