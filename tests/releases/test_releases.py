"""Citable releases: a lead freezes the public data as release N; readers open its cases,
dashboard and download as they were, whatever the live data do afterwards."""

import io
import zipfile

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import AuditEvent, ConsensusValue, Release, ReleaseJob, Review
from coding.releases.services import release_create
from coding.reviews.services import review_data_changed
from tests import factories

BASE = "https://example.org"
AUTHORS = "The Demo Review Team\nUniversity of Somewhere"


@pytest.fixture
def published(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    return review


@pytest.fixture
def world(published):
    """Two cases with complete consensus and one still being coded."""
    one = factories.CaseFactory(review=published, number="1", title="Street kitchen")
    factories.consensus_for(case=one, values={"level": "local", "roles": ["deliverer"],
                                              "budget": 120.0},
                            evidence={"level": "the borough council ran it"},
                            rationale="Secret ruling by the adjudicator")
    two = factories.CaseFactory(review=published, number="2", title="Night shelter")
    factories.consensus_for(case=two, values={"level": "state", "roles": ["assessor"]})
    three = factories.CaseFactory(review=published, number="3", title="Tenants' board")
    factories.consensus_for(case=three, values={"level": "national"}, complete=False)
    published.refresh_from_db()
    return published


def _make(review, lead, **kwargs):
    fields = {"title": "First data", "authors": AUTHORS, "notes": "", "base_url": BASE}
    fields.update(kwargs)
    release = release_create(review=review, actor=lead, **fields)
    review.refresh_from_db()
    return release


def _files(release) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(bytes(release.archive))) as archive:
        return {name.split("/", 1)[1]: archive.read(name) for name in archive.namelist()}


def test_a_release_freezes_the_public_data_with_its_counts(world, lead):
    release = _make(world, lead)
    assert release.number == 1
    assert release.data_version == world.data_version
    assert (release.case_count, release.attribute_count, release.value_count) == (3, 5, 5)
    # The case still being coded is in the release without its values.
    rows = {row["number"]: row for row in release.rows}
    assert rows["3"]["consensus"] == {}
    assert rows["1"]["consensus"]["level"] == {"value": ["Local"],
                                               "evidence": "the borough council ran it"}
    event = AuditEvent.objects.get(action="release.create")
    assert event.data["number"] == 1


def test_releases_are_numbered_from_one_in_each_review(world, lead):
    assert [_make(world, lead).number for _ in range(3)] == [1, 2, 3]


def test_only_a_lead_can_make_a_release(world, coder_a, adjudicator, outsider):
    for actor in (coder_a, adjudicator, outsider):
        with pytest.raises(ValidationError, match="Only a lead"):
            _make(world, actor)
    assert not Release.objects.exists()


def test_an_unpublished_review_cannot_be_released(review, lead):
    with pytest.raises(ValidationError, match="Publish the review"):
        _make(review, lead)
    assert not Release.objects.exists()


@pytest.mark.parametrize("fields, field", [
    ({"title": "  "}, "title"),
    ({"authors": "\n \n"}, "authors"),
    ({"title": "x" * 301}, "title"),
])
def test_bad_input_names_the_field_and_stores_nothing(world, lead, fields, field):
    with pytest.raises(ValidationError) as error:
        _make(world, lead, **fields)
    assert field in error.value.error_dict
    assert not Release.objects.exists()


def test_a_release_is_bounded_in_cases(world, lead, monkeypatch):
    monkeypatch.setattr("coding.releases.services.RELEASE_MAX_CASES", 2)
    with pytest.raises(ValidationError, match="3 cases; a release holds at most 2"):
        _make(world, lead)
    assert not Release.objects.exists()


