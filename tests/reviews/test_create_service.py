"""Creating a review (coding.reviews.services.review_create) and who may
(coding.reviews.policies.may_create_review, settings.REVIEW_CREATORS)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError

from coding.models import AuditEvent, Membership, ResolutionMode, Review, Role
from coding.reviews.policies import may_create_review, may_delete_reviews
from coding.reviews.services import review_create, review_delete
from tests import factories


@pytest.fixture
def charlie(db):
    return factories.UserFactory(username="charlie")


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="stella", is_staff=True)


@pytest.fixture
def root(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("setting, expected", [
    ("signed-in", {"anonymous": False, "charlie": True, "stella": True, "root": True,
                   "inactive": False}),
    ("staff", {"anonymous": False, "charlie": False, "stella": True, "root": True,
               "inactive": False}),
])
def test_who_may_create_a_review_follows_review_creators(settings, charlie, staff, root,
                                                         setting, expected):
    settings.REVIEW_CREATORS = setting
    inactive = factories.UserFactory(username="gone", is_active=False)
    people = {"anonymous": AnonymousUser(), "charlie": charlie, "stella": staff, "root": root,
              "inactive": inactive}
    assert {name: may_create_review(user) for name, user in people.items()} == expected


def test_only_superusers_may_delete_reviews_whatever_the_setting(settings, charlie, staff, root):
    for setting in ("signed-in", "staff"):
        settings.REVIEW_CREATORS = setting
        assert [may_delete_reviews(u) for u in (charlie, staff, root)] == [False, False, True]


def test_the_creator_leads_the_new_unpublished_review_and_both_are_audited(charlie):
    review = review_create(slug="school-meals", title="School meals", actor=charlie,
                           description="Free meals", resolution_mode=ResolutionMode.DISCUSSION)
    review.refresh_from_db()
    assert (review.slug, review.title, review.description) == (
        "school-meals", "School meals", "Free meals")
    assert not review.is_published
    assert review.resolution_mode == ResolutionMode.DISCUSSION
    assert list(Membership.objects.filter(review=review).values_list("user__username", "role")) \
        == [("charlie", Role.LEAD)]
    actions = set(AuditEvent.objects.filter(review=review).values_list("action", "actor"))
    assert actions == {("review.create", charlie.pk), ("membership.create", charlie.pk)}


def test_a_taken_slug_is_refused_naming_the_field_and_nothing_is_stored(charlie):
    factories.ReviewFactory(slug="taken", is_published=False)
    with pytest.raises(ValidationError) as refused:
        review_create(slug="taken", title="Mine", actor=charlie)
    assert list(refused.value.message_dict) == ["slug"]
    assert "“taken” is taken" in refused.value.message_dict["slug"][0]
    assert Review.objects.count() == 1
    assert not Membership.objects.exists() and not AuditEvent.objects.exists()


@pytest.mark.parametrize("fields, field", [
    ({"slug": "has spaces", "title": "T"}, "slug"),
    ({"slug": "", "title": "T"}, "slug"),
    ({"slug": "x" * 51, "title": "T"}, "slug"),
    ({"slug": "ok", "title": "   "}, "title"),
    ({"slug": "ok", "title": "x" * 301}, "title"),
    ({"slug": "ok", "title": "Bell\x07"}, "title"),
    ({"slug": "ok", "title": "T", "resolution_mode": "vote"}, "resolution_mode"),
])
def test_a_bad_field_is_refused_by_name(charlie, fields, field):
    with pytest.raises(ValidationError) as refused:
        review_create(actor=charlie, **fields)
    assert field in refused.value.message_dict
    assert not Review.objects.exists()


def test_a_refused_account_creates_nothing(settings, charlie):
    settings.REVIEW_CREATORS = "staff"
    with pytest.raises(ValidationError) as refused:
        review_create(slug="mine", title="Mine", actor=charlie)
    assert refused.value.code == "role"
    assert not Review.objects.exists()


def test_deleting_stays_superuser_only(charlie, root):
    review = review_create(slug="mine", title="Mine", actor=charlie)
    with pytest.raises(ValidationError):
        review_delete(review=review, actor=charlie)
    review_delete(review=review, actor=root)
    assert not Review.objects.exists()


def test_a_slug_taken_at_the_same_moment_is_the_same_field_error(charlie, monkeypatch):
    """Two people press Create with one slug at once: the check passes for both, the
    database refuses the second, and that one is told the slug is taken (not a 500)."""
    from coding.reviews import services

    check = services._review_new

    def raced(**fields):
        review = check(**fields)
        factories.ReviewFactory(slug=fields["slug"])  # the other person's, committed first
        return review

    monkeypatch.setattr(services, "_review_new", raced)
    with pytest.raises(ValidationError) as refused:
        review_create(slug="both", title="Mine", actor=charlie)
    assert "“both” is taken" in refused.value.message_dict["slug"][0]
    # (here the other review went in inside the refused transaction, so it went too)
    assert not Review.objects.exists() and not Membership.objects.exists()


def test_a_superuser_who_lists_themselves_as_lead_in_the_admin_form_leads_once(admin_client,
                                                                               admin_user):
    response = admin_client.post("/admin/coding/review/add/", {
        "title": "New review", "slug": "new", "description": "",
        "resolution_mode": "adjudicator", "memberships-TOTAL_FORMS": "1",
        "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000", "memberships-0-user": admin_user.pk,
        "memberships-0-role": "lead"})
    assert response.status_code == 302
    assert list(Membership.objects.values_list("user", "role")) == [(admin_user.pk, Role.LEAD)]


def test_review_setup_counts_what_a_new_review_has_in_one_query(charlie,
                                                               django_assert_num_queries):
    from coding.reviews.selectors import review_setup

    review = review_create(slug="mine", title="Mine", actor=charlie)
    with django_assert_num_queries(1):
        assert review_setup(review) == {"codebook": False, "cases": 0, "documents": 0,
                                        "coders": 0}
    factories.codebook_for(review)
    for number in ("1", "2"):
        factories.CaseFactory(review=review, number=number)
    factories.MembershipFactory(review=review, role=Role.CODER)
    factories.MembershipFactory(review=review, user=charlie, role=Role.CODER)
    other = factories.ReviewFactory(slug="other")
    factories.CaseFactory(review=other, number="1")
    assert review_setup(review) == {"codebook": True, "cases": 2, "documents": 0, "coders": 2}
