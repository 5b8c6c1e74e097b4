"""One value type for every attribute kind: parse a raw value, store it, compare two values,
and show it to people (page, CSV, JSON, audit log). The coding form and API, the importers,
adjudication, the exports and reliability all go through here."""

import json
import math
import re
from collections.abc import Collection
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext

from coding.models import (
    CHOICE_KINDS,
    Attribute,
    AttributeKind,
    ConsensusValue,
    Option,
    ValueFields,
)
from coding.reviews.languages import translated

BOOLEAN_WORDS = {
    "yes": True, "true": True, "1": True, "y": True,
    "no": False, "false": False, "0": False, "n": False,
}


# --- text limits: one check for every text people send (forms, API, importers) ----------

# Control characters (C0, DEL, C1). Text may hold tab, line feed and carriage return;
# addresses and query parameters may not (see text_problem's `multiline`).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CONTROL_ANY = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def max_length(kind: str) -> int:
    """The documented maximum length (characters) of a kind of text: "text" (a text value),
    "evidence", "note", "rationale", "case_title", "case_country", "case_summary",
    "case_source" (settings.INPUT_MAX_LENGTHS)."""
    return settings.INPUT_MAX_LENGTHS[kind]


def text_problem(text: str, *, limit: str | None = None, multiline: bool = True) -> str | None:
    """What is wrong with `text` (None if nothing): a control character, or more characters
    than max_length(limit). The wording is shared by the page, the API and the importers."""
    found = (_CONTROL if multiline else _CONTROL_ANY).search(text)
    if found:
        return gettext("contains a control character (U+%(code)s at character %(position)s); "
                       "remove it") % {"code": f"{ord(found.group()):04X}",
                                        "position": found.start() + 1}
    if limit is not None and len(text) > max_length(limit):
        return gettext("too long (%(length)s characters; at most %(limit)s)") % {
            "length": f"{len(text):,}", "limit": f"{max_length(limit):,}"}
    return None


def text_check(text: str, *, label: str, limit: str | None = None) -> str:
    """`text` if it has no problem; else ValidationError("<label>: <problem>.")."""
    problem = text_problem(text, limit=limit)
    if problem:
        raise ValidationError(gettext("%(label)s: %(problem)s.") % {
            "label": label, "problem": problem}, code="bad_text")
    return text


@deconstructible
class TextValidator:
    """The same check as a form or serializer field validator (the field's label is added
    by the form)."""

    def __init__(self, limit: str | None = None):
        self.limit = limit

    def __call__(self, value) -> None:
        problem = text_problem(str(value), limit=self.limit)
        if problem:
            raise ValidationError(gettext("%(problem)s.") % {"problem": problem},
                                  code="bad_text")

    def __eq__(self, other) -> bool:
        return isinstance(other, TextValidator) and other.limit == self.limit


# --- evidence anchors ------------------------------------------------------------------------

ANCHOR_KEYS = ("document", "page", "exact", "prefix", "suffix", "start", "end")
MAX_ANCHORS = 20
CONTEXT_MAX = 200  # prefix and suffix: enough to tell repeated quotes apart


def _squashed(text: str) -> str:
    return "".join(text.split()).lower()


