"""The review's data version and the dashboard's data cached per version (issue 13)."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from coding.adjudication.services import (
    consensus_version,
    disagreement_reopen,
    disagreement_resolve,
    disagreements_detect,
)
from coding.codings.services import coding_reopen, coding_save_draft
from coding.models import Disagreement, Review
from coding.public.cache import dashboard_warm, filters_key
from coding.reviews.importers import cases_import, codebook_import
from coding.reviews.services import review_data_changed, review_set_published
from tests import factories

WARM = "coding.public.tasks.warm_dashboard"
VALUES_A = {"level": "local", "roles": ["deliverer", "assessor"], "agreement": True}
VALUES_B = {"level": "local", "roles": ["deliverer"], "agreement": True}


def version(review) -> int:
    return Review.objects.values_list("data_version", flat=True).get(pk=review.pk)


def level_counts(client, review, **params) -> dict:
    response = client.get(reverse("coding:dashboard", args=[review.slug]), params)
    assert response.status_code == 200
    html = response.content.decode()
    start = html.index('<script id="dashboard-data" type="application/json">')
    body = html[html.index(">", start) + 1:html.index("</script>", start)]
    level = {chart["id"]: chart for chart in json.loads(body)}["level"]["plot"]
    return dict(zip(level["labels"], level["values"], strict=True))


@pytest.fixture
def published(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    return review


@pytest.fixture
def case(published, coder_a, coder_b):
    case = factories.CaseFactory(review=published, number="7")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


@pytest.fixture
def disagreed(case, coder_a, coder_b):
    """Both codings submitted and compared: level and agreement agreed, roles open."""
    factories.coding_with_values(case=case, coder=coder_a, values=VALUES_A)
    factories.coding_with_values(case=case, coder=coder_b, values=VALUES_B)
    disagreements_detect(case=case)
    return Disagreement.objects.get(case=case)


def _resolve(disagreement, adjudicator):
    return disagreement_resolve(
        disagreement=disagreement, user=adjudicator, choice="a", rationale="as coded by A",
        expected_version=consensus_version(disagreement),
    )


def test_each_bump_adds_one_and_a_stale_instance_reads_the_new_version(review):
    before = version(review)
    review_data_changed(review=review)
    review_data_changed(review=review.pk)
    assert version(review) == before + 2
    assert review.data_version == before + 2  # deferred, read again on access


def test_saving_a_stale_review_instance_does_not_undo_a_bump(review):
    stale = Review.objects.get(pk=review.pk)  # as the admin's change form reads it
    review_data_changed(review=review)
    stale.title = "Renamed"
    stale.save()  # a full save writes every field but the version
    assert version(review) == stale.data_version + 1
    assert Review.objects.get(pk=review.pk).title == "Renamed"


def test_the_admin_deletes_no_case_so_the_version_and_dashboard_stay(
    client, admin_client, coproduction
):
    """Cases change only by import (audited); the admin shows them read-only (issue 25)."""
    url = reverse("coding:dashboard", args=["coproduction"])
    case = coproduction.cases.get(number="1")
    before = version(coproduction)
    response = admin_client.post(reverse("admin:coding_case_delete", args=[case.pk]),
                                 {"post": "yes"})
    assert response.status_code == 403
    assert version(coproduction) == before
    assert client.get(url).context["total"] == 56


def test_publishing_and_withdrawing_bump_the_version(review, lead):
    start = version(review)
    assert review_set_published(review=review, actor=lead, published=True)
    assert version(review) == start + 1
    assert not review_set_published(review=review, actor=lead, published=True)
    assert version(review) == start + 1  # nothing changed: no bump
    review_set_published(review=review, actor=lead, published=False)
    assert version(review) == start + 2


def test_a_withdrawn_review_is_not_served_from_the_cache(client, published, lead):
    assert level_counts(client, published) == {}  # cached for this version
    review_set_published(review=published, actor=lead, published=False)
    assert client.get(reverse("coding:dashboard", args=[published.slug])).status_code == 404
    csv_url = reverse("coding:dashboard_csv", args=[published.slug, "level"])
    assert client.get(csv_url).status_code == 404


def test_resolving_the_last_disagreement_bumps_and_shows_the_figures_at_once(
    client, disagreed, adjudicator
):
    review = disagreed.case.review
    assert level_counts(client, review) == {}  # an open disagreement: nothing public yet
    before = version(review)
    _resolve(disagreed, adjudicator)
    assert version(review) == before + 1
    assert level_counts(client, review) == {"National": 0, "State": 0, "Local": 1}


def test_reopening_a_decision_bumps_and_takes_the_figures_away_at_once(
    client, disagreed, adjudicator
):
    review = disagreed.case.review
    _resolve(disagreed, adjudicator)
    assert level_counts(client, review)["Local"] == 1
    before = version(review)
    disagreement_reopen(disagreement=disagreed, user=adjudicator, reason="check the source",
                        expected_version=consensus_version(disagreed))
    assert version(review) == before + 1
    assert level_counts(client, review) == {}


def test_reopening_a_coding_of_a_public_case_bumps_and_hides_its_figures(
    client, disagreed, adjudicator, lead
):
    review = disagreed.case.review
    _resolve(disagreed, adjudicator)
    assert level_counts(client, review)["Local"] == 1
    before = version(review)
    coding = disagreed.coding_a
    coding_reopen(coding=coding, user=lead, reason="typo")
    assert version(review) > before
    assert level_counts(client, review) == {}


def test_changes_readers_cannot_see_leave_the_version_alone(case, coder_a):
    """A draft, or a submission while the case is not public, changes nothing readers see."""
    before = version(case.review)
    coding = factories.CodingFactory(case=case, coder=coder_a)
    coding_save_draft(coding=coding, user=coder_a, values={"level": {"value": "local"}},
                      expected_version=coding.version)
    disagreements_detect(case=case)  # only one coder: the case stays private
    assert version(case.review) == before


def test_importing_cases_bumps_and_the_dashboard_counts_them_at_once(
    client, published, tmp_path
):
    assert client.get(reverse("coding:dashboard", args=[published.slug])).context["total"] == 0
    path = tmp_path / "cases.csv"
    path.write_text("number,title,country,year,service_area,summary,source\n"
                    "1,Meals,UK,2010,Health care,,\n2,Parks,Sweden,2012,,,\n")
    before = version(published)
    cases_import(path=path, review_slug=published.slug)
    assert version(published) == before + 1
    response = client.get(reverse("coding:dashboard", args=[published.slug]))
    assert response.context["total"] == 2
    # the filters' choices (cached per version too) know the new countries
    assert ("Sweden", "Sweden", False) in response.context["filter"].selects()["country"][
        "choices"]
    cases_import(path=path, review_slug=published.slug)  # the same file: nothing changes
    assert version(published) == before + 1


def test_importing_a_changed_codebook_bumps_the_version(published, tmp_path):
    path = tmp_path / "codebook.yaml"
    path.write_text(
        "title: New codebook\nsections:\n- title: Basics\n  attributes:\n"
        "  - key: scale\n    label: Scale\n    kind: single\n"
        "    options:\n    - {key: small, label: Small}\n    - {key: large, label: Large}\n"
    )
    before = version(published)
    codebook_import(path=path, review_slug=published.slug)
    assert version(published) == before + 1
    codebook_import(path=path, review_slug=published.slug)  # unchanged
    assert version(published) == before + 1


def test_second_dashboard_request_of_a_version_runs_at_most_three_queries(
    client, coproduction, django_assert_max_num_queries
):
    url = reverse("coding:dashboard", args=["coproduction"])
    first = client.get(url)
    with django_assert_max_num_queries(3):  # the review (with its version), session, user
        second = client.get(url)
    assert second.content == first.content


def test_chart_csv_reads_the_cached_dashboard(
    client, coproduction, django_assert_max_num_queries
):
    client.get(reverse("coding:dashboard", args=["coproduction"]), {"country": "Sweden"})
    url = reverse("coding:dashboard_csv", args=["coproduction", "region"])
    with django_assert_max_num_queries(3):
        response = client.get(url, {"country": "Sweden"})
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Region", "Cases"], ["Europe", "5"]]


def test_api_dashboard_uses_the_same_cached_data(
    client, coproduction, django_assert_max_num_queries
):
    client.get(reverse("coding:dashboard", args=["coproduction"]))
    with django_assert_max_num_queries(3):
        response = client.get("/api/reviews/coproduction/dashboard/")
    assert response.status_code == 200
    assert response.json()["cases"] == 56


def test_filtered_dashboards_are_cached_per_normalised_filters(
    client, coproduction, django_assert_max_num_queries
):
    url = reverse("coding:dashboard", args=["coproduction"])
    first = client.get(f"{url}?country=UK&region=Europe&sort=title")
    with django_assert_max_num_queries(3):
        again = client.get(f"{url}?region=Europe&country=UK")  # other order, no sort
    assert again.context["total"] == first.context["total"] == 31
    other = client.get(f"{url}?country=Sweden")
    assert other.context["total"] == 5


def test_filters_key_ignores_the_order_of_parameters_and_values():
    assert filters_key({}) == "all"
    assert filters_key({"a": ["2", "1"], "b": ["x"]}) == filters_key({"b": ["x"], "a": ["1", "2"]})
    assert filters_key({"a": ["1"]}) != filters_key({"a": ["2"]})


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_a_change_queues_the_dashboard_of_the_new_version_so_readers_find_it_cached(
    client, disagreed, adjudicator, django_capture_on_commit_callbacks,
    django_assert_max_num_queries
):
    review = disagreed.case.review
    with django_capture_on_commit_callbacks(execute=True):
        _resolve(disagreed, adjudicator)
    assert list(DBTaskResult.objects.filter(task_path=WARM).values_list(
        "args_kwargs", flat=True)) == [{"args": [], "kwargs": {"review_id": review.pk}}]

    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=io.StringIO())

    assert DBTaskResult.objects.get(task_path=WARM).return_value is True
    with django_assert_max_num_queries(3):  # the review (with its version), nothing computed
        assert level_counts(client, review) == {"National": 0, "State": 0, "Local": 1}
    assert dashboard_warm(review_id=review.pk) is False  # this version is cached already


def test_a_change_that_rolls_back_queues_no_dashboard(
    published, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            review_data_changed(review=published)
            raise RuntimeError("the change fails")
    assert callbacks == [] and not DBTaskResult.objects.filter(task_path=WARM).exists()
