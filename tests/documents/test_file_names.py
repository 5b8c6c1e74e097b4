"""A document's file name: unique on its case (the codings CSV names a document by it), cut
to what a file system stores, and an upload whose name the server cannot read answered in
the API's JSON like every other refusal."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError
from rest_framework.authtoken.models import Token

from coding.documents.services import document_upload
from coding.models import Document
from tests import factories
from tests.documents.pdfs import minimal_pdf

LIST = "/api/reviews/demo/cases/12/documents/"


def _upload(case, lead, name, data):
    return document_upload(case=case, file=ContentFile(data, name=name), actor=lead)


def test_two_documents_of_one_case_may_not_share_a_file_name(case, lead):
    _upload(case, lead, "report.pdf", minimal_pdf(["First version"]))

    with pytest.raises(ValidationError) as error:
        _upload(case, lead, "report.pdf", minimal_pdf(["Second version"]))

    assert error.value.messages == [
        "Case 12 already has a document named report.pdf (“report”); rename the file, or "
        "delete the other document first."]
    assert Document.objects.count() == 1


def test_the_database_refuses_a_second_document_of_one_name_on_a_case(case, lead):
    first = _upload(case, lead, "report.pdf", minimal_pdf(["First version"]))
    with pytest.raises(IntegrityError):
        Document.objects.create(case=case, title="Other", file=first.file.name,
                                filename=first.filename, content_type=first.content_type,
                                size=1, sha256="0" * 64)


def test_the_same_file_name_on_two_cases_is_fine(case, lead):
    other = factories.CaseFactory(review=case.review, number="13")
    _upload(case, lead, "report.pdf", minimal_pdf(["First"]))
    _upload(other, lead, "report.pdf", minimal_pdf(["Second"]))
    assert Document.objects.count() == 2


def test_a_long_accented_file_name_is_cut_to_what_a_file_system_stores(case, lead):
    document = _upload(case, lead, "é" * 5000 + ".pdf", minimal_pdf())
    assert document.filename.endswith(".pdf")
    assert len(document.filename.encode("utf-8")) <= 200
    with document.file.open("rb") as stored:
        assert stored.read()[:5] == b"%PDF-"


def _multipart(filename: str, data: bytes) -> tuple[bytes, str]:
    boundary = "----boundary1234"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
        f"filename=\"{filename}\"\r\nContent-Type: application/pdf\r\n\r\n"
    ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_api_answers_json_to_an_upload_with_a_five_thousand_character_file_name(
    client, case, lead
):
    token, _ = Token.objects.get_or_create(user=lead)
    body, content_type = _multipart("a" * 5000 + ".pdf", minimal_pdf())

    response = client.generic("POST", LIST, body, content_type=content_type,
                              HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "a file name (or a field's header) is longer than the server accepts" in (
        response.json()["detail"])
    assert Document.objects.count() == 0
