"""Reliability tables ({unit: {coder: value}}) and small helpers shared by the statistics."""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import Any

Table = Mapping[Hashable, Mapping[Hashable, Hashable]]
Distance = Callable[[Any, Any], float]

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KINDS = ("single", "multi", "number", "boolean")


# --------------------------------------------------------------------------- helpers


def sort_key(value: Any) -> tuple:
    """Deterministic total order for mixed category values (labels, codes)."""
    if isinstance(value, (frozenset, set)):
        return (1, len(value), sorted(sort_key(v) for v in value))
    if isinstance(value, (bool, int, float)):
        return (0, 0, value)
    if isinstance(value, str):
        return (0, 1, value)
    return (2, type(value).__name__, repr(value))


def sorted_values(values: Iterable[Any]) -> list[Any]:
    return sorted(set(values), key=sort_key)


def pairable_units(table: Table) -> list[list[Any]]:
    """Values of every unit that has at least two (pairable) values."""
    return [list(codes.values()) for codes in table.values() if len(codes) >= 2]


def coders_of(table: Table) -> list[Hashable]:
    seen: dict[Hashable, None] = {}
    for codes in table.values():
        for coder in codes:
            seen.setdefault(coder, None)
    return list(seen)


def both_coded(table: Table, coder_a: Hashable, coder_b: Hashable) -> list[tuple[Any, Any]]:
    return [
        (codes[coder_a], codes[coder_b])
        for codes in table.values()
        if coder_a in codes and coder_b in codes
    ]


def finite_or_none(x: float) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- simple counts


def units_compared(table: Table) -> int:
    """Number of units with at least two values (units that enter agreement)."""
    return len(pairable_units(table))


def binarize(table: Table, option: Hashable) -> dict[Hashable, dict[Hashable, bool]]:
    """Per-option table: ``option in value`` for every coded value.

    Set-like values (frozenset/set/list/tuple) are tested for membership, any
    other value for equality with ``option``.  Missing values stay missing.
    """
    out: dict[Hashable, dict[Hashable, bool]] = {}
    for unit, codes in table.items():
        row: dict[Hashable, bool] = {}
        for coder, value in codes.items():
            if isinstance(value, (frozenset, set, list, tuple)):
                row[coder] = option in value
            else:
                row[coder] = value == option
        out[unit] = row
    return out
