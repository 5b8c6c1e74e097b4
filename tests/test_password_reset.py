"""Password reset by e-mail with Django's views, in our templates, throttled."""

import re

from django.core import mail
from django.urls import reverse

from tests import factories


def test_sign_in_page_links_to_password_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page


def test_reset_mail_link_sets_a_new_password(client, db):
    user = factories.UserFactory(username="nina", email="nina@example.org")
    response = client.post(reverse("password_reset"), {"email": "NINA@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    assert message.to == ["nina@example.org"] and "Reset your password" in message.subject
    path = re.search(r"http://testserver(/accounts/reset/\S+/)", message.body).group(1)
    form = client.get(path, follow=True)
    assert "Choose a new password" in form.content.decode()
    done = client.post(form.redirect_chain[-1][0], {
        "new_password1": "a-brand-new-secret", "new_password2": "a-brand-new-secret"},
        follow=True)
    assert "Password set" in done.content.decode()
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret")
    assert "Link not valid" in client.get(path, follow=True).content.decode()


def test_unknown_address_gets_the_same_answer_and_no_mail(client, db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"},
                           follow=True)
    assert "Check your e-mail" in response.content.decode()
    assert mail.outbox == []


def test_reset_requests_are_throttled_per_address(client, db, settings):
    settings.PASSWORD_RESET_LIMIT = 2
    factories.UserFactory(username="nina", email="nina@example.org")
    for _ in range(2):
        assert client.post(reverse("password_reset"),
                           {"email": "nina@example.org"}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "other@example.org"})
    assert refused.status_code == 429
    assert "Too many password-reset requests" in refused.content.decode()
    assert len(mail.outbox) == 2


def test_reset_requests_are_throttled_per_email_across_addresses(client, db, settings):
    settings.PASSWORD_RESET_LIMIT = 1
    factories.UserFactory(username="nina", email="nina@example.org")
    url = reverse("password_reset")
    first = client.post(url, {"email": "nina@example.org"}, REMOTE_ADDR="10.0.0.1")
    assert first.status_code == 302
    response = client.post(url, {"email": "Nina@example.org"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    assert len(mail.outbox) == 1
