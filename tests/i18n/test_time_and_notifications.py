"""The account page's language and time zone, times that say their zone, and notifications
that read in their reader's language (coding/notifications/messages.py)."""

import importlib
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.template import Context, Template
from django.urls import reverse
from django.utils import timezone, translation

from coding.models import Notification, NotificationKind, NotificationSettings
from coding.notifications.services import (
    notification_digests_send,
    notification_settings_set,
    notify_round_complete,
)

pytestmark = pytest.mark.django_db

MOMENT = datetime(2026, 1, 15, 12, 30, tzinfo=UTC)


def render(source: str, **context) -> str:
    return Template("{% load zoned_time %}" + source).render(Context(context))


def test_zoned_time_is_in_the_active_zone_and_names_it():
    translation.activate("en")
    with timezone.override("Europe/Madrid"):
        html = render("{{ t|zoned }}", t=MOMENT)
    assert html == ('<time datetime="2026-01-15T13:30:00+01:00">Jan. 15, 2026, 1:30 p.m. '
                    '<span class="time-zone">CET</span></time>')
    with timezone.override("UTC"), translation.override("es"):
        assert render("{{ t|zoned_text }}", t=MOMENT) == "15 de enero de 2026 a las 12:30 UTC"
    with timezone.override("Asia/Shanghai"), translation.override("zh-hans"):
        assert render("{{ t|zoned_text:'short' }}", t=MOMENT) == "2026年1月15日 20:30 CST"
    assert render("{{ t|zoned:'date' }}", t=MOMENT) == (
        '<time datetime="2026-01-15T12:30:00+00:00">Jan. 15, 2026</time>')
    assert render("{{ t|zoned }}", t=None) == ""


def test_account_page_sets_language_and_a_valid_time_zone(client, coder_a):
    client.force_login(coder_a)
    page = client.get(reverse("coding:preferences")).content.decode()
    assert '<option value="Europe/Madrid">Europe/Madrid</option>' in page
    response = client.post(reverse("coding:preferences"),
                           {"language": "es", "time_zone": "Europe/Madrid"})
    assert response.status_code == 302
    prefs = NotificationSettings.objects.get(user=coder_a)
    assert (prefs.language, prefs.time_zone) == ("es", "Europe/Madrid")
    assert "Idioma y zona horaria guardados." in client.get(response["Location"]).content.decode()