def test_the_download_holds_the_public_exports_codebook_and_citation(world, lead):
    release = _make(world, lead, notes="Cases to 1999.")
    files = _files(release)
    assert set(files) == {"cases.csv", "cases.json", "codebook.json", "CITATION.cff",
                          "README.txt"}
    csv_text = files["cases.csv"].decode()
    assert csv_text.splitlines()[0].startswith("number,title,country,region,year")
    assert "Street kitchen" in csv_text and "the borough council ran it" in csv_text
    assert f"{BASE}/reviews/demo/cases/1/" in csv_text
    text = b"".join(files.values()).decode()
    assert "Secret ruling" not in text
    assert "lena" not in text.lower()  # the lead who made it
    readme = files["README.txt"].decode()
    assert "Cases: 3" in readme and "Consensus values: 5" in readme


def test_citation_cff_parses_with_the_required_keys(world, lead):
    release = _make(world, lead)
    cff = yaml.safe_load(_files(release)["CITATION.cff"])
    assert cff["cff-version"] == "1.2.0"
    for key in ("message", "title", "version", "date-released", "authors"):
        assert cff[key], key
    assert cff["version"] == "1"
    assert str(cff["date-released"]) == release.created_at.date().isoformat()
    assert cff["authors"] == [{"name": "The Demo Review Team"},
                              {"name": "University of Somewhere"}]
    assert cff["preferred-citation"]["title"] == "Demo review"
    assert cff["preferred-citation"]["type"] and cff["preferred-citation"]["authors"]


def test_changes_since_the_last_release(world, lead):
    first = _make(world, lead)
    assert first.changes == {}
    # Case 2's level changes, case 3 completes, case 4 arrives.
    value = ConsensusValue.objects.get(case__number="2", attribute__key="level")
    value.options.set(value.attribute.options.filter(key="national"))
    factories.consensus_for(case=world.cases.get(number="3"), values={"roles": ["assessor"]})
    factories.CaseFactory(review=world, number="4", title="Food bank")
    second = _make(world, lead, title="Second")
    assert second.changes == {"previous": 1, "cases_added": ["4"], "cases_removed": [],
                              "cases_changed": ["2", "3"], "values_changed": 3}


