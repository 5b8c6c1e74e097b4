"""The notifications page, the header's unread count, the API, and the digest setting."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coding.models import Notification, NotificationKind, NotificationSettings
from coding.notifications.services import notify
from tests import factories

API = "/api/notifications/"


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


def _round(title):
    return f"Calibration round “{title}” of “Demo review” is complete"


def test_header_shows_the_unread_count_with_an_accessible_label(client, review, coder_a):
    for n in range(3):
        _notify(coder_a, review, text=f"note {n}")
    client.force_login(coder_a)
    html = client.get(reverse("home")).content.decode()
    assert 'aria-label="Notifications, 3 unread"' in html
    assert '<span class="nav-badge" aria-hidden="true">3</span></a>' in html


def test_header_count_costs_one_query(client, review, coder_a):
    client.force_login(coder_a)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse("coding:tokens"))
    counts = [q["sql"] for q in captured.captured_queries
              if 'FROM "coding_notification" ' in q["sql"]]
    assert len(counts) == 1


def test_anonymous_header_has_no_notifications_link(client, review):
    assert "nav-notifications" not in client.get(reverse("home")).content.decode()


def test_list_shows_only_my_notifications_newest_first(client, review, coder_a, coder_b):
    _notify(coder_a, review, text="older one")
    _notify(coder_a, review, text="newer one")
    _notify(coder_b, review, text="bob's own")
    client.force_login(coder_a)
    html = client.get(reverse("coding:notifications")).content.decode()
    assert html.index("newer one") < html.index("older one")
    assert "bob&#x27;s own" not in html and "bob's own" not in html


def test_list_page_query_count_does_not_grow(client, review, coder_a,
                                             django_assert_max_num_queries):
    client.force_login(coder_a)
    for n in range(40):
        _notify(coder_a, review, text=f"note {n}")
    with django_assert_max_num_queries(7):
        response = client.get(reverse("coding:notifications"))
    assert response.status_code == 200
    assert "Page 1 of 2" in response.content.decode()


def test_opening_marks_read_and_goes_to_the_page(client, review, coder_a):
    notification = _notify(coder_a, review)
    client.force_login(coder_a)
    response = client.post(reverse("coding:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == "/reviews/demo/my-cases/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_someone_elses_notification_is_404_and_stays_unread(client, review, coder_a, coder_b):
    notification = _notify(coder_b, review)
    client.force_login(coder_a)
    assert client.post(
        reverse("coding:notification_open", args=[notification.pk])
    ).status_code == 404
    assert client.post(f"{API}{notification.pk}/read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_open_by_get_leads_back_to_the_list(client, review, coder_a):
    notification = _notify(coder_a, review)
    client.force_login(coder_a)
    response = client.get(reverse("coding:notification_open", args=[notification.pk]))
    assert response.status_code == 302 and response.url == reverse("coding:notifications")
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read(client, review, coder_a, coder_b):
    _notify(coder_a, review)
    _notify(coder_a, review)
    _notify(coder_b, review)
    client.force_login(coder_a)
    response = client.post(reverse("coding:notifications_read_all"), follow=True)
    assert "2 notifications marked read." in response.content.decode()
    assert 'aria-label="Notifications, 0 unread"' in response.content.decode()
    assert Notification.objects.unread().filter(user=coder_b).count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reverse("coding:notifications"))
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert client.get(API).status_code in (401, 403)


def test_daily_digest_is_off_until_turned_on(client, review, coder_a):
    client.force_login(coder_a)
    page = client.get(reverse("coding:notifications")).content.decode()
    assert 'name="daily_digest" checked' not in page
    client.post(reverse("coding:notification_settings"), {"daily_digest": "on"})
    assert NotificationSettings.objects.get(user=coder_a).daily_digest
    page = client.get(reverse("coding:notifications")).content.decode()
    assert 'name="daily_digest" checked' in page
    client.post(reverse("coding:notification_settings"), {})
    assert not NotificationSettings.objects.get(user=coder_a).daily_digest


# --- API ------------------------------------------------------------------------------


def test_api_lists_my_notifications_and_filters_unread(client, review, coder_a, coder_b):
    first = _notify(coder_a, review, text="first")
    _notify(coder_a, review, text="second")
    _notify(coder_b, review, text="not mine")
    client.force_login(coder_a)
    body = client.get(API).json()
    assert [n["text"] for n in body["results"]] == [_round("second"), _round("first")]
    assert body["results"][0] == {
        "id": body["results"][0]["id"], "kind": "case_assigned", "text": _round("second"),
        "message_key": "round_complete", "params": {"round": "second", "review": "Demo review"},
        "url": "/reviews/demo/my-cases/", "review": "demo",
        "created_at": body["results"][0]["created_at"], "read_at": None, "read": False,
    }
    assert client.post(f"{API}{first.pk}/read/").json()["read"] is True
    assert [n["text"] for n in client.get(API + "?unread=true").json()["results"]] == [
        _round("second")]
    assert client.post(API + "read-all/").json() == {"marked_read": 1, "unread": 0}


def test_page_and_api_show_the_same_notifications(client, review, coder_a, coder_b):
    """Parity: what a coder's list holds is the same through either surface."""
    factories.CaseFactory(review=review, number="1")
    for n in range(3):
        _notify(coder_a, review, text=f"for alice {n}")
    _notify(coder_b, review, text="for bob")
    client.force_login(coder_a)
    page = client.get(reverse("coding:notifications")).content.decode()
    api = [n["text"] for n in client.get(API).json()["results"]]
    expected = [_round(f"for alice {n}") for n in (2, 1, 0)]
    assert api == expected
    assert [t for t in expected if t in page] == expected and "for bob" not in page
