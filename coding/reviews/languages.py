"""A codebook in several languages: the codes a codebook may use, and the one lookup of an
attribute's, option's or section's wording in a language.

The columns `label`, `help_text` and `title` hold the codebook's source language
(`Codebook.language`); `translations` holds the others, {"label": {"es": "…"}}. Coded values
are stored by key, never by label, so codings made in different languages compare and
adjudicate as one; only what people read changes with the language.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import get_language

DEFAULT_SOURCE_LANGUAGE = "en"

# The model field holding each translatable word of the codebook's file.
_COLUMNS = {"label": "label", "help": "help_text", "title": "title"}


def codebook_languages() -> list[str]:
    """The language codes a codebook may use (settings.LANGUAGES), in their order."""
    return [code.lower() for code, _name in settings.LANGUAGES]


def language_chosen(code: str | None) -> str | None:
    """`code` (an export's `?lang=` / `--lang`) as a codebook language, or None when it is
    not one; "es-ES" and "ES" count as "es"."""
    if not code:
        return None
    code = code.strip().lower().replace("_", "-")
    known = codebook_languages()
    if code in known:
        return code
    base = code.split("-")[0]
    return base if base in known else None


def wording_split(value) -> tuple[str, dict]:
    """A validated title, label or help (see _wording) as (the text in the codebook's
    language, {other language: text}); the codebook's language is a mapping's first key."""
    if isinstance(value, dict):
        items = list(value.items())
        return items[0][1], dict(items[1:])
    return value, {}


def wording_join(text: str, translations: dict | None, language: str):
    """The stored `text` (in `language`) and its `translations` as the file says them: the
    text alone when there are no translations (the inverse of wording_split)."""
    if not translations:
        return text
    return {language: text, **{code: translations[code] for code in codebook_languages()
                               if code != language and translations.get(code)}}


def _candidates(language: str | None) -> list[str]:
    code = (language or get_language() or DEFAULT_SOURCE_LANGUAGE).lower().replace("_", "-")
    base = code.split("-")[0]
    return [code] if base == code else [code, base]


def translated(obj, field: str = "label", language: str | None = None) -> str:
    """The `field` ("label", "help" or "title") of a codebook's attribute, option or section
    in `language` (default: the active language, django.utils.translation.get_language()),
    falling back to the codebook's source language (the stored column). Anything with the
    column and, optionally, a `translations` mapping will do (the editor's preview)."""
    return in_language(getattr(obj, _COLUMNS[field]),
                       (getattr(obj, "translations", None) or {}).get(field), language)


def in_language(source: str, by_language: dict | None, language: str | None = None) -> str:
    """`source` (the codebook's language) or its translation in `language` (default: the
    active one) from `by_language` ({code: text}), for rows read without model instances."""
    if by_language:
        for code in _candidates(language):
            text = by_language.get(code)
            if text:
                return text
    return source


def reader_language(language: str | None = None) -> str:
    """The codebook language a reader's data is computed in: `language` or the active one
    as a code of settings.LANGUAGES ("en-gb" is "en"), "en" when it is none of them; what
    the readers' caches are keyed by."""
    return language_chosen(language or get_language()) or DEFAULT_SOURCE_LANGUAGE


class InLanguage:
    """An attribute, option or section whose `label`, `help_text` and `title` read in a
    language (see translated); everything else is the object's own. The templates' filter
    `in_language` wraps an attribute in it, so `{{ a.label }}` needs no change."""

    def __init__(self, obj, language: str | None = None):
        self._obj, self._language = obj, language

    def __getattr__(self, name):
        for field, column in _COLUMNS.items():
            if name == column and hasattr(self._obj, column):
                return translated(self._obj, field, self._language)
        return getattr(self._obj, name)

    def __str__(self) -> str:
        return str(self.label if hasattr(self._obj, "label") else self.title)


def source_text(value) -> str:
    """A validated title, label or help in the codebook's own language (what a REFI-QDA file
    and other single-language formats carry)."""
    return wording_split(value)[0]


def review_source_language(review) -> str:
    """The source language of the review's current codebook ("en" without one)."""
    current = review.current_codebook()
    return current.language if current is not None else DEFAULT_SOURCE_LANGUAGE
