"""Which language a page speaks: Accept-Language, the switcher's cookie, the account's own
choice (coding.middleware.AccountLocaleMiddleware), and the <html lang dir> that says it."""

import re

import pytest
from django.urls import reverse

from coding.models import NotificationSettings

pytestmark = pytest.mark.django_db


def html_of(response) -> str:
    return response.content.decode()


def test_english_by_default_with_lang_and_dir(client):
    html = html_of(client.get(reverse("home")))
    assert '<html lang="en" dir="ltr"' in html
    assert "Skip to content" in html


def test_accept_language_chooses_spanish_and_chinese(client):
    html = html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="es-ES,es;q=0.9"))
    assert '<html lang="es" dir="ltr"' in html
    assert "Saltar al contenido" in html and "Skip to content" not in html
    html = html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9"))
    assert '<html lang="zh-hans"' in html and "跳到正文" in html


def test_an_unoffered_language_falls_back_to_english(client):
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de")
    assert '<html lang="en"' in html_of(response)
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_arabic_is_offered_only_for_the_layout_check_and_is_right_to_left(client, settings):
    assert '<html lang="en"' in html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ar"))
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    html = html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ar"))
    assert '<html lang="ar" dir="rtl"' in html


def test_switcher_is_a_form_in_the_header_that_works_without_javascript(client):
    html = html_of(client.get(reverse("home")))
    form = re.search(r'<form class="language-switcher" method="post" action="/i18n/setlang/">'
                     r'.*?</form>', html, re.S).group(0)
    assert '<label for="language-header"' in form and 'name="language"' in form
    assert '<option value="es" lang="es"' in form and '<button class="language-go">' in form
    response = client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert response.cookies["django_language"].value == "es"
    assert "Saltar al contenido" in html_of(client.get(reverse("home")))


def test_switcher_remembers_the_choice_on_the_account(client, coder_a):
    client.force_login(coder_a)
    html = html_of(client.get(reverse("home")))
    assert 'id="language-menu"' in html and 'id="language-header"' not in html
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert NotificationSettings.objects.get(user=coder_a).language == "zh-hans"
    # another browser, asking for English, gets the account's language
    other = client.__class__()
    other.force_login(coder_a)
    html = html_of(other.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="zh-hans"' in html


def test_switcher_refuses_a_language_not_offered(client, coder_a):
    client.force_login(coder_a)
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    assert not NotificationSettings.objects.filter(user=coder_a).exclude(language="").exists()


def test_account_language_beats_the_cookie_and_accept_language(client, coder_a):
    NotificationSettings.objects.create(user=coder_a, language="es")
    client.force_login(coder_a)
    client.cookies["django_language"] = "zh-hans"
    html = html_of(client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="es"' in html and "Cerrar sesión" in html


def test_jsi18n_catalogue_is_loaded_first_and_cached_per_language(client):
    html = html_of(client.get(reverse("home")))
    first_script = re.search(r'<script src="([^"]+)"', html).group(1)
    assert first_script == reverse("javascript-catalog")
    response = client.get(first_script, HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    body = response.content.decode()
    assert "globals.gettext" in body or "django.gettext" in body
    assert "Last-Modified" in response and "no-cache" in response["Cache-Control"]
    again = client.get(first_script, HTTP_ACCEPT_LANGUAGE="es",
                       HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    chinese = client.get(first_script, HTTP_ACCEPT_LANGUAGE="zh-hans",
                         HTTP_IF_NONE_MATCH=response["ETag"])
    assert chinese.status_code == 200 and chinese["ETag"] != response["ETag"]


def test_every_page_template_with_scripts_loads_the_catalogue_first():
    """Templates that do not extend base.html and load our JavaScript would lack gettext()."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "templates"
    for path in root.rglob("*.html"):
        text = path.read_text()
        if "js/" in text and "<script" in text and "{% extends" not in text \
                and path.name != "base.html" and not path.name.startswith("_"):
            raise AssertionError(f"{path} loads scripts without base.html's catalogue")


def test_set_language_for_a_visitor_stores_nothing(client, coder_a):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert not NotificationSettings.objects.exists()


def test_a_shared_reader_page_is_cached_per_language(client, coproduction):
    from coding.models import Case

    case = Case.objects.filter(review=coproduction).first()
    url = reverse("coding:case_detail", args=[coproduction.slug, case.number])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    spanish = client.get(url, HTTP_ACCEPT_LANGUAGE="es")
    assert english.status_code == spanish.status_code == 200
    assert english["ETag"] != spanish["ETag"]
    assert "Saltar al contenido" in spanish.content.decode()
    assert "Accept-Language" in spanish["Vary"] and "Cookie" in spanish["Vary"]
    again = client.get(url, HTTP_ACCEPT_LANGUAGE="es", HTTP_IF_NONE_MATCH=english["ETag"])
    assert again.status_code == 200


def test_switcher_needs_the_csrf_token_only_to_change_an_account(coder_a):
    from django.test import Client

    visitor = Client(enforce_csrf_checks=True)
    response = visitor.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert response.status_code == 302 and "csrftoken" not in response.cookies
    member = Client(enforce_csrf_checks=True)
    member.force_login(coder_a)
    forged = member.post(reverse("set_language"), {"language": "es", "next": "/"})
    assert forged.status_code == 403
    assert not NotificationSettings.objects.filter(user=coder_a, language="es").exists()
    html = member.get(reverse("home")).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    member.post(reverse("set_language"),
                {"language": "es", "next": "/", "csrfmiddlewaretoken": token})
    assert NotificationSettings.objects.get(user=coder_a).language == "es"


def test_a_visitors_page_sets_no_csrf_cookie(client):
    response = client.get(reverse("home"))
    assert "csrftoken" not in response.cookies
    assert "csrfmiddlewaretoken" not in response.content.decode()
