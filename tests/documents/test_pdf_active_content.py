"""PDFs with active content are refused by what they hold, wherever it hangs (catalogue,
page, annotation, names tree, form), with the file and the reason named; the page, the API
and import_documents refuse them alike, since all three go through inspect_file."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError

from coding.documents.services import document_upload
from coding.models import Document
from tests.documents.pdfs import pdf_with_active_content, pdf_with_pages

REFUSALS = [
    ("launch", "12.pdf contains an action that starts a program or opens a file (/Launch)"),
    ("uri_javascript", "12.pdf contains a link that runs a script (/URI with javascript:)"),
    ("submit_form", "12.pdf contains a form that sends what is typed into it to an address "
                    "(/SubmitForm)"),
    ("goto_remote", "12.pdf contains a link that opens another file (/GoToR or /GoToE)"),
    ("xfa", "12.pdf contains an XFA form (/XFA), which can carry scripts"),
    ("embedded_file", "12.pdf contains embedded files (/EmbeddedFiles, /EF)"),
    ("javascript_next", "12.pdf contains JavaScript; PDFs with scripts are refused"),
]


@pytest.mark.parametrize(("kind", "message"), REFUSALS, ids=[kind for kind, _ in REFUSALS])
def test_pdf_with_active_content_is_refused_naming_the_file_and_the_reason(
    case, lead, kind, message
):
    with pytest.raises(ValidationError) as error:
        document_upload(case=case, file=ContentFile(pdf_with_active_content(kind), name="12.pdf"),
                        actor=lead)
    assert error.value.messages[0].startswith(message)
    assert Document.objects.count() == 0


def test_pdf_with_an_ordinary_web_link_is_accepted(case, lead):
    data = pdf_with_active_content("https_link")
    document = document_upload(case=case, file=ContentFile(data, name="12.pdf"), actor=lead)
    assert document.content_type == "application/pdf"


def test_upload_page_refuses_a_pdf_that_launches_a_program(client, case, lead):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    client.force_login(lead)
    response = client.post(
        reverse("coding:case_documents", args=[case.review.slug, case.number]),
        {"file": SimpleUploadedFile("12.pdf", pdf_with_active_content("launch"),
                                    content_type="application/pdf"), "title": ""},
    )
    assert "12.pdf contains an action that starts a program or opens a file (/Launch)" in (
        response.content.decode())
    assert Document.objects.count() == 0


def test_api_refuses_a_pdf_with_a_form_that_submits(case, lead):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(lead)
    response = client.post(
        f"/api/reviews/{case.review.slug}/cases/{case.number}/documents/",
        {"file": ContentFile(pdf_with_active_content("submit_form"), name="12.pdf")},
        format="multipart",
    )
    assert response.status_code == 400
    assert "(/SubmitForm)" in str(response.json())
    assert Document.objects.count() == 0


def test_import_documents_refuses_an_xfa_pdf_naming_it(case, tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "12.pdf").write_bytes(pdf_with_active_content("xfa"))
    with pytest.raises(CommandError, match=r"12\.pdf.*an XFA form \(/XFA\)"):
        call_command("import_documents", str(folder), "--review", case.review.slug)
    assert Document.objects.count() == 0


def test_pdf_over_the_page_limit_is_refused_without_reading_its_pages(case, lead, settings):
    settings.DOCUMENT_MAX_PAGES = 2000
    with pytest.raises(ValidationError, match="12.pdf has 50,000 pages; documents may have "
                       "at most 2,000"):
        document_upload(case=case, file=ContentFile(pdf_with_pages(50_000), name="12.pdf"),
                        actor=lead)
