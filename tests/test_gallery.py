"""The public case gallery, the case page, the reader exports and publishing."""

import csv
import io
import json

import pytest
from django.urls import reverse

from coding.models import AuditEvent, Review
from tests import factories


def gallery(client, slug="coproduction", **params):
    return client.get(reverse("coding:gallery", args=[slug]), params)


def numbers(response):
    return [card["number"] for card in response.context["cards"]]


# --- the bundled review -----------------------------------------------------


def test_gallery_of_the_bundled_review_counts_uk_sweden_and_health_care(client, coproduction):
    response = gallery(client)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 56
    assert gallery(client, country="UK").context["page"].paginator.count == 31
    assert gallery(client, country="Sweden").context["page"].paginator.count == 5
    health = gallery(client, service_area="health-care")
    assert health.context["page"].paginator.count == 15
    assert b"<strong>15</strong> cases match these filters" in health.content


def test_gallery_pages_through_cases_in_natural_order_keeping_filters(client, coproduction):
    first = gallery(client, country="UK")
    assert numbers(first)[:3] == ["1", "2", "3"]
    assert len(numbers(first)) == 24
    assert b"page=2" in first.content and b"country=UK" in first.content
    second = gallery(client, country="UK", page=2)
    assert len(numbers(second)) == 7
    assert not set(numbers(first)) & set(numbers(second))


def test_gallery_search_and_sort(client, coproduction):
    found = gallery(client, q="food train")
    assert numbers(found) == ["4"]
    newest = gallery(client, sort="-year")
    assert newest.context["cards"][0]["year"] == 2014


def test_gallery_says_which_filter_value_is_wrong(client, coproduction):
    response = gallery(client, country="Atlantis")
    assert response.status_code == 200
    assert b"Atlantis" in response.content and b"This filter was ignored" in response.content
    assert response.context["page"].paginator.count == 56


def test_home_links_published_reviews_to_their_gallery(client, coproduction):
    response = client.get("/")
    assert reverse("coding:gallery", args=["coproduction"]).encode() in response.content


# --- cards and the case page --------------------------------------------------


@pytest.fixture
def coded_case(review):
    review.is_published = True
    review.save()
    case = factories.CaseFactory(review=review, number="7", title="Meals on wheels",
                                 country="Sweden", year=2004, source="Smith (2004), p. 12")
    factories.consensus_for(
        case=case, values={"level": "local", "roles": ["deliverer", "assessor"],
                           "topic": "Older people", "agreement": True},
        evidence={"level": "The municipality ran the scheme.",
                  "roles": "Volunteers cooked and rated the meals."},
    )
    return case


def test_cards_show_number_title_country_year_and_consensus_labels(client, coded_case):
    response = gallery(client, "demo")
    html = response.content.decode()
    assert "Meals on wheels" in html and "Sweden" in html and "2004" in html
    assert '<span class="visually-hidden">Level: </span>Local' in html
    assert "Co-deliverer" in html and "Co-assessor" in html


def test_case_page_shows_consensus_by_section_with_evidence_and_source(client, coded_case):
    response = client.get(coded_case.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert html.index("Characteristics") < html.index("Process")
    assert "The municipality ran the scheme." in html
    assert "Volunteers cooked and rated the meals." in html
    assert "Older people" in html
    assert "Smith (2004), p. 12" in html
    assert "http://testserver/reviews/demo/cases/7/" in html  # stable URL


def test_case_page_of_an_uncoded_case_says_so(client, coproduction):
    response = client.get(reverse("coding:case_detail", args=["coproduction", "3"]))
    assert b"Coding in progress" in response.content
    assert b"Caring for the needy for better outcomes" in response.content


def test_unknown_case_is_404(client, coproduction):
    assert client.get(reverse("coding:case_detail", args=["coproduction", "999"])).status_code \
        == 404


# --- exports ------------------------------------------------------------------


def test_csv_export_holds_the_filtered_cases_with_consensus_values(client, coded_case, review):
    factories.CaseFactory(review=review, number="8", country="UK")
    response = client.get(reverse("coding:export_csv", args=["demo"]), {"country": "Sweden"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode())))
    assert [r["number"] for r in rows] == ["7"]
    assert rows[0]["roles"] == "Co-deliverer; Co-assessor"
    assert rows[0]["level_evidence"] == "The municipality ran the scheme."
    assert rows[0]["agreement"] == "Yes"
    assert rows[0]["url"] == "http://testserver/reviews/demo/cases/7/"


def test_json_export_of_the_bundled_review_follows_filters(client, coproduction):
    response = client.get(reverse("coding:export_json", args=["coproduction"]),
                          {"country": "UK"})
    body = json.loads(response.getvalue())
    assert body["count"] == len(body["cases"]) == 31
    assert {c["country"] for c in body["cases"]} == {"UK"}
    assert body["cases"][0]["consensus"] == {}
    assert "citizen_roles" in [a["key"] for a in body["attributes"]]


# --- query counts -------------------------------------------------------------


def _cases(review, n):
    for i in range(n):
        case = factories.CaseFactory(review=review, number=str(100 + i))
        factories.consensus_for(case=case, values={"level": "local", "roles": ["deliverer"]},
                                evidence={"level": "quote"})


@pytest.mark.parametrize("n", [5, 50])
def test_gallery_query_count_is_the_same_for_5_and_50_cases(
    client, review, n, django_assert_num_queries
):
    review.is_published = True
    review.save()
    _cases(review, n)
    # the page cache's review (version), review, codebook, country and service area
    # choices (2), count, page, areas, labels, the latest release (cached per data version)
    with django_assert_num_queries(10):
        response = gallery(client, "demo", roles="deliverer")
    assert response.context["page"].paginator.count == n


@pytest.mark.parametrize("n", [5, 50])
def test_case_page_query_count_is_the_same_for_5_and_50_cases(
    client, review, n, django_assert_num_queries
):
    review.is_published = True
    review.save()
    _cases(review, n)
    # the page cache's review (version), review, case, codebook, service areas,
    # consensus values, their options, documents
    with django_assert_num_queries(8):
        response = client.get(reverse("coding:case_detail", args=["demo", "101"]))
    assert response.status_code == 200


# --- publishing ---------------------------------------------------------------


def test_lead_publishes_and_withdraws_the_review(client, review, lead):
    client.force_login(lead)
    url = reverse("coding:review_publish", args=["demo"])
    response = client.post(url, {"action": "publish"}, follow=True)
    assert b"Review published" in response.content
    assert Review.objects.get(pk=review.pk).is_published
    client.post(url, {"action": "withdraw"})
    assert not Review.objects.get(pk=review.pk).is_published
    events = list(AuditEvent.objects.filter(review=review).values_list("action", "actor"))
    assert events == [("review.withdraw", lead.pk), ("review.publish", lead.pk)]
    client.logout()
    assert gallery(client, "demo").status_code == 404


@pytest.mark.parametrize("actor", ["coder_a", "adjudicator", "outsider"])
def test_only_a_lead_can_publish(client, review, actor, request):
    client.force_login(request.getfixturevalue(actor))
    response = client.post(reverse("coding:review_publish", args=["demo"]), {"action": "publish"})
    assert response.status_code == 404
    assert not Review.objects.get(pk=review.pk).is_published
    assert not AuditEvent.objects.exists()


def test_publishing_an_already_published_review_changes_nothing(client, review, lead):
    review.is_published = True
    review.save()
    client.force_login(lead)
    response = client.post(reverse("coding:review_publish", args=["demo"]),
                           {"action": "publish"}, follow=True)
    assert b"already published" in response.content
    assert not AuditEvent.objects.exists()
