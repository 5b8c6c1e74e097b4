"""Answers for one person are never kept by a shared cache, and the API says what its answers
depend on: every response to a signed-in member or a token-authenticated request, on every
address of the site (walked from the URL conf), is `Cache-Control: private` (and `no-store`
unless it carries a validator), every API response says `Vary: Authorization, Cookie`, and
anonymous readers' shared answers keep their ETag, `public, no-cache` and 304s
(coding.middleware.private_responses)."""

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.utils.cache import get_max_age
from rest_framework.authtoken.models import Token

from coding.adjudication.services import disagreements_detect
from coding.documents.services import document_upload
from coding.models import Coding, Disagreement, Document, Review
from tests import factories
from tests.urlwalk import fill, routes

VALUES_A = {"level": "local", "roles": ["deliverer"], "agreement": True}
VALUES_B = {"level": "state", "roles": ["deliverer"], "agreement": True}


@pytest.fixture
def world(review, settings, tmp_path, lead, coder_a, coder_b, adjudicator):
    """The review published, case 1 coded by Alice and Bob with a disagreement open, case 2
    assigned to Alice with her draft, and a document on case 1."""
    settings.MEDIA_ROOT = tmp_path / "media"
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    first = factories.CaseFactory(review=review, number="1")
    factories.coding_with_values(case=first, coder=coder_a, values=VALUES_A)
    factories.coding_with_values(case=first, coder=coder_b, values=VALUES_B)
    disagreements_detect(case=first)
    second = factories.CaseFactory(review=review, number="2")
    factories.coding_with_values(case=second, coder=coder_a, values=VALUES_A, submitted=False)
    document_upload(case=first, file=ContentFile(b"<p>Minutes.</p>", "1-minutes.html"),
                    actor=lead, title="Minutes", is_public=True)
    return review


def _values(review):
    ids = sorted({1, 2} | set(Document.objects.values_list("pk", flat=True))
                 | set(Disagreement.objects.values_list("pk", flat=True))
                 | set(Coding.objects.values_list("pk", flat=True)))

    def values(converter, name):
        if name == "slug":
            return [review.slug]
        if name in ("number", "case_number") and converter == "str":
            return ["1", "2"]
        if converter in ("int", "path"):
            return [str(i) for i in ids]
        return ["level"]

    return values


def _walk(client: Client, review):
    for route in routes():
        for path in fill(route, _values(review)):
            yield path, client.get(path)


def _directives(response) -> set[str]:
    return {part.strip().split("=")[0] for part in response.get("Cache-Control", "").split(",")
            if part.strip()}


def _varies(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",")}


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _token(user) -> Client:
    token, _ = Token.objects.get_or_create(user=user)
    return Client(HTTP_AUTHORIZATION=f"Token {token.key}")


@pytest.mark.parametrize("how", ["session", "token"])
def test_every_answer_for_a_member_is_private(world, lead, how):
    client = _signed_in(lead) if how == "session" else _token(lead)
    statuses = set()
    for path, response in _walk(client, world):
        directives = _directives(response)
        assert "private" in directives and "public" not in directives, (
            f"{path} ({response.status_code}): Cache-Control {response.get('Cache-Control')!r}")
        assert get_max_age(response) in (None, 0), path
        if not response.has_header("ETag"):
            assert "no-store" in directives, path
        if path.startswith("/api/"):
            assert {"authorization", "cookie"} <= _varies(response), (
                f"{path}: Vary {response.get('Vary')!r}")
        statuses.add(response.status_code)
    assert 200 in statuses  # member pages and API answers were really read, not only refused


def test_member_pages_and_token_answers_are_private_and_not_stored(world, lead, coder_a):
    alice = _signed_in(coder_a)
    page = alice.get(f"/reviews/{world.slug}/my-cases/")
    assert page.status_code == 200
    assert _directives(page) >= {"private", "no-store"}
    progress = _signed_in(lead).get(f"/reviews/{world.slug}/progress/")
    assert progress.status_code == 200
    assert _directives(progress) >= {"private", "no-store"}
    codings = _token(coder_a).get(f"/api/reviews/{world.slug}/codings/")
    assert codings.status_code == 200
    assert _directives(codings) >= {"private", "no-store"}
    assert {"authorization", "cookie"} <= _varies(codings)


def test_a_members_document_keeps_its_etag_and_is_checked_again(world, lead):
    document = Document.objects.get()
    url = f"/reviews/{world.slug}/cases/1/documents/{document.pk}/file/"
    response = _signed_in(lead).get(url)
    assert response.status_code == 200
    assert response["ETag"] == f'"{document.sha256}"'
    assert _directives(response) == {"private", "no-cache"}


@pytest.mark.parametrize("path", [
    "/api/reviews/", "/api/reviews/demo/cases/", "/api/reviews/demo/codings/",
    "/api/reviews/nowhere/", "/api/schema/",
])
def test_every_api_answer_varies_on_the_credentials(world, path):
    """Anonymous answers too: a cache must not give them to a client with a token or a
    session, nor the other way round."""
    response = Client().get(path)
    assert {"authorization", "cookie"} <= _varies(response), (path, response.get("Vary"))


def test_an_anonymous_readers_answers_stay_shared(world):
    for url in [f"/reviews/{world.slug}/", f"/api/reviews/{world.slug}/cases/"]:
        first = Client().get(url)
        assert first["Cache-Control"] == "public, no-cache", url
        assert Client().get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304, url


def test_a_token_never_gets_the_shared_answer_of_a_reader_page(world, lead):
    url = f"/api/reviews/{world.slug}/cases/"
    shared = Client().get(url)
    response = _token(lead).get(url, HTTP_IF_NONE_MATCH=shared["ETag"])
    assert response.status_code == 200
    assert "ETag" not in response
    assert _directives(response) >= {"private", "no-store"}
