"""The REST API: access matrix for every endpoint and the blind-coding probes.

Actors as in conftest: anonymous, outsider (Charlie), coder_a (Alice), coder_b (Bob),
adjudicator (Ada), lead (Lena). API calls use real tokens (Authorization: Token ...).
"""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import Assignment, Review
from tests import factories

ACTORS = ["anonymous", "outsider", "coder_a", "coder_b", "adjudicator", "lead"]


@pytest.fixture
def world(review, coder_a, coder_b, adjudicator, lead, outsider):
    """The demo review (unpublished) with cases 1 and 2, both coded by Alice and Bob."""
    for number in ("1", "2"):
        case = factories.CaseFactory(review=review, number=number)
        Assignment.objects.create(case=case, coder=coder_a)
        Assignment.objects.create(case=case, coder=coder_b)
    return review


@pytest.fixture
def api(request, world):
    """api("coder_a") -> an APIClient authenticated with coder_a's token."""

    def make(actor: str) -> APIClient:
        client = APIClient()
        if actor != "anonymous":
            user = request.getfixturevalue(actor)
            token, _ = Token.objects.get_or_create(user=user)
            client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
        return client

    return make


def _expect(api, method, url, expected: dict, data=None):
    got = {}
    for actor in ACTORS:
        client = api(actor)
        response = getattr(client, method)(url, data, format="json")
        got[actor] = response.status_code
    assert got == expected


def _matrix(*codes) -> dict:
    return dict(zip(ACTORS, codes, strict=True))


MEMBERS_READ = ["", "codebook/", "cases/", "cases/1/", "consensus/", "dashboard/"]


@pytest.mark.parametrize("path", MEMBERS_READ)
def test_unpublished_review_data_is_for_members_only(api, path):
    _expect(api, "get", f"/api/reviews/demo/{path}", _matrix(404, 404, 200, 200, 200, 200))


@pytest.mark.parametrize("path", MEMBERS_READ)
def test_published_review_data_is_public(api, world, path):
    Review.objects.filter(pk=world.pk).update(is_published=True)
    _expect(api, "get", f"/api/reviews/demo/{path}", _matrix(200, 200, 200, 200, 200, 200))


ROLE_ENDPOINTS = [
    # path, unpublished matrix, published matrix
    ("codings/", (404, 404, 200, 200, 403, 403), (401, 403, 200, 200, 403, 403)),
    ("codings/1/", (404, 404, 200, 200, 403, 403), (401, 403, 200, 200, 403, 403)),
    ("assignments/", (404, 404, 403, 403, 403, 200), (401, 403, 403, 403, 403, 200)),
    ("disagreements/", (404, 404, 403, 403, 200, 200), (401, 403, 403, 403, 200, 200)),
    ("reliability/", (404, 404, 403, 403, 403, 200), (401, 403, 403, 403, 403, 200)),
]


@pytest.mark.parametrize("path, unpublished, published", ROLE_ENDPOINTS)
def test_role_endpoints_access(api, world, path, unpublished, published):
    factories.reliability_computed(world)  # else reliability/ answers 202: not computed yet
    url = f"/api/reviews/demo/{path}"
    _expect(api, "get", url, _matrix(*unpublished))
    Review.objects.filter(pk=world.pk).update(is_published=True)
    _expect(api, "get", url, _matrix(*published))


def test_review_list_shows_published_and_own_reviews(api, world):
    public = factories.ReviewFactory(slug="public", title="Public review", is_published=True)
    factories.ReviewFactory(slug="hidden", title="Hidden review", is_published=False)
    seen = {
        actor: [r["slug"] for r in api(actor).get("/api/reviews/").json()] for actor in ACTORS
    }
    assert seen["anonymous"] == seen["outsider"] == [public.slug]
    assert seen["coder_a"] == seen["lead"] == ["demo", "public"]
    roles = {r["slug"]: r["roles"] for r in api("lead").get("/api/reviews/").json()}
    assert roles == {"demo": ["lead"], "public": []}


