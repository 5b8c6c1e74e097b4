"""The language switcher in real Chromium: reached and used from the keyboard alone, for a
visitor in the header and for a signed-in person in the account menu; right to left with
Arabic (offered for the layout check only)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from coding.models import NotificationSettings
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_visitor_switches_to_spanish_with_the_keyboard(live_server, page):
    page.goto(live_server.url + reverse("home"))
    select = page.get_by_role("combobox", name="Language")
    select.focus()
    select.select_option("es")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Change language")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("link", name="Iniciar sesión")).to_be_visible()


def test_signed_in_person_switches_in_the_account_menu(live_server, page, coder_a):
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", coder_a.username)
    page.fill("#id_password", PASSWORD)
    page.click("#main button[type=submit]")
    page.locator(".nav-account summary").focus()
    page.keyboard.press("Enter")
    page.get_by_role("combobox", name="Language").select_option("zh-hans")
    page.get_by_role("button", name="Change language").press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    assert NotificationSettings.objects.get(user=coder_a).language == "zh-hans"


def test_arabic_lays_the_page_out_right_to_left(live_server, page, settings):
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "العربية")]
    page.goto(live_server.url + reverse("home"))
    page.get_by_role("combobox", name="Language").select_option("ar")
    page.get_by_role("button", name="Change language").click()
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("main")).to_have_css("direction", "rtl")
