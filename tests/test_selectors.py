"""Selectors and the case FilterSet, tested on their own: plain data counted in SQL."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Case
from coding.public import selectors
from coding.public.dashboard import Dashboard
from coding.public.filters import CaseFilter
from coding.reviews.selectors import review_codebook
from tests import factories


@pytest.fixture
def coded(review):
    """Four cases of the demo review: three coded (consensus), one not."""
    health = factories.ServiceAreaFactory(name="Health care")
    safety = factories.ServiceAreaFactory(name="Public safety")
    one = factories.CaseFactory(review=review, number="1", title="Food train", country="UK",
                                year=1995, service_areas=[health])
    two = factories.CaseFactory(review=review, number="2", title="Street watch",
                                country="Sweden", year=2010, service_areas=[safety, health])
    three = factories.CaseFactory(review=review, number="3", title="Patient panels",
                                  country="US", region="North America", year=None,
                                  summary="A panel of patients in Ohio.", service_areas=[health])
    four = factories.CaseFactory(review=review, number="10", title="Uncoded case", country="UK",
                                 year=2010, service_areas=[safety])
    factories.consensus_for(case=one, values={
        "level": "local", "roles": ["deliverer"], "agreement": True, "topic": "Meals",
        "budget": 1200.0,
    }, evidence={"level": "The council ran it.", "roles": "Volunteers delivered meals."})
    factories.consensus_for(case=two, values={
        "level": "local", "roles": ["deliverer", "assessor"], "agreement": False,
    })
    factories.consensus_for(case=three, values={"level": "national", "roles": ["commissioner"]})
    return {"one": one, "two": two, "three": three, "four": four}


def filtered(review, **params):
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    for key, value in params.items():
        data.setlist(key, value if isinstance(value, list) else [value])
    return CaseFilter(data, queryset=Case.objects.filter(review=review), review=review)


def test_review_codebook_lists_sections_attributes_and_options(review):
    codebook = review_codebook(review)
    assert [title for title, _ in codebook.sections] == ["Characteristics", "Process"]
    assert list(codebook.by_key) == ["level", "topic", "budget", "roles", "agreement"]
    assert codebook.by_key["roles"].options == [
        ("commissioner", "Co-commissioner"), ("deliverer", "Co-deliverer"),
        ("assessor", "Co-assessor"),
    ]
    assert [a.key for a in codebook.choice_attributes()] == ["level", "roles"]


def test_consensus_made_under_an_older_codebook_version_still_counts(review, coded):
    old_level = review.current_codebook().attributes.get(key="level")
    newer = factories.CodebookFactory(review=review, version=2, title="v2")
    section = factories.SectionFactory(codebook=newer, title="Characteristics")
    level = factories.AttributeFactory(section=section, key="level", label="Level of govt")
    factories.OptionFactory(attribute=level, key="local", label="Local")
    codebook = review_codebook(review)
    assert list(codebook.by_key) == ["level"]
    assert codebook.by_key["level"].label == "Level of govt"
    assert old_level.pk in codebook.by_key["level"].ids
    assert filtered(review, level="local").qs.count() == 2


def test_case_counts_by_year_region_country(review, coded):
    cases = Case.objects.filter(review=review)
    assert selectors.case_counts(cases, "year") == [(1995, 1), (2010, 2), (None, 1)]
    assert selectors.case_counts(cases, "region") == [("Europe", 3), ("North America", 1)]
    assert selectors.country_counts(cases) == [
        {"country": "UK", "iso3": "GBR", "cases": 2},
        {"country": "Sweden", "iso3": "SWE", "cases": 1},
        {"country": "US", "iso3": "USA", "cases": 1},
    ]
    with pytest.raises(ValueError):
        selectors.case_counts(cases, "title")


def test_service_area_counts_count_a_case_in_each_of_its_areas(review, coded):
    counts = selectors.service_area_counts(Case.objects.filter(review=review))
    assert counts == [
        {"slug": "health-care", "name": "Health care", "cases": 3},
        {"slug": "public-safety", "name": "Public safety", "cases": 2},
    ]


def test_option_counts_and_coverage_come_from_consensus_values(review, coded):
    cases = Case.objects.filter(review=review)
    assert selectors.option_counts(cases, review_codebook(review)) == {
        ("level", "local"): 2, ("level", "national"): 1, ("roles", "deliverer"): 2,
        ("roles", "assessor"): 1, ("roles", "commissioner"): 1,
    }
    coverage = selectors.attribute_coverage(cases, review_codebook(review))
    assert coverage["level"]["cases"] == 3
    assert coverage["agreement"] == {"cases": 2, "yes": 1, "no": 1}
    assert coverage["topic"]["cases"] == 1


def test_aggregates_follow_the_filters(review, coded):
    cases = filtered(review, country="UK").qs
    assert selectors.case_counts(cases, "country") == [("UK", 2)]
    codebook = review_codebook(review)
    assert selectors.option_counts(cases, codebook) == {
        ("level", "local"): 1, ("roles", "deliverer"): 1}
    assert selectors.service_area_counts(filtered(review, service_area="public-safety").qs) == [
        {"slug": "public-safety", "name": "Public safety", "cases": 2},
        {"slug": "health-care", "name": "Health care", "cases": 1},
    ]


def test_cooccurrence_counts_cases_with_both_options(review, coded):
    codebook = review_codebook(review)
    counts = selectors.cooccurrence(
        Case.objects.filter(review=review), codebook.by_key["level"], codebook.by_key["roles"]
    )
    assert counts == {("local", "deliverer"): 2, ("local", "assessor"): 1,
                      ("national", "commissioner"): 1}


def test_case_consensus_groups_values_by_section_with_evidence(review, coded):
    sections = selectors.case_consensus(
        case=coded["one"], codebook=review_codebook(review)
    )
    assert [s["section"] for s in sections] == ["Characteristics", "Process"]
    first = {v["key"]: v for v in sections[0]["values"]}
    assert first["level"]["value"] == ["Local"]
    assert first["level"]["evidence"] == "The council ran it."
    assert first["topic"]["value"] == "Meals"
    assert first["budget"]["value"] == 1200
    second = {v["key"]: v for v in sections[1]["values"]}
    assert second["roles"]["value"] == ["Co-deliverer"]
    assert second["agreement"]["value"] == "Yes"
    assert selectors.case_consensus(
        case=coded["four"], codebook=review_codebook(review)) == []


def test_gallery_page_cards_carry_key_consensus_labels(review, coded):
    codebook = review_codebook(review)
    page, cards = selectors.gallery_page(
        review=review, cases=filtered(review).qs, codebook=codebook, page_number=1
    )
    assert page.paginator.count == 4
    assert [c["number"] for c in cards] == ["1", "2", "3", "10"]  # natural order
    assert cards[1]["labels"] == [("Level", "Local"), ("Role of citizens", "Co-deliverer"),
                                  ("Role of citizens", "Co-assessor")]
    assert cards[1]["service_areas"] == ["Health care", "Public safety"]
    assert cards[3]["labels"] == []
    assert cards[0]["url"] == reverse("coding:case_detail", args=["demo", "1"])


def test_gallery_page_query_count_does_not_grow_with_the_page(review, coded):
    codebook = review_codebook(review)
    for n in range(20, 40):
        case = factories.CaseFactory(review=review, number=str(n))
        factories.consensus_for(case=case, values={"level": "state", "roles": ["assessor"]})
    counts = []
    for per_page in (2, 24):
        cases = filtered(review).qs
        with CaptureQueriesContext(connection) as captured:
            selectors.gallery_page(review=review, cases=cases, codebook=codebook,
                                   page_number=1, per_page=per_page)
        counts.append(len(captured))
    assert counts[0] == counts[1] == 4  # count, page, service areas, labels


def test_export_rows_hold_consensus_values_only(review, coded):
    rows = selectors.export_rows(cases=filtered(review, country="UK").qs,
                                 codebook=review_codebook(review))
    assert [r["number"] for r in rows] == ["1", "10"]
    assert rows[0]["consensus"]["roles"] == {"value": ["Co-deliverer"],
                                             "evidence": "Volunteers delivered meals."}
    assert rows[0]["consensus"]["agreement"]["value"] == "Yes"
    assert rows[1]["consensus"] == {}


# --- the FilterSet ----------------------------------------------------------


def test_filter_by_case_fields(review, coded):
    assert filtered(review, country="UK").qs.count() == 2
    assert filtered(review, region="North America").qs.count() == 1
    assert filtered(review, service_area="health-care").qs.count() == 3
    assert [c.number for c in filtered(review, year_min="2000", year_max="2010").qs] == [
        "2", "10"]
    assert [c.number for c in filtered(review, q="ohio").qs] == ["3"]
    assert [c.number for c in filtered(review, q="street sweden").qs] == ["2"]


def test_filter_by_consensus_options_any_within_all_across(review, coded):
    assert filtered(review, roles="deliverer").qs.count() == 2
    assert filtered(review, roles=["assessor", "commissioner"]).qs.count() == 2
    assert filtered(review, roles="deliverer", level="national").qs.count() == 0
    assert [c.number for c in filtered(review, level="national").qs] == ["3"]
    assert [c.number for c in filtered(review, agreement="no").qs] == ["2"]


def test_filters_are_built_from_any_codebook(db):
    other = factories.ReviewFactory(slug="other")
    section = factories.SectionFactory(codebook__review=other, title="Only")
    colour = factories.AttributeFactory(section=section, key="colour", kind="multi")
    red = factories.OptionFactory(attribute=colour, key="red")
    factories.OptionFactory(attribute=colour, key="blue")
    case = factories.CaseFactory(review=other, consensus_complete=True)
    factories.ConsensusValueFactory(case=case, attribute=colour, options=[red])
    factories.CaseFactory(review=other)
    case_filter = filtered(other, colour="red")
    assert case_filter.attribute_filters == ["colour"]
    assert list(case_filter.qs) == [case]


def test_sort_orders_cases(review, coded):
    assert [c.number for c in filtered(review, sort="-year").qs][:3] == ["2", "10", "1"]
    assert [c.number for c in filtered(review, sort="title").qs] == ["1", "3", "2", "10"]
    assert [c.number for c in filtered(review, sort="-number").qs] == ["10", "3", "2", "1"]


def test_invalid_filter_values_are_named_and_ignored(review, coded):
    case_filter = filtered(review, country="Atlantis", roles="astronaut", year_min="soon")
    assert case_filter.qs.count() == 4
    messages = " ".join(case_filter.error_messages())
    assert "Country" in messages and "Atlantis" in messages
    assert "Role of citizens" in messages and "astronaut" in messages
    assert "From year" in messages


def test_active_filters_are_the_valid_ones(review, coded):
    case_filter = filtered(review, country="UK", roles=["deliverer"], year_min="2001",
                           region="Mars")
    assert case_filter.active_filters() == {
        "country": ["UK"], "roles": ["deliverer"], "year_min": ["2001"]}


def test_dashboard_point_urls_open_the_same_cases(client, review, coded):
    review.is_published = True
    review.save()
    codebook = review_codebook(review)
    board = Dashboard(review=review, cases=filtered(review).qs, codebook=codebook, filters={})
    roles = board.by_attribute(codebook.by_key["roles"])
    assert roles.rows == [["Co-commissioner", 1], ["Co-deliverer", 2], ["Co-assessor", 1]]
    response = client.get(roles.urls[1])
    assert response.context["page"].paginator.count == 2
    year = board.by_year()
    assert year.rows == [[1995, 1], [2010, 2], ["Unknown", 1]]
    assert year.urls[2] is None
    assert client.get(year.urls[1]).context["page"].paginator.count == 2


def test_whole_review_shortcut_counts_the_same_and_only_this_review(review, coded):
    """cases=None (the dashboard without filters) skips the join to cases; another review's
    consensus values must not leak in."""
    other = factories.ReviewFactory(slug="other")
    factories.codebook_for(other)
    stranger = factories.CaseFactory(review=other)
    factories.consensus_for(case=stranger, values={"level": "local", "roles": ["deliverer"],
                                                   "agreement": True})
    codebook = review_codebook(review)
    cases = Case.objects.filter(review=review)
    assert selectors.option_counts(None, codebook) == selectors.option_counts(cases, codebook)
    assert selectors.attribute_coverage(None, codebook) == selectors.attribute_coverage(
        cases, codebook)
    level, roles = codebook.by_key["level"], codebook.by_key["roles"]
    assert selectors.cooccurrence(None, level, roles) == selectors.cooccurrence(
        cases, level, roles)
    assert selectors.option_counts(None, codebook)[("level", "local")] == 2


def test_filterset_finds_the_review_from_the_url_like_an_api_view(rf, review, coded):
    """DRF's DjangoFilterBackend passes only data, queryset and request."""
    from django.urls import resolve

    request = rf.get("/reviews/demo/", {"country": "UK"})
    request.resolver_match = resolve("/reviews/demo/")
    case_filter = CaseFilter(request.GET, Case.objects.filter(review=review), request=request)
    assert case_filter.qs.count() == 2
    assert "roles" in case_filter.filters
