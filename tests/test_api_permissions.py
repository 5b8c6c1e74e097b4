"""The API's permissions: derived from the pages' rule table and the domain policies (one
rule table), denying by default, and answering a review the client may not know about
exactly as a missing one; pages and API give one answer (issue 25, items 3 and 12)."""

import pytest
from django.urls import URLPattern, URLResolver
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.test import APIClient, APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from coding.adjudication.policies import QueueAction, queue_actions
from coding.api import urls as api_urls
from coding.codings.policies import may_code
from coding.members.services import membership_delete
from coding.models import Coding, Membership, Role, RoundCoding
from coding.reviews.policies import PAGE_ROLES
from coding.rounds.services import round_create
from tests import factories


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _views():
    for pattern in api_urls.urlpatterns:
        assert isinstance(pattern, URLPattern) and not isinstance(pattern, URLResolver)
        yield pattern.name, pattern.callback


def _declares_permissions(callback) -> bool:
    if "permission_classes" in getattr(callback, "initkwargs", {}):
        return True
    view = callback.cls
    for klass in view.__mro__:
        if klass is APIView:
            return False
        if "permission_classes" in vars(klass) or "get_permissions" in vars(klass):
            return True
    return False


@pytest.mark.parametrize("name, callback", list(_views()), ids=[n for n, _ in _views()])
def test_every_api_view_says_whom_it_serves(name, callback):
    assert _declares_permissions(callback), f"{name} relies on the default permission"


def test_an_api_view_that_declares_nothing_serves_nobody(db, django_user_model):
    """DEFAULT_PERMISSION_CLASSES denies: a view added without permissions is closed, even
    to a superuser, rather than open to everyone."""

    class Undeclared(APIView):
        def get(self, request):
            return Response({"secret": 42})

    root = django_user_model.objects.create_superuser("root", password="x")
    request = APIRequestFactory().get("/api/undeclared/")
    force_authenticate(request, user=root)
    response = Undeclared.as_view()(request)
    assert response.status_code == 403
    assert "secret" not in str(response.data)
    assert [c.__name__ for c in api_settings.DEFAULT_PERMISSION_CLASSES] == ["DenyByDefault"]


def test_the_api_description_and_its_documentation_stay_public(db):
    assert _api().get("/api/schema/").status_code == 200
    assert _api().get("/api/docs/").status_code == 200
    assert _api().get("/api/reviews/").status_code == 200


REVIEW_PATHS = ["", "codebook/", "cases/", "cases/1/", "consensus/", "dashboard/", "codings/",
                "assignments/", "disagreements/", "members/", "reliability/", "rounds/"]


@pytest.mark.parametrize("path", REVIEW_PATHS)
@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_an_unpublished_review_answers_exactly_as_a_missing_one(review, outsider, who, path):
    client = _api(outsider if who == "outsider" else None)
    hidden = client.get(f"/api/reviews/demo/{path}")
    missing = client.get(f"/api/reviews/no-such-review/{path}")
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert hidden.json() == {"detail": "Not found.", "errors": ["Not found."]}


def test_api_permissions_follow_the_pages_rule_table(client, review, adjudicator, monkeypatch):
    """Open the Members page to adjudicators in the one table, and the API follows."""
    client.force_login(adjudicator)
    api = _api(adjudicator)
    assert client.get("/reviews/demo/members/").status_code == 404
    assert api.get("/api/reviews/demo/members/").status_code == 403
    monkeypatch.setitem(PAGE_ROLES, "members", (Role.LEAD, Role.ADJUDICATOR))
    assert client.get("/reviews/demo/members/").status_code == 200
    assert api.get("/api/reviews/demo/members/").status_code == 200


@pytest.fixture
def leo(review):
    """Leads the review and codes case 1."""
    leo = factories.UserFactory(username="leo")
    for role in (Role.LEAD, Role.CODER):
        factories.MembershipFactory(review=review, user=leo, role=role)
    return leo


def test_who_lost_the_coder_role_codes_no_more_on_the_page_nor_in_the_api(
    client, review, leo, lead
):
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=leo)
    membership_delete(membership=Membership.objects.get(user=leo, role=Role.CODER), actor=lead)
    assert not may_code(leo, case)  # the one function both ask
    client.force_login(leo)
    assert client.get("/reviews/demo/cases/1/code/").status_code == 404
    assert client.post("/reviews/demo/cases/1/code/", {"version": 0}).status_code == 404
    api = _api(leo)
    assert api.get("/api/reviews/demo/codings/1/").status_code == 403
    assert api.put("/api/reviews/demo/codings/1/", {"version": 0, "values": []},
                   format="json").status_code == 403
    assert not Coding.objects.exists()


BAD_SAVE = {"version": 0, "values": [{"attribute": "level", "value": "galactic"}]}


def test_a_refused_first_save_through_the_api_leaves_no_empty_draft(review, coder_a):
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    response = _api(coder_a).put("/api/reviews/demo/codings/1/", BAD_SAVE, format="json")
    assert response.status_code == 400
    assert "galactic" in response.json()["detail"]
    assert not Coding.objects.exists()


def test_a_refused_first_round_save_through_the_api_leaves_no_empty_draft(
    review, coder_a, coder_b, lead
):
    case = factories.CaseFactory(review=review, number="1")
    round_create(review=review, title="Pilot", cases=[case], coders=[coder_a, coder_b],
                 user=lead)
    response = _api(coder_a).put("/api/reviews/demo/rounds/1/codings/1/", BAD_SAVE,
                                 format="json")
    assert response.status_code == 400
    assert not RoundCoding.objects.exists()


def test_the_queue_offers_a_decision_only_where_the_policy_allows(
    review, adjudicator, lead, coder_a
):
    mine, other = (factories.CaseFactory(review=review, number=n) for n in ("1", "2"))
    factories.AssignmentFactory(case=mine, coder=adjudicator)
    ids = [mine.pk, other.pk]
    assert queue_actions(adjudicator, review, ids, "open") == {
        mine.pk: QueueAction.OWN, other.pk: QueueAction.DECIDE}
    assert queue_actions(adjudicator, review, ids, "resolved")[other.pk] == QueueAction.VIEW
    assert queue_actions(lead, review, ids, "open") == {
        mine.pk: QueueAction.VIEW, other.pk: QueueAction.VIEW}
