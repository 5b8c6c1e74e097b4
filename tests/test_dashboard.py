"""The dashboard page, its chart data and per-chart CSV downloads."""

import csv
import io
import json
import re

import pytest
from django.urls import reverse

from tests import factories


def dashboard(client, slug="coproduction", **params):
    return client.get(reverse("coding:dashboard", args=[slug]), params)


def charts(response) -> dict:
    """The chart data the page hands to dashboard.js, by chart id."""
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    body = html[html.index(">", start) + 1:html.index("</script>", start)]
    return {chart["id"]: chart for chart in json.loads(body)}


def chart_csv(client, chart, slug="coproduction", **params):
    response = client.get(reverse("coding:dashboard_csv", args=[slug, chart]), params)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_per_country_chart_of_the_bundled_review_matches_the_gallery(client, coproduction):
    data = charts(dashboard(client))["country"]
    counts = dict(zip(data["plot"]["labels"], data["plot"]["values"], strict=True))
    assert counts["UK"] == 31 and counts["Sweden"] == 5
    locations = dict(zip(data["plot"]["labels"], data["plot"]["locations"], strict=True))
    assert locations["UK"] == "GBR" and locations["US"] == "USA"
    rows = chart_csv(client, "country")
    assert rows[0] == ["Country", "ISO-3", "Cases"]
    assert ["UK", "GBR", "31"] in rows and ["Sweden", "SWE", "5"] in rows
    # The URL behind the UK on the map opens the gallery with those 31 cases.
    uk_url = data["plot"]["urls"][data["plot"]["labels"].index("UK")]
    assert client.get(uk_url).context["page"].paginator.count == 31


def test_service_area_chart_counts_health_care_15(client, coproduction):
    data = charts(dashboard(client))["service_area"]
    index = data["plot"]["labels"].index("Health care")
    assert data["plot"]["values"][index] == 15
    assert client.get(data["plot"]["urls"][index]).context["page"].paginator.count == 15
    assert ["Health care", "15"] in chart_csv(client, "service_area")


def test_charts_follow_the_gallery_filters(client, coproduction):
    data = charts(dashboard(client, country="Sweden"))
    assert data["country"]["plot"]["values"] == [5]
    assert sum(data["year"]["plot"]["values"]) == 5
    # Links keep the filter and add their own.
    assert all("country=Sweden" in url for url in data["region"]["plot"]["urls"])
    assert "country=Sweden" in data["year"]["csv"]
    assert chart_csv(client, "region", country="Sweden") == [["Region", "Cases"],
                                                              ["Europe", "5"]]


def test_coded_dimensions_without_consensus_say_so_instead_of_drawing(client, coproduction):
    response = dashboard(client)
    data = charts(response)
    for chart_id in ("level", "coproduction_type", "citizen_roles", "factors",
                     "formal_agreement", "participation_tools", "participants",
                     "partnership_forms", "values", "outcomes", "service_setting",
                     "coproduction_type-citizen_roles", "process"):
        assert data[chart_id]["empty"].startswith("No consensus values yet"), chart_id
    assert not data["year"]["empty"] and not data["country"]["empty"]
    # Their CSV downloads hold no invented zeros, only the header.
    assert chart_csv(client, "level") == [["Level", "Cases"]]
    assert chart_csv(client, "coproduction_type-citizen_roles") == [
        ["Type of coproduction", "Role of citizens", "Cases"]]
    assert chart_csv(client, "process")[1:] == []
    assert response.content.decode().count('class="chart-empty"') == 13


@pytest.fixture
def coded_bundle(coproduction):
    """Three bundled cases with consensus values, as adjudication would leave them."""
    cases = {c.number: c for c in coproduction.cases.filter(number__in=["1", "2", "3"])}
    factories.consensus_for(case=cases["1"], values={
        "level": "local", "coproduction_type": "citizen",
        "citizen_roles": ["co_deliverer", "co_assessor"], "factors": ["planning"],
        "values": ["trust"], "outcomes": ["citizen_satisfaction"], "formal_agreement": True,
    })
    factories.consensus_for(case=cases["2"], values={
        "level": "local", "coproduction_type": "citizen", "citizen_roles": ["co_deliverer"],
        "factors": ["planning", "partnership"], "values": ["trust", "mutual_help"],
        "outcomes": ["citizen_satisfaction"], "formal_agreement": False,
    })
    factories.consensus_for(case=cases["3"], values={
        "level": "national", "coproduction_type": "professional",
        "citizen_roles": ["co_commissioner"], "factors": ["direct_participation"],
        "values": ["civic_learning"], "outcomes": ["service_effectiveness"],
    })
    return coproduction


