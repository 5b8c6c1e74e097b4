"""Reliability data as numpy arrays: units x coders category indices (-1 = not coded)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coding.reliability.tables import sort_key


@dataclass
class Coded:
    """Units x coders category indices (-1 = missing) and the category scale.

    ``values`` are the categories' numbers for interval/ratio (None otherwise); the scale's
    order is the ordinal order. ``q`` is the number of categories on the scale.
    """

    codes: np.ndarray
    q: int
    values: np.ndarray | None = None


def encode(
    table, *, categories: list | None = None, numeric: bool = False, coders: list | None = None
) -> tuple[Coded, list]:
    """A reliability table ``{unit: {coder: value}}`` as :class:`Coded`.

    ``categories`` is the scale in order (e.g. a single-choice attribute's options); values
    not on it are added after it in sorted order. ``numeric`` sorts the scale by value and
    keeps the values (for interval and ratio). ``coders`` fixes the columns (default: the
    coders in order of appearance). Returns ``(coded, scale)``.
    """
    if coders is not None:
        coders = {coder: i for i, coder in enumerate(coders)}
    else:
        coders = {}
        for codes in table.values():
            for coder in codes:
                coders.setdefault(coder, len(coders))
    observed = {v for codes in table.values() for v in codes.values()}
    scale = list(categories or [])
    extra = observed.difference(scale)
    if extra:
        scale += sorted(extra, key=sort_key)
    if numeric:
        scale = sorted(scale, key=float)
    index = {v: i for i, v in enumerate(scale)}
    codes = np.full((len(table), max(len(coders), 1)), -1, dtype=np.int64)
    for u, row in enumerate(table.values()):
        for coder, value in row.items():
            codes[u, coders[coder]] = index[value]
    values = np.array([float(v) for v in scale]) if numeric else None
    return Coded(codes=codes, q=len(scale), values=values), scale




def encode_sets(table, options: list, *, coders: list) -> tuple[np.ndarray, list]:
    """A multiple-choice table as units x coders bit masks (bit j = options[j] chosen; -1 =
    not coded). Option keys not in ``options`` get bits after them. Returns (masks, keys)."""
    keys = list(options)
    extra = sorted({o for codes in table.values() for v in codes.values() for o in v}
                   .difference(keys))
    keys += extra
    bit = {key: 1 << j for j, key in enumerate(keys)}
    column = {coder: i for i, coder in enumerate(coders)}
    masks = np.full((len(table), max(len(coders), 1)), -1, dtype=np.int64)
    for u, row in enumerate(table.values()):
        for coder, value in row.items():
            masks[u, column[coder]] = sum(bit[o] for o in value)
    return masks, keys


def option_coded(masks: np.ndarray, j: int) -> Coded:
    """One option of :func:`encode_sets` as a yes/no row (0 = not chosen, 1 = chosen)."""
    return Coded(codes=np.where(masks >= 0, (masks >> j) & 1, -1), q=2)


def sets_coded(masks: np.ndarray) -> Coded:
    """Every distinct set of options one category (the scale is the sets observed)."""
    present = masks >= 0
    distinct = np.unique(masks[present])
    codes = np.full(masks.shape, -1, dtype=np.int64)
    codes[present] = np.searchsorted(distinct, masks[present])
    return Coded(codes=codes, q=len(distinct))
