"""Reader pages and the public API shared per data version: ETags, 304s and cached copies
for anonymous readers only; never stale, never a withdrawn review, never a member's page."""

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.authtoken.models import Token

from coding.adjudication.services import consensus_version, disagreement_resolve
from coding.models import Review
from coding.public.policies import may_share_response
from coding.reviews.importers import cases_import
from coding.reviews.services import review_set_published


def urls(slug: str, number: str = "7") -> list[str]:
    return [
        reverse("coding:gallery", args=[slug]),
        reverse("coding:case_detail", args=[slug, number]),
        reverse("coding:dashboard", args=[slug]),
        reverse("coding:dashboard_csv", args=[slug, "level"]),
        f"/api/reviews/{slug}/",
        f"/api/reviews/{slug}/cases/?include=consensus",
        f"/api/reviews/{slug}/cases/{number}/",
        f"/api/reviews/{slug}/consensus/",
        f"/api/reviews/{slug}/dashboard/",
    ]


def _resolve(disagreement, adjudicator):
    disagreement_resolve(disagreement=disagreement, user=adjudicator, choice="a",
                         rationale="as coded by A",
                         expected_version=consensus_version(disagreement))


@pytest.mark.parametrize("index", range(9))
def test_anonymous_readers_get_an_etag_and_a_304_without_rendering(
    client, disagreed, index, django_assert_max_num_queries
):
    url = urls("demo")[index]
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert first["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first["Vary"]
    with django_assert_max_num_queries(1):  # the review and its version, nothing rendered
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    assert again.content == b""


@pytest.mark.parametrize("index", range(9))
def test_a_second_anonymous_reader_gets_the_cached_copy(
    disagreed, index, django_assert_max_num_queries
):
    url = urls("demo")[index]
    first = Client().get(url)
    with django_assert_max_num_queries(1):
        second = Client().get(url)
    assert second.status_code == 200
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    assert second["ETag"] == first["ETag"]


def test_etag_differs_per_url_and_query(client, disagreed):
    gallery = reverse("coding:gallery", args=["demo"])
    assert client.get(gallery)["ETag"] != client.get(gallery, {"country": "UK"})["ETag"]
    api = "/api/reviews/demo/cases/"
    assert client.get(api)["ETag"] != client.get(api, {"include": "consensus"})["ETag"]


def test_an_adjudication_changes_every_etag_and_the_cached_figures(
    client, disagreed, adjudicator
):
    before = {url: client.get(url) for url in urls("demo")}
    assert b"Co-deliverer" not in before[urls("demo")[1]].content  # roles still open
    _resolve(disagreed, adjudicator)
    for url, old in before.items():
        fresh = client.get(url, HTTP_IF_NONE_MATCH=old["ETag"])
        assert fresh.status_code == 200, url
        assert fresh["ETag"] != old["ETag"], url
    assert b"Co-deliverer" in client.get(urls("demo")[1]).content
    csv = client.get(urls("demo")[3]).content.decode()
    assert "Local,1" in csv.replace("\r\n", "\n")
    consensus = client.get("/api/reviews/demo/cases/?include=consensus").json()
    assert {v["attribute"] for v in consensus["results"][0]["consensus"]} >= {"level", "roles"}


def test_an_import_changes_the_etag_and_the_gallery_lists_the_new_cases(
    client, published, tmp_path
):
    url = reverse("coding:gallery", args=["demo"])
    old = client.get(url)
    assert b"Parks for all" not in old.content
    path = tmp_path / "cases.csv"
    path.write_text("number,title,country,year,service_area,summary,source\n"
                    "1,Parks for all,Sweden,2012,,,\n")
    cases_import(path=path, review_slug="demo")
    fresh = client.get(url, HTTP_IF_NONE_MATCH=old["ETag"])
    assert fresh.status_code == 200
    assert b"Parks for all" in fresh.content
    assert fresh["ETag"] != old["ETag"]


def test_a_withdrawn_review_is_never_served_from_the_cache(client, disagreed, lead):
    pages = {url: client.get(url) for url in urls("demo")}
    review_set_published(review=disagreed.case.review, actor=lead, published=False)
    for url, old in pages.items():
        assert client.get(url).status_code == 404, url
        assert client.get(url, HTTP_IF_NONE_MATCH=old["ETag"]).status_code == 404, url


def test_withdrawn_without_a_new_version_is_still_not_served(client, disagreed):
    """The published flag is read for every request: even a change that somehow left the
    version alone cannot serve a withdrawn review from the cache."""
    pages = {url: client.get(url) for url in urls("demo")}
    Review.objects.filter(pk=disagreed.case.review_id).update(is_published=False)
    for url, old in pages.items():
        assert client.get(url, HTTP_IF_NONE_MATCH=old["ETag"]).status_code == 404, url


def test_a_signed_in_member_never_gets_the_anonymous_copy_or_a_304(
    client, disagreed, lead, django_assert_max_num_queries
):
    lena = Client()
    lena.force_login(lead)
    for url in urls("demo"):
        anonymous = client.get(url)
        response = lena.get(url, HTTP_IF_NONE_MATCH=anonymous["ETag"])
        assert response.status_code == 200, url
        assert "ETag" not in response, url
        assert "private" in response["Cache-Control"], url
    gallery = lena.get(urls("demo")[0])
    assert b"publish-form" in gallery.content  # her own page, with the lead's switch
    assert b"publish-form" not in client.get(urls("demo")[0]).content


def test_a_members_page_is_not_shared_with_another_member(disagreed, lead, coder_a):
    lena, alice = Client(), Client()
    lena.force_login(lead)
    alice.force_login(coder_a)
    url = urls("demo")[0]
    assert b"publish-form" in lena.get(url).content
    assert b"publish-form" not in alice.get(url).content


def test_an_api_token_is_never_answered_from_the_shared_copy(client, disagreed, lead):
    token, _ = Token.objects.get_or_create(user=lead)
    url = "/api/reviews/demo/"
    anonymous = client.get(url)
    assert anonymous.json()["roles"] == []
    response = Client().get(url, HTTP_AUTHORIZATION=f"Token {token.key}",
                            HTTP_IF_NONE_MATCH=anonymous["ETag"])
    assert response.status_code == 200
    assert response.json()["roles"] == ["lead"]
    assert "ETag" not in response


def test_an_unpublished_review_is_private_to_its_members(disagreed, lead):
    Review.objects.filter(pk=disagreed.case.review_id).update(is_published=False)
    lena = Client()
    lena.force_login(lead)
    response = lena.get(urls("demo")[0])
    assert response.status_code == 200
    assert "ETag" not in response


def test_an_anonymous_visitor_with_a_session_or_messages_is_not_shared(rf, published):
    request = rf.get("/reviews/demo/")
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert may_share_response(request, published)
    request.COOKIES["messages"] = "x"
    assert not may_share_response(request, published)
    request = rf.get("/reviews/demo/", HTTP_COOKIE="sessionid=abc")
    request.user = AnonymousUser()
    assert not may_share_response(request, published)
    request = rf.post("/reviews/demo/")
    request.user = AnonymousUser()
    assert not may_share_response(request, published)


def test_a_forged_etag_does_not_get_a_304(client, disagreed):
    url = urls("demo")[0]
    assert client.get(url, HTTP_IF_NONE_MATCH='"0123456789"').status_code == 200
