"""The PRISMA 2020 flow diagram: counts drawn from records and settled screening outcomes,
"not reported" (never 0) where the review recorded nothing, the same numbers in the API, the
SVG and the page, and nothing of an unpublished review for readers."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from rest_framework.test import APIClient

from coding.models import (
    DuplicateStatus,
    ExclusionReason,
    Record,
    Review,
    ScreeningDecision,
    ScreeningOutcome,
    ScreeningSettings,
    Search,
)
from coding.prisma.selectors import BOXES, prisma_flow
from coding.prisma.svg import prisma_svg
from coding.reviews.services import review_data_changed


@pytest.fixture
def published(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    return review


def _records(search, n, **fields):
    return [Record.objects.create(review=search.review, search=search, title=f"{search.source} {i}",
                                  **fields) for i in range(n)]


def _outcome(record, stage, decision, reason=None):
    return ScreeningOutcome.objects.create(record=record, stage=stage, decision=decision,
                                           reason=reason, method="agreed")


@pytest.fixture
def screened(published):
    """Two sources (4 + 2 records), one duplicate removed; title/abstract: 4 in, 1 out;
    full text: 1 not retrieved, 3 assessed, 1 in, 2 out (two reasons)."""
    ScreeningSettings.objects.create(review=published, stages="both")
    nesta = Search.objects.create(review=published, source="Nesta")
    trust = Search.objects.create(review=published, source="2020 Public Trust")
    first = _records(nesta, 4)
    second = _records(trust, 2)
    duplicate = second[1]
    Record.objects.filter(pk=duplicate.pk).update(duplicate_of=first[0],
                                                  duplicate_status=DuplicateStatus.CONFIRMED)
    kept = first + second[:1]  # 5 records screened
    for record in kept[:4]:
        _outcome(record, "title_abstract", "include")
    _outcome(kept[4], "title_abstract", "exclude")
    Record.objects.filter(pk=kept[3].pk).update(full_text_retrieved=False)
    no_outcomes = ExclusionReason.objects.create(review=published, key="outcomes",
                                                 label="No outcomes reported", order=2)
    no_citizens = ExclusionReason.objects.create(review=published, key="citizens",
                                                 label="No citizen contribution", order=1)
    _outcome(kept[0], "full_text", "include")
    _outcome(kept[1], "full_text", "exclude", no_outcomes)
    _outcome(kept[2], "full_text", "exclude", no_citizens)
    review_data_changed(review=published)
    return published


def test_the_flow_counts_every_box_from_records_and_settled_outcomes(screened):
    flow = prisma_flow(screened)
    assert flow.sources == [("Nesta", 4), ("2020 Public Trust", 2)]
    assert flow.counts == {
        "identified": 6, "duplicates_removed": 1, "automation_removed": None,
        "other_removed": None, "screened": 5, "screened_excluded": 1, "sought": 4,
        "not_retrieved": 1, "assessed": 3, "assessed_excluded": 2, "included": 1,
    }
    # Ordered as the review orders its reasons.
    assert flow.reasons == [("No citizen contribution", 1), ("No outcomes reported", 1)]
    assert flow.awaiting == {"title_abstract": 0, "full_text": 0}


def test_a_single_screeners_decision_counts_nowhere_until_the_record_is_settled(
        published, coder_a):
    ScreeningSettings.objects.create(review=published, stages="title_abstract")
    search = Search.objects.create(review=published, source="Nesta")
    (record,) = _records(search, 1)
    before = prisma_flow(published).as_data()
    ScreeningDecision.objects.create(record=record, stage="title_abstract", screener=coder_a,
                                     decision="exclude")
    assert prisma_flow(published).as_data() == before
    assert before["boxes"]["screened"]["count"] == 0
    assert before["awaiting"] == {"title_abstract": 1}


def test_a_review_that_recorded_nothing_says_not_reported_never_zero(published):
    flow = prisma_flow(published)
    assert set(flow.counts.values()) == {None}
    assert not flow.recorded
    page = Client().get(f"/reviews/{published.slug}/selection/")
    assert page.status_code == 200
    assert "has not recorded how its cases were selected" in page.content.decode()
    svg = prisma_svg(flow, "t")
    assert "(n = 0)" not in svg
    description = re.search(r"<desc[^>]*>(.*)</desc>", svg).group(1)
    assert description.count("(n = not reported)") == len(BOXES)


def test_the_api_the_svg_and_the_page_show_the_same_numbers(screened):
    data = APIClient().get(f"/api/reviews/{screened.slug}/prisma/").json()
    counts = {key: box["count"] for key, box in data["boxes"].items()}
    assert counts == prisma_flow(screened).counts
    assert data["sources"] == [{"source": "Nesta", "count": 4},
                               {"source": "2020 Public Trust", "count": 2}]
    assert data["exclusion_reasons"][0] == {"reason": "No citizen contribution", "count": 1}
    svg = Client().get(f"/reviews/{screened.slug}/prisma.svg")
    assert svg.status_code == 200 and svg["Content-Type"].startswith("image/svg+xml")
    text = svg.content.decode()
    for key, label in BOXES.items():
        n = counts[key]
        expected = f"{label} (n = {'not reported' if n is None else n})"
        assert expected in text.replace("\n", " ") or expected in _joined_lines(text), key
    assert "Nesta (n = 4)" in text and "No outcomes reported (n = 1)" in text
    assert 'role="img"' in text and "<title" in text and "<desc" in text
    page = Client().get(f"/reviews/{screened.slug}/selection/").content.decode()
    assert "Records screened (n = 5)" in page
    assert "<svg" in page and "Download PNG" in page


def _joined_lines(svg: str) -> str:
    """The text of every <text> element, joined with spaces (boxes wrap long lines)."""
    return " ".join(re.findall(r">([^<]*)</text>", svg))


def test_the_dashboard_shows_the_diagram_once_the_review_recorded_its_selection(screened):
    page = Client().get(f"/reviews/{screened.slug}/dashboard/").content.decode()
    assert "How cases were selected" in page and 'class="prisma-diagram"' in page


def test_the_dashboard_has_no_empty_diagram(published):
    page = Client().get(f"/reviews/{published.slug}/dashboard/").content.decode()
    assert 'class="prisma-diagram"' not in page


def test_the_bundled_review_shows_its_three_sources_and_56_included_cases(db):
    call_command("load_coproduction", stdout=open("/dev/null", "w"))
    review = Review.objects.get(slug="coproduction")
    data = APIClient().get("/api/reviews/coproduction/prisma/").json()
    assert [s["source"] for s in data["sources"]] == [
        "Governance International", "2020 Public Trust", "Nesta"]
    assert all(s["count"] is None for s in data["sources"])
    assert data["boxes"]["included"] == {"label": "Studies included in review", "count": 56,
                                         "reported_by_review": True}
    assert [k for k, box in data["boxes"].items() if box["count"] is not None] == ["included"]
    page = Client().get("/reviews/coproduction/").content.decode()
    assert 'href="/reviews/coproduction/selection/"' in page
    selection = Client().get("/reviews/coproduction/selection/").content.decode()
    assert "Studies included in review (n = 56)" in selection
    assert "Governance International (n = not reported)" in selection
    # Loading again changes nothing (idempotent) and keeps one search per source.
    version = review.data_version
    call_command("load_coproduction", stdout=open("/dev/null", "w"))
    review.refresh_from_db()
    assert review.data_version == version
    assert Search.objects.filter(review=review).count() == 3


@pytest.mark.parametrize("path", ["/reviews/demo/selection/", "/reviews/demo/prisma.svg",
                                  "/api/reviews/demo/prisma/"])
def test_an_unpublished_reviews_flow_is_404_for_readers_and_shown_to_members(
        review, coder_a, path):
    assert Client().get(path).status_code == 404
    member = Client()
    member.force_login(coder_a)
    assert member.get(path).status_code == 200


def test_the_selection_page_reads_in_a_bounded_number_of_queries(
        screened, django_assert_max_num_queries):
    for n in range(3):
        search = Search.objects.create(review=screened, source=f"Source {n}")
        _records(search, 20)
    with django_assert_max_num_queries(12):
        assert Client().get(f"/reviews/{screened.slug}/selection/").status_code == 200
