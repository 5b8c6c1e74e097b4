"""The codebook editor in Chromium: a lead builds a three-attribute codebook by keyboard
alone (add section, attributes, options; keys suggested from labels; Alt+Up moves an
attribute with the focus kept), sees the preview, and saves; a draft survives a reload."""

import pytest
from playwright.sync_api import expect

from coding.models import Review, Role
from tests import factories
from tests.conftest import _member

pytestmark = pytest.mark.browser


@pytest.fixture
def fresh(db):
    review = factories.ReviewFactory(slug="fresh", title="Fresh review")
    _member(review, "lou", Role.LEAD)
    return review


def _sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/")


def _press(page, name):
    """Focus the button called `name` and press Enter on it (no mouse)."""
    page.get_by_role("button", name=name, exact=True).focus()
    page.keyboard.press("Enter")


def _type(page, label, text):
    page.get_by_label(label, exact=True).focus()
    page.keyboard.press("Control+A")
    page.keyboard.type(text)


def test_a_lead_builds_a_three_attribute_codebook_by_keyboard_and_saves_it(
        fresh, live_server, page):
    _sign_in(page, live_server, "lou")
    page.goto(f"{live_server.url}/reviews/fresh/codebook/")
    _type(page, "Codebook title", "Fresh codebook")
    _press(page, "Add section")
    expect(page.get_by_label("Section title (section 1)", exact=True)).to_be_focused()
    page.keyboard.type("Basics")

    # 1. Single choice (the default kind) with two options; keys come from the labels.
    _press(page, "Add attribute (section 1)")
    expect(page.get_by_label("Label (section 1, attribute 1)", exact=True)).to_be_focused()
    page.keyboard.type("Level of government")
    expect(page.get_by_label("Key (section 1, attribute 1)", exact=True)).to_have_value(
        "level_of_government")
    _type(page, "Option label (section 1, attribute 1, option 1)", "National")
    _press(page, "Add option (section 1, attribute 1)")
    expect(page.get_by_label("Option label (section 1, attribute 1, option 2)",
                             exact=True)).to_be_focused()
    page.keyboard.type("Local")
    expect(page.get_by_label("Option key (section 1, attribute 1, option 2)",
                             exact=True)).to_have_value("local")

    # 2. A number.
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Partners")
    kind = page.get_by_label("Kind (section 1, attribute 2)", exact=True)
    kind.focus()
    kind.select_option("number")
    expect(kind).to_be_focused()
    _type(page, "Help text (section 1, attribute 2)", "How many partners took part.")

    # 3. Multiple choice with a none option, then moved up by Alt+Up, focus kept.
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Roles")
    page.get_by_label("Kind (section 1, attribute 3)", exact=True).select_option("multi")
    _type(page, "Option label (section 1, attribute 3, option 1)", "Commissioner")
    page.get_by_label("Offer a “none of these” option (section 1, attribute 3)",
                      exact=True).focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("None option label (section 1, attribute 3)",
                             exact=True)).to_have_value("None of these reported")
    page.get_by_label("Label (section 1, attribute 3)", exact=True).focus()
    page.keyboard.press("Alt+ArrowUp")
    moved = page.get_by_label("Label (section 1, attribute 2)", exact=True)
    expect(moved).to_have_value("Roles")
    expect(moved).to_be_focused()
    _press(page, "Move down (section 1, attribute 2)")
    expect(page.get_by_role("button", name="Move down (section 1, attribute 3)",
                            exact=True)).to_be_focused()
    expect(page.get_by_label("Label (section 1, attribute 3)", exact=True)).to_have_value(
        "Roles")

    # The preview shows the coding form; the page says what a save does.
    preview = page.locator("#codebook-preview")
    expect(preview.get_by_role("radio", name="Local")).to_be_visible()
    expect(preview.get_by_role("checkbox", name="None of these reported")).to_be_visible()
    expect(page.locator("#codebook-outcome")).to_contain_text("creates the codebook")

    # A reload keeps the unsaved work.
    page.reload()
    expect(page.locator("#codebook-draft-notice")).to_be_visible()
    expect(page.get_by_label("Label (section 1, attribute 3)", exact=True)).to_have_value(
        "Roles")

    _press(page, "Save codebook")
    expect(page.locator("#codebook-outcome")).to_have_text("Codebook created (version 1).")
    codebook = Review.objects.get(slug="fresh").current_codebook()
    assert codebook.title == "Fresh codebook"
    attributes = list(codebook.attributes.order_by("order"))
    assert [(a.key, a.kind) for a in attributes] == [
        ("level_of_government", "single"), ("partners", "number"), ("roles", "multi")]
    assert list(attributes[0].options.values_list("key", flat=True)) == ["national", "local"]
    assert attributes[2].none_key == "none"
    assert attributes[1].help_text == "How many partners took part."
    assert page.evaluate("localStorage.getItem('codebook-draft:fresh')") is None