def test_account_page_refuses_an_unknown_time_zone_and_saves_nothing(client, coder_a):
    client.force_login(coder_a)
    response = client.post(reverse("coding:preferences"),
                           {"language": "es", "time_zone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Not a known time zone: Mars/Olympus." in response.content.decode()
    assert not NotificationSettings.objects.filter(user=coder_a).exists()


def test_pages_show_times_in_the_accounts_zone_and_say_which(client, review, coder_a):
    NotificationSettings.objects.create(user=coder_a, time_zone="America/New_York")
    notify_round_complete(review=review, users=[coder_a], title="Pilot", url="/")
    Notification.objects.update(created_at=MOMENT)
    client.force_login(coder_a)
    html = client.get(reverse("coding:notifications")).content.decode()
    assert '<time datetime="2026-01-15T07:30:00-05:00">' in html and ">EST</span>" in html
    NotificationSettings.objects.filter(user=coder_a).update(time_zone="")
    from coding.accounts.selectors import forget_locale_preferences
    forget_locale_preferences(coder_a.pk)
    html = client.get(reverse("coding:notifications")).content.decode()
    assert '<time datetime="2026-01-15T12:30:00+00:00">' in html and ">UTC</span>" in html


def test_notification_written_in_english_reads_in_spanish_after_the_switch(client, review,
                                                                          coder_a):
    client.force_login(coder_a)
    notify_round_complete(review=review, users=[coder_a], title="Pilot 1", url="/")
    row = Notification.objects.get()
    assert row.message_key == "round_complete"
    assert row.text == "Calibration round “Pilot 1” of “Demo review” is complete"
    assert row.text in client.get(reverse("coding:notifications")).content.decode()
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    spanish = "La ronda de calibración «Pilot 1» de «Demo review» está completa"
    assert spanish in client.get(reverse("coding:notifications")).content.decode()
    api = client.get("/api/notifications/", HTTP_ACCEPT_LANGUAGE="es").json()
    assert api["results"][0]["text"] == spanish
    assert api["results"][0]["params"] == {"round": "Pilot 1", "review": "Demo review"}


def test_digest_is_written_in_the_recipients_language_and_zone(settings, review, coder_a):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    notification_settings_set(user=coder_a, daily_digest=True)
    NotificationSettings.objects.filter(user=coder_a).update(language="es",
                                                             time_zone="Europe/Madrid")
    notify_round_complete(review=review, users=[coder_a], title="Pilot 1", url="/")
    Notification.objects.update(created_at=MOMENT)
    notification_digests_send(base_url="https://x.example", now=timezone.now())
    body = mail.outbox[0].body
    assert "La ronda de calibración «Pilot 1» de «Demo review» está completa" in body
    assert "15 de enero de 2026 a las 13:30 CET" in body
    # The mail's own words too, not only the notifications it lists.
    assert "Desde su último resumen ha llegado una notificación" in body
    assert "Todas sus notificaciones:" in body and "since your last digest" not in body
    assert mail.outbox[0].subject == "1 notificación sin leer · Codificación de casos"


def test_an_invitation_mail_is_in_the_inviters_language_and_its_expiry_names_its_zone(
        settings, review, lead):
    from coding.members.services import invitation_send

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with translation.override("es"), timezone.override("Europe/Madrid"):
        invitation_send(review=review, actor=lead, email="nueva@example.org", roles=["coder"],
                        base_url="https://x.example")
    [message] = mail.outbox
    assert message.subject.endswith("le invita a codificar «Demo review»")
    assert "Para aceptar, abra este enlace" in message.body
    assert "To accept" not in message.body
    # The expiry in the zone the mail was written in, and saying which.
    assert " CET. Si ha caducado" in message.body or " CEST. Si ha caducado" in message.body


def test_plural_messages_choose_the_form_by_count():
    from coding.notifications.messages import render_message

    with translation.override("es"):
        assert render_message("cases_assigned", {"n": 1, "review": "R"}) == \
            "1 caso asignado en «R»"
        assert render_message("cases_assigned", {"n": 3, "review": "R"}) == \
            "3 casos asignados en «R»"
    with translation.override("en"):
        assert render_message("invitation_accepted", {
            "name": "Ana", "review": "R", "roles": ["coder", "adjudicator"]}) == \
            "Ana accepted your invitation to “R” (coder, adjudicator)"


def test_a_notification_without_a_key_shows_its_stored_text(review, coder_a):
    row = Notification.objects.create(user=coder_a, review=review,
                                      kind=NotificationKind.ROUND_COMPLETE,
                                      text="An old sentence", url="/")
    with translation.override("es"):
        assert row.message == "An old sentence"
    row.message_key, row.params = "round_complete", {"missing": "params"}
    assert row.message == "An old sentence"


def test_data_migration_gives_old_sentences_their_keys(review, coder_a):
    from django.apps import apps

    migration = importlib.import_module("coding.migrations.0027_core_i18n")
    old = [
        "Case 12 assigned to you in “Demo review”",
        "5 cases of “Demo review” need adjudication",
        "Calibration round “Pilot” of “Demo review” is complete",
        "Something else entirely",
    ]
    for text in old:
        Notification.objects.create(user=coder_a, review=review, url="/",
                                    kind=NotificationKind.ROUND_COMPLETE, text=text)
    migration.keys_for_old_rows(apps, None)
    rows = list(Notification.objects.order_by("id").values_list("message_key", "params"))
    assert rows == [
        ("case_assigned", {"case": "12", "review": "Demo review"}),
        ("adjudications_needed", {"n": 5, "review": "Demo review"}),
        ("round_complete", {"round": "Pilot", "review": "Demo review"}),
        ("", {}),
    ]
    with translation.override("en"):
        assert [n.message for n in Notification.objects.order_by("id")] == old