def test_release_pages_show_the_frozen_data_after_live_data_change(world, lead, client):
    release = _make(world, lead)
    ConsensusValue.objects.filter(case__number="1").delete()
    world.cases.filter(number="1").update(title="Renamed kitchen")
    factories.CaseFactory(review=world, number="9", title="Added later")
    review_data_changed(review=world)  # as the services do
    page = client.get(f"/reviews/demo/releases/{release.number}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Street kitchen" in text and "Renamed kitchen" not in text
    assert "Added later" not in text
    assert "Release 1 of" in text
    dashboard = client.get(f"/reviews/demo/releases/{release.number}/dashboard/")
    text = dashboard.content.decode()
    assert dashboard.status_code == 200 and "Co-deliverer" in text
    live = client.get("/reviews/demo/")
    assert "Renamed kitchen" in live.content.decode()
    assert "Live data (changed since release 1)" in live.content.decode()


def test_live_pages_say_when_they_match_the_latest_release(world, lead, client):
    assert "no release yet" in client.get("/reviews/demo/dashboard/").content.decode()
    _make(world, lead)
    text = client.get("/reviews/demo/dashboard/").content.decode()
    assert "the same as release 1" in text


def test_release_list_and_download_for_readers(world, lead, client):
    release = _make(world, lead, title="Spring data")
    listing = client.get("/reviews/demo/releases/")
    assert listing.status_code == 200 and "Spring data" in listing.content.decode()
    assert "Make a release" not in listing.content.decode()
    download = client.get(f"/reviews/demo/releases/{release.number}/download.zip")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert "demo-release-1.zip" in download["Content-Disposition"]
    assert download.content == bytes(release.archive)
    assert client.get("/reviews/demo/releases/2/").status_code == 404


def test_releases_of_an_unpublished_review_are_hidden_from_readers(world, lead, client):
    release = _make(world, lead)
    Review.objects.filter(pk=world.pk).update(is_published=False)
    for url in ("/reviews/demo/releases/", f"/reviews/demo/releases/{release.number}/",
                f"/reviews/demo/releases/{release.number}/download.zip",
                "/api/reviews/demo/releases/", "/api/reviews/demo/releases/1/"):
        assert client.get(url).status_code == 404, url


def test_a_release_page_is_cached_per_release_not_per_data_version(world, lead):
    release = _make(world, lead)
    url = f"/reviews/demo/releases/{release.number}/"
    first = Client().get(url)
    assert "public" in first["Cache-Control"]
    etag = first["ETag"]
    assert Client().get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    # Live data change: the release's ETag holds.
    factories.consensus_for(case=world.cases.get(number="3"), values={"roles": ["assessor"]})
    again = Client().get(url, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag
    # Each release its own ETag.
    second = _make(world, lead)
    assert Client().get(f"/reviews/demo/releases/{second.number}/")["ETag"] != etag


def test_a_signed_in_reader_gets_private_release_pages(world, lead, client):
    release = _make(world, lead)
    client.force_login(lead)
    response = client.get(f"/reviews/demo/releases/{release.number}/")
    assert "private" in response["Cache-Control"]
    assert "ETag" not in response


def test_the_lead_asks_for_a_release_on_the_page(world, lead, client):
    client.force_login(lead)
    assert "Make a release" in client.get("/reviews/demo/releases/").content.decode()
    response = client.post("/reviews/demo/releases/", {"title": "From the page",
                                                       "authors": "Demo Team"})
    assert response.status_code == 302
    assert response["Location"] == "/reviews/demo/releases/#release-jobs"
    # Queued for the background worker (tests/releases/test_release_jobs.py runs it).
    assert not Release.objects.exists()
    assert ReleaseJob.objects.get().title == "From the page"


def test_the_page_form_shows_errors_and_stores_nothing(world, lead, client):
    client.force_login(lead)
    response = client.post("/reviews/demo/releases/", {"title": "Kept", "authors": ""})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Name the release" in text and 'value="Kept"' in text
    assert not Release.objects.exists()


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def test_the_api_lists_and_shows_releases_without_who_made_them(world, lead):
    _make(world, lead, title="One")
    _make(world, lead, title="Two")
    listing = _api().get("/api/reviews/demo/releases/")
    assert listing.status_code == 200
    assert [r["number"] for r in listing.json()] == [2, 1]
    one = _api().get("/api/reviews/demo/releases/1/").json()
    assert one["counts"] == {"cases": 3, "attributes": 5, "values": 5}
    assert one["authors"] == ["The Demo Review Team", "University of Somewhere"]
    assert one["download"].endswith("/reviews/demo/releases/1/download.zip")
    assert "created_by" not in one and "lena" not in str(one).lower()
    assert _api().get("/api/reviews/demo/releases/3/").status_code == 404


def test_the_api_asks_for_a_release_for_leads_only(world, lead, coder_a):
    refused = _api(coder_a).post("/api/reviews/demo/releases/",
                                 {"title": "T", "authors": "A"}, format="json")
    assert refused.status_code == 403
    assert _api().post("/api/reviews/demo/releases/", {"title": "T", "authors": "A"},
                       format="json").status_code == 401
    bad = _api(lead).post("/api/reviews/demo/releases/", {"title": "T", "authors": " "},
                          format="json")
    assert bad.status_code == 400 and "Name the release" in bad.json()["detail"]
    asked = _api(lead).post("/api/reviews/demo/releases/", {"title": "T", "authors": "A"},
                            format="json")
    assert asked.status_code == 202 and asked.json()["status"] == "queued"
    assert asked["Location"] == asked.json()["status_url"]
    assert not Release.objects.exists() and ReleaseJob.objects.count() == 1


def test_release_pages_read_a_bounded_number_of_queries(world, lead, client,
                                                        django_assert_max_num_queries):
    release = _make(world, lead)
    for _ in range(30):
        factories.CaseFactory(review=world)
    big = _make(world, lead)
    for number in (release.number, big.number):
        with django_assert_max_num_queries(8):
            assert client.get(f"/reviews/demo/releases/{number}/").status_code == 200
        with django_assert_max_num_queries(8):
            assert client.get(f"/reviews/demo/releases/{number}/dashboard/").status_code == 200
