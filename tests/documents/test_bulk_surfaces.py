"""Many documents at once through the review's documents page (Django client) and
`POST /api/reviews/<slug>/documents/`; both answer per file, as import_documents matches."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import Document, TextStatus
from tests import factories
from tests.documents.bulk_files import upload, zip_of
from tests.documents.conftest import stored_files
from tests.documents.pdfs import minimal_pdf, pypdf_with_javascript

PAGE = "/reviews/demo/documents/"
API = "/api/reviews/demo/documents/"


@pytest.fixture
def cases(review):
    return {n: factories.CaseFactory(review=review, number=n, title=f"Case title {n}")
            for n in ("1", "12")}


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_takes_several_files_and_a_zip_and_answers_per_file(cases, lead, media_root):
    response = _api(lead).post(API, {"files": [
        upload("12.pdf", minimal_pdf(["twelve"])),
        upload("1.pdf", pypdf_with_javascript()),
        upload("more.zip", zip_of({"1-notes.txt": b"Notes", "x.txt": b"?"})),
    ]}, format="multipart")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert [(r["name"], r["status"], r["case"]) for r in body["results"]] == [
        ("12.pdf", "stored", "12"), ("1.pdf", "refused", "1"),
        ("more.zip/1-notes.txt", "stored", "1"), ("more.zip/x.txt", "unmatched", None)]
    assert body["counts"] == {"stored": 2, "matched": 0, "refused": 1, "unmatched": 1}
    assert "JavaScript" in body["results"][1]["reason"]
    assert body["results"][1]["code"] == "pdf_script"
    assert {r["document"] for r in body["results"] if r["document"]} == set(
        Document.objects.values_list("pk", flat=True))
    assert len(stored_files(media_root)) == 2


def test_an_api_dry_run_answers_200_and_stores_nothing(cases, lead, media_root):
    response = _api(lead).post(API, {"files": [upload("12.pdf", minimal_pdf())],
                                     "dry_run": "true"}, format="multipart")
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "matched"
    assert Document.objects.count() == 0 and stored_files(media_root) == []


def test_the_api_without_files_is_400_with_the_field_named(cases, lead):
    response = _api(lead).post(API, {}, format="multipart")
    assert response.status_code == 400 and "files" in response.json()["fields"]


@pytest.mark.parametrize("who, status", [
    ("anonymous", 404), ("outsider", 404), ("coder_a", 403), ("adjudicator", 403)])
def test_only_leads_upload_through_the_api(request, cases, who, status):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = _api(user).post(API, {"files": [upload("12.pdf", minimal_pdf())]},
                               format="multipart")
    assert response.status_code == status
    assert Document.objects.count() == 0


def test_the_page_checks_without_storing_then_uploads(client, cases, lead, media_root,
                                                       django_assert_max_num_queries):
    client.force_login(lead)
    with django_assert_max_num_queries(12):
        page = client.get(PAGE)
    assert page.status_code == 200
    assert 'id="bulk-files"' in page.text and "Upload matched files" in page.text
    files = lambda: [upload("12.pdf", minimal_pdf()), upload("nope.txt", b"x")]  # noqa: E731
    checked = client.post(PAGE, {"action": "check", "files": files()})
    assert checked.status_code == 200
    assert "Check: nothing stored yet" in checked.text
    assert "1 matched, 0 refused, 1 unmatched." in checked.text
    assert Document.objects.count() == 0 and stored_files(media_root) == []
    uploaded = client.post(PAGE, {"action": "upload", "files": files()})
    assert "1 stored, 0 refused, 1 unmatched." in uploaded.text
    assert list(Document.objects.values_list("case__number", "title")) == [("12", "Full text")]


def test_the_pages_script_gets_json_from_the_check_the_upload_and_the_status(
        client, cases, lead, media_root):
    client.force_login(lead)
    names = json.dumps([{"name": "12.pdf", "size": 700}, {"name": "3.pdf", "size": 1}])
    checked = client.post(PAGE + "check/", {
        "names": names, "files": [upload("docs.zip", zip_of({"1.txt": b"one"}))]},
        headers={"accept": "application/json"})
    assert [(r["name"], r["status"]) for r in checked.json()["results"]] == [
        ("12.pdf", "matched"), ("3.pdf", "unmatched"), ("docs.zip/1.txt", "matched")]
    assert Document.objects.count() == 0
    uploaded = client.post(PAGE, {"action": "upload", "files": [upload("12.txt", b"Twelve")]},
                           headers={"accept": "application/json"})
    assert uploaded.status_code == 201
    document = uploaded.json()["results"][0]["document"]
    status = client.get(PAGE + f"status/?ids={document},99999").json()
    assert status == {"documents": [{"id": document, "text_status": TextStatus.PENDING}],
                      "pending": 1, "done": 0}


def test_the_check_refuses_names_that_are_not_a_list_of_files(client, cases, lead):
    client.force_login(lead)
    response = client.post(PAGE + "check/", {"names": "{nope"})
    assert response.status_code == 400 and "names" in response.json()["detail"]


@pytest.mark.parametrize("who", ["coder_a", "adjudicator", "outsider"])
def test_only_leads_open_the_documents_page(request, client, cases, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, {"action": "upload",
                              "files": [upload("12.txt", b"x")]}).status_code == 404
    assert client.get(PAGE + "status/?ids=1").status_code == 404
    assert Document.objects.count() == 0


def test_the_lead_finds_the_documents_page_in_the_review_navigation(client, cases, lead,
                                                                    coder_a):
    client.force_login(lead)
    assert f'href="{PAGE}"' in client.get("/reviews/demo/progress/").text
    client.force_login(coder_a)
    assert f'href="{PAGE}"' not in client.get("/reviews/demo/my-cases/").text


def test_an_empty_file_among_others_is_refused_alone_in_the_api(cases, lead):
    response = _api(lead).post(API, {"files": [upload("12.txt", b"Twelve"),
                                               upload("1.txt", b"")]}, format="multipart")
    assert response.status_code == 201
    assert [(r["status"], r["reason"]) for r in response.json()["results"]] == [
        ("stored", ""), ("refused", "1.txt is empty.")]


def test_a_cases_documents_page_points_leads_to_the_page_for_many(client, cases, lead):
    client.force_login(lead)
    assert f'href="{PAGE}"' in client.get("/reviews/demo/cases/12/documents/").text
