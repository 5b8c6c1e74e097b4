"""The audit log: membership changes in the admin are recorded; leads read the log."""

import pytest
from django.urls import reverse

from coding.audit.services import audit_record
from coding.models import AuditEvent, Membership, Role
from tests import factories


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


def test_adding_a_membership_in_the_admin_is_audited(client, admin_user, review, outsider):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:coding_membership_add"),
        {"review": review.pk, "user": outsider.pk, "role": Role.CODER},
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider)
    event = AuditEvent.objects.get(action="membership.create")
    assert event.review == review
    assert event.actor == admin_user
    assert event.object_id == str(membership.pk)
    assert event.data == {"user": "charlie", "role": "coder"}


def test_changing_and_deleting_a_membership_in_the_admin_is_audited(
    client, admin_user, review, coder_a
):
    membership = Membership.objects.get(user=coder_a)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:coding_membership_change", args=[membership.pk]),
        {"review": review.pk, "user": coder_a.pk, "role": Role.ADJUDICATOR},
    )
    assert response.status_code == 302
    change = AuditEvent.objects.get(action="membership.change")
    assert change.data == {"user": "alice", "role": "adjudicator", "changed": ["role"]}

    response = client.post(
        reverse("admin:coding_membership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    deletion = AuditEvent.objects.get(action="membership.delete")
    assert deletion.object_id == str(membership.pk)
    assert deletion.review == review


def test_bulk_deleting_memberships_in_the_admin_audits_each(
    client, admin_user, review, coder_a, coder_b
):
    ids = list(Membership.objects.values_list("pk", flat=True))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:coding_membership_changelist"),
        {"action": "delete_selected", "_selected_action": ids, "post": "yes"},
    )
    assert response.status_code == 302
    assert Membership.objects.count() == 0
    assert sorted(
        AuditEvent.objects.filter(action="membership.delete").values_list("object_id", flat=True)
    ) == sorted(str(pk) for pk in ids)


def _inline_data(review, rows):
    data = {
        "title": review.title, "slug": review.slug, "description": review.description,
        "is_published": "on" if review.is_published else "",
        "resolution_mode": review.resolution_mode,
        "memberships-TOTAL_FORMS": str(len(rows)),
        "memberships-INITIAL_FORMS": str(sum(1 for row in rows if row.get("id"))),
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    for index, row in enumerate(rows):
        for key, value in row.items():
            data[f"memberships-{index}-{key}"] = value
        data[f"memberships-{index}-review"] = review.pk
    return data


def test_membership_changes_in_the_review_inline_are_audited(
    client, admin_user, review, coder_a, outsider
):
    alice = Membership.objects.get(user=coder_a)
    client.force_login(admin_user)
    rows = [
        {"id": alice.pk, "user": coder_a.pk, "role": Role.CODER, "DELETE": "on"},
        {"id": "", "user": outsider.pk, "role": Role.LEAD},
    ]
    response = client.post(
        reverse("admin:coding_review_change", args=[review.pk]), _inline_data(review, rows)
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert not Membership.objects.filter(pk=alice.pk).exists()
    assert Membership.objects.filter(user=outsider, role=Role.LEAD).exists()
    actions = dict(AuditEvent.objects.values_list("action", "data"))
    assert actions["membership.delete"] == {"user": "alice", "role": "coder"}
    assert actions["membership.create"] == {"user": "charlie", "role": "lead"}


# --------------------------------------------------------------------------- the page


@pytest.mark.parametrize(
    "actor, expected",
    [("anonymous", 302), ("outsider", 404), ("coder_a", 404), ("coder_b", 404),
     ("adjudicator", 404), ("lead", 200)],
)
def test_audit_log_access(client, request, review, actor, expected):
    for fixture in ("coder_a", "coder_b", "adjudicator", "lead", "outsider"):
        request.getfixturevalue(fixture)
    if actor != "anonymous":
        client.force_login(request.getfixturevalue(actor))
    response = client.get(reverse("coding:audit_log", args=[review.slug]))
    assert response.status_code == expected


def test_lead_reads_the_log_newest_first_and_filters_by_action(client, review, lead, coder_a):
    membership = Membership.objects.get(user=coder_a)
    audit_record(actor=lead, action="membership.create", obj=membership, review=review,
                 data={"user": "alice", "role": "coder"})
    audit_record(actor=coder_a, action="coding.submit", obj=membership, review=review,
                 data={"version": 3})
    other = factories.ReviewFactory()
    audit_record(actor=lead, action="coding.secret", obj=membership, review=other)
    client.force_login(lead)

    html = client.get(reverse("coding:audit_log", args=[review.slug])).content.decode()
    assert html.index("coding.submit") < html.index("membership.create")
    assert "coding.secret" not in html
    assert "2 events" in html

    url = reverse("coding:audit_log", args=[review.slug]) + "?action=membership.create"
    html = client.get(url).content.decode()
    assert "1 event " in html
    assert "version: 3" not in html


def test_audit_log_paginates_with_bounded_queries(
    client, review, lead, coder_a, django_assert_max_num_queries
):
    membership = Membership.objects.get(user=coder_a)
    for number in range(120):
        audit_record(actor=lead, action="coding.save_draft", obj=membership, review=review,
                     data={"version": number})
    client.force_login(lead)
    url = reverse("coding:audit_log", args=[review.slug])
    # 8, and the calibration rounds' hidden codings read as a list (coding/audit/policies.py)
    with django_assert_max_num_queries(9):
        response = client.get(url + "?page=3")
    html = response.content.decode()
    assert "Page 3 of 3" in html
    assert "version: 19" in html and "version: 20" not in html


def test_audit_link_is_shown_to_leads_only(client, review, lead, coder_a):
    url = reverse("coding:audit_log", args=[review.slug])
    client.force_login(lead)
    assert f'href="{url}"' in client.get(url).content.decode()


def test_admin_shows_codings_and_consensus_but_cannot_change_them_unaudited(
    client, admin_user, review, coder_a
):
    case = factories.CaseFactory(review=review, number="1")
    coding = factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    consensus = factories.consensus_for(case=case, values={"level": "local"})[0]
    client.force_login(admin_user)
    for name, obj in [("coding", coding), ("consensusvalue", consensus)]:
        assert client.get(reverse(f"admin:coding_{name}_change", args=[obj.pk])).status_code == 200
        assert client.get(reverse(f"admin:coding_{name}_add")).status_code == 403
        response = client.post(reverse(f"admin:coding_{name}_delete", args=[obj.pk]),
                               {"post": "yes"})
        assert response.status_code == 403
    assert client.post(reverse("admin:coding_assignment_add"),
                       {"case": case.pk, "coder": coder_a.pk}).status_code == 403
    coding.refresh_from_db()
    consensus.refresh_from_db()
