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
    if coders is None:
        coders = list(dict.fromkeys(c for codes in table.values() for c in codes))
    units, columns, values = _entries(table, coders)
    scale = list(categories or [])
    extra = set(values).difference(scale)
    if extra:
        scale += sorted(extra, key=sort_key)
    if numeric:
        scale = sorted(scale, key=float)
    index = {v: i for i, v in enumerate(scale)}
    codes = np.full((len(table), max(len(coders), 1)), -1, dtype=np.int64)
    codes[units, columns] = [index[v] for v in values]
    numbers = np.array([float(v) for v in scale]) if numeric else None
    return Coded(codes=codes, q=len(scale), values=numbers), scale


def _entries(table, coders: list) -> tuple[list, list, list]:
    """Flat (unit index, coder column, value) lists of every coded value."""
    column = {coder: i for i, coder in enumerate(coders)}
    units, columns, values = [], [], []
    for u, row in enumerate(table.values()):
        for coder, value in row.items():
            units.append(u)
            columns.append(column[coder])
            values.append(value)
    return units, columns, values


def encode_sets(table, options: list, *, coders: list) -> tuple[np.ndarray, list]:
    """A multiple-choice table as units x coders bit masks (bit j = options[j] chosen; -1 =
    not coded). Option keys not in ``options`` get bits after them. Returns (masks, keys)."""
    units, columns, values = _entries(table, coders)
    distinct = set(values)
    keys = list(options)
    keys += sorted({o for value in distinct for o in value}.difference(keys))
    bit = {key: 1 << j for j, key in enumerate(keys)}
    mask_of = {value: sum(bit[o] for o in value) for value in distinct}
    masks = np.full((len(table), max(len(coders), 1)), -1, dtype=np.int64)
    masks[units, columns] = [mask_of[v] for v in values]
    return masks, keys


def option_coded(masks: np.ndarray, j: int) -> Coded:
    """One option of :func:`encode_sets` as a yes/no row (0 = not chosen, 1 = chosen)."""
    return Coded(codes=np.where(masks >= 0, (masks >> j) & 1, -1), q=2)


def sets_coded(masks: np.ndarray) -> tuple[Coded, np.ndarray]:
    """Every distinct set of options one category (the scale is the sets observed).
    Returns the coded data and the distinct masks (category i is set distinct[i])."""
    present = masks >= 0
    distinct = np.unique(masks[present])
    codes = np.full(masks.shape, -1, dtype=np.int64)
    codes[present] = np.searchsorted(distinct, masks[present])
    return Coded(codes=codes, q=len(distinct)), distinct


def masi_matrix(distinct: np.ndarray) -> np.ndarray:
    """MASI distances (Passonneau 2006, as masi_distance) between sets given as bit masks."""
    def size(x):
        return np.array([bin(int(v)).count("1") for v in x.ravel()]).reshape(x.shape)

    a, b = distinct[:, None], distinct[None, :]
    inter, union = size(a & b), size(a | b)
    sizes = size(distinct)
    len_a = np.broadcast_to(sizes[:, None], inter.shape)
    len_b = np.broadcast_to(sizes[None, :], inter.shape)
    m = np.where((len_a == len_b) & (len_a == inter), 1.0,
                 np.where(inter == np.minimum(len_a, len_b), 2 / 3,
                          np.where(inter > 0, 1 / 3, 0.0)))
    with np.errstate(all="ignore"):
        d = 1.0 - inter / union * m
    return np.where(union == 0, 0.0, d)