def anchors_check(raw: Any, *, evidence: str, document_ids: Collection[int], label: str
                  ) -> list[dict]:
    """Where the quotes of an evidence text are in the case's documents: a list of W3C Web
    Annotation selectors, one per quote, each {"document": id, "page": n or None (PDF page),
    "exact", "prefix", "suffix" (TextQuoteSelector), "start", "end" (TextPositionSelector in
    the page's text for a PDF, the document's text otherwise)}. `raw` is that list or its
    JSON. An anchor whose quote is no longer in `evidence` is dropped (the coder edited the
    quote away); one that points outside the case's documents is refused."""
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValidationError(gettext("%(label)s: the evidence anchors are not valid JSON.")
                                  % {"label": label}) from None
    if not isinstance(raw, list) or len(raw) > MAX_ANCHORS:
        raise ValidationError(gettext("%(label)s: evidence anchors must be a list of at most "
                                      "%(max)s.") % {"label": label, "max": MAX_ANCHORS})
    in_evidence = _squashed(evidence)
    anchors = []
    for item in raw:
        if (not isinstance(item, dict) or set(item) - set(ANCHOR_KEYS)
                or not isinstance(item.get("exact"), str) or not item["exact"].strip()):
            raise ValidationError(gettext(
                "%(label)s: an evidence anchor needs 'document' and 'exact' and takes only "
                "%(keys)s.") % {"label": label, "keys": ", ".join(ANCHOR_KEYS)})
        numbers = {name: item.get(name) for name in ("document", "page", "start", "end")}
        if any(v is not None and (not isinstance(v, int) or isinstance(v, bool) or v < 0)
               for v in numbers.values()) or numbers["page"] == 0:
            raise ValidationError(gettext(
                "%(label)s: an evidence anchor's document, page, start and end are whole "
                "numbers (pages from 1).") % {"label": label})
        if numbers["document"] not in document_ids:
            raise ValidationError(gettext(
                "%(label)s: an evidence anchor points to a document that is not one of this "
                "case's.") % {"label": label})
        start, end = numbers["start"], numbers["end"]
        if (start is None) != (end is None) or (start is not None and end < start):
            raise ValidationError(gettext(
                "%(label)s: an evidence anchor's end comes before its start.") % {"label": label})
        exact = text_check(item["exact"], limit="evidence", label=label)
        context = {name: str(item.get(name) or "")[:CONTEXT_MAX] for name in ("prefix", "suffix")}
        for name, text in context.items():
            text_check(text, label=gettext("%(label)s (anchor %(name)s)") % {
                "label": label, "name": name})
        if _squashed(exact) not in in_evidence:
            continue
        anchors.append({"document": numbers["document"], "page": numbers["page"],
                        "exact": exact, **context, "start": start, "end": end})
    return anchors


def anchors_kept(anchors: list[dict], evidence: str) -> list[dict]:
    """Stored anchors whose quote is still in the (edited) evidence."""
    in_evidence = _squashed(evidence)
    return [a for a in anchors or [] if _squashed(a.get("exact", "")) in in_evidence]


# --- values --------------------------------------------------------------------------------


class BadValue(ValueError):
    """What is wrong with a raw value: `problem` is "unknown_option", "none_exclusive" (the
    none option with other options), "not_a_number", "not_finite", "not_yes_no" or
    "bad_text" (then `detail` says what); `unknown` lists the unknown option keys."""

    def __init__(self, problem: str, raw: Any = None, unknown: list[str] | None = None,
                 detail: str = ""):
        self.problem, self.raw, self.unknown, self.detail = problem, raw, unknown or [], detail
        super().__init__(problem)


def value_parse(attribute: Attribute, raw: Any, option_keys: Collection[str]) -> Any:
    """The comparable value of `raw` for `attribute`, or None when it is empty.

    single: an option key; multi: a frozenset of option keys (a string is one key; empty
    means none chosen, never None; the attribute's none option only on its own); number: a
    finite float; boolean: a bool (also from yes/no/true/false/1/0/y/n); text: the stripped
    text. Raises BadValue.
    """
    kind = attribute.kind
    if kind == AttributeKind.MULTI:
        keys = [raw] if isinstance(raw, str) else list(raw or [])
        unknown = [key for key in keys if not isinstance(key, str) or key not in option_keys]
        if unknown:
            raise BadValue("unknown_option", raw, unknown)
        value = frozenset(keys)
        none_key = attribute.none_key
        if none_key is not None and none_key in value and len(value) > 1:
            raise BadValue("none_exclusive", raw)
        return value
    if raw is None or raw == "":
        return None
    if kind == AttributeKind.SINGLE:
        if not isinstance(raw, str) or raw not in option_keys:
            raise BadValue("unknown_option", raw, [raw])
        return raw
    if kind == AttributeKind.NUMBER:
        try:
            number = float(raw)
        except (TypeError, ValueError):
            raise BadValue("not_a_number", raw) from None
        if not math.isfinite(number):
            raise BadValue("not_finite", raw)
        return number
    if kind == AttributeKind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        word = str(raw).strip().lower()
        if word not in BOOLEAN_WORDS:
            raise BadValue("not_yes_no", raw)
        return BOOLEAN_WORDS[word]
    text = str(raw).strip()
    problem = text_problem(text, limit="text")
    if problem:
        raise BadValue("bad_text", raw, detail=problem)
    return text or None


