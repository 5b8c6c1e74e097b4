"""Who may open what: an access matrix for every coding URL, and the blind-coding rule.

Alice (coder A) and Bob (coder B) are both assigned to `shared`; `alices` is assigned to
Alice and Carol only. Ada adjudicates, Lena leads, Charlie is outside the review.
"""

import re

import pytest
from django.http import HttpRequest  # django-axes wants the request
from django.urls import reverse

from coding.assignments.services import assignment_set
from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import Coding, Role
from tests import factories
from tests.conftest import PASSWORD, _member

ACTORS = ["anonymous", "charlie", "alice", "bob", "ada", "lena"]
SECRET = "ALICE-PRIVATE-EVIDENCE"
ALICE_VALUES = {
    "level": {"value": "national", "evidence": SECRET},
    "roles": {"value": ["assessor"]},
    "topic": {"value": "ALICE-PRIVATE-TOPIC"},
}


@pytest.fixture
def world(review, coder_a, coder_b, adjudicator, lead, outsider):
    carol = _member(review, "carol", Role.CODER)
    shared, alices = factories.CaseFactory.create_batch(2, review=review)
    assignment_set(case=shared, coders=[coder_a, coder_b], assigned_by=lead)
    assignment_set(case=alices, coders=[coder_a, carol], assigned_by=lead)
    return {"review": review, "shared": shared, "alices": alices, "alice": coder_a,
            "bob": coder_b}


def _code(case, user, values, submit=True) -> Coding:
    coding = coding_start(case=case, user=user)
    coding = coding_save_draft(coding=coding, values=values, expected_version=coding.version,
                               user=user)
    if submit:
        coding = coding_submit(coding=coding, expected_version=coding.version, user=user)
    return coding


def _status(client, actor, method, url, data=None):
    client.logout()
    if actor != "anonymous":
        assert client.login(request=HttpRequest(), username=actor, password=PASSWORD)
    response = getattr(client, method)(url, data or {})
    return response.status_code


def _matrix(client, method, url, data=None):
    return {actor: _status(client, actor, method, url, data) for actor in ACTORS}


def _form_data(version):
    return {"version": version, "level": "local", "roles": ["deliverer"]}


def test_queue_access(client, world):
    url = reverse("coding:queue", args=[world["review"].slug])
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 200, "bob": 200, "ada": 404, "lena": 404,
    }


def test_coding_form_access_shared_case(client, world):
    url = reverse("coding:coding_form", args=[world["review"].slug, world["shared"].number])
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 200, "bob": 200, "ada": 404, "lena": 404,
    }


def test_coding_form_access_case_not_assigned_to_bob(client, world):
    url = reverse("coding:coding_form", args=[world["review"].slug, world["alices"].number])
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 200, "bob": 404, "ada": 404, "lena": 404,
    }


def test_save_endpoint_access(client, world):
    url = reverse("coding:coding_save", args=[world["review"].slug, world["alices"].number])
    # Each allowed save starts from the version it finds, so only Alice's succeeds.
    statuses = {}
    for actor in ACTORS:
        version = Coding.objects.filter(case=world["alices"], coder__username=actor).first()
        data = _form_data(version.version if version else 0)
        statuses[actor] = _status(client, actor, "post", url, data)
    assert statuses == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 404, "ada": 404, "lena": 404,
    }
    assert list(Coding.objects.values_list("coder__username", flat=True)) == ["alice"]
    assert _status(client, "alice", "get", url) == 302  # to the coding page


def test_coding_page_post_access(client, world):
    url = reverse("coding:coding_form", args=[world["review"].slug, world["alices"].number])
    assert _matrix(client, "post", url, {**_form_data(0), "action": "save"}) == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 404, "ada": 404, "lena": 404,
    }
    assert list(Coding.objects.values_list("coder__username", flat=True)) == ["alice"]


def test_submit_endpoint_access(client, world):
    url = reverse("coding:coding_submit", args=[world["review"].slug, world["alices"].number])
    assert _matrix(client, "post", url, _form_data(0)) == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 404, "ada": 404, "lena": 404,
    }
    assert Coding.objects.get().is_submitted


