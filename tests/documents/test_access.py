"""Who may open a document's file: the case's members always; readers only a public
document of a published review; everyone else gets 404, on the page and in the API."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from coding.documents.policies import document_visible_to, documents_visible_to
from coding.documents.services import document_upload
from coding.models import Document
from tests.documents.pdfs import minimal_pdf

MEMBERS = ["coder_a", "coder_b", "adjudicator", "lead"]
NON_MEMBERS = ["anonymous", "outsider"]


@pytest.fixture
def documents(case, lead, coder_a, coder_b, adjudicator):
    private = document_upload(case=case, file=ContentFile(minimal_pdf(["private"]), "12.pdf"),
                              actor=lead, title="Full text")
    public = document_upload(case=case, file=ContentFile(b"<p>Summary</p>", "12-summary.html"),
                             actor=lead, title="Summary", is_public=True)
    return {"private": private, "public": public}


def _user(request, actor):
    if actor == "anonymous":
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser()
    return request.getfixturevalue(actor)


def _file_urls(document):
    args = ["demo", document.case.number, document.pk]
    return [reverse("coding:document_file", args=args), reverse("api:document-file", args=args)]


def _fetch(client, request, actor, url):
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))
    return client.get(url)


def _expected(actor, published, which):
    if actor in MEMBERS:
        return 200
    return 200 if published and which == "public" else 404


@pytest.mark.parametrize("published", [False, True], ids=["unpublished", "published"])
@pytest.mark.parametrize("which", ["private", "public"])
@pytest.mark.parametrize("actor", MEMBERS + NON_MEMBERS)
def test_file_access_matrix(client, request, review, documents, actor, which, published):
    review.is_published = published
    review.save()
    document = documents[which]
    expected = _expected(actor, published, which)
    for url in _file_urls(document):
        response = _fetch(client, request, actor, url)
        assert response.status_code == expected, url
    # The policy's two forms agree with what the URLs answer.
    user = _user(request, actor)
    assert document_visible_to(user, document) is (expected == 200)
    listed = documents_visible_to(user, Document.objects.all())
    assert listed.filter(pk=document.pk).exists() is (expected == 200)


def test_non_member_gets_404_for_the_file_of_an_unpublished_review(
    client, outsider, documents
):
    client.force_login(outsider)
    for url in _file_urls(documents["private"]):
        assert client.get(url).status_code == 404


def test_reader_downloads_a_public_document_of_a_published_review(client, review, documents):
    review.is_published = True
    review.save()
    url = reverse("coding:document_file", args=["demo", "12", documents["public"].pk])
    response = client.get(url + "?download=1")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"<p>Summary</p>"
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="12-summary.html"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    private = reverse("coding:document_file", args=["demo", "12", documents["private"].pk])
    assert client.get(private).status_code == 404


def test_member_gets_the_pdf_inline_with_its_type(client, coder_a, documents):
    client.force_login(coder_a)
    document = documents["private"]
    response = client.get(reverse("coding:document_file", args=["demo", "12", document.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="12.pdf"'
    assert response["Content-Length"] == str(document.size)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-cache"
    assert b"".join(response.streaming_content) == minimal_pdf(["private"])


def test_document_of_another_case_is_404(client, review, lead, documents):
    from tests import factories

    factories.CaseFactory(review=review, number="13")
    client.force_login(lead)
    url = reverse("coding:document_file", args=["demo", "13", documents["private"].pk])
    assert client.get(url).status_code == 404


def test_missing_file_in_storage_is_404_not_500(client, lead, documents):
    document = documents["private"]
    document.file.storage.delete(document.file.name)
    client.force_login(lead)
    url = reverse("coding:document_file", args=["demo", "12", document.pk])
    assert client.get(url).status_code == 404


def test_case_page_lists_only_the_documents_a_reader_may_open(client, review, documents):
    review.is_published = True
    review.save()
    page = client.get(reverse("coding:case_detail", args=["demo", "12"])).content.decode()
    assert "Summary" in page and "Full text" not in page


def test_case_page_lists_every_document_for_members(client, coder_a, documents):
    client.force_login(coder_a)
    page = client.get(reverse("coding:case_detail", args=["demo", "12"])).content.decode()
    assert "Summary" in page and "Full text" in page
    assert reverse("coding:case_documents", args=["demo", "12"]) in page


@pytest.mark.parametrize("actor,expected", [
    ("anonymous", 302), ("outsider", 404), ("coder_a", 200), ("lead", 200),
])
def test_documents_page_is_for_members(client, request, case, actor, expected):
    response = _fetch(client, request, actor,
                      reverse("coding:case_documents", args=["demo", "12"]))
    assert response.status_code == expected


def test_only_leads_see_the_upload_form_and_may_delete(client, coder_a, lead, documents):
    url = reverse("coding:case_documents", args=["demo", "12"])
    client.force_login(coder_a)
    assert 'enctype="multipart/form-data"' not in client.get(url).content.decode()
    delete = reverse("coding:document_delete", args=["demo", "12", documents["private"].pk])
    client.post(delete)
    assert Document.objects.filter(pk=documents["private"].pk).exists()
    client.force_login(lead)
    assert 'enctype="multipart/form-data"' in client.get(url).content.decode()
    client.post(delete)
    assert not Document.objects.filter(pk=documents["private"].pk).exists()
