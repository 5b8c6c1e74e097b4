"""Schemathesis against /api/schema/: generated requests to every operation, anonymous and
with a token, must get no server error and responses that conform to the schema."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import Assignment, Membership, Role
from coproduction.wsgi import application
from tests import factories

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


@pytest.fixture
def api_data(db):
    """A small published review under the slug the schema's examples use ("coproduction"),
    one user in every role; case 1 coded differently by both coders (so there are
    disagreements and consensus), case 2 assigned and untouched, case 3 unassigned."""
    review = factories.ReviewFactory(slug="coproduction", is_published=True)
    factories.codebook_for(review)
    lena = factories.UserFactory(username="lena")
    bob = factories.UserFactory(username="bob")
    ada = factories.UserFactory(username="ada")
    for role in Role.values:
        Membership.objects.create(review=review, user=lena, role=role)
    Membership.objects.create(review=review, user=bob, role=Role.CODER)
    Membership.objects.create(review=review, user=ada, role=Role.ADJUDICATOR)
    cases = [factories.CaseFactory(review=review, number=str(n)) for n in (1, 2, 3)]
    for case in cases[:2]:
        Assignment.objects.create(case=case, coder=lena)
        Assignment.objects.create(case=case, coder=bob)
    for user, level, roles in ((lena, "local", ["deliverer"]), (bob, "state", ["deliverer"])):
        coding = coding_start(case=cases[0], user=user)
        values = {"level": {"value": level}, "roles": {"value": roles},
                  "budget": {"value": 10}, "agreement": {"value": True}}
        coding = coding_save_draft(coding=coding, values=values, expected_version=0, user=user)
        coding_submit(coding=coding, expected_version=coding.version, user=user)
    return {"lead": lena, "adjudicator": ada}


# Loaded at collection, one test per operation. (The lazy from_fixture loader fails on
# pytest 9; loading the schema needs no database.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@schema.parametrize()
@HYPOTHESIS
def test_api_anonymous_gets_no_server_error_and_conforming_responses(case, api_data):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@HYPOTHESIS
def test_api_with_a_token_gets_no_server_error_and_conforming_responses(case, api_data):
    token, _ = Token.objects.get_or_create(user=api_data["lead"])
    case.call_and_validate(checks=CHECKS, headers={"Authorization": f"Token {token.key}"})