def test_heatmap_is_type_by_role_from_consensus(client, coded_bundle):
    data = charts(dashboard(client))["coproduction_type-citizen_roles"]
    assert data["plot"]["y"] == ["Professional coproduction", "User coproduction",
                                 "Citizen coproduction"]
    assert data["plot"]["x"] == ["Co-commissioner", "Co-deliverer", "Co-assessor"]
    assert data["plot"]["z"] == [[1, 0, 0], [0, 0, 0], [0, 2, 1]]
    url = data["plot"]["urls"][2][1]
    assert "coproduction_type=citizen" in url and "citizen_roles=co_deliverer" in url
    assert client.get(url).context["page"].paginator.count == 2


def test_sankey_links_type_factors_values_outcomes_by_co_occurrence(client, coded_bundle):
    data = charts(dashboard(client))["process"]
    plot = data["plot"]
    links = {
        (plot["nodes"][s], plot["nodes"][t]): v
        for s, t, v in zip(plot["source"], plot["target"], plot["value"], strict=True)
    }
    assert links[("Citizen coproduction", "Planning")] == 2
    assert links[("Citizen coproduction", "Partnership")] == 1
    assert links[("Planning", "Trust")] == 2
    assert links[("Trust", "Increased citizen satisfaction")] == 2
    assert links[("Civic learning", "Improved effectiveness of services")] == 1
    assert len(links) == 3 + 5 + 3  # type→factor, factor→value, value→outcome
    rows = chart_csv(client, "process")
    assert rows[0] == ["From dimension", "From", "To dimension", "To", "Cases"]
    assert len(rows) == 1 + 11


def test_attribute_bars_and_sub_dimensions(client, coded_bundle):
    data = charts(dashboard(client))
    level = data["level"]["plot"]
    assert dict(zip(level["labels"], level["values"], strict=True)) == {
        "National": 1, "State": 0, "Local": 2}
    agreement = data["formal_agreement"]["plot"]
    assert agreement["labels"] == ["Yes", "No"] and agreement["values"] == [1, 1]
    assert "formal_agreement=yes" in agreement["urls"][0]
    assert data["participants"]["empty"]  # no consensus on it yet


def test_unknown_chart_csv_is_404(client, coproduction):
    url = reverse("coding:dashboard_csv", args=["coproduction", "nonsense"])
    assert client.get(url).status_code == 404


def test_dashboard_loads_plotly_from_our_static_files_and_no_inline_script(client, coproduction):
    html = dashboard(client).content.decode()
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    sources = [re.search(r'src="([^"]*)"', attrs).group(1) for attrs, _ in scripts
               if "src=" in attrs]
    # Plotly, its locales, the page-language switch and the charts, in that order (Plotly
    # first); every script a file of ours (the translation catalog too), none inline but
    # the json_script data block.
    ours = ["/static/vendor/plotly.min.js", "/static/vendor/plotly-locales.js",
            "/static/js/plotly-locale.js", "/static/js/dashboard.js"]
    assert [s for s in sources if s in ours] == ours
    assert all(s.startswith("/") and not s.startswith("//") for s in sources)
    inline = [attrs for attrs, body in scripts if "src=" not in attrs]
    assert len(inline) == 1 and 'type="application/json"' in inline[0]
    assert all(not body.strip() for attrs, body in scripts if "src=" in attrs)
    assert "cdn" not in html.lower()


@pytest.mark.parametrize("n", [5, 50])
def test_dashboard_query_count_is_the_same_for_5_and_50_cases(
    client, coproduction, n, django_assert_num_queries
):
    for case in coproduction.cases.all()[:n]:
        factories.consensus_for(case=case, values={
            "level": "local", "coproduction_type": "user", "citizen_roles": ["co_deliverer"],
            "factors": ["planning"], "values": ["trust"], "outcomes": ["citizen_engagement"],
        })
    # the page cache's review, review, codebook, filter choices (2), year, region,
    # country, service areas,
    # option counts, coverage, the heat map's and the Sankey's pairs (one query), total count,
    # and the precomputed counts (coding.public.counts: never built here, so the live queries),
    # the latest release and the PRISMA flow's settings, searches and records (3; cached per
    # data version, whatever the number of records)
    with django_assert_num_queries(19):
        response = dashboard(client)
    assert charts(response)["level"]["plot"]["values"][-1] == n
