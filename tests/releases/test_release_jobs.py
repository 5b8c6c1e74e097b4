"""Making a release runs in the background: the page and the API queue a request (202 with a
status URL), the worker freezes the data, the releases page says queued, running, done or
failed with what to do, the freeze is bounded in time, and a lost request never stays
stuck (the worker's recovery queues it again or fails it)."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.background import background_jobs_recover
from coding.models import Release, ReleaseJob, ReleaseJobStatus, Review
from coding.releases.services import TASK, release_job_run, release_request
from tests import factories

BASE = "https://example.org"


@pytest.fixture
def world(review):
    Review.objects.filter(pk=review.pk).update(is_published=True)
    review.refresh_from_db()
    one = factories.CaseFactory(review=review, number="1", title="Street kitchen")
    factories.consensus_for(case=one, values={"level": "local", "roles": ["deliverer"]})
    return review


def _api(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def _worker() -> str:
    """The real worker, as `manage.py db_worker` runs it, until the queue is empty."""
    out = io.StringIO()
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=out)
    return out.getvalue()


def _ask(review, lead, **kwargs) -> ReleaseJob:
    fields = {"title": "Spring data", "authors": "The team", "base_url": BASE, **kwargs}
    return release_request(review=review, actor=lead, **fields)


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_the_page_queues_the_request_and_shows_it_until_the_worker_makes_the_release(
    world, lead, client, django_capture_on_commit_callbacks
):
    client.force_login(lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/reviews/demo/releases/", {"title": "Spring data",
                                                           "authors": "The team"})
    assert response.status_code == 302 and not Release.objects.exists()
    assert DBTaskResult.objects.filter(task_path=TASK).count() == 1
    page = client.get("/reviews/demo/releases/").content.decode()
    assert "Waiting to start" in page and "Spring data" in page
    assert "js/release-status.js" in page  # polls until it is done
    assert client.get("/reviews/demo/releases/status/").json() == {"active": True}

    _worker()

    release = Release.objects.get()
    assert (release.number, release.title, release.case_count) == (1, "Spring data", 1)
    job = ReleaseJob.objects.get()
    assert (job.status, job.release_id, job.error) == (ReleaseJobStatus.DONE, release.pk, "")
    page = client.get("/reviews/demo/releases/").content.decode()
    assert "Made" in page and 'href="/reviews/demo/releases/1/"' in page
    assert "js/release-status.js" not in page
    assert client.get("/reviews/demo/releases/status/").json() == {"active": False}


def test_readers_see_neither_the_requests_nor_their_status(world, lead, coder_a, client):
    _ask(world, lead)
    assert "Spring data" not in client.get("/reviews/demo/releases/").content.decode()
    assert client.get("/reviews/demo/releases/status/").status_code == 404
    client.force_login(coder_a)
    assert "Spring data" not in client.get("/reviews/demo/releases/").content.decode()
    assert client.get("/reviews/demo/releases/status/").status_code == 404


@pytest.mark.django_db(transaction=True)  # the worker commits and closes its connection
def test_the_api_answers_202_with_a_status_url_that_ends_done(
    world, lead, coder_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        asked = _api(lead).post("/api/reviews/demo/releases/",
                                {"title": "Spring data", "authors": "The team"}, format="json")
    assert asked.status_code == 202
    body = asked.json()
    assert body["status"] == "queued" and body["release"] is None
    status_url = body["status_url"]
    assert status_url.endswith(f"/api/reviews/demo/releases/jobs/{body['id']}/")
    assert asked["Location"] == status_url
    assert _api(lead).get(status_url).json()["status"] == "queued"
    assert _api(coder_a).get(status_url).status_code == 403

    _worker()

    done = _api(lead).get(status_url).json()
    assert done["status"] == "done" and done["release"] == 1 and done["error"] == ""
    assert done["release_url"].endswith("/api/reviews/demo/releases/1/")
    assert _api(lead).get("/api/reviews/demo/releases/jobs/999/").status_code == 404


def test_one_request_at_a_time_a_second_gets_409(world, lead):
    _ask(world, lead)
    second = _api(lead).post("/api/reviews/demo/releases/",
                             {"title": "Again", "authors": "The team"}, format="json")
    assert second.status_code == 409
    assert "being made already" in second.json()["detail"]
    assert ReleaseJob.objects.count() == 1


def test_bad_input_is_refused_at_once_and_nothing_is_queued(world, lead):
    response = _api(lead).post("/api/reviews/demo/releases/",
                               {"title": "", "authors": "The team"}, format="json")
    assert response.status_code == 400 and "Give the release a title" in response.json()["detail"]
    assert not ReleaseJob.objects.exists()
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()


def test_a_request_that_can_no_longer_be_made_fails_with_a_message_and_stores_nothing(
    world, lead, client
):
    job = _ask(world, lead)
    Review.objects.filter(pk=world.pk).update(is_published=False)  # before the worker runs
    release_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ReleaseJobStatus.FAILED
    assert "Publish the review before making a release" in job.error
    assert job.finished_at is not None and not Release.objects.exists()
    Review.objects.filter(pk=world.pk).update(is_published=True)
    client.force_login(lead)
    page = client.get("/reviews/demo/releases/").content.decode()
    assert "Failed: no release made" in page and "Publish the review" in page
    # It has ended: a second run does nothing, and a new request may be made.
    assert release_job_run(job_id=job.pk).status == ReleaseJobStatus.FAILED
    assert _ask(world, lead).status == ReleaseJobStatus.QUEUED


def test_a_freeze_is_bounded_in_time(world, lead, settings):
    settings.RELEASE_TASK_TIMEOUT_MINUTES = 0  # every freeze is too slow
    job = release_job_run(job_id=_ask(world, lead).pk)
    assert job.status == ReleaseJobStatus.FAILED
    assert "took longer than 0 minutes" in job.error and "nothing was stored" in job.error
    assert not Release.objects.exists()


def test_a_server_error_fails_the_request_with_what_to_do(world, lead, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("coding.releases.services.release_archive", broken)
    job = release_job_run(job_id=_ask(world, lead).pk)
    assert job.status == ReleaseJobStatus.FAILED
    assert "error on the server" in job.error and "disk full" not in job.error
    assert not Release.objects.exists()


def _aged(job, minutes, **fields):
    ReleaseJob.objects.filter(pk=job.pk).update(
        created_at=timezone.now() - timedelta(minutes=minutes), **fields)


def test_lost_requests_never_stay_stuck(world, lead, settings,
                                        django_capture_on_commit_callbacks):
    settings.RELEASE_TASK_TIMEOUT_MINUTES = 10
    other = factories.ReviewFactory(slug="other", is_published=True)
    factories.codebook_for(other)
    # Running, with no task (its worker stopped): failed with what to do.
    running = _ask(world, lead)
    _aged(running, 30, status=ReleaseJobStatus.RUNNING,
          started_at=timezone.now() - timedelta(minutes=29))
    # Queued, but its task never reached the queue: queued again.
    factories.MembershipFactory(review=other, user=lead, role="lead")
    queued = _ask(other, lead)
    _aged(queued, 5)
    assert not DBTaskResult.objects.filter(task_path=TASK).exists()

    with django_capture_on_commit_callbacks(execute=True):
        counts = background_jobs_recover()

    assert (counts["releases_failed"], counts["releases_queued"]) == (1, 1)
    running.refresh_from_db()
    assert running.status == ReleaseJobStatus.FAILED
    assert "interrupted" in running.error and "Make the release again" in running.error
    assert [row["kwargs"] for row in DBTaskResult.objects.filter(task_path=TASK)
            .values_list("args_kwargs", flat=True)] == [{"job_id": queued.pk}]
    # A request in hand is left alone.
    with django_capture_on_commit_callbacks(execute=True):
        assert background_jobs_recover()["releases_queued"] == 0


def test_a_request_failed_by_the_recovery_while_running_keeps_no_release(world, lead,
                                                                         monkeypatch, caplog):
    job = _ask(world, lead)
    from coding.releases import services

    real = services.release_archive

    def slow_and_abandoned(**kwargs):
        # The recovery fails the job while the freeze runs (in the test, in the freeze's
        # own transaction, which then rolls back; on a server, in its own).
        ReleaseJob.objects.filter(pk=job.pk).update(status=ReleaseJobStatus.FAILED,
                                                    error="interrupted")
        return real(**kwargs)

    monkeypatch.setattr(services, "release_archive", slow_and_abandoned)
    release_job_run(job_id=job.pk)
    assert not Release.objects.exists()
    assert "its release was not kept" in caplog.text


def test_the_releases_page_reads_a_bounded_number_of_queries_for_a_lead(
    world, lead, client, django_assert_max_num_queries
):
    for n in range(6):
        job = release_job_run(job_id=_ask(world, lead, title=f"Data {n}").pk)
        assert job.status == ReleaseJobStatus.DONE
    client.force_login(lead)
    with django_assert_max_num_queries(14):
        page = client.get("/reviews/demo/releases/")
    assert page.status_code == 200
    assert page.content.decode().count('data-job-status="done"') == 5  # the latest five


def test_the_task_writes_its_messages_in_the_leads_language(world, lead, monkeypatch):
    from django.utils import translation

    with translation.override("es"):
        job = _ask(world, lead)
    assert job.language == "es"
    seen = []

    def refuse(**kwargs):
        seen.append(translation.get_language())
        raise RuntimeError("boom")

    monkeypatch.setattr("coding.releases.services.release_archive", refuse)
    with translation.override("en"):
        assert release_job_run(job_id=job.pk).status == ReleaseJobStatus.FAILED
    assert seen == ["es"]
