"""The New review page, POST /api/reviews/ and the home page's list of one's reviews."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from coding.models import AuditEvent, Membership, Review, Role
from tests import factories


@pytest.fixture
def charlie(db):
    return factories.UserFactory(username="charlie")


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        key = Token.objects.get_or_create(user=user)[0].key
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- the page ---------------------------------------------------------------------------


def test_the_new_lead_lands_on_the_reviews_progress_page_with_its_next_steps(client, charlie):
    client.force_login(charlie)
    response = client.post("/new-review/", {"title": "School meals", "slug": "school-meals",
                                            "description": "", "resolution_mode": "adjudicator"})
    assert response.status_code == 302
    assert response["Location"] == "/reviews/school-meals/progress/"
    review = Review.objects.get(slug="school-meals")
    assert Membership.objects.filter(review=review, user=charlie, role=Role.LEAD).exists()
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "you lead it" in page.text
    assert 'href="/reviews/school-meals/codebook/"' in page.text
    assert 'href="/reviews/school-meals/import/"' in page.text
    assert 'href="/reviews/school-meals/members/"' in page.text


def test_the_page_shows_a_taken_slug_beside_the_field_and_keeps_the_input(client, charlie):
    factories.ReviewFactory(slug="taken")
    client.force_login(charlie)
    response = client.post("/new-review/", {"title": "My title", "slug": "taken",
                                            "resolution_mode": "adjudicator"})
    assert response.status_code == 400
    assert "“taken” is taken by another review" in response.text
    assert 'value="My title"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert Review.objects.count() == 1


def test_an_anonymous_visitor_is_sent_to_sign_in(client, db):
    response = client.get("/new-review/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.post("/new-review/", {"title": "T", "slug": "t", "resolution_mode": "adjudicator"})
    assert not Review.objects.exists()


def test_with_staff_only_creators_the_page_refuses_an_ordinary_account(client, charlie,
                                                                         settings):
    settings.REVIEW_CREATORS = "staff"
    client.force_login(charlie)
    assert client.get("/new-review/").status_code == 403
    response = client.post("/new-review/", {"title": "T", "slug": "t",
                                            "resolution_mode": "adjudicator"})
    assert response.status_code == 403 and "only staff accounts may" in response.text
    assert not Review.objects.exists()


def test_the_home_page_offers_new_review_only_to_those_the_policy_allows(client, charlie,
                                                                          settings):
    assert "/new-review/" not in client.get("/").text
    client.force_login(charlie)
    assert 'href="/new-review/"' in client.get("/").text
    settings.REVIEW_CREATORS = "staff"
    assert "/new-review/" not in client.get("/").text


def test_the_home_page_lists_ones_unpublished_reviews_with_roles_in_bounded_queries(
    client, charlie, django_assert_max_num_queries
):
    for n in range(6):
        review = factories.ReviewFactory(slug=f"mine-{n}", title=f"Mine {n}",
                                         is_published=False)
        factories.MembershipFactory(review=review, user=charlie, role=Role.LEAD)
        factories.MembershipFactory(review=review, user=charlie, role=Role.CODER)
    factories.ReviewFactory(slug="secret", title="Someone else's", is_published=False)
    factories.ReviewFactory(slug="open", title="Open to all", is_published=True)
    client.force_login(charlie)
    with django_assert_max_num_queries(12):
        page = client.get("/").text
    for n in range(6):
        assert f'href="/reviews/mine-{n}/my-cases/">Mine {n}</a>' in page
    assert "Your roles: Coder, Review lead" in page and "Not published" in page
    assert "Open to all" in page and "Someone else" not in page


# --- the API -----------------------------------------------------------------------------


def test_post_reviews_creates_the_review_and_answers_201_with_its_representation(charlie):
    response = _api(charlie).post("/api/reviews/", {"slug": "meals", "title": "Meals"},
                                  format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["slug"] == "meals" and body["title"] == "Meals"
    assert body["is_published"] is False and body["roles"] == ["lead"]
    assert body["resolution_mode"] == "adjudicator"
    assert response["Location"] == body["url"] == "http://testserver/api/reviews/meals/"
    assert AuditEvent.objects.filter(action="review.create", actor=charlie).exists()
    # and the new lead reads it like any review of theirs
    assert _api(charlie).get("/api/reviews/meals/").json()["roles"] == ["lead"]


def test_post_reviews_answers_400_with_the_fields_that_are_wrong(charlie):
    factories.ReviewFactory(slug="taken")
    response = _api(charlie).post("/api/reviews/", {"slug": "taken", "title": "",
                                                    "resolution_mode": "vote"}, format="json")
    assert response.status_code == 400
    fields = response.json()["fields"]
    assert set(fields) == {"slug", "title", "resolution_mode"}
    assert "taken by another review" in fields["slug"][0]
    missing = _api(charlie).post("/api/reviews/", {}, format="json")
    assert missing.status_code == 400 and set(missing.json()["fields"]) == {"slug", "title"}
    assert Review.objects.count() == 1


def test_post_reviews_answers_401_anonymous_and_403_when_the_setting_refuses(charlie, settings):
    assert _api().post("/api/reviews/", {"slug": "a", "title": "A"},
                       format="json").status_code == 401
    settings.REVIEW_CREATORS = "staff"
    response = _api(charlie).post("/api/reviews/", {"slug": "a", "title": "A"}, format="json")
    assert response.status_code == 403 and "REVIEW_CREATORS" in response.json()["detail"]
    assert not Review.objects.exists()


def test_the_schema_documents_creating_a_review(client, db):
    schema = client.get("/api/schema/?format=json").json()
    post = schema["paths"]["/api/reviews/"]["post"]
    assert post["summary"] == "Create a review"
    assert {"201", "400", "403"} <= set(post["responses"])
