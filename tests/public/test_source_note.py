"""Item 7 of issue 21: the bundled review says where the paper's prose and its Table 1
differ (the app follows the table), and labels its Table 3 and Figure 2 counterparts as drawn
from this app's consensus, not a reproduction. Stored as the review's data (source_note)."""

import csv

from django.conf import settings
from django.core.management import call_command

from coding.models import Review
from coding.regions import region_for_country
from tests import factories

DIFFER = "The paper&#x27;s prose and its own Table 1 differ, and this app follows Table 1"


def test_readers_see_the_note_on_the_bundled_reviews_dashboard_and_gallery(coproduction,
                                                                           client):
    for url in ("/reviews/coproduction/dashboard/", "/reviews/coproduction/"):
        page = client.get(url).content.decode()
        assert DIFFER in page, url
        assert "51 of the 56 cases" in page and "Table 1 gives 49 after 2000" in page


def test_table_3_and_figure_2_counterparts_say_they_are_drawn_from_the_consensus(
        coproduction, client):
    factories.consensus_for(case=coproduction.cases.get(number="7"), values={
        "coproduction_type": "user", "citizen_roles": ["co_deliverer"], "factors": ["planning"],
        "values": ["trust"], "outcomes": ["service_effectiveness"]})
    page = client.get("/reviews/coproduction/dashboard/").content.decode()
    assert "The counterpart of the paper&#x27;s Table 3" in page
    assert "The counterpart of the paper&#x27;s Figure 2" in page
    assert page.count("not a reproduction") >= 2


def test_other_reviews_show_no_note_and_no_paper_labels(db, client):
    review = factories.ReviewFactory(slug="other", is_published=True)
    factories.codebook_for(review)
    for url in ("/reviews/other/dashboard/", "/reviews/other/"):
        page = client.get(url).content.decode()
        assert "source-note" not in page and "Table 1" not in page and "Table 3" not in page


def test_load_coproduction_sets_the_note_idempotently(coproduction):
    note = Review.objects.get(slug="coproduction").source_note
    call_command("load_coproduction", verbosity=0)
    assert Review.objects.get(slug="coproduction").source_note == note
    assert set(note["charts"]) == {"coproduction_type-citizen_roles", "process"}


def test_the_notes_figures_are_those_of_table_1_as_the_app_loads_it(coproduction):
    """The note's Table 1 figures, recounted from the fixture the review is loaded from."""
    rows = list(csv.DictReader(open(settings.BASE_DIR / "fixtures" / "coproduction_cases.csv",
                                    encoding="utf-8")))
    years = [int(r["year"]) for r in rows if r["year"]]
    regions = [region_for_country(r["country"]) for r in rows]
    areas = [a.strip() for r in rows for a in r["service_area"].split(";")]
    text = coproduction.source_note["text"]
    assert len(rows) == 56
    assert f"Table 1 gives {sum(y > 2000 for y in years)} after 2000, " \
           f"{sum(1990 <= y <= 1997 for y in years)} between 1990 and 1997, " \
           f"{sum(y == 1999 for y in years)} in 1999 and {56 - len(years)} without a year" in text
    assert f"{regions.count('Europe')} in Europe, {regions.count('North America')} in North " \
           f"America, {regions.count('Asia')} in Asia, {regions.count('Oceania')} in Oceania" \
           in text
    assert f"{areas.count('Education')} in education, {areas.count('Employment')} in " \
           f"employment and {areas.count('High technology')} in high technology" in text