def test_an_error_is_shown_beside_its_field_and_nothing_saved(fresh, live_server, page):
    _sign_in(page, live_server, "lou")
    page.goto(f"{live_server.url}/reviews/fresh/codebook/")
    _type(page, "Codebook title", "Fresh codebook")
    _press(page, "Add section")
    page.keyboard.type("Basics")
    _press(page, "Add attribute (section 1)")
    page.keyboard.type("Level")
    _type(page, "Key (section 1, attribute 1)", "two words")
    _press(page, "Save codebook")
    key = page.get_by_label("Key (section 1, attribute 1)", exact=True)
    expect(key).to_be_focused()
    expect(key).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#codebook-errors")).to_contain_text(
        "section 1 (Basics), attribute 1: 'key' must be letters, digits, '-' or '_'")
    assert Review.objects.get(slug="fresh").current_codebook() is None


def test_dragging_an_attribute_reorders_it(review, lead, live_server, page):
    _sign_in(page, live_server, "lena")
    page.set_viewport_size({"width": 1280, "height": 1600})  # both in view: no scrolling
    page.goto(f"{live_server.url}/reviews/demo/codebook/")
    expect(page.get_by_label("Label (section 1, attribute 2)", exact=True)).to_have_value(
        "Main topic")
    page.locator("#cb-s0-a1 .cb-drag").drag_to(page.locator("#cb-s0-a0 .cb-heading"))
    expect(page.get_by_label("Label (section 1, attribute 1)", exact=True)).to_have_value(
        "Main topic")
    expect(page.get_by_label("Label (section 1, attribute 2)", exact=True)).to_have_value(
        "Level")
    expect(page.locator("#codebook-outcome")).to_contain_text("replaces it")


def test_a_lead_translates_labels_in_the_editor_and_no_language_is_dropped(
        fresh, live_server, page):
    from coding.models import Attribute, Option
    from coding.reviews.codebooks import codebook_store

    codebook_store(review_slug="fresh", data={"title": "Fresh", "sections": [
        {"title": "Basics", "attributes": [
            {"key": "level", "label": {"en": "Level", "zh-hans": "层级"}, "kind": "single",
             "options": [{"key": "local", "label": "Local"},
                         {"key": "national", "label": "National"}]}]}]})
    _sign_in(page, live_server, "lou")
    page.goto(f"{live_server.url}/reviews/fresh/codebook/")
    expect(page.get_by_label("Label (section 1, attribute 1)", exact=True)).to_have_value(
        "Level")
    page.get_by_label("Show and edit the labels in").select_option("es")
    label = page.get_by_label("Label (section 1, attribute 1)", exact=True)
    expect(label).to_have_value("")
    expect(label).to_have_attribute("placeholder", "Level")  # what Spanish readers get now
    _type(page, "Label (section 1, attribute 1)", "Nivel")
    _type(page, "Option label (section 1, attribute 1, option 1)", "Municipal")
    # The key stays: a translation never renames what values are stored by.
    expect(page.get_by_label("Key (section 1, attribute 1)", exact=True)).to_have_value("level")
    page.get_by_label("Show and edit the labels in").select_option("en")
    expect(label).to_have_value("Level")
    _press(page, "Save codebook")
    expect(page.locator("#codebook-outcome")).to_contain_text("updated in place")
    assert Attribute.objects.get(key="level").translations == {
        "label": {"es": "Nivel", "zh-hans": "层级"}}
    assert Option.objects.get(key="local").translations == {"label": {"es": "Municipal"}}
    assert Option.objects.get(key="national").translations == {}