def test_anonymous_is_told_to_send_a_token(api, world):
    Review.objects.filter(pk=world.pk).update(is_published=True)
    response = api("anonymous").get("/api/reviews/demo/codings/")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Token"
    assert response.json()["detail"]


def test_unknown_review_and_case_are_404(api):
    assert api("lead").get("/api/reviews/nope/cases/").status_code == 404
    assert api("lead").get("/api/reviews/demo/cases/99/").status_code == 404


def test_write_endpoints_access(api, world):
    Review.objects.filter(pk=world.pk).update(is_published=True)
    draft = {"version": 0, "values": [{"attribute": "level", "value": "local"}]}
    got = {a: api(a).put("/api/reviews/demo/codings/1/", draft, format="json").status_code
           for a in ACTORS}
    assert got == _matrix(401, 403, 200, 200, 403, 403)

    got = {a: api(a).post("/api/reviews/demo/codings/1/submit/", {"version": 1},
                          format="json").status_code for a in ACTORS}
    # Alice's and Bob's drafts lack the required "roles": refused with 400, not submitted.
    assert got == _matrix(401, 403, 400, 400, 403, 403)

    assign = {"coders": ["alice", "bob"]}
    got = {a: api(a).post("/api/reviews/demo/assignments/", assign, format="json").status_code
           for a in ACTORS}
    assert got == _matrix(401, 403, 403, 403, 403, 201)


def test_coder_cannot_open_a_case_not_assigned_to_them(api, world, coder_a):
    factories.CaseFactory(review=world, number="3")
    factories.AssignmentFactory(case__review=world, case__number="4", coder=coder_a)
    client = api("coder_b")
    assert client.get("/api/reviews/demo/codings/3/").status_code == 404
    assert client.get("/api/reviews/demo/codings/4/").status_code == 404
    draft = {"version": 0, "values": [{"attribute": "level", "value": "local"}]}
    assert client.put("/api/reviews/demo/codings/4/", draft, format="json").status_code == 404


# --------------------------------------------------------------------------- blind coding


def _bobs_view(client) -> dict:
    """Everything Bob can read through the API, by URL."""
    urls = [
        "/api/reviews/", "/api/reviews/demo/", "/api/reviews/demo/codebook/",
        "/api/reviews/demo/cases/", "/api/reviews/demo/cases/?level=local",
        "/api/reviews/demo/cases/?roles=deliverer", "/api/reviews/demo/cases/?agreement=yes",
        "/api/reviews/demo/cases/1/", "/api/reviews/demo/consensus/",
        "/api/reviews/demo/consensus/?case=1", "/api/reviews/demo/consensus/?attribute=level",
        "/api/reviews/demo/dashboard/", "/api/reviews/demo/dashboard/?level=local",
        "/api/reviews/demo/codings/", "/api/reviews/demo/codings/?state=submitted",
        "/api/reviews/demo/codings/?state=not_started", "/api/reviews/demo/codings/1/",
        "/api/reviews/demo/disagreements/", "/api/reviews/demo/disagreements/?case=1",
        "/api/reviews/demo/reliability/", "/api/reviews/demo/assignments/",
    ]
    return {url: (r.status_code, r.content) for url in urls for r in [client.get(url)]}


ALICE_CODING = [
    {"attribute": "level", "value": "local", "evidence": "quote-from-alice",
     "note": "note-by-alice"},
    {"attribute": "roles", "value": ["deliverer"]},
    {"attribute": "topic", "value": "Community transport"},
    {"attribute": "budget", "value": 1200},
    {"attribute": "agreement", "value": True},
]


def test_coder_b_learns_nothing_of_coder_a_coding_before_both_submit(api, world):
    bob = api("coder_b")
    before = _bobs_view(bob)
    alice = api("coder_a")
    saved = alice.put("/api/reviews/demo/codings/1/", {"version": 0, "values": ALICE_CODING},
                      format="json")
    assert saved.status_code == 200
    submitted = alice.post("/api/reviews/demo/codings/1/submit/",
                           {"version": saved.json()["version"]}, format="json")
    assert submitted.status_code == 200
    assert submitted.json()["status"] == "submitted"

    after = _bobs_view(bob)
    changed = [url for url in before if before[url] != after[url]]
    assert changed == []
    body = b"".join(content for _, content in after.values())
    for secret in (b"quote-from-alice", b"note-by-alice", b"Community transport", b"1200",
                   b"alice"):
        assert secret not in body


