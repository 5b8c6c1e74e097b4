"""The /account/tokens/ page: a signed-in user creates, replaces and revokes their API token."""

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token


@pytest.mark.parametrize(
    "actor, expected",
    [("anonymous", 302), ("outsider", 200), ("coder_a", 200), ("coder_b", 200),
     ("adjudicator", 200), ("lead", 200)],
)
def test_tokens_page_access(client, request, review, actor, expected):
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("coding:tokens"))
    assert response.status_code == expected
    if expected == 302:
        assert response.url.startswith(reverse("login"))


def test_user_creates_a_token_that_authenticates_api_calls(client, coder_a, review):
    client.force_login(coder_a)
    response = client.post(reverse("coding:token_create"))
    assert response.status_code == 302
    token = Token.objects.get(user=coder_a)
    assert token.key in client.get(reverse("coding:tokens")).content.decode()

    client.logout()
    api = client.get(f"/api/reviews/{review.slug}/", HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.status_code == 200
    assert api.json()["roles"] == ["coder"]


def test_creating_again_replaces_the_old_token(client, coder_a, review):
    client.force_login(coder_a)
    client.post(reverse("coding:token_create"))
    old = Token.objects.get(user=coder_a).key
    client.post(reverse("coding:token_create"))
    new = Token.objects.get(user=coder_a).key
    assert new != old
    client.logout()
    refused = client.get("/api/reviews/", HTTP_AUTHORIZATION=f"Token {old}")
    assert refused.status_code == 401


def test_revoked_token_is_refused(client, coder_a, review):
    client.force_login(coder_a)
    client.post(reverse("coding:token_create"))
    key = Token.objects.get(user=coder_a).key
    response = client.post(reverse("coding:token_revoke"), follow=True)
    assert "Token revoked" in response.content.decode()
    assert not Token.objects.filter(user=coder_a).exists()
    client.logout()
    assert client.get("/api/reviews/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401


def test_revoking_without_a_token_says_so(client, coder_a):
    client.force_login(coder_a)
    response = client.post(reverse("coding:token_revoke"), follow=True)
    assert "You had no token to revoke" in response.content.decode()


def test_token_changes_need_post_and_a_signed_in_user(client, coder_a):
    assert client.post(reverse("coding:token_create")).status_code == 302  # to sign-in
    assert not Token.objects.exists()
    client.force_login(coder_a)
    # Opening a form's target changes nothing; it leads to the tokens page.
    for name in ("coding:token_create", "coding:token_revoke"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response.url == reverse("coding:tokens")
    assert not Token.objects.exists()


def test_one_users_token_page_never_shows_another_users_token(client, coder_a, coder_b):
    other = Token.objects.create(user=coder_b)
    client.force_login(coder_a)
    html = client.get(reverse("coding:tokens")).content.decode()
    assert other.key not in html
    assert "You have no token" in html