def test_progress_and_assignment_access_for_leads_only(client, world):
    slug = world["review"].slug
    assert _matrix(client, "get", reverse("coding:progress", args=[slug])) == {
        "anonymous": 302, "charlie": 404, "alice": 404, "bob": 404, "ada": 404, "lena": 200,
    }
    assert _matrix(client, "post", reverse("coding:assign_auto", args=[slug])) == {
        "anonymous": 302, "charlie": 404, "alice": 404, "bob": 404, "ada": 404, "lena": 302,
    }
    data = {"case": world["shared"].number, "coder_1": "alice", "coder_2": "bob"}
    assert _matrix(client, "post", reverse("coding:assign_case", args=[slug]), data) == {
        "anonymous": 302, "charlie": 404, "alice": 404, "bob": 404, "ada": 404, "lena": 302,
    }


def test_reopen_access_for_leads_only(client, world):
    coding = _code(world["shared"], world["alice"], ALICE_VALUES)
    url = reverse("coding:coding_reopen", args=[world["review"].slug, coding.pk])
    assert _matrix(client, "post", url) == {
        "anonymous": 302, "charlie": 404, "alice": 404, "bob": 404, "ada": 404, "lena": 302,
    }
    coding.refresh_from_db()
    assert not coding.is_submitted


def test_coder_b_asks_for_coder_as_coding_by_url_before_and_after_both_submit(client, world):
    slug = world["review"].slug
    draft = _code(world["shared"], world["alice"], ALICE_VALUES, submit=False)
    url = reverse("coding:coding_detail", args=[slug, draft.pk])
    # A draft: only its coder (redirected to her own form).
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 404, "ada": 404, "lena": 404,
    }
    coding_submit(coding=draft, expected_version=draft.version, user=world["alice"])
    # Submitted by Alice, Bob still coding: leads and adjudicators see it, Bob does not.
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 404, "ada": 200, "lena": 200,
    }
    _code(world["shared"], world["bob"], {"level": {"value": "local"},
                                          "roles": {"value": ["deliverer"]}})
    assert _matrix(client, "get", url) == {
        "anonymous": 302, "charlie": 404, "alice": 302, "bob": 200, "ada": 200, "lena": 200,
    }
    client.login(request=HttpRequest(), username="bob", password=PASSWORD)
    assert SECRET in client.get(url).content.decode()


def _without_tokens(html: str) -> str:
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)
    html = re.sub(r'nonce="[^"]+"', "", html)
    return re.sub(r'"csrfToken":\s*"[^"]+"', "", html)


def test_bob_sees_nothing_of_alices_coding_until_he_submits(client, world):
    slug, shared = world["review"].slug, world["shared"]
    pages = [reverse("coding:queue", args=[slug]),
             reverse("coding:coding_form", args=[slug, shared.number])]
    client.login(request=HttpRequest(), username="bob", password=PASSWORD)
    before = [_without_tokens(client.get(p).content.decode()) for p in pages]
    _code(shared, world["alice"], ALICE_VALUES)
    after = [_without_tokens(client.get(p).content.decode()) for p in pages]
    # Bob's pages are byte for byte the same whether or not Alice has coded the case.
    assert before == after
    assert all(SECRET not in page and "ALICE-PRIVATE-TOPIC" not in page for page in after)


def test_lead_and_adjudicator_see_submitted_values_not_drafts(client, world):
    slug = world["review"].slug
    draft = _code(world["shared"], world["alice"], ALICE_VALUES, submit=False)
    client.login(request=HttpRequest(), username="lena", password=PASSWORD)
    progress = client.get(reverse("coding:progress", args=[slug])).content.decode()
    assert SECRET not in progress
    assert reverse("coding:coding_detail", args=[slug, draft.pk]) not in progress
    coding_submit(coding=draft, expected_version=draft.version, user=world["alice"])
    progress = client.get(reverse("coding:progress", args=[slug])).content.decode()
    detail = reverse("coding:coding_detail", args=[slug, draft.pk])
    assert detail in progress
    page = client.get(detail).content.decode()
    assert SECRET in page and "Reopen for the coder" in page
    client.login(request=HttpRequest(), username="ada", password=PASSWORD)
    page = client.get(detail).content.decode()
    assert SECRET in page and "Reopen for the coder" not in page
