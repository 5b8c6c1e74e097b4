"""The daily e-mail digest (manage.py send_notification_digests), with the locmem backend."""

from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from coding.models import NotificationKind, NotificationSettings
from coding.notifications.services import (
    notification_digests_send,
    notification_settings_set,
    notify,
)

BASE = "https://coding.example.org"


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _notify(user, review, text="Case 3 assigned to you in “Demo review”",
            url="/reviews/demo/my-cases/"):
    """A notification that reads `text`: the case_assigned message for case 3, else the
    round_complete one naming `text` as the round (“text”)."""
    if text == "Case 3 assigned to you in “Demo review”":
        message, params = "case_assigned", {"case": "3", "review": "Demo review"}
    else:
        message, params = "round_complete", {"round": text, "review": "Demo review"}
    return notify(users=[user], review=review, kind=NotificationKind.CASE_ASSIGNED,
                  message=message, params=params, url=url)[0]


@pytest.fixture
def alice(coder_a):
    coder_a.email = "alice@example.org"
    coder_a.save()
    return coder_a


def test_nobody_gets_a_digest_without_asking(review, alice):
    _notify(alice, review, "Case 3 assigned to you in “Demo review”")
    call_command("send_notification_digests", base_url=BASE, stdout=_Out())
    assert mail.outbox == []


def test_digest_lists_unread_notifications_with_absolute_links(review, alice, coder_b):
    notification_settings_set(user=alice, daily_digest=True)
    _notify(alice, review, "Case 3 assigned to you in “Demo review”")
    read = _notify(alice, review, "already read")
    read.read_at = timezone.now()
    read.save()
    _notify(coder_b, review, "for bob only")
    out = _Out()
    call_command("send_notification_digests", base_url=BASE, stdout=out)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert message.subject == "1 unread notification · Case coding"
    assert "- Case 3 assigned to you in “Demo review”" in message.body
    assert f"{BASE}/reviews/demo/my-cases/" in message.body
    assert "already read" not in message.body and "for bob" not in message.body
    assert "1 digest(s) sent" in out.text


def test_digest_is_sent_once_a_day_and_then_only_newer_notifications(review, alice):
    notification_settings_set(user=alice, daily_digest=True)
    _notify(alice, review, "first")
    now = timezone.now()
    assert notification_digests_send(base_url=BASE, now=now).sent == 1
    _notify(alice, review, "second")
    again = notification_digests_send(base_url=BASE, now=now + timedelta(minutes=5))
    assert again.sent == 0 and again.skipped_today == 1
    tomorrow = notification_digests_send(base_url=BASE, now=now + timedelta(days=1))
    assert tomorrow.sent == 1
    assert len(mail.outbox) == 2
    assert "round “second”" in mail.outbox[1].body and "round “first”" not in mail.outbox[1].body


def test_nothing_new_sends_nothing(review, alice):
    notification_settings_set(user=alice, daily_digest=True)
    run = notification_digests_send(base_url=BASE)
    assert run.sent == 0 and run.nothing_new == 1 and mail.outbox == []
    assert NotificationSettings.objects.get(user=alice).last_digest_at is None


def test_command_needs_a_site_address(review, alice):
    with pytest.raises(CommandError, match="site's address"):
        call_command("send_notification_digests", base_url="coding.example.org",
                     stdout=_Out())


class _Out:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