def bad_value_message(attribute: Attribute, error: BadValue) -> str:
    """The message people see in the coding form, the API and adjudication."""
    label = translated(attribute)  # in the reader's language
    if error.problem == "bad_text":
        return gettext("%(label)s: %(problem)s.") % {"label": label, "problem": error.detail}
    if error.problem == "none_exclusive":
        none = attribute.none_option
        return gettext("%(label)s: %(none)s means none of the options; choose it alone or "
                       "untick it.") % {"label": label, "none": repr(none.label)}
    if error.problem == "unknown_option":
        if attribute.kind == AttributeKind.SINGLE:
            return gettext("%(label)s: %(value)s is not one of its options.") % {
                "label": label, "value": repr(error.raw)}
        return gettext("%(label)s: %(values)s not among its options.") % {
            "label": label, "values": ", ".join(map(repr, error.unknown))}
    if error.problem == "not_a_number":
        return gettext("%(label)s: enter a number, not %(value)s.") % {
            "label": label, "value": repr(error.raw)}
    if error.problem == "not_finite":
        return gettext("%(label)s: enter a finite number.") % {"label": label}
    return gettext("%(label)s: answer yes or no, not %(value)s.") % {
        "label": label, "value": repr(error.raw)}


def stored_value(attribute: Attribute, stored) -> Any:
    """The comparable value of a CodedValue or ConsensusValue (options prefetched).

    single: option key or None; multi: frozenset of option keys (None when nothing is
    stored); number: float or None; boolean: bool or None; text: str or None.
    """
    if stored is None:
        return None
    kind = attribute.kind
    if kind == AttributeKind.SINGLE:
        keys = [o.key for o in stored.options.all()]
        return keys[0] if keys else None
    if kind == AttributeKind.MULTI:
        return frozenset(o.key for o in stored.options.all())
    if kind == AttributeKind.NUMBER:
        return stored.number
    if kind == AttributeKind.BOOLEAN:
        return stored.boolean
    return stored.text or None


def coded_from_fields(attribute: Attribute, number, boolean, keys: frozenset[str] | None) -> Any:
    """The comparable value of a non-text value from its fields as read in bulk (`keys`: its
    chosen options' keys, None for none), or None where it is not coded: the reliability
    tables and coder drift read values this way. A single choice with more than one option
    stored (a corrupt row) takes the smallest key, so that it reads the same every time."""
    kind = attribute.kind
    if kind == AttributeKind.SINGLE:
        value: Any = min(keys) if keys else None
    elif kind == AttributeKind.MULTI:
        value = keys or frozenset()
    elif kind == AttributeKind.NUMBER:
        value = None if number is None else float(number)
    else:
        value = None if boolean is None else bool(boolean)
    return value if value_is_coded(attribute, value) else None


def values_equal(attribute: Attribute, a: Any, b: Any) -> bool:
    if attribute.kind == AttributeKind.MULTI:
        # A multiple-choice attribute with nothing ticked is saved as no value at all.
        return (a or frozenset()) == (b or frozenset())
    return a == b


def value_is_blank(attribute: Attribute, value: Any) -> bool:
    return value is None or (attribute.kind == AttributeKind.MULTI and not value)


def value_is_coded(attribute: Attribute, value: Any) -> bool:
    """Whether a stored comparable value is an answer. An empty multiple choice is the
    answer "none chosen" unless the attribute has a none option: then the coder says "none"
    by choosing it, and nothing ticked is "not coded"."""
    if value is None:
        return False
    if attribute.kind == AttributeKind.MULTI and not value:
        return attribute.none_option is None
    return True


def value_json(value: Any) -> Any:
    """A comparable value as JSON (sorted list for sets)."""
    if isinstance(value, frozenset):
        return sorted(value)
    return value


def differing_options(a: Any, b: Any) -> tuple[list[str], list[str]]:
    """For multiple choice: (chosen only by A, chosen only by B), option keys sorted."""
    a, b = a or frozenset(), b or frozenset()
    return sorted(a - b), sorted(b - a)