def test_adjudicators_and_leads_see_nothing_before_both_submit(api, world):
    alice = api("coder_a")
    saved = alice.put("/api/reviews/demo/codings/1/", {"version": 0, "values": ALICE_CODING},
                      format="json").json()
    alice.post("/api/reviews/demo/codings/1/submit/", {"version": saved["version"]},
               format="json")
    for actor in ("adjudicator", "lead"):
        assert api(actor).get("/api/reviews/demo/disagreements/").json()["count"] == 0
        assert api(actor).get("/api/reviews/demo/consensus/").json()["count"] == 0


def _code_and_submit(client, number, values):
    saved = client.put(f"/api/reviews/demo/codings/{number}/", {"version": 0, "values": values},
                       format="json")
    assert saved.status_code == 200, saved.json()
    submitted = client.post(f"/api/reviews/demo/codings/{number}/submit/",
                            {"version": saved.json()["version"]}, format="json")
    assert submitted.status_code == 200, submitted.json()


BOB_CODING = [
    {"attribute": "level", "value": "local", "evidence": "a local scheme"},
    {"attribute": "roles", "value": ["deliverer", "assessor"]},
    {"attribute": "budget", "value": 900},
    {"attribute": "agreement", "value": True},
]


def test_after_both_submit_disagreements_appear_and_consensus_once_decided(api, world):
    _code_and_submit(api("coder_a"), "1", ALICE_CODING)
    _code_and_submit(api("coder_b"), "1", BOB_CODING)

    # Two disagreements are open: the case's consensus is not complete, so none of it shows.
    assert api("coder_b").get("/api/reviews/demo/consensus/?case=1").json()["results"] == []
    assert api("coder_b").get("/api/reviews/demo/cases/?level=local").json()["count"] == 0
    case = api("coder_b").get("/api/reviews/demo/cases/1/").json()
    assert case["consensus_complete"] is False and case["consensus"] == []

    rows = api("adjudicator").get("/api/reviews/demo/disagreements/").json()["results"]
    by_key = {row["attribute"]: row for row in rows}
    assert set(by_key) == {"roles", "budget"}
    assert by_key["roles"]["a"]["value"] == ["deliverer"]
    assert by_key["roles"]["b"]["value"] == ["assessor", "deliverer"]
    assert by_key["roles"]["only_b"] == ["assessor"]
    assert by_key["budget"]["a"]["coder"] == "alice"
    # Coders still cannot read the disagreements (and so the other's values) through the API.
    assert api("coder_b").get("/api/reviews/demo/disagreements/").status_code == 403

    for row in rows:
        decided = api("adjudicator").post(
            f"/api/reviews/demo/disagreements/{row['id']}/resolve/",
            {"choice": "a", "rationale": "A quotes the report.", "version": 0}, format="json")
        assert decided.status_code == 200, decided.json()
    consensus = api("coder_b").get("/api/reviews/demo/consensus/?case=1").json()
    assert {v["attribute"]: v["value"] for v in consensus["results"]} == {
        "level": "local", "agreement": True, "roles": ["deliverer"], "budget": 1200,
    }
    assert api("coder_b").get("/api/reviews/demo/cases/?level=local").json()["count"] == 1


