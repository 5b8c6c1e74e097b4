"""The admin, for a review lead who is staff but not a superuser: their own reviews only,
and a coding only once it is submitted (blind coding holds in the admin too)."""

import pytest
from django.utils import timezone

from coding.models import (
    Attribute,
    AuditEvent,
    Case,
    Codebook,
    Membership,
    Option,
    Review,
    Role,
    Section,
    ServiceArea,
)
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


# --- the admin writes only through the services (issue 25, item 3) ------------------------

def _review_form(review, **changes):
    data = {"resolution_mode": review.resolution_mode, "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000"}
    if review.is_published:
        data["is_published"] = "on"
    data.update(changes)
    return data


def test_a_staff_lead_publishes_in_the_admin_through_the_service_and_it_is_audited(
    client, review, staff_lead
):
    client.force_login(staff_lead)
    response = client.post(f"/admin/coding/review/{review.pk}/change/",
                           _review_form(review, is_published="on"))
    assert response.status_code == 302
    review.refresh_from_db()
    assert review.is_published
    event = AuditEvent.objects.get(action="review.publish")
    assert event.actor == staff_lead and event.review == review


def test_a_superuser_who_does_not_lead_cannot_publish_in_the_admin(admin_client, review):
    response = admin_client.post(f"/admin/coding/review/{review.pk}/change/",
                                 _review_form(review, is_published="on"))
    assert response.status_code == 200
    assert "Only a lead of this review can publish or withdraw it." in response.text
    review.refresh_from_db()
    assert not review.is_published
    assert not AuditEvent.objects.filter(action="review.publish").exists()


def test_the_admin_does_not_rename_a_review_behind_the_audit_log(client, review, staff_lead):
    client.force_login(staff_lead)
    client.post(f"/admin/coding/review/{review.pk}/change/",
                _review_form(review, title="Renamed", slug="renamed"))
    review.refresh_from_db()
    assert (review.title, review.slug) == ("Demo review", "demo")


def test_a_superuser_creates_and_deletes_a_review_in_the_admin_and_both_are_audited(
    admin_client, db
):
    response = admin_client.post("/admin/coding/review/add/", {
        "title": "New review", "slug": "new", "description": "", "is_published": "on",
        "resolution_mode": "adjudicator", "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302
    review = Review.objects.get(slug="new")
    assert not review.is_published  # its leads publish it
    assert AuditEvent.objects.filter(action="review.create", review=review).exists()
    assert admin_client.post(f"/admin/coding/review/{review.pk}/delete/",
                             {"post": "yes"}).status_code == 302
    assert not Review.objects.filter(slug="new").exists()
    assert AuditEvent.objects.get(action="review.delete").data["slug"] == "new"


@pytest.mark.parametrize("model", ["case", "codebook", "section", "attribute", "option",
                                   "servicearea"])
def test_the_admin_shows_cases_and_codebooks_but_changes_them_only_by_import(
    admin_client, review, model
):
    factories.CaseFactory(review=review)
    obj = {"case": Case, "codebook": Codebook, "section": Section, "attribute": Attribute,
           "option": Option, "servicearea": ServiceArea}[model].objects.first()
    assert admin_client.get(f"/admin/coding/{model}/{obj.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/coding/{model}/add/").status_code == 403
    assert admin_client.post(f"/admin/coding/{model}/{obj.pk}/delete/",
                             {"post": "yes"}).status_code == 403
    assert type(obj).objects.filter(pk=obj.pk).exists()
