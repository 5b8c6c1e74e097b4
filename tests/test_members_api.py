"""GET/POST/PATCH/DELETE /api/reviews/<slug>/members/ and the invitations endpoints."""

import pytest
from django.core import mail
from rest_framework.test import APIClient

from coding.models import AuditEvent, Invitation, Membership

URL = "/api/reviews/demo/members/"


@pytest.fixture
def api():
    return APIClient()


@pytest.mark.parametrize(
    "actor, expected",
    [("anonymous", 404), ("outsider", 404), ("coder_a", 403), ("adjudicator", 403),
     ("lead", 200)],
)
def test_members_api_access(api, request, review, actor, expected):
    for fixture in ("coder_a", "adjudicator", "lead", "outsider"):
        request.getfixturevalue(fixture)
    if actor != "anonymous":
        api.force_authenticate(request.getfixturevalue(actor))
    assert api.get(URL).status_code == expected
    response = api.post(URL, {"user": "x@example.org", "roles": ["coder"]}, format="json")
    assert response.status_code == (201 if actor == "lead" else expected)
    assert Invitation.objects.exists() == (actor == "lead")


def test_lead_lists_adds_changes_and_removes_members(api, review, lead, coder_a, outsider):
    api.force_authenticate(lead)
    rows = api.get(URL).json()
    assert [(r["username"], r["roles"]) for r in rows] == [("alice", ["coder"]),
                                                            ("lena", ["lead"])]
    assert rows[0]["progress"] == {"assigned": 0, "draft": 0, "submitted": 0}

    added = api.post(URL, {"user": "charlie", "roles": ["coder"]}, format="json")
    assert added.status_code == 201
    assert added.json()["kind"] == "member" and added.json()["member"]["roles"] == ["coder"]

    changed = api.patch(URL, {"user": "charlie", "roles": ["adjudicator", "coder"]},
                        format="json")
    assert changed.status_code == 200 and changed.json()["roles"] == ["coder", "adjudicator"]

    assert api.delete(URL + "?user=charlie").status_code == 204
    assert not Membership.objects.filter(user=outsider).exists()
    assert api.delete(URL + "?user=charlie").status_code == 404
    assert AuditEvent.objects.filter(action="membership.delete", actor=lead).count() == 2


def test_refusals_have_clear_messages(api, review, lead, coder_a):
    api.force_authenticate(lead)
    response = api.delete(URL + "?user=lena")
    assert response.status_code == 400
    assert "only lead" in response.json()["detail"]
    response = api.post(URL, {"user": "alice", "roles": ["coder"]}, format="json")
    assert response.status_code == 400 and "already a member" in response.json()["detail"]
    response = api.post(URL, {"user": "x@example.org", "roles": ["boss"]}, format="json")
    assert response.status_code == 400 and "roles" in response.json()["fields"]


def test_invitations_are_listed_and_withdrawn(api, review, lead):
    api.force_authenticate(lead)
    response = api.post(URL, {"user": "Nina@Example.org", "roles": ["coder"]}, format="json")
    assert response.status_code == 201
    invitation = response.json()["invitation"]
    assert response.json()["kind"] == "invitation" and invitation["email"] == "nina@example.org"
    assert len(mail.outbox) == 1 and "/invitations/" in mail.outbox[0].body
    listed = api.get(URL + "invitations/").json()
    assert [i["id"] for i in listed] == [invitation["id"]]
    assert api.delete(f"{URL}invitations/{invitation['id']}/").status_code == 204
    assert api.get(URL + "invitations/").json() == []
    assert api.delete(f"{URL}invitations/{invitation['id']}/").status_code == 404