def test_an_adjudicator_who_coded_a_case_sees_its_disagreements_but_may_not_decide(
    api, world, adjudicator, coder_a, coder_b
):
    from coding.models import Membership, Role

    Membership.objects.create(review=world, user=adjudicator, role=Role.CODER)
    case = factories.CaseFactory(review=world, number="5")
    Assignment.objects.create(case=case, coder=coder_a)
    Assignment.objects.create(case=case, coder=adjudicator)
    _code_and_submit(api("coder_a"), "5", ALICE_CODING)
    _code_and_submit(api("adjudicator"), "5", BOB_CODING)
    _code_and_submit(api("coder_a"), "1", ALICE_CODING)
    _code_and_submit(api("coder_b"), "1", BOB_CODING)

    rows = api("adjudicator").get("/api/reviews/demo/disagreements/").json()["results"]
    assert {(row["case"], row["may_decide"]) for row in rows} == {("1", True), ("5", False)}
    own = next(row for row in rows if row["case"] == "5")
    refused = api("adjudicator").post(
        f"/api/reviews/demo/disagreements/{own['id']}/resolve/",
        {"choice": "a", "rationale": "r", "version": 0}, format="json")
    assert refused.status_code == 403
    lead_cases = {row["case"] for row in
                  api("lead").get("/api/reviews/demo/disagreements/").json()["results"]}
    assert lead_cases == {"1", "5"}


def test_disagreement_endpoints_access(api, world):
    _code_and_submit(api("coder_a"), "1", ALICE_CODING)
    _code_and_submit(api("coder_b"), "1", BOB_CODING)
    row = api("lead").get("/api/reviews/demo/disagreements/").json()["results"][0]
    base = f"/api/reviews/demo/disagreements/{row['id']}/"
    _expect(api, "get", base, _matrix(404, 404, 403, 403, 200, 200))
    # A stale version: whoever gets past the permissions meets the conflict, nothing changes.
    stale = {"choice": "a", "rationale": "r", "version": 99}
    _expect(api, "post", base + "resolve/", _matrix(404, 404, 403, 403, 409, 403), stale)
    _expect(api, "post", base + "reopen/", _matrix(404, 404, 403, 403, 400, 400),
            {"reason": "r", "version": 99})
    Review.objects.filter(pk=world.pk).update(is_published=True)
    _expect(api, "get", base, _matrix(401, 403, 403, 403, 200, 200))


@pytest.mark.parametrize("cases", [3, 12])
def test_disagreement_and_coding_lists_cost_fixed_queries(
    api, world, cases, coder_a, coder_b, django_assert_max_num_queries
):
    for number in range(3, cases + 1):
        case = factories.CaseFactory(review=world, number=str(number))
        Assignment.objects.create(case=case, coder=coder_a)
        Assignment.objects.create(case=case, coder=coder_b)
    for number in range(1, cases + 1):
        _code_and_submit(api("coder_a"), str(number), ALICE_CODING)
        _code_and_submit(api("coder_b"), str(number), BOB_CODING)
    ada, alice = api("adjudicator"), api("coder_a")
    with django_assert_max_num_queries(10):
        rows = ada.get("/api/reviews/demo/disagreements/").json()
    assert rows["count"] == 2 * cases
    with django_assert_max_num_queries(8):
        assert alice.get("/api/reviews/demo/codings/").json()["count"] == cases
    with django_assert_max_num_queries(8):
        # Every case has open disagreements, so no case's consensus is complete yet.
        assert alice.get("/api/reviews/demo/consensus/").json()["count"] == 0


def test_a_disagreement_removed_after_it_was_found_answers_404_not_500(api, world,
                                                                       monkeypatch):
    """Two servers: a reopening elsewhere may remove the disagreement between the view's
    lookup and its answer; the answer is the 404 of a missing id, never a 500."""
    from coding.api.views import adjudication as views
    from coding.models import Disagreement

    _code_and_submit(api("coder_a"), "1", ALICE_CODING)
    _code_and_submit(api("coder_b"), "1", BOB_CODING)
    row = api("lead").get("/api/reviews/demo/disagreements/").json()["results"][0]
    found = views.DisagreementActionMixin.disagreement

    def found_then_removed(self):
        disagreement = found(self)
        Disagreement.objects.filter(pk=disagreement.pk).delete()
        return disagreement

    monkeypatch.setattr(views.DisagreementActionMixin, "disagreement", found_then_removed)
    response = api("lead").get(f"/api/reviews/demo/disagreements/{row['id']}/")
    assert response.status_code == 404
