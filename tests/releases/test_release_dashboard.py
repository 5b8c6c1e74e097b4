"""A release's dashboard is the live dashboard's charts (coding.public.dashboard.Dashboard)
counted from the release's frozen rows: the same charts, numbers and tables as the live one
at the freeze, the map, heat map and Sankey diagram included, whatever the live data do
afterwards."""

import csv
import io

import orjson
import pytest

from coding.models import Case, ConsensusValue, Review
from coding.public.cache import codebook_for
from coding.public.dashboard import Dashboard
from coding.releases.selectors import release_dashboard, release_get
from coding.releases.services import release_create
from tests import factories
from tests.test_public_browser import _code_some


def _lead(review):
    user = factories.UserFactory(username="lena")
    factories.MembershipFactory(review=review, user=user, role="lead")
    return user


def _release(review, lead):
    made = release_create(review=review, actor=lead, title="First", authors="The team",
                          base_url="https://example.org")
    return release_get(review, made.number)


def _live_charts(review) -> dict:
    board = Dashboard(review=review, cases=Case.objects.filter(review=review),
                      codebook=codebook_for(review), filters={})
    return {chart.id: chart for group in board.groups() for chart in group.charts}


def _drawn(chart) -> dict:
    """What a chart draws and tabulates, without where its marks link to."""
    plot = {key: value for key, value in chart.plot.items() if key != "urls"}
    return {"title": chart.title, "kind": chart.kind, "columns": chart.columns,
            "rows": chart.rows, "plot": plot, "empty": chart.empty}


@pytest.fixture
def coded(coproduction):
    _code_some(coproduction)
    # One case still being coded: neither dashboard counts its values.
    case = coproduction.cases.order_by("sort_key")[40]
    factories.consensus_for(case=case, values={"level": "local"}, complete=False)
    return coproduction


def test_a_release_draws_the_live_dashboards_charts_at_the_freeze(coded):
    release = _release(coded, _lead(coded))
    live = _live_charts(coded)
    frozen = {chart.id: chart for chart in release_dashboard(coded, release).charts}
    assert list(frozen) == list(live)
    assert {"country", "coproduction_type-citizen_roles", "process"} <= set(frozen)
    for chart_id, chart in live.items():
        assert _drawn(frozen[chart_id]) == _drawn(chart), chart_id
    assert frozen["process"].kind == "sankey" and frozen["process"].plot["value"]
    assert frozen["country"].plot["locations"]
    assert any(any(row) for row in frozen["coproduction_type-citizen_roles"].plot["z"])
    # Nothing links to the live gallery: it holds other data.
    for chart in frozen.values():
        assert not any(url for url in chart.urls if isinstance(url, str)), chart.id


def test_a_release_dashboard_keeps_its_numbers_when_the_live_data_change(coded):
    release = _release(coded, _lead(coded))
    before = {c.id: _drawn(c) for c in release_dashboard(coded, release).charts}
    ConsensusValue.objects.filter(case__review=coded).delete()
    Case.objects.filter(review=coded).update(consensus_complete=False)
    factories.CaseFactory(review=coded, number="9999", country="Peru", year=1850)
    after = {c.id: _drawn(c) for c in release_dashboard(coded, release).charts}
    assert after == before
    assert _drawn(_live_charts(coded)["level"]) != before["level"]


@pytest.fixture
def world(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    one = factories.CaseFactory(review=review, number="1", country="Kenya", year=2001)
    factories.consensus_for(case=one, values={"level": "local", "agreement": True,
                                              "roles": ["deliverer", "assessor"]})
    two = factories.CaseFactory(review=review, number="2", country="Kenya", year=2003)
    factories.consensus_for(case=two, values={"level": "local", "roles": ["assessor"]})
    three = factories.CaseFactory(review=review, number="3", country="Chile", year=2003)
    factories.consensus_for(case=three, values={"level": "state"}, complete=False)
    return review


def test_the_release_dashboard_page_has_each_charts_data_table_and_csv(world, lead, client):
    release = _release(world, lead)
    page = client.get(f"/reviews/demo/releases/{release.number}/dashboard/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "js/dashboard.js" in text and 'id="dashboard-data"' in text
    assert "Release 1 of" in text and "This is the first release." in text
    charts = {c["id"]: c for c in orjson.loads(
        text.split('id="dashboard-data" type="application/json">')[1].split("</script>")[0])}
    assert charts["level"]["plot"]["labels"] == ["National", "State", "Local"]
    assert charts["level"]["plot"]["values"] == [0, 0, 2]  # case 3 is incomplete
    assert charts["roles"]["plot"]["values"] == [0, 1, 2]  # a case in several bars
    assert charts["agreement"]["plot"]["values"] == [1, 0]  # yes, no
    assert charts["country"]["plot"]["locations"] == ["KEN", "CHL"]
    assert charts["year"]["plot"] == {"labels": ["2001", "2003"], "values": [1, 2],
                                      "urls": [None, None]}
    # A table per chart, without links (keyboard and screen-reader users read it).
    assert '<details class="chart-table">' in text and "each count links" not in text
    assert 'id="chart-level"' in text
    csv_url = f"/reviews/demo/releases/{release.number}/dashboard/data/level.csv"
    assert csv_url in text
    rows = list(csv.reader(io.StringIO(client.get(csv_url).content.decode())))
    assert rows == [["Level", "Cases"], ["National", "0"], ["State", "0"], ["Local", "2"]]
    assert client.get(f"/reviews/demo/releases/{release.number}/dashboard/data/nope.csv"
                      ).status_code == 404


def test_the_release_dashboard_says_what_changed_since_the_last_release(world, lead, client):
    _release(world, lead)
    factories.CaseFactory(review=world, number="4")
    second = _release(world, lead)
    text = client.get(f"/reviews/demo/releases/{second.number}/dashboard/").content.decode()
    assert "Changes since release 1" in text and "Cases added" in text