def value_store(row: ValueFields, attribute: Attribute, value: Any) -> list[Option]:
    """Put a comparable value into a CodedValue's or ConsensusValue's fields (text, number,
    boolean); returns the options to set on it after it is saved (choice kinds)."""
    row.text = (value or "") if attribute.kind == AttributeKind.TEXT else ""
    row.number = value if attribute.kind == AttributeKind.NUMBER else None
    row.boolean = value if attribute.kind == AttributeKind.BOOLEAN else None
    if not attribute.is_choice or value is None:
        return []
    wanted = {value} if attribute.kind == AttributeKind.SINGLE else set(value)
    return [o for o in _options(attribute) if o.key in wanted]


def _options(attribute: Attribute) -> list[Option]:
    """The attribute's options, read once per Attribute instance, like a prefetch: imports
    store hundreds of thousands of values of a dozen attributes, and a related manager per
    value costs seconds."""
    cached = attribute.__dict__.get("_option_list")
    if cached is None:
        cached = attribute.__dict__["_option_list"] = list(attribute.options.all())
    return cached


def value_snapshot(
    attribute: Attribute, consensus: ConsensusValue | None, value: Any = None
) -> dict | None:
    """JSON for a revision's before/after: the value, evidence, method."""
    if consensus is None:
        return None
    return {
        "value": value_json(value),
        "evidence": consensus.evidence,
        "method": consensus.method,
    }


def value_display(attribute: Attribute, value: Any) -> str | list[str] | None:
    """A comparable value for people: option labels, a number, Yes/No; None if not coded."""
    if value is None:
        return None
    if attribute.is_choice:
        # In the reader's language; the values compared are keys, never these labels.
        labels = {o.key: translated(o) for o in attribute.options.all()}
        if attribute.kind == AttributeKind.SINGLE:
            return labels.get(value, value)
        order = {o.key: i for i, o in enumerate(attribute.options.all())}
        return [labels.get(k, k) for k in sorted(value, key=lambda k: (order.get(k, 0), k))]
    if attribute.kind == AttributeKind.NUMBER:
        return f"{value:g}"
    if attribute.kind == AttributeKind.BOOLEAN:
        return gettext("Yes") if value else gettext("No")
    return value


def value_from_snapshot(attribute: Attribute, snapshot: dict | None) -> str | list[str] | None:
    """The value of a revision's before/after snapshot, for people."""
    if not snapshot:
        return None
    value = snapshot.get("value")
    if attribute.kind == AttributeKind.MULTI:
        return value_display(attribute, frozenset(value or []))
    return value_display(attribute, value)


def value_text(value, *, empty: str | None = None, none_chosen: str | None = None) -> str:
    """A displayed value (value_display, value_for_readers) as one line of text: `empty`
    ("no value" if not given) when not coded, options joined by "; ", `none_chosen` ("none
    chosen" if not given) for an empty multiple choice."""
    if value is None:
        return gettext("no value") if empty is None else empty
    if isinstance(value, list):
        if not value:
            return gettext("none chosen") if none_chosen is None else none_chosen
        return "; ".join(value)
    return str(value)


def stored_text(attribute: Attribute, stored) -> str:
    """A CodedValue or ConsensusValue as text for read-only pages ("" when not coded)."""
    value = stored_value(attribute, stored)
    if not value_is_coded(attribute, value):
        return ""
    return value_text(value_display(attribute, value), empty="")


def value_for_readers(kind: str, row: dict, option_labels: list[str]):
    """A consensus value for reader pages, JSON and CSV, from a values() row and its option
    labels (no model instances, for exports of thousands of cases): a list of option labels,
    the text, an int or float, or "Yes"/"No"."""
    if kind in CHOICE_KINDS:
        return option_labels
    if kind == AttributeKind.NUMBER:
        number = row["number"]
        return None if number is None else (int(number) if number == int(number) else number)
    if kind == AttributeKind.BOOLEAN:
        return None if row["boolean"] is None else ("Yes" if row["boolean"] else "No")
    return row["text"]


def value_csv(attribute: Attribute, value: Any, option_order: dict[str, int]) -> str:
    """A comparable value in the codings CSV format (import_codings reads it back): option
    keys joined by ";" in codebook order, numbers without a needless ".0", yes/no."""
    if value is None:
        return ""
    if attribute.kind == AttributeKind.MULTI:
        return ";".join(sorted(value, key=lambda k: (option_order.get(k, 0), k)))
    if attribute.kind == AttributeKind.NUMBER:
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if attribute.kind == AttributeKind.BOOLEAN:
        return "yes" if value else "no"
    return str(value)
