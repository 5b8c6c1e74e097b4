"""Documents in the API: upload (multipart, leads), list on the case, metadata with a
download link, the file itself, delete; with tokens, as scripts use it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import Document
from tests.documents.conftest import stored_files
from tests.documents.pdfs import minimal_pdf, pypdf_with_javascript

LIST = "/api/reviews/demo/cases/12/documents/"


@pytest.fixture
def api(request, case, coder_a, lead, outsider):
    def make(actor: str) -> APIClient:
        client = APIClient()
        if actor != "anonymous":
            token, _ = Token.objects.get_or_create(user=request.getfixturevalue(actor))
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def _pdf(name="12.pdf", data=None):
    return SimpleUploadedFile(name, data or minimal_pdf(), content_type="application/pdf")


def test_lead_uploads_through_the_api_and_gets_metadata_and_a_download_link(api, media_root):
    response = api("lead").post(LIST, {"file": _pdf(), "title": "Full text", "public": "true"},
                                format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    document = Document.objects.get()
    assert body["id"] == document.pk
    assert {k: body[k] for k in ("title", "filename", "content_type", "size", "public")} == {
        "title": "Full text", "filename": "12.pdf", "content_type": "application/pdf",
        "size": len(minimal_pdf()), "public": True}
    assert body["sha256"] == document.sha256
    assert body["download_url"] == (
        f"http://testserver/api/reviews/demo/cases/12/documents/{document.pk}/file/")
    assert body["notes"] == []
    download = api("coder_a").get(body["download_url"], HTTP_ACCEPT="application/pdf")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == minimal_pdf()
    assert download["X-Content-Type-Options"] == "nosniff"


def test_case_detail_lists_its_documents_for_members(api, lead):
    api("lead").post(LIST, {"file": _pdf(), "title": "Full text"}, format="multipart")
    body = api("coder_a").get("/api/reviews/demo/cases/12/").json()
    assert [d["title"] for d in body["documents"]] == ["Full text"]
    assert body["documents"][0]["download_url"].endswith("/file/")


def test_readers_see_only_public_documents_of_a_published_review(api, review, outsider):
    api("lead").post(LIST, {"file": _pdf(), "title": "Full text"}, format="multipart")
    api("lead").post(LIST, {"file": _pdf("s.txt", b"Summary"), "title": "Summary",
                            "public": "true"}, format="multipart")
    assert api("anonymous").get(LIST).status_code == 404
    assert api("outsider").get("/api/reviews/demo/cases/12/").status_code == 404
    review.is_published = True
    review.save()
    assert [d["title"] for d in api("anonymous").get(LIST).json()["results"]] == ["Summary"]
    case = api("outsider").get("/api/reviews/demo/cases/12/").json()
    assert [d["title"] for d in case["documents"]] == ["Summary"]
    private = Document.objects.get(title="Full text")
    assert api("outsider").get(f"{LIST}{private.pk}/").status_code == 404
    assert api("outsider").get(f"{LIST}{private.pk}/file/").status_code == 404


@pytest.mark.parametrize("actor,expected", [
    ("anonymous", 404), ("outsider", 404), ("coder_a", 403), ("lead", 201),
])
def test_only_leads_may_upload_through_the_api(api, media_root, actor, expected):
    response = api(actor).post(LIST, {"file": _pdf()}, format="multipart")
    assert response.status_code == expected
    assert Document.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize("name,data,message", [
    ("evil.pdf", b"MZ\x90\x00" + b"\x00" * 60, "evil.pdf is not a PDF: its content is a "
                                                "Windows executable."),
    ("js.pdf", pypdf_with_javascript(), "js.pdf contains JavaScript"),
])
def test_refused_upload_is_400_with_the_reason_and_stores_nothing(
    api, media_root, name, data, message
):
    response = api("lead").post(LIST, {"file": _pdf(name, data)}, format="multipart")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_upload_without_a_file_is_400(api):
    response = api("lead").post(LIST, {"title": "x"}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["fields"]


def test_lead_deletes_a_document_and_its_file(
    api, media_root, django_capture_on_commit_callbacks
):
    created = api("lead").post(LIST, {"file": _pdf()}, format="multipart").json()
    assert api("coder_a").delete(f"{LIST}{created['id']}/").status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert api("lead").delete(f"{LIST}{created['id']}/").status_code == 204
    assert Document.objects.count() == 0
    assert stored_files(media_root) == []
