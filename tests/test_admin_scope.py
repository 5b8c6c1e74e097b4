"""The admin, for a review lead who is staff but not a superuser: their own reviews only,
and a coding only once it is submitted (blind coding holds in the admin too)."""

import pytest
from django.utils import timezone

from coding.models import AuditEvent, Membership, Role
from tests import factories


@pytest.fixture
def staff_lead(lead):
    lead.is_staff = True
    lead.save()
    return lead


@pytest.fixture
def other_review(db):
    other = factories.ReviewFactory(slug="other", title="Someone else's review", is_published=False)
    factories.codebook_for(other)
    return other


def test_lead_sees_only_the_cases_of_reviews_they_lead(client, review, other_review, staff_lead):
    mine = factories.CaseFactory(review=review, title="My own case")
    theirs = factories.CaseFactory(review=other_review, title="Their secret case")
    client.force_login(staff_lead)

    listing = client.get("/admin/coding/case/")

    assert listing.status_code == 200
    assert b"My own case" in listing.content
    assert b"Their secret case" not in listing.content
    assert b"Someone else" not in listing.content  # not even in the review filter
    assert client.get(f"/admin/coding/case/{mine.pk}/change/").status_code == 200
    assert client.get(f"/admin/coding/case/{theirs.pk}/change/").status_code == 302


def test_lead_sees_a_coding_in_the_admin_only_once_submitted(client, review, staff_lead, coder_a):
    case = factories.CaseFactory(review=review)
    coding = factories.CodingFactory(case=case, coder=coder_a)
    client.force_login(staff_lead)

    assert b"alice" not in client.get("/admin/coding/coding/").content
    assert client.get(f"/admin/coding/coding/{coding.pk}/change/").status_code == 302

    coding.status, coding.submitted_at = "submitted", timezone.now()
    coding.save()
    assert b"alice" in client.get("/admin/coding/coding/").content
    assert client.get(f"/admin/coding/coding/{coding.pk}/change/").status_code == 200


def test_lead_adds_a_member_to_their_review_only_and_it_is_audited(
    client, review, other_review, staff_lead, outsider
):
    client.force_login(staff_lead)
    form = client.get("/admin/coding/membership/add/").content.decode()
    assert review.title in form and other_review.title not in form

    response = client.post("/admin/coding/membership/add/", {
        "review": review.pk, "user": outsider.pk, "role": Role.CODER,
    })
    assert response.status_code == 302
    assert Membership.objects.filter(review=review, user=outsider, role=Role.CODER).exists()
    assert AuditEvent.objects.filter(action="membership.create", review=review).exists()

    refused = client.post("/admin/coding/membership/add/", {
        "review": other_review.pk, "user": outsider.pk, "role": Role.CODER,
    })
    assert refused.status_code == 200  # the form names the invalid choice
    assert not Membership.objects.filter(review=other_review).exists()


def test_staff_without_a_lead_role_gets_nothing(client, review, coder_a):
    coder_a.is_staff = True
    coder_a.save()
    client.force_login(coder_a)
    assert client.get("/admin/coding/case/").status_code == 403
    assert client.get("/admin/coding/coding/").status_code == 403


def test_nobody_deletes_audit_events(admin_client, review, staff_lead):
    event = AuditEvent.objects.create(review=review, action="x", object_type="y")
    assert admin_client.get(f"/admin/coding/auditevent/{event.pk}/delete/").status_code == 403
