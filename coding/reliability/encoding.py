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
    return encode_entries(table_entries(table, coders), categories=categories,
                          numeric=numeric)


@dataclass
class Entries:
    """Every coded value of a units x coders table, flat: value k is ``distinct[of_value[k]]``
    at (``units[k]``, ``columns[k]``); ``shape`` is the table's. A table of dicts gives them
    (table_entries), and so do arrays read from the database (a reliability snapshot's, which makes
    no table), so both are encoded by the same rule."""

    shape: tuple[int, int]
    units: np.ndarray
    columns: np.ndarray
    distinct: list
    of_value: np.ndarray


def encode_entries(entries: Entries, *, categories: list | None = None,
                   numeric: bool = False) -> tuple[Coded, list]:
    """:func:`encode` of a table given as its entries."""
    scale = list(categories or [])
    extra = set(entries.distinct).difference(scale)
    if extra:
        scale += sorted(extra, key=sort_key)
    if numeric:
        scale = sorted(scale, key=float)
    index = {v: i for i, v in enumerate(scale)}
    codes = np.full(entries.shape, -1, dtype=np.int64)
    codes[entries.units, entries.columns] = np.array(
        [index[v] for v in entries.distinct], dtype=np.int64)[entries.of_value]
    numbers = np.array([float(v) for v in scale]) if numeric else None
    return Coded(codes=codes, q=len(scale), values=numbers), scale


def encode_set_entries(entries: Entries, options: list) -> tuple[np.ndarray, list]:
    """A multiple-choice table, given as its entries, as units x coders bit masks (bit j =
    options[j] chosen; -1 = not coded). Option keys not in ``options`` get bits after them.
    Returns (masks, keys)."""
    keys = list(options)
    keys += sorted({o for value in entries.distinct for o in value}.difference(keys))
    bit = {key: 1 << j for j, key in enumerate(keys)}
    masks = np.full(entries.shape, -1, dtype=np.int64)
    masks[entries.units, entries.columns] = np.array(
        [sum(bit[o] for o in value) for value in entries.distinct],
        dtype=np.int64)[entries.of_value]
    return masks, keys


def table_entries(table, coders: list) -> Entries:
    """The entries of a table of dicts: units in the table's order, columns in `coders`'."""
    column = {coder: i for i, coder in enumerate(coders)}
    units, columns, of_value = [], [], []
    distinct: dict = {}
    for u, row in enumerate(table.values()):
        for coder, value in row.items():
            units.append(u)
            columns.append(column[coder])
            of_value.append(distinct.setdefault(value, len(distinct)))
    return Entries((len(table), max(len(coders), 1)), np.array(units, dtype=np.int64),
                   np.array(columns, dtype=np.int64), list(distinct),
                   np.array(of_value, dtype=np.int64))


def option_coded(masks: np.ndarray, j: int) -> Coded:
    """One option of :func:`encode_set_entries` as a yes/no row (0 = not chosen, 1 = chosen)."""
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
