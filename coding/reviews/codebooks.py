"""A review's codebook as plain data: the one strict validation, the version token, and the
one entry point that stores a codebook (the file importer, the editor page and the API all
go through `codebook_store`).

The plain data has the YAML file's structure::

    {"title": "…", "sections": [{"title": "…", "attributes": [
        {"key": "level", "label": "Level", "kind": "single", "help": "…",
         "required": False, "level": "nominal",
         "options": [{"key": "national", "label": "National"}],
         "none_option": {"key": "none", "label": "None reported"}}]}]}

`codebook_validate` refuses a value of the wrong type instead of turning it into text, naming
its place ("section 1 (Scales), attribute 2 (intensity): 'label' must be text, got a
list"). Reading files (YAML, JSON) is `codebook_files.codebook_file_load`.

A section's `title`, an attribute's `label` and `help` and an option's `label` are either
text in the codebook's `language` (default "en") or a mapping of language codes
(settings.LANGUAGES) to text, `{en: "Level", es: "Nivel"}`, which must hold the codebook's
language. The stored columns keep the codebook's language, `translations` the others
(coding/reviews/languages.py reads them in the reader's language).
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coding.audit.services import audit_record
from coding.input_limits import CODEBOOK_MAX_ATTRIBUTES, CODEBOOK_MAX_OPTIONS
from coding.models import (
    ATTRIBUTE_KEY_VALIDATOR,
    CHOICE_KINDS,
    LEVELS_BY_KIND,
    OPTION_KEY_VALIDATOR,
    Attribute,
    AttributeKind,
    Codebook,
    Option,
    Review,
    Section,
)
from coding.reliability.services import reliability_changed
from coding.reviews.languages import (
    DEFAULT_SOURCE_LANGUAGE,
    codebook_languages,
    wording_join,
    wording_split,
)
from coding.reviews.policies import may_edit_codebook
from coding.reviews.services import review_data_changed
from coding.values import text_problem

# The keys a codebook may use (codebook_as_dict writes the same).
CODEBOOK_KEYS = ["title", "language", "sections"]
SECTION_KEYS = ["title", "attributes"]
ATTRIBUTE_KEYS = ["key", "label", "kind", "help", "required", "level", "options", "none_option"]
OPTION_KEYS = ["key", "label"]
DEFAULT_NONE_KEY = "none"

# Column sizes of the database (coding/models.py).
TITLE_MAX = 300
SECTION_TITLE_MAX = 200
KEY_MAX = 80
LABEL_MAX = 200


class CodebookInvalid(ValidationError):
    """A codebook refused: `where` names the place ("section 1 (Scales), attribute 2
    (intensity)", or "line 9" for an unknown key of a YAML file), `reason` says why, and
    `field` is the place as a path the editor puts the message beside
    ("sections.0.attributes.1.label")."""

    def __init__(self, where: str, reason: str, field: str = ""):
        self.where, self.reason, self.field = where, reason, field
        super().__init__(f"{where}: {reason}", code="codebook")

    def as_json(self) -> dict:
        return {"where": self.where, "reason": self.reason, "field": self.field,
                "message": f"{self.where}: {self.reason}"}


class CodebookConflict(Exception):
    """The codebook changed since the editor (or API client) read it."""

    def __init__(self, token: str):
        self.token = token
        super().__init__(_("Someone else saved this codebook after you opened it. Reload the "
                           "page to see their version (your draft is kept in this browser), "
                           "then make your changes again."))


# --- validation ----------------------------------------------------------------------------


def _kind_of_value(value) -> str:
    if isinstance(value, bool):
        return _("true/false")
    if isinstance(value, int | float):
        return _("a number")
    if isinstance(value, dict):
        return _("a mapping")
    if isinstance(value, list | tuple):
        return _("a list")
    if value is None:
        return _("nothing")
    if isinstance(value, str):
        return _("text")
    return type(value).__name__


class _Check:
    """Validation state: the attribute keys seen so far, the codebook's language and the
    languages a label may be given in."""

    def __init__(self, language: str = DEFAULT_SOURCE_LANGUAGE):
        self.keys: set[str] = set()
        self.language = language
        self.languages = codebook_languages()


def _fail(where: str, reason: str, field: str = ""):
    raise CodebookInvalid(where, reason, field)


def _check_keys(data: dict, known: list[str], where: str, field: str) -> None:
    """Refuse a key outside `known`, naming the YAML line when the data came from a file."""
    for key in data:
        if key in known:
            continue
        close = difflib.get_close_matches(str(key), known, n=1)
        hint = _("did you mean %(key)r? ") % {"key": close[0]} if close else ""
        line_of = getattr(data, "line_of", None)
        line = line_of(key) if line_of is not None else 0
        _fail(f"line {line}" if line else where,
              _("unknown key %(key)r in %(what)s; %(hint)sknown keys: %(known)s")
              % {"key": key, "what": where, "hint": hint, "known": ", ".join(known)},
              field)


def _text(where: str, field: str, name: str, value, *, required: bool, limit: int | None,
          default: str = "") -> str:
    """A text value, stripped: a string, or (when not required) nothing at all."""
    if value is None:
        if required:
            _fail(where, _("%(name)r is missing") % {"name": name}, field)
        return default
    if not isinstance(value, str):
        hint = ""
        if isinstance(value, bool | int | float):
            hint = _(" (put it in quotes if you meant the text %(text)r)") % {
                "text": json.dumps(value)}
        _fail(where, _("%(name)r must be text, got %(kind)s%(hint)s") % {
            "name": name, "kind": _kind_of_value(value), "hint": hint}, field)
    value = value.strip()
    if required and not value:
        _fail(where, _("%(name)r is empty") % {"name": name}, field)
    problem = text_problem(value)
    if problem is None and limit is not None and len(value) > limit:
        problem = f"too long ({len(value):,} characters; at most {limit:,})"
    if problem:
        _fail(where, f"{name!r} {problem}", field)
    return value


def _wording(where: str, field: str, name: str, value, check: _Check, *, required: bool,
             limit: int | None):
    """A text a person reads (a title, label or help): text in the codebook's language, or a
    mapping {language code: text} holding it (when `required`). Returned as the text when
    only the codebook's language has one, else as a mapping with the codebook's language
    first and the others in the order of settings.LANGUAGES (empty ones left out)."""
    if not isinstance(value, dict):
        return _text(where, field, name, value, required=required, limit=limit)
    texts = {}
    for code, text in value.items():
        if not isinstance(code, str) or code.lower() not in check.languages:
            _fail(where, _("%(name)r: unknown language code %(code)r (known: %(known)s)") % {
                "name": name, "code": code, "known": ", ".join(check.languages)}, field)
        if code in texts or code.lower() in texts:
            _fail(where, _("%(name)r: language %(code)r is given twice") % {
                "name": name, "code": code.lower()}, field)
        texts[code.lower()] = _text(where, field, f"{name} ({code})", text,
                                    required=False, limit=limit)
    if required and not texts.get(check.language):
        _fail(where, _("%(name)r has no text in the codebook's language %(code)r (the "
                       "codebook's 'language'; default 'en')") % {
                           "name": name, "code": check.language}, field)
    others = {code: texts[code] for code in check.languages
              if code != check.language and texts.get(code)}
    if not others:
        return texts.get(check.language, "")
    return {check.language: texts.get(check.language, ""), **others}


def _mapping(where: str, field: str, value, what: str) -> dict:
    if not isinstance(value, dict):
        _fail(where, _("expected a mapping with %(what)s, got %(kind)s") % {
            "what": what, "kind": _kind_of_value(value)}, field)
    return value


def _list(where: str, field: str, name: str, value, *, required: bool) -> list:
    if value is None and not required:
        return []
    if not isinstance(value, list):
        _fail(where, _("%(name)r must be a list, got %(kind)s") % {
            "name": name, "kind": _kind_of_value(value)}, field)
    if required and not value:
        _fail(where, _("%(name)r is an empty list; give at least one") % {"name": name}, field)
    return value


def _valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def codebook_validate(data) -> dict:
    """The codebook `data` (plain data in the YAML file's structure) checked and normalised:
    texts stripped, `help` "" and `required` False when absent, `level` the kind's default,
    `options` a list, `none_option` a {key, label} mapping (a text alone is its label with
    the key "none"). Raises CodebookInvalid naming the first place that is wrong; nothing
    of the wrong type is converted."""
    book = _mapping("codebook", "", data, "'title' and 'sections'")
    _check_keys(book, CODEBOOK_KEYS, "the codebook", "")
    title = _text("codebook", "title", "title", book.get("title"), required=True,
                  limit=TITLE_MAX)
    language = _language(book.get("language"))
    sections = _list("codebook", "sections", "sections", book.get("sections"), required=True)
    check = _Check(language)
    titles: set[str] = set()
    clean_sections = []
    for s_index, section in enumerate(sections):
        where = f"section {s_index + 1}"
        field = f"sections.{s_index}"
        section = _mapping(where, field, section, "'title' and 'attributes'")
        _check_keys(section, SECTION_KEYS, where, field)
        s_wording = _wording(where, f"{field}.title", "title", section.get("title"), check,
                             required=True, limit=SECTION_TITLE_MAX)
        s_title = wording_split(s_wording)[0]
        if s_title in titles:
            _fail(where, _("section title %(title)r is used twice") % {"title": s_title},
                  f"{field}.title")
        titles.add(s_title)
        attributes = _list(where, f"{field}.attributes", "attributes",
                           section.get("attributes"), required=True)
        if len(check.keys) + len(attributes) > CODEBOOK_MAX_ATTRIBUTES:
            _fail(where, _("a codebook may have at most %(most)s attributes") % {
                "most": f"{CODEBOOK_MAX_ATTRIBUTES:,}"}, f"{field}.attributes")
        clean_sections.append({"title": s_wording, "attributes": [
            _attribute(f"{where} ({s_title}), attribute {a_index + 1}",
                       f"{field}.attributes.{a_index}", attribute, check)
            for a_index, attribute in enumerate(attributes)
        ]})
    clean = {"title": title, "sections": clean_sections}
    if language != DEFAULT_SOURCE_LANGUAGE:
        clean = {"title": title, "language": language, "sections": clean_sections}
    return clean


def _language(value) -> str:
    """The codebook's source language: a code of settings.LANGUAGES, "en" when not given."""
    if value is None or value == "":
        return DEFAULT_SOURCE_LANGUAGE
    known = codebook_languages()
    if not isinstance(value, str) or value.strip().lower() not in known:
        _fail("codebook", _("'language' must be one of %(known)s, got %(value)r") % {
            "known": ", ".join(known), "value": value}, "language")
    return value.strip().lower()


def _attribute(where: str, field: str, attribute, check: _Check) -> dict:
    attribute = _mapping(where, field, attribute, "key, label and kind")
    raw_key = attribute.get("key")
    named = f"{where} ({raw_key})" if isinstance(raw_key, str) and raw_key.strip() else where
    _check_keys(attribute, ATTRIBUTE_KEYS, named, field)
    key = _text(where, f"{field}.key", "key", raw_key, required=False, limit=None)
    if not _valid(ATTRIBUTE_KEY_VALIDATOR, key) or len(key) > KEY_MAX:
        _fail(where, _("'key' must be letters, digits, '-' or '_' (at most %(most)d), got "
                       "%(key)r") % {"key": key, "most": KEY_MAX}, f"{field}.key")
    where = f"{where} ({key})"
    if key in check.keys:
        _fail(where, _("attribute key %(key)r is used twice") % {"key": key}, f"{field}.key")
    check.keys.add(key)
    label = _wording(where, f"{field}.label", "label", attribute.get("label"), check,
                     required=True, limit=LABEL_MAX)
    kind = attribute.get("kind")
    if not isinstance(kind, str) or kind not in AttributeKind.values:
        _fail(where, _("'kind' must be one of %(kinds)s, got %(kind)r") % {
            "kinds": ", ".join(AttributeKind.values), "kind": kind}, f"{field}.kind")
    help_text = _wording(where, f"{field}.help", "help", attribute.get("help"), check,
                         required=False, limit=None)
    required = attribute.get("required", False)
    if required is None:
        required = False
    if not isinstance(required, bool):
        _fail(where, _("'required' must be true or false, got %(kind)s") % {
            "kind": _kind_of_value(required)}, f"{field}.required")
    level = _level(where, f"{field}.level", kind, attribute.get("level"))
    options = _list(where, f"{field}.options", "options", attribute.get("options"),
                    required=False)
    if kind in CHOICE_KINDS:
        if not options:
            _fail(where, _("a %(kind)s attribute needs a list of 'options'") % {"kind": kind},
                  f"{field}.options")
    elif options:
        _fail(where, _("a %(kind)s attribute cannot have options") % {"kind": kind},
              f"{field}.options")
    if len(options) > CODEBOOK_MAX_OPTIONS:
        _fail(where, _("an attribute may have at most %(most)s options") % {
            "most": f"{CODEBOOK_MAX_OPTIONS:,}"}, f"{field}.options")
    clean_options = []
    option_keys: set[str] = set()
    for o_index, option in enumerate(options):
        o_where, o_field = f"{where}, option {o_index + 1}", f"{field}.options.{o_index}"
        clean_options.append(_option(o_where, o_field, option, option_keys, check))
    clean = {"key": key, "label": label, "kind": kind, "help": help_text,
             "required": required, "level": level, "options": clean_options}
    if attribute.get("none_option") is not None:
        clean["none_option"] = _none_option(where, f"{field}.none_option", kind,
                                            attribute["none_option"], option_keys, check)
    return clean


def _option_key(where: str, field: str, value, *, default: str | None = None) -> str:
    key = _text(where, f"{field}.key", "key", value if value is not None else default,
                required=True, limit=None)
    if not _valid(OPTION_KEY_VALIDATOR, key) or len(key) > KEY_MAX:
        _fail(where, _("option key %(key)r may not contain ';' (at most %(most)d characters)")
              % {"key": key, "most": KEY_MAX}, f"{field}.key")
    return key


def _option(where: str, field: str, option, option_keys: set[str], check: _Check) -> dict:
    option = _mapping(where, field, option, "key and label")
    _check_keys(option, OPTION_KEYS, where, field)
    key = _option_key(where, field, option.get("key"))
    label = _wording(where, f"{field}.label", "label", option.get("label"), check,
                     required=True, limit=LABEL_MAX)
    if key in option_keys:
        _fail(where, _("option key %(key)r is used twice") % {"key": key}, f"{field}.key")
    option_keys.add(key)
    return {"key": key, "label": label}


def _none_option(where: str, field: str, kind: str, raw, option_keys: set[str],
                 check: _Check) -> dict:
    """`none_option: "None of these reported"` (key "none") or `{key, label}`."""
    where = f"{where}, none_option"
    if kind != AttributeKind.MULTI:
        _fail(where, _("only a multi attribute can have a 'none_option' (this one is "
                       "%(kind)s; give a single-choice attribute an ordinary option instead)")
              % {"kind": kind}, field)
    if isinstance(raw, str):
        raw = {"key": DEFAULT_NONE_KEY, "label": raw}
    raw = _mapping(where, field, raw, "a label or {key, label}")
    _check_keys(raw, OPTION_KEYS, where, field)
    key = _option_key(where, field, raw.get("key"), default=DEFAULT_NONE_KEY)
    label = _wording(where, f"{field}.label", "label", raw.get("label"), check,
                     required=True, limit=LABEL_MAX)
    if key in option_keys:
        _fail(where, _("key %(key)r is also the key of an option; give the none option a key "
                       "of its own") % {"key": key}, f"{field}.key")
    return {"key": key, "label": label}


def _level(where: str, field: str, kind: str, level) -> str:
    """The attribute's level of measurement; the kind's default when not given."""
    allowed = LEVELS_BY_KIND[kind]
    if level is None or level == "":
        return allowed[0]
    if not isinstance(level, str):
        _fail(where, _("'level' must be text, got %(kind)s") % {"kind": _kind_of_value(level)},
              field)
    if kind == AttributeKind.TEXT:
        _fail(where, _("a text attribute has no 'level' (no categories to compare)"), field)
    if level not in allowed:
        _fail(where, _("'level' %(level)r does not fit a %(kind)s attribute (allowed: "
                       "%(allowed)s)") % {"level": level, "kind": kind,
                                          "allowed": ", ".join(allowed)}, field)
    return level


# --- reading the stored codebook -----------------------------------------------------------


def codebook_as_dict(codebook: Codebook) -> dict:
    """The codebook in the YAML file's shape (what `codebook_validate` returns)."""
    language = codebook.language

    def said(text: str, obj, field: str):
        return wording_join(text, (obj.translations or {}).get(field), language)

    sections = []
    for section in codebook.sections.prefetch_related("attributes__options"):
        attributes = []
        for attribute in section.attributes.all():
            item = {"key": attribute.key, "label": said(attribute.label, attribute, "label"),
                    "kind": attribute.kind}
            item["help"] = said(attribute.help_text, attribute, "help")
            item["required"] = attribute.required
            item["level"] = attribute.level
            options = list(attribute.options.all())
            item["options"] = [{"key": o.key, "label": said(o.label, o, "label")}
                               for o in options if not o.is_none]
            none = next((o for o in options if o.is_none), None)
            if none is not None:
                item["none_option"] = {"key": none.key, "label": said(none.label, none, "label")}
            attributes.append(item)
        sections.append({"title": said(section.title, section, "title"),
                         "attributes": attributes})
    if language != DEFAULT_SOURCE_LANGUAGE:
        return {"title": codebook.title, "language": language, "sections": sections}
    return {"title": codebook.title, "sections": sections}


def codebook_file_data(codebook: Codebook) -> dict:
    """The codebook as its file says it (codebook_as_dict without the empty level of text
    attributes): what export_codebook writes, the API's GET ?format=json|yaml answers and
    its PUT, the editor and import_codebook read."""
    data = codebook_as_dict(codebook)
    for section in data["sections"]:
        for attribute in section["attributes"]:
            if attribute["kind"] == AttributeKind.TEXT:
                attribute.pop("level")  # text has no level
    return data


def codebook_yaml(data: dict) -> str:
    """`data` (the file's structure) as the YAML text import_codebook reads."""
    import yaml

    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def _token(codebook: Codebook | None, as_dict: dict | None) -> str:
    if codebook is None:
        return "none"
    text = json.dumps([codebook.pk, codebook.version, as_dict], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def codebook_token(review: Review) -> str:
    """A token that changes whenever the review's current codebook changes (its version or
    any word of it): the editor loads it with the page and the API sends it as the ETag, so a
    save made on an older token is refused (CodebookConflict) instead of overwriting."""
    current = review.current_codebook()
    return _token(current, codebook_as_dict(current) if current is not None else None)


def codebook_in_use(codebook: Codebook) -> bool:
    # A calibration round keeps its version too: revising the codebook after a round is
    # what makes the next round's version, and the round's codings point at the old one.
    return codebook.codings.exists() or codebook.rounds.exists() or Attribute.objects.filter(
        codebook=codebook, consensus_values__isnull=False
    ).exists()


def _shape(book: dict) -> list:
    """What codings depend on: sections, attribute keys, kinds, rules, levels and option
    keys in order. Titles, labels and help texts are not part of it."""
    return [
        [(a["key"], a["kind"], a["required"], a["level"], [o["key"] for o in a["options"]])
         for a in section["attributes"]]
        for section in book["sections"]
    ]


def _fits_in_place(current: dict, parsed: dict) -> bool:
    """True when `parsed` differs from `current` only in wording (titles, labels, help
    texts) and in none options added or relabelled. Adding a none option adds a choice that
    no existing coding has made, so no coding changes meaning beyond what the README says;
    removing one or changing its key would orphan codings that chose it."""
    if _shape(current) != _shape(parsed):
        return False
    for old_section, new_section in zip(current["sections"], parsed["sections"], strict=True):
        for old, new in zip(old_section["attributes"], new_section["attributes"], strict=True):
            old_none = old.get("none_option", {}).get("key")
            new_none = new.get("none_option", {}).get("key")
            if old_none is not None and old_none != new_none:
                return False
    return True


# --- writing -------------------------------------------------------------------------------


@dataclass
class CodebookResult:
    review: Review
    codebook: Codebook | None
    # "created", "updated" (in place, or the unused version replaced), "new version",
    # "unchanged".
    outcome: str
    # The version the codebook has (or would have, in a dry run) afterwards.
    version: int = 0
    # The codebook's token afterwards (codebook_token); "" in a dry run.
    token: str = ""
    # "updated" by replacing the unused version's attributes (more than wording changed).
    replaced: bool = False
    # The import created the review; its `lead` was given the lead role (import commands).
    review_created: bool = False
    lead_added: bool = False


def _stored_wording(**said) -> tuple[dict, dict]:
    """The columns and the `translations` of an object whose file says `said`
    ({"label": "Level" or {"en": "Level", "es": "Nivel"}, "help": …}): the texts in the
    codebook's language by column, and {field: {language: text}} for the others."""
    columns, translations = {}, {}
    for field, value in said.items():
        text, others = wording_split(value)
        columns[{"help": "help_text"}.get(field, field)] = text
        if others:
            translations[field] = others
    return columns, translations


def _fill_codebook(codebook: Codebook, parsed: dict) -> None:
    for s_order, section_data in enumerate(parsed["sections"]):
        columns, translations = _stored_wording(title=section_data["title"])
        section = Section.objects.create(
            codebook=codebook, order=s_order, translations=translations, **columns
        )
        for a_order, data in enumerate(section_data["attributes"]):
            columns, translations = _stored_wording(label=data["label"], help=data["help"])
            attribute = Attribute.objects.create(
                codebook=codebook,
                section=section,
                key=data["key"],
                kind=data["kind"],
                required=data["required"],
                level=data["level"],
                order=a_order,
                translations=translations,
                **columns,
            )
            Option.objects.bulk_create(
                Option(attribute=attribute, key=o["key"], order=o_order,
                       **_option_wording(o))
                for o_order, o in enumerate(data["options"])
            )
            if "none_option" in data:
                _create_none_option(attribute, data)


def _option_wording(option: dict) -> dict:
    columns, translations = _stored_wording(label=option["label"])
    return {**columns, "translations": translations}


def _create_none_option(attribute: Attribute, data: dict) -> None:
    # Last, so that every list of the attribute's options ends with it.
    Option.objects.create(
        attribute=attribute, key=data["none_option"]["key"], order=len(data["options"]),
        is_none=True, **_option_wording(data["none_option"]),
    )


def _reword(obj, **said) -> None:
    """Save the wording `said` (see _stored_wording) on `obj` if it differs."""
    columns, translations = _stored_wording(**said)
    if all(getattr(obj, c) == v for c, v in columns.items()) and (
            (obj.translations or {}) == translations):
        return
    for column, value in columns.items():
        setattr(obj, column, value)
    obj.translations = translations
    obj.save(update_fields=[*columns, "translations"])


def _update_in_place(codebook: Codebook, parsed: dict) -> None:
    """Rewrite the wording of `codebook` and add new none options (see _fits_in_place)."""
    codebook.title = parsed["title"]
    codebook.language = parsed.get("language", DEFAULT_SOURCE_LANGUAGE)
    codebook.save(update_fields=["title", "language"])
    sections = list(codebook.sections.order_by("order", "pk"))
    attributes = {
        a.key: a for a in codebook.attributes.prefetch_related("options")
    }
    for section, data in zip(sections, parsed["sections"], strict=True):
        _reword(section, title=data["title"])
        for item in data["attributes"]:
            attribute = attributes[item["key"]]
            _reword(attribute, label=item["label"], help=item["help"])
            labels = {o["key"]: o["label"] for o in item["options"]}
            if "none_option" in item:
                labels[item["none_option"]["key"]] = item["none_option"]["label"]
                if attribute.none_option is None:
                    _create_none_option(attribute, item)
            for option in attribute.options.all():
                if option.key in labels:
                    _reword(option, label=labels[option.key])


def codebook_outcome(current: Codebook | None, current_dict: dict | None,
                     parsed: dict) -> str:
    """What storing `parsed` would do to the current version: "created" (no codebook yet),
    "unchanged", "updated" (in place: only wording changed, or nobody has used the version
    yet) or "new version" (the change does not fit in place and the version is in use)."""
    if current is None:
        return "created"
    if current_dict == parsed:
        return "unchanged"
    if _fits_in_place(current_dict, parsed) or not codebook_in_use(current):
        return "updated"
    return "new version"


def codebook_outcome_message(outcome: str, version: int, *, dry_run: bool = False,
                             replaced: bool = False) -> str:
    """What a save did (or, `dry_run`, would do), in words for the editor and the API;
    `replaced`: the unused version is replaced rather than reworded."""
    if replaced:
        if dry_run:
            return _("Nobody has coded under version %(version)d yet, so saving replaces it "
                     "(no new version).") % {"version": version}
        return _("Codebook saved: version %(version)d replaced (nobody had coded under it).") % {
            "version": version}
    if dry_run:
        return {
            "created": _("Saving creates the codebook (version %(version)d)."),
            "unchanged": _("Nothing has changed since the codebook was saved."),
            "updated": _("This change fits the current version: saving updates version "
                         "%(version)d in place."),
            "new version": _("Codings already use the current version and this change is "
                             "more than wording, so saving makes a new version "
                             "(%(version)d); codings made so far keep the old one."),
        }[outcome] % {"version": version}
    return {
        "created": _("Codebook created (version %(version)d)."),
        "unchanged": _("Nothing changed: the codebook was already like this."),
        "updated": _("Codebook saved: version %(version)d updated in place."),
        "new version": _("Codebook saved as a new version (%(version)d); codings made under "
                         "the previous version keep it."),
    }[outcome] % {"version": version}


def codebook_store(
    *, review_slug: str, data, actor=None, if_match: str | None = None,
    dry_run: bool = False, create_review: bool = True, source: str = "import",
) -> CodebookResult:
    """Store the codebook `data` (plain data, checked by codebook_validate) as the review's
    current codebook; the one path of the importer, the editor and the API.

    An identical codebook changes nothing. Changed wording (titles, labels, help texts)
    and added none options update the current version in place, codings or not. Any
    other change replaces the current version while nobody has coded under it, and
    otherwise becomes a new version, so codings made under the old one keep their
    attributes. With `if_match` (a codebook_token), a codebook changed since raises
    CodebookConflict. `dry_run` writes nothing and says what a save would do. A change is
    recorded in the audit log (action "codebook.<outcome>", `source` in its data).
    """
    parsed = codebook_validate(data)
    with transaction.atomic():
        review = Review.objects.select_for_update().filter(slug=review_slug).first()
        if review is None:
            if not create_review:
                raise CodebookInvalid("review", _("no review with slug %(slug)r") % {
                    "slug": review_slug})
            if dry_run:
                return CodebookResult(Review(slug=review_slug, title=parsed["title"]), None,
                                      "created", 1)
            review = Review.objects.create(slug=review_slug, title=parsed["title"])
        current = review.current_codebook()
        current_dict = codebook_as_dict(current) if current is not None else None
        if if_match is not None and if_match != _token(current, current_dict):
            raise CodebookConflict(_token(current, current_dict))
        outcome = codebook_outcome(current, current_dict, parsed)
        version = 1 if current is None else current.version + (outcome == "new version")
        replaced = outcome == "updated" and not _fits_in_place(current_dict, parsed)
        if dry_run or outcome == "unchanged":
            token = "" if dry_run else _token(current, current_dict)
            return CodebookResult(review, current, outcome, version, token, replaced)
        language = parsed.get("language", DEFAULT_SOURCE_LANGUAGE)
        if outcome == "created":
            codebook = Codebook.objects.create(review=review, version=1, title=parsed["title"],
                                               language=language)
        elif outcome == "new version":
            codebook = Codebook.objects.create(
                review=review, version=version, title=parsed["title"], language=language
            )
        elif _fits_in_place(current_dict, parsed):
            _update_in_place(current, parsed)
            _counts_rebuilt(review)
            review_data_changed(review=review)
            return _stored(review, current, "updated", actor, source, parsed)
        else:  # replaced
            current.sections.all().delete()
            current.title = parsed["title"]
            current.language = language
            current.save(update_fields=["title", "language"])
            codebook = current
        _fill_codebook(codebook, parsed)
        _counts_rebuilt(review)
        review_data_changed(review=review)
        reliability_changed(review=review)
        return _stored(review, codebook, outcome, actor, source, parsed, replaced=replaced)


def _stored(review, codebook, outcome, actor, source, parsed, *,
            replaced: bool = False) -> CodebookResult:
    audit_record(actor=actor, action="codebook." + outcome.replace(" ", "_"), obj=codebook,
                 review=review, data={"version": codebook.version, "source": source,
                                      "attributes": sum(len(s["attributes"])
                                                        for s in parsed["sections"])})
    return CodebookResult(review, codebook, outcome, codebook.version,
                          _token(codebook, parsed), replaced)


def codebook_save(*, review: Review, actor, data, if_match: str | None,
                  dry_run: bool = False, source: str = "editor") -> CodebookResult:
    """A lead saves the review's codebook from the editor page or the API (codebook_store,
    refused for anyone else). `if_match` is the token read with the codebook."""
    if not may_edit_codebook(actor, review):
        raise ValidationError(_("Only a lead of this review can change its codebook."),
                              code="role")
    return codebook_store(review_slug=review.slug, data=data, actor=actor, if_match=if_match,
                          dry_run=dry_run, create_review=False, source=source)


def _counts_rebuilt(review: Review) -> None:
    """A codebook change may delete consensus values (a replaced codebook) or change which
    options the dashboard draws: the review's dashboard counts are rebuilt, if it has any
    (coding.public.counts; a review without them gets them from the background warm-up)."""
    from coding.public.counts import dashboard_counts_built, dashboard_counts_rebuild

    if dashboard_counts_built(review):
        dashboard_counts_rebuild(review)
