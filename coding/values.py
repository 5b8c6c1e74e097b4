"""Reading one attribute's raw value, the same way for the coding form and API, adjudication
and the codings CSV import. Each caller says in its own words what was wrong."""

import math
from collections.abc import Collection
from typing import Any

from coding.models import Attribute, AttributeKind

BOOLEAN_WORDS = {
    "yes": True, "true": True, "1": True, "y": True,
    "no": False, "false": False, "0": False, "n": False,
}


class BadValue(ValueError):
    """What is wrong with a raw value: `problem` is "unknown_option", "not_a_number",
    "not_finite" or "not_yes_no"; `unknown` lists the unknown option keys."""

    def __init__(self, problem: str, raw: Any = None, unknown: list[str] | None = None):
        self.problem, self.raw, self.unknown = problem, raw, unknown or []
        super().__init__(problem)


def value_parse(attribute: Attribute, raw: Any, option_keys: Collection[str]) -> Any:
    """The comparable value of `raw` for `attribute`, or None when it is empty.

    single: an option key; multi: a frozenset of option keys (a string is one key; empty
    means none chosen, never None); number: a finite float; boolean: a bool (also from
    yes/no/true/false/1/0/y/n); text: the stripped text. Raises BadValue.
    """
    kind = attribute.kind
    if kind == AttributeKind.MULTI:
        keys = [raw] if isinstance(raw, str) else list(raw or [])
        unknown = [key for key in keys if not isinstance(key, str) or key not in option_keys]
        if unknown:
            raise BadValue("unknown_option", raw, unknown)
        return frozenset(keys)
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
    return str(raw).strip() or None


def bad_value_message(attribute: Attribute, error: BadValue) -> str:
    """The message people see in the coding form, the API and adjudication."""
    label = attribute.label
    if error.problem == "unknown_option":
        if attribute.kind == AttributeKind.SINGLE:
            return f"{label}: {error.raw!r} is not one of its options."
        return f"{label}: {', '.join(map(repr, error.unknown))} not among its options."
    if error.problem == "not_a_number":
        return f"{label}: enter a number, not {error.raw!r}."
    if error.problem == "not_finite":
        return f"{label}: enter a finite number."
    return f"{label}: answer yes or no, not {error.raw!r}."
