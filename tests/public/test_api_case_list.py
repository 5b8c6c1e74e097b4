"""The API's case list with its consensus values (`?include=consensus`)."""

import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import Review
from tests import factories


def coded_cases(review, n: int):
    for i in range(n):
        case = factories.CaseFactory(review=review, number=str(100 + i))
        factories.consensus_for(
            case=case, complete=i % 4 != 3,
            values={"level": ["national", "state", "local"][i % 3],
                    "roles": [["deliverer"], ["assessor", "commissioner"], []][i % 3],
                    "topic": f"topic {i}", "budget": 1200.5 if i % 2 else 7,
                    "agreement": bool(i % 2)},
            evidence={"level": f"quote {i}"},
        )


@pytest.fixture
def published(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    return review


def test_each_case_carries_the_same_consensus_as_its_own_endpoint(published):
    coded_cases(published, 8)
    client = APIClient()
    listed = client.get("/api/reviews/demo/cases/", {"include": "consensus"}).json()
    assert listed["count"] == 8
    for row in listed["results"]:
        detail = client.get(f"/api/reviews/demo/cases/{row['number']}/").json()
        assert row["consensus"] == detail["consensus"], row["number"]
        assert {k: v for k, v in row.items() if k != "consensus"} == {
            k: v for k, v in detail.items() if k not in ("consensus", "documents")}
    incomplete = next(r for r in listed["results"] if r["number"] == "103")
    assert incomplete["consensus_complete"] is False
    assert incomplete["consensus"] == []
    multi = next(r for r in listed["results"] if r["number"] == "101")
    values = {v["attribute"]: v["value"] for v in multi["consensus"]}
    assert values["roles"] == ["assessor", "commissioner"]
    assert values["budget"] == 1200.5


def test_without_include_the_list_is_as_before(published):
    coded_cases(published, 2)
    row = APIClient().get("/api/reviews/demo/cases/").json()["results"][0]
    assert "consensus" not in row


def test_an_unknown_include_is_refused_with_its_name(published):
    response = APIClient().get("/api/reviews/demo/cases/", {"include": "codings"})
    assert response.status_code == 400
    assert "codings" in response.json()["detail"]
    assert "allowed: consensus" in response.json()["detail"]


@pytest.mark.parametrize("page_size", [5, 100])
def test_the_list_with_consensus_costs_at_most_six_queries(
    published, page_size, django_assert_max_num_queries
):
    coded_cases(published, 110)
    client = APIClient()
    client.get("/api/reviews/demo/dashboard/")  # warms the codebook, as any reader does
    with django_assert_max_num_queries(6):
        # the review, count, page, service areas, consensus values with their options
        response = client.get("/api/reviews/demo/cases/",
                              {"include": "consensus", "page_size": page_size})
    assert len(response.json()["results"]) == page_size
    assert all(row["consensus"] for row in response.json()["results"]
               if row["consensus_complete"])


@pytest.mark.parametrize("page_size", [5, 100])
def test_a_signed_in_client_also_gets_it_in_at_most_six_queries(
    published, lead, page_size, django_assert_max_num_queries
):
    coded_cases(published, 110)
    token, _ = Token.objects.get_or_create(user=lead)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.get("/api/reviews/demo/dashboard/")
    with django_assert_max_num_queries(6):
        # the token and its user, the review, count, page, service areas, consensus values
        response = client.get("/api/reviews/demo/cases/",
                              {"include": "consensus", "page_size": page_size})
    assert len(response.json()["results"]) == page_size


@pytest.mark.parametrize("page_size", [5, 100])
def test_the_first_list_of_a_data_version_also_costs_at_most_six_queries(
    published, page_size, django_assert_max_num_queries
):
    coded_cases(published, 110)
    cache.clear()  # nothing computed for this version yet: the codebook is read too
    with django_assert_max_num_queries(6):
        # the review, codebook, count, page, service areas, consensus values with options
        response = APIClient().get("/api/reviews/demo/cases/",
                                   {"include": "consensus", "page_size": page_size})
    assert len(response.json()["results"]) == page_size


def test_country_and_service_area_filters_still_check_their_values(published):
    coded_cases(published, 3)
    factories.CaseFactory(review=published, number="900", country="Norway")
    client = APIClient()
    cache.clear()
    unknown = client.get("/api/reviews/demo/cases/", {"country": "Atlantis"})
    assert unknown.status_code == 400 and "country" in unknown.json()["fields"]
    unknown_area = client.get("/api/reviews/demo/cases/", {"service_area": "no-such-area"})
    assert unknown_area.status_code == 400 and "service_area" in unknown_area.json()["fields"]
    found = client.get("/api/reviews/demo/cases/", {"country": "Norway"}).json()
    assert [row["number"] for row in found["results"]] == ["900"]
