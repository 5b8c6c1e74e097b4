"""No English interface words on the main pages in Spanish or Chinese (issue #23, "Done when").

The Django test client asks for each main page, then every other page of the axe walk, with
`Accept-Language: es` (then `zh-hans`) as each role of the bundled review would open it (the
world of tests/test_accessibility_browser.py), and reads its visible text: every text node
(not <code>: keys and CSV columns), and every aria-label, title, placeholder and alt. A piece
that equals (or, with its placeholders filled, matches) an msgid of that language's catalogue
whose translation differs from it is an interface string left in English. Data are
not the interface: the bundled review's titles, codebook labels, names and numbers are English
text that may happen to equal an msgid, so every text stored in the database is set aside.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import polib
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.db import models
from django.test import Client
from django.urls import reverse

from coding.catalogues import po_path
from tests.test_accessibility_browser import (
    ROLES,
    _pages,
    world,  # noqa: F401 (the fixture)
)

pytestmark = pytest.mark.django_db

LANGUAGES = ("es", "zh-hans")
ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
# Elements whose text is not read as the page's text, or is literal (<code>: a CSV column,
# a key, a command, which stay as they are in every language).
SKIPPED = {"script", "style", "template", "noscript", "code", "kbd", "samp"}
# Stored copies of keys with choices (a case's region): the dashboard's precomputed counts, a
# release's rows.
COPIES = {"DashboardCount.first", "DashboardCount.second", "DashboardCaseCounts.keys",
          "Release.rows"}
PLACEHOLDER = re.compile(r"%\([^)]+\)[sd]|%[sd]|\{\d*\}")


def _pattern(text: str) -> re.Pattern:
    """`text` with each placeholder filled by a short value."""
    parts = PLACEHOLDER.split(text)
    return re.compile("(?:.{1,40}?)".join(re.escape(part) for part in parts) + r"\Z")


def _catalogue(language: str = "es") -> tuple[set[str], list[tuple[str, re.Pattern]]]:
    """The English msgids of the catalogue of `language` (both domains) whose translation
    differs from them ("PDF", "DOI" do not): plain ones as a set, those with placeholders as
    patterns that fill them; and the patterns of their translations, which a piece may match
    instead ("Zoom de %(title)s" filled is not "Zoom %(title)s" left in English)."""
    plain, patterns = set(), []
    translated = []
    for domain in ("django", "djangojs"):
        directory = "zh_Hans" if language == "zh-hans" else language
        for entry in polib.pofile(str(po_path(directory, domain))):
            for text in [entry.msgstr, *entry.msgstr_plural.values()]:
                if text and PLACEHOLDER.search(text):
                    translated.append(_pattern(" ".join(text.split())))
        for entry in polib.pofile(str(po_path(directory, domain))):
            if entry.obsolete or not entry.msgid:
                continue
            translations = [entry.msgstr] if not entry.msgid_plural else \
                list(entry.msgstr_plural.values())
            translations = [" ".join(text.split()) for text in translations]
            for english in filter(None, (entry.msgid, entry.msgid_plural)):
                english = " ".join(english.split())
                if english in translations or not re.search(r"[A-Za-z]{2}", english):
                    continue
                if PLACEHOLDER.search(english):
                    # Only when the fixed words say something: "%(count)s cases", not "%s:".
                    fixed = PLACEHOLDER.sub("", english)
                    if len(re.findall(r"[A-Za-z]{3,}", fixed)) < 1:
                        continue
                    patterns.append((english, _pattern(english)))
                else:
                    plain.add(english)
    return plain, patterns, translated


def _stored_texts() -> set[str]:
    """Every text stored in the database (titles, labels, names, values, JSON strings), and
    each of its lines: data, which stay in the language they were written in. Not the keys
    of fields with choices (a region "Europe" is shown as its label, "Europa")."""
    found: set[str] = set()

    def add(value) -> None:
        if isinstance(value, str):
            found.add(" ".join(value.split()))
            found.update(" ".join(line.split()) for line in value.splitlines())
        elif isinstance(value, dict):
            for item in value.values():
                add(item)
        elif isinstance(value, list | tuple):
            for item in value:
                add(item)

    for model in [*apps.get_app_config("coding").get_models(), User]:
        # Not a field with choices: it stores a key, which a page shows by its label; nor
        # the counts and snapshots that copy those keys.
        fields = [f.name for f in model._meta.concrete_fields
                  if isinstance(f, models.CharField | models.TextField | models.JSONField)
                  and not f.choices and f"{model.__name__}.{f.name}" not in COPIES]
        if fields:
            for row in model.objects.values_list(*fields):
                add(row)
    for user in User.objects.all():
        add(user.get_full_name())
    return found


class _Text(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self._skipping += 1
        for name, value in attrs:
            if name in ATTRIBUTES and value:
                self.pieces.append(value)
        if tag == "input" and dict(attrs).get("type") in ("submit", "button"):
            self.pieces.append(dict(attrs).get("value") or "")

    def handle_endtag(self, tag):
        if tag in SKIPPED and self._skipping:
            self._skipping -= 1

    def handle_data(self, data):
        if not self._skipping:
            self.pieces.append(data)


def visible_pieces(html: str) -> list[str]:
    parser = _Text()
    parser.feed(html)
    pieces = (" ".join(piece.split()) for piece in parser.pieces)
    return [piece for piece in pieces if piece]


def untranslated(html: str, plain, patterns, data, translated=()) -> list[str]:
    return untranslated_pieces(visible_pieces(html), plain, patterns, data, translated)


def untranslated_pieces(pieces, plain, patterns, data, translated=()) -> list[str]:
    """The pieces of text that are msgids left in English (see the module's docstring)."""
    found = []
    for piece in pieces:
        bare = piece.strip(" :.·—–-()[]…")
        if piece in data or bare in data:
            continue
        if piece in plain or bare in plain:
            found.append(piece)
            continue
        if any(pattern.match(piece) for pattern in translated):
            continue
        for english, pattern in patterns:
            if pattern.match(piece):
                found.append(f"{piece}  (msgid {english!r})")
                break
    return found


def main_pages(world) -> dict[str, tuple[str | None, str]]:  # noqa: F811
    slug = world["review"].slug
    return {
        "home": (None, "/"),
        "sign-in": (None, reverse("login")),
        "gallery": (None, reverse("coding:gallery", args=[slug])),
        "case page": (None, reverse("coding:case_detail", args=[slug, world["public_case"]])),
        "dashboard": (None, reverse("coding:dashboard", args=[slug])),
        "selection": (None, reverse("coding:selection", args=[slug])),
        "my cases": ("coder_a", reverse("coding:queue", args=[slug])),
        "coding page": ("coder_a", reverse("coding:coding_form", args=[slug, "1"])),
        "coding page, submitted": ("coder_a", reverse(
            "coding:coding_form", args=[slug, world["disputed_case"]])),
        "adjudication queue": ("adjudicator", reverse("coding:adjudication_queue",
                                                      args=[slug])),
        "adjudication case": ("adjudicator", reverse(
            "coding:adjudication_case", args=[slug, world["disputed_case"]])),
        "reliability": ("lead", reverse("coding:reliability", args=[slug])),
        "home, signed in": ("lead", "/"),
    }


def every_page(world) -> dict[str, tuple[str | None, str]]:  # noqa: F811
    """The main pages, then every page each role opens in the accessibility walk."""
    pages = main_pages(world)
    seen = set(pages.values())
    for role, username in ROLES.items():
        for name, path in _pages(role, world).items():
            if (username, path) not in seen and name != "error page":
                seen.add((username, path))
                pages[f"{name} ({role})"] = (username, path)
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_show_no_english_interface_string(world, language):  # noqa: F811
    plain, patterns, translated = _catalogue(language)
    assert len(plain) > 500, "the Spanish catalogue is nearly empty"
    data = _stored_texts()
    found = []
    clients: dict[str | None, Client] = {}
    for name, (username, path) in every_page(world).items():
        if username not in clients:
            clients[username] = Client(HTTP_ACCEPT_LANGUAGE=language)
            if username:
                clients[username].force_login(User.objects.get(username=username))
        response = clients[username].get(path)
        assert response.status_code == 200, (name, response.status_code)
        html = response.content.decode()
        assert f'lang="{language}"' in html, name
        found += [f"{name}: {piece}" for piece in untranslated(html, plain, patterns, data,
                                                                  translated)]
    assert found == [], f"English interface strings in {language}:\n" + "\n".join(
        dict.fromkeys(found))


def test_the_walk_finds_an_english_string_it_is_shown():
    """The comparison itself: an msgid left in English is found, in text and in an
    attribute, with its placeholders filled; data equal to an msgid are not."""
    plain, patterns, _ = _catalogue()
    english = next(iter(sorted(m for m in plain if len(m) > 8)))
    html = (f'<main><p>{english}</p><button aria-label="{english}">x</button>'
            f'<script>var s = "{english}";</script><code>{english}</code>'
            f'<h1>My data title</h1></main>')
    assert untranslated(html, plain, patterns, set()) == [english, english]
    assert untranslated(html, plain, patterns, {english}) == []
    with_placeholder = next(e for e, _ in patterns if "%(" in e)
    filled = re.sub(r"%\([^)]+\)[sd]", "42", with_placeholder)
    assert untranslated(f"<p>{filled}</p>", plain, patterns, set())
