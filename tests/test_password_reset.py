"""Password reset by e-mail with Django's views, in our templates, throttled; the mail is
sent by the background worker, so the request takes the same path for every address."""

import io
import re

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests import factories


def _worker() -> None:
    """The real worker, as `manage.py db_worker` runs it, until the queue is empty. It closes
    the database connection between tasks, so the tests that run it use transactional_db."""
    call_command("db_worker", batch=True, reload=False, startup_delay=False, interval=0,
                 stdout=io.StringIO())


def test_sign_in_page_links_to_password_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert f'href="{reverse("password_reset")}"' in page


def test_reset_mail_link_sets_a_new_password(client, transactional_db):
    user = factories.UserFactory(username="nina", email="nina@example.org")
    response = client.post(reverse("password_reset"), {"email": "NINA@example.org"})
    assert response.status_code == 302
    _worker()
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


def test_unknown_address_gets_the_same_answer_and_no_mail(client, transactional_db):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"},
                           follow=True)
    assert "Check your e-mail" in response.content.decode()
    _worker()
    assert mail.outbox == []


def test_known_and_unknown_addresses_take_the_same_path_in_the_request(client, transactional_db):
    """The request neither looks the address up nor sends mail: it queues one task, with the
    same queries for an address with an account and one without."""
    factories.UserFactory(username="nina", email="nina@example.org")
    url = reverse("password_reset")
    answers, queries = [], []
    for email in ("nina@example.org", "nobody@example.org"):
        with CaptureQueriesContext(connection) as captured:
            answers.append(client.post(url, {"email": email}))
        queries.append([q["sql"].split(" ")[0] for q in captured.captured_queries])
    assert [a.status_code for a in answers] == [302, 302]
    assert answers[0].url == answers[1].url
    assert queries[0] == queries[1]
    assert not any("auth_user" in q["sql"] for q in captured.captured_queries)
    assert mail.outbox == []  # nothing sent inside a request
    assert DBTaskResult.objects.filter(
        task_path="coding.accounts.tasks.send_password_reset_mail").count() == 2
    _worker()
    assert [m.to for m in mail.outbox] == [["nina@example.org"]]


def test_reset_requests_are_throttled_per_address(client, transactional_db, settings):
    settings.PASSWORD_RESET_LIMIT = 2
    factories.UserFactory(username="nina", email="nina@example.org")
    for _ in range(2):
        assert client.post(reverse("password_reset"),
                           {"email": "nina@example.org"}).status_code == 302
    refused = client.post(reverse("password_reset"), {"email": "other@example.org"})
    assert refused.status_code == 429
    assert "Too many password-reset requests" in refused.content.decode()
    _worker()
    assert len(mail.outbox) == 2


def test_reset_requests_are_throttled_per_email_across_addresses(
    client, transactional_db, settings
):
    settings.PASSWORD_RESET_LIMIT = 1
    factories.UserFactory(username="nina", email="nina@example.org")
    url = reverse("password_reset")
    first = client.post(url, {"email": "nina@example.org"}, REMOTE_ADDR="10.0.0.1")
    assert first.status_code == 302
    response = client.post(url, {"email": "Nina@example.org"}, REMOTE_ADDR="10.0.0.2")
    assert response.status_code == 429
    _worker()
    assert len(mail.outbox) == 1
