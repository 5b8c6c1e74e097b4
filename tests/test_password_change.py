"""Changing one's password: wrong old passwords are limited as sign-ins are (django-axes)."""

from django.urls import reverse

from tests import factories

URL = "/accounts/password_change/"


def _change(client, old, new="a-brand-new-secret"):
    return client.post(URL, {"old_password": old, "new_password1": new, "new_password2": new})


def test_password_change_works_with_the_right_old_password(client, db):
    user = factories.UserFactory(username="nina", password="the-old-secret")
    client.force_login(user)
    response = _change(client, "the-old-secret")
    assert response.status_code == 302 and response.url == reverse("password_change_done")
    user.refresh_from_db()
    assert user.check_password("a-brand-new-secret")


def test_guessing_the_old_password_is_locked_after_the_sign_in_limit(client, db, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = factories.UserFactory(username="nina", password="the-old-secret")
    client.force_login(user)
    for guess in ("guess-1", "guess-2"):
        response = _change(client, guess)
        assert response.status_code == 200
        assert "Your old password was entered incorrectly" in response.content.decode()
    third = _change(client, "guess-3")
    assert third.status_code == 429
    # Locked: even the right old password is refused now, with the reason.
    locked = _change(client, "the-old-secret")
    assert locked.status_code == 429
    assert "Too many wrong current passwords" in locked.content.decode()
    user.refresh_from_db()
    assert user.check_password("the-old-secret")
    # The same count as the sign-in page: signing in as nina from here is locked too.
    client.logout()
    sign_in = client.post(reverse("login"), {"username": "nina", "password": "the-old-secret"})
    assert sign_in.status_code == 429


def test_another_accounts_password_does_not_pass_as_the_old_one(client, db):
    user = factories.UserFactory(username="nina", password="the-old-secret")
    factories.UserFactory(username="omar", password="omars-secret-pw")
    client.force_login(user)
    response = _change(client, "omars-secret-pw")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("the-old-secret")
