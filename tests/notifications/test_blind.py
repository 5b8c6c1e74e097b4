"""Blind coding holds in notifications: nothing a coder is told, on the page, in the API or
in the digest, changes when the other coder of a case they are blind on acts."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from coding.codings.services import coding_save_draft, coding_start, coding_submit
from coding.models import Notification, Role
from coding.notifications.services import notification_digests_send, notification_settings_set
from tests import factories

VALUES = {"level": {"value": "local"}, "roles": {"value": ["deliverer"]},
          "budget": {"value": 10}, "agreement": {"value": True}}


def _submit(case, user, values=VALUES):
    coding = coding_start(case=case, user=user)
    coding = coding_save_draft(coding=coding, values=values, expected_version=0, user=user)
    return coding_submit(coding=coding, expected_version=coding.version, user=user)


@pytest.fixture
def alice_also_adjudicates(review, coder_a, coder_b, adjudicator, settings):
    """Alice codes case 1 with Bob and is an adjudicator of the review too."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    factories.MembershipFactory(review=review, user=coder_a, role=Role.ADJUDICATOR)
    coder_a.email = "alice@example.org"
    coder_a.save()
    notification_settings_set(user=coder_a, daily_digest=True)
    case = factories.CaseFactory(review=review, number="1")
    factories.AssignmentFactory(case=case, coder=coder_a)
    factories.AssignmentFactory(case=case, coder=coder_b)
    return case


def _seen_by(client, user):
    client.force_login(user)
    page = client.get(reverse("coding:notifications")).content.decode()
    page = page[page.index("<main"):page.index("</main>")]
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)  # new every request
    header = client.get(reverse("home")).content.decode()
    header = header[header.index('class="nav-notifications'):].split(">", 1)[0]
    api = [(n["kind"], n["text"], n["url"]) for n in
           client.get("/api/notifications/").json()["results"]]
    return page, header, api


def test_other_coders_submission_tells_a_blind_coder_nothing(
    client, review, coder_a, coder_b, alice_also_adjudicates
):
    case = alice_also_adjudicates
    before = _seen_by(client, coder_a)
    _submit(case, coder_b)
    assert _seen_by(client, coder_a) == before
    notification_digests_send(base_url="https://coding.example.org")
    assert mail.outbox == []  # nothing new for Alice to be mailed


def test_a_coder_adjudicator_is_not_told_about_disagreements_on_their_own_case(
    client, review, coder_a, coder_b, adjudicator, alice_also_adjudicates
):
    case = alice_also_adjudicates
    _submit(case, coder_b)
    before = _seen_by(client, coder_a)
    _submit(case, coder_a, {**VALUES, "level": {"value": "state"}})
    assert _seen_by(client, coder_a) == before
    assert not Notification.objects.filter(user=coder_a).exists()
    # The adjudicator who did not code it is told, with no value of either coder.
    [told] = Notification.objects.filter(user=adjudicator)
    assert told.text == "Case 1 of “Demo review” needs adjudication"
