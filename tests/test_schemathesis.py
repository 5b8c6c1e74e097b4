"""Schemathesis against /api/schema/: generated requests to every operation, anonymously on
generated paths and as every role (reader, coder, adjudicator, lead) on the review's real slug,
case numbers and object ids, must get no server error and responses that conform to the
schema."""

import zlib

import pytest
import schemathesis
from django.core.files.base import ContentFile
from django.test import override_settings
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from coding.adjudication.services import disagreements_detect
from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.documents.services import document_upload
from coding.members.services import member_add_or_invite
from coding.models import (
    Assignment,
    Disagreement,
    Invitation,
    Membership,
    Notification,
    Record,
    ReleaseJob,
    ReleaseJobStatus,
    Review,
    Role,
    Search,
)
from coding.releases.services import release_create
from coding.rounds.services import round_coding_save_draft, round_coding_start, round_create
from coproduction.wsgi import application
from tests import factories
from tests.module_data import rows_for_module

CHECKS = [not_a_server_error, response_schema_conformance]
HYPOTHESIS = settings(
    max_examples=6, deadline=None, derandomize=True,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go through the real WSGI app, whose request signals would close the test's
    database connection (and its transaction) on PostgreSQL; django.test.Client disconnects
    them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def _api_world(django_db_setup, django_db_blocker, tmp_path_factory):
    """api_data's rows, made once for this module's ~150 tests instead of once per test
    (tests/module_data.py)."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("media")):
        with rows_for_module(django_db_blocker, _api_rows) as data:
            yield data


@pytest.fixture
def api_data(_api_world, db):
    return _api_world


def _api_rows() -> dict:
    """A small published review under the slug the schema's examples use ("coproduction"),
    one user in each role (Lena leads, Alice and Bob code, Ada adjudicates, Rita reads: an
    account without a role); case 1 coded differently by both coders and submitted (so there
    are disagreements and consensus) with a public document, case 2 assigned with Alice's
    draft and a members-only document, case 3 unassigned; one invitation waiting."""
    review = factories.ReviewFactory(slug="coproduction", is_published=True)
    factories.codebook_for(review)
    users = {name: factories.UserFactory(username=name)
             for name in ("lena", "alice", "bob", "ada", "rita")}
    Membership.objects.create(review=review, user=users["lena"], role=Role.LEAD)
    Membership.objects.create(review=review, user=users["alice"], role=Role.CODER)
    Membership.objects.create(review=review, user=users["bob"], role=Role.CODER)
    Membership.objects.create(review=review, user=users["ada"], role=Role.ADJUDICATOR)
    cases = [factories.CaseFactory(review=review, number=str(n)) for n in (1, 2, 3)]
    for case in cases[:2]:
        Assignment.objects.create(case=case, coder=users["alice"])
        Assignment.objects.create(case=case, coder=users["bob"])
    for user, level in ((users["alice"], "local"), (users["bob"], "state")):
        coding = coding_start(case=cases[0], user=user)
        values = {"level": {"value": level}, "roles": {"value": ["deliverer"]},
                  "budget": {"value": 10}, "agreement": {"value": True}}
        coding = coding_save_draft(coding=coding, values=values, expected_version=0, user=user)
        coding_submit(coding=coding, expected_version=coding.version, user=user)
    disagreements_detect(case=cases[0])
    draft = coding_start(case=cases[1], user=users["alice"])
    coding_save_draft(coding=draft, values={"topic": {"value": "Care"}}, expected_version=0,
                      user=users["alice"])
    documents = [
        document_upload(case=case, actor=users["lena"], is_public=public,
                        file=ContentFile(b"The council ran it with residents.", name=name))
        for case, public, name in ((cases[0], True, "one.txt"), (cases[1], False, "two.txt"))
    ]
    member_add_or_invite(review=review, identifier="new@example.org", roles=[Role.CODER],
                         actor=users["lena"], base_url="http://testserver")
    # Calibration round 1: Alice and Bob code cases 1 and 3; Alice has a draft of case 1.
    round_ = round_create(review=review, title="Pilot", cases=[cases[0], cases[2]],
                          coders=[users["alice"], users["bob"]], user=users["lena"])
    round_coding_save_draft(
        coding=round_coding_start(round_=round_, case=cases[0], user=users["alice"]),
        values={"level": {"value": "local"}}, expected_version=0, user=users["alice"])
    # A citable release of the published review.
    release = release_create(review=review, actor=users["lena"], title="First",
                             authors="The team", base_url="http://testserver")
    # The request that made it, as the background task leaves it (its status endpoint).
    job = ReleaseJob.objects.create(review=review, title="First", authors="The team",
                                    base_url="http://testserver", created_by=users["lena"],
                                    release=release, status=ReleaseJobStatus.DONE)
    # Candidate records: one kept, one suspected duplicate of it.
    search = Search.objects.create(review=review, source="Nesta", count=2)
    kept = Record.objects.create(review=review, search=search, title="Library", year=2015)
    Record.objects.create(review=review, search=search, title="Library", year=2015,
                          duplicate_status="suspected", duplicate_of=kept)
    assert Disagreement.objects.filter(case=cases[0]).exists()
    assert Notification.objects.filter(user=users["ada"]).exists()
    return {
        "users": users,
        "numbers": [case.number for case in cases],
        "release_job": job.pk,
        "ids": {
            "disagreements": list(Disagreement.objects.values_list("pk", flat=True)),
            "documents": [document.pk for document in documents],
            "invitations": list(Invitation.objects.values_list("pk", flat=True)),
            # Ada's "case 1 needs adjudication": others get 404 for it.
            "notifications": list(Notification.objects.values_list("pk", flat=True)),
            "records": list(Record.objects.values_list("pk", flat=True)),
        },
    }


def _real(values: list, generated) -> object:
    """One of the real values, picked by the generated one (stable across runs)."""
    return values[zlib.crc32(str(generated).encode()) % len(values)]


def _use_real_path_values(case, api_data) -> None:
    """The review's slug, its case numbers and the ids of its objects in place of the
    generated path values, which would almost only reach 404s."""
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = "coproduction"
    if "round" in params:
        params["round"] = 1
    if "n" in params:  # the release
        params["n"] = 1
    if "job" in params:  # the request that made it
        params["job"] = api_data["release_job"]
    if "number" in params:
        params["number"] = _real(api_data["numbers"], params["number"])
    if "id" in params:
        kind = next(k for k in api_data["ids"] if f"/{k}/" in case.operation.path)
        params["id"] = _real(api_data["ids"][kind], params["id"])


ACTORS = ("anonymous", "rita", "alice", "ada", "lena")


def _headers(actor: str, api_data) -> dict:
    if actor == "anonymous":
        return {}
    token, _ = Token.objects.get_or_create(user=api_data["users"][actor])
    return {"Authorization": f"Token {token.key}"}


# Loaded at collection, one test per operation. (The lazy from_fixture loader fails on
# pytest 9; loading the schema needs no database.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@HYPOTHESIS
def test_api_anonymous_gets_no_server_error_and_conforming_responses(case, api_data):
    """Generated values everywhere, the path too (unknown reviews and cases)."""
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_as_every_role_on_real_objects_gets_no_server_error(case, api_data):
    """The same operation as a reader, a coder, an adjudicator and a lead (and anonymously)
    on the review's real slug, case numbers and object ids; generated query and body."""
    _use_real_path_values(case, api_data)
    for actor in ACTORS:
        case.call_and_validate(checks=CHECKS, headers=_headers(actor, api_data))


def _get_operations():
    return [op.ok() for op in schema.get_all_operations()
            if op.ok().method.upper() == "GET" and "{" in op.ok().path]


def test_real_path_values_reach_real_objects(api_data):
    """The role test is not a walk through 404s: with the real values every GET operation
    with a path parameter finds its object for the lead or for a coder (the codings
    endpoints are the coder's own, the team's for the lead)."""
    # The reliability figures as the worker leaves them (before it, the API answers 202).
    factories.reliability_computed(Review.objects.get(slug="coproduction"))
    statuses = {}
    for operation in _get_operations():
        for actor in ("lena", "alice"):
            case = operation.Case(path_parameters={
                name: {"slug": "coproduction", "number": "1", "round": 1, "n": 1,
                       "job": api_data["release_job"]}.get(name)
                for name in _path_names(operation.path)
            })
            if "{id}" in operation.path:
                kind = next(k for k in api_data["ids"] if f"/{k}/" in operation.path)
                case.path_parameters["id"] = api_data["ids"][kind][0]
            statuses.setdefault(operation.path, set()).add(
                case.call(headers=_headers(actor, api_data)).status_code)
    assert len(statuses) >= 15
    assert {path for path, found in statuses.items() if 200 not in found} == set(), statuses


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]
