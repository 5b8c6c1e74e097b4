"""Coder drift: agreement between the coders over time, and each coder's agreement with the
others on the same cases, chance-corrected, with intervals where the data allow and a trend
test. Never agreement with the consensus: a consensus is made from the coders' own values
(the coder the adjudicator sided with would score 100%), so drift here does not depend on
any decision.

Cases: those whose assigned coders (at least two) have all submitted
(coding.codings.policies.cases_with_complete_coding), whether disagreements on them are open
or settled; a case is placed in time when its last coding was submitted (when it became
complete), then by case order. Nothing of a case someone is still blind on counts.

Units: one per case and attribute (text attributes left out); the values are the coders'
answers (coding.values.value_is_coded: a value not given is missing). All attributes of a
block are pooled into one nominal Krippendorff's alpha, each attribute's answers being
categories of their own (a "local" for level is never the same category as anything of
another attribute), the way the per-case figures pool in the review's report table: one
figure per block that uses every value compared, rather than an average of per-attribute
alphas that are mostly undefined or without interval on a block of 20 cases. Intervals come
from coding.reliability.coefficients.row_statistics (BCa bootstrap with its minimum
information rules); percent agreement beside it.

Per coder: each pair of that coder's value and another coder's value on the same case and
attribute is a unit (two columns: the coder, the other), so the coder's alpha is with the
other coders, not with a consensus.

Trend: the alpha of the first half of the cases (in completion order) against the second
half, and the share of random reorderings of the cases with a difference at least as large
(a two-sided permutation test).

Computed by the reliability snapshot's background task (drift_snapshot), never in a request:
pages and the API read the stored rows (coding.reliability.selectors.snapshot_drift). Window
sizes other than the stored ones are grouped from the stored per-case values when asked
for, with point figures only (no bootstrap in a request).
"""

from __future__ import annotations

import hashlib
import json
import math
from array import array
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from coding.codings.policies import cases_with_complete_coding
from coding.dbbulk import EpochMicroseconds, moment, read_columns
from coding.models import (
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    Option,
    ReliabilitySnapshot,
    SnapshotStatus,
)
from coding.reliability.coefficients import (
    CI_DECIMALS,
    MIN_UNITS_FOR_INTERVAL,
    row_statistics,
    subset_alphas,
)
from coding.reliability.encoding import Coded, Entries
from coding.reliability.selectors import (
    CASE_ORDER,
    ReliabilityData,
    as_text,
    encode_attribute,
    json_value,
    report_attributes,
)
from coding.reliability.threads import in_parallel
from coding.values import coded_from_fields, value_json

WEEK, WINDOW = "week", "window"
DEFAULT_WINDOW = 20
MAX_WINDOW = 1000
# The stored drift's format: snapshots with another (older) format are not read.
FORMAT = 2
# Part of every block's digest (_Prepared.digest): a block's rows are taken from the previous
# snapshot only when computed by the same code. Change it whenever a block's figures would
# come out differently from the same cases.
REUSE = "drift-block-1"
# The same for the figures over all cases (overall, trend): taken from the previous snapshot
# when no case has changed at all (_Prepared.digest_all).
REUSE_ALL = "drift-all-1"
N_BOOT = 1000
SEED = 0
# The trend test's reorderings, fewer on large reviews so that the background task stays
# bounded (each reordering computes two alphas over all units).
TREND_REORDERINGS = 999
TREND_MIN_REORDERINGS = 99
TREND_UNIT_BUDGET = 2_000_000  # units x reorderings
TREND_MIN_CASES = 10  # at least 5 cases per half
# The CSV's columns: one row per block ("all coders") and per coder and block.
FIELDS = ["coder", "period", "period_start", "period_end", "cases", "values_compared",
          "values_agreed", "agreement", "alpha", "alpha_ci_low", "alpha_ci_high", "not_coded"]
ALL = "all coders"


@dataclass(frozen=True)
class DriftParams:
    by: str = WEEK
    n: int = DEFAULT_WINDOW


def drift_params(by: str | None, n: str | None) -> DriftParams:
    """The grouping asked for in a query string (`drift=week` or `drift=window&n=20`);
    ValidationError with a message for anything else."""
    by = (by or WEEK).strip().lower()
    if by not in (WEEK, WINDOW):
        raise ValidationError(gettext(
            "Group drift by 'week' or 'window', not %(by)s.") % {
            "by": repr(by[:40])})
    if by == WEEK:
        return DriftParams(WEEK, DEFAULT_WINDOW)
    if n in (None, ""):
        return DriftParams(WINDOW, DEFAULT_WINDOW)
    try:
        size = int(n)
    except (TypeError, ValueError):
        size = 0
    if not 1 <= size <= MAX_WINDOW:
        raise ValidationError(
            gettext(
                "The window size n must be a whole number from 1 to %(max_window)s.") % {
                "max_window": MAX_WINDOW}
        )
    return DriftParams(WINDOW, size)


def _per_case(review) -> dict:
    """The stored form (SnapshotValues.per_case's) read now."""
    return SnapshotValues(review).per_case()


class SnapshotValues:
    """The review's submitted values of complete cases, read once for a snapshot's report
    (report_data) and drift (per_case).

    The values are read as columns (coding.dbbulk.read_columns) and each distinct stored
    value (attribute, number, yes/no, chosen options) is decoded once: a Python object per
    value read (1.2 million at 50,000 cases) was most of the snapshot's reading. What is
    kept between the steps is arrays: the report's arrays are made from them and let go
    before drift's per-case values are made (at 50,000 cases those hold about 130 MB)."""

    def __init__(self, review) -> None:
        self.review = review
        # The complete cases read once and kept in Python (as selectors.reliability_data
        # does): as a subquery of each read, PostgreSQL estimated a handful of rows for it
        # and joined every case with every complete case (1.25 billion comparisons at
        # 50,000 cases). The reads below take the review's submitted codings and keep those
        # of complete cases.
        complete_cases = list(cases_with_complete_coding(Case.objects.filter(
            review=review)).order_by(*CASE_ORDER).values_list("pk", "number", "sort_key"))
        self.complete = {row[0]: rank for rank, row in enumerate(complete_cases)}
        # The codings as columns, their moments as integers (moment() makes a case's
        # completion a datetime, once per case) and cases and coders joined here.
        (coding_id, case_id, coder_id, codebook_id, submitted), nulls = read_columns(
            Coding.objects.filter(case__review=review, status=CodingStatus.SUBMITTED)
            .order_by().values_list("pk", "case_id", "coder_id", "codebook_id",
                                    EpochMicroseconds("submitted_at")), ["int"] * 5)
        case_of = {row[0]: row for row in complete_cases}
        usernames = dict(get_user_model().objects.filter(pk__in=np.unique(coder_id).tolist())
                         .values_list("pk", "username"))
        # (pk, case id, sort key, case number, coder's username, submitted (microseconds
        # since 1970, or None), codebook id) of each submitted coding of a complete case.
        self.codings = [
            (pk, case, case_of[case][2], case_of[case][1], usernames[coder],
             None if no_moment else at, codebook)
            for pk, case, coder, codebook, at, no_moment in zip(
                coding_id.tolist(), case_id.tolist(), coder_id.tolist(),
                codebook_id.tolist(), submitted.tolist(), nulls[4].tolist(), strict=True)
            if case in case_of]
        del coding_id, case_id, coder_id, codebook_id, submitted, nulls
        attributes = {a.pk: a for a in Attribute.objects.filter(
            codebook__review=review).exclude(kind=AttributeKind.TEXT)
            .prefetch_related("options")}
        # The values and their chosen options read apart, each by attribute or option alone
        # (every one here is the review's): no join on the server (of a million values with
        # a million chosen options, or with the codings and cases, whose rows are kept here
        # by coding) and no sort there (an external merge sort on disk); sorted here.
        (value_id, coding_id, attribute_id, number, boolean), (
            _v, _c, _a, no_number, no_boolean) = read_columns(
            CodedValue.objects.filter(attribute__in=list(attributes)).order_by().values_list(
                "pk", "coding_id", "attribute_id", "number", "boolean"),
            ["int", "int", "int", "float", "bool"])
        # Each value's coding, as an index into `codings` (-1: not a coding kept here).
        of_coding = _positions(np.array([row[0] for row in self.codings], dtype=np.int64),
                               coding_id)
        del coding_id
        kept = np.flatnonzero(of_coding >= 0)
        kept = kept[np.argsort(value_id[kept], kind="stable")]  # in value id order
        value_id, of_coding, attribute_id = value_id[kept], of_coding[kept], attribute_id[kept]
        number, no_number = number[kept] + 0.0, no_number[kept]  # -0.0 is 0.0, as compared
        boolean = np.where(no_boolean[kept], -1, boolean[kept])
        del kept, no_boolean
        (through, option), _nulls = read_columns(
            CodedValue.options.through.objects.filter(option__in=[
                o.pk for a in attributes.values() for o in a.options.all()]).order_by()
            .values_list("codedvalue_id", "option_id"), ["int", "int"])
        # Each chosen option's value, as an index into the values kept (in value id order).
        at = _positions(value_id, through)
        at, option = at[at >= 0], option[at >= 0]
        order = np.lexsort((option, at))  # by value, then option
        chosen, sets = _chosen_sets(at[order], option[order], len(value_id))
        del value_id, through, option, at, order
        # Each distinct stored value decoded once: its comparable value and (attribute key,
        # label), or None where it is not coded.
        distinct, first = _row_ids([attribute_id, no_number, number.view(np.int64), boolean,
                                    chosen])
        decoded = []
        for i in first.tolist():
            attribute = attributes[int(attribute_id[i])]
            value = coded_from_fields(
                attribute, None if no_number[i] else float(number[i]),
                None if boolean[i] < 0 else bool(boolean[i]),
                None if chosen[i] < 0 else sets[chosen[i]])
            decoded.append(None if value is None
                           else (value, (attribute.key, json_label(value))))
        # The distinct answers ((key, label)) in sorted order: a coder's values are stored
        # sorted.
        self.answers = sorted({d[1] for d in decoded if d is not None})
        answer_of = {answer: i for i, answer in enumerate(self.answers)}
        answer = np.array([-1 if d is None else answer_of[d[1]] for d in decoded],
                          dtype=np.int64)[distinct]
        coded = answer >= 0
        # Per coded value, in value id order: its answer, its distinct stored value, its
        # coding (an index into `codings`) and its attribute.
        self.answer, self.distinct = answer[coded], distinct[coded]
        self.of_coding, self.attribute_id = of_coding[coded], attribute_id[coded]
        self.values = [d and d[0] for d in decoded]  # each distinct stored value's value

    def report_data(self) -> ReliabilityData:
        """The report's data (selectors.reliability_data's) from these values, as the arrays
        the report is computed from (selectors.encode_attribute of each attribute's values:
        the current codebook's codings, units the cases in case order, columns the coders
        sorted), with no table of dicts made: at 50,000 cases the tables were a second of
        the snapshot and most of its peak memory."""
        codebook = self.review.current_codebook()
        if codebook is None:
            return ReliabilityData(None, [], {})
        attributes = report_attributes(codebook)
        codings = self.codings
        current = np.array([row[6] == codebook.pk for row in codings], dtype=bool)
        compared = np.array([a.pk for a in attributes], dtype=np.int64)
        chosen = np.flatnonzero(current[self.of_coding] & np.isin(self.attribute_id, compared))
        # Chosen values grouped by attribute (in value id order within each).
        chosen = chosen[np.argsort(self.attribute_id[chosen], kind="stable")]
        of_coding, distinct = self.of_coding[chosen], self.distinct[chosen]
        attribute_id = self.attribute_id[chosen]
        coders = sorted({codings[c][4] for c in np.unique(of_coding).tolist()})
        column = {name: i for i, name in enumerate(coders)}
        column_of = np.array([column.get(row[4], -1) for row in codings], dtype=np.int64)
        case_rank = np.array([self.complete[row[1]] for row in codings], dtype=np.int64)
        data = ReliabilityData(codebook, attributes, None, coders=coders)
        for attribute in attributes:
            start, end = np.searchsorted(attribute_id, [attribute.pk, attribute.pk + 1])
            mine = of_coding[start:end]
            cases, units = np.unique(case_rank[mine], return_inverse=True)
            used, of_value = np.unique(distinct[start:end], return_inverse=True)
            coded, extra, data.scales[attribute.key] = encode_attribute(attribute, Entries(
                (len(cases), max(len(coders), 1)), units.reshape(-1), column_of[mine],
                [self.values[d] for d in used.tolist()], of_value.reshape(-1)))
            data.encoded[attribute.key] = (coded, extra)
        return data

    def per_case(self) -> dict:
        """The stored form: {"attributes": [key, ...], "categories": [label, ...], "cases":
        [[completed at (ISO), {coder: [[attribute index, category index], ...]}], ...]} in
        completion order, each coder's values sorted by (attribute key, label). A category's
        label is "attribute=value" (value as JSON); attributes and categories are numbered
        in the order they are first met in that order."""
        codings, answers = self.codings, self.answers
        cases: dict[int, list] = {}
        for i, (_pk, case_id, sort_key, number, coder, submitted_at, _cb) in enumerate(codings):
            case = cases.setdefault(case_id, [None, (sort_key or 0, number), {}])
            if submitted_at is not None and (case[0] is None or submitted_at > case[0]):
                case[0] = submitted_at
            case[2][coder] = i
        ordered = sorted((c for c in cases.values() if c[0] is not None),
                         key=lambda c: (c[0], c[1]))
        del cases
        # The codings in the stored order (cases in completion order, coders by name), and
        # each value's place in it: sorted by coding, then by answer (key, label).
        sequence = [i for _at, _key, by_coder in ordered
                    for _coder, i in sorted(by_coder.items())]
        place = np.full(len(codings), -1, dtype=np.int64)
        place[np.array(sequence, dtype=np.int64)] = np.arange(len(sequence))
        placed = place[self.of_coding]
        in_order = placed >= 0
        answer, placed = self.answer[in_order], placed[in_order]
        answer = answer[np.lexsort((answer, placed))]
        per_coding = np.bincount(placed, minlength=len(sequence)).tolist()
        del placed, in_order
        # Attributes and categories numbered in the order first met; one [attribute index,
        # category index] list per answer, shared by every value that has it.
        keys = sorted({key for key, _label in answers})
        key_index = {key: i for i, key in enumerate(keys)}
        key_of_answer = np.array([key_index[key] for key, _label in answers], dtype=np.int64)
        names = _first_met(key_of_answer[answer], len(keys))
        categories = _first_met(answer, len(answers))
        # Each value's shared list, in the stored order (references, not a Python int each).
        shared = np.empty(len(answers), dtype=object)
        for a in range(len(answers)):
            shared[a] = [int(names[key_of_answer[a]]), int(categories[a])]
        shared = shared[answer]
        stored, at = [], 0
        for completed, _key, by_coder in ordered:
            coded = {}
            for coder, i in sorted(by_coder.items()):
                count = per_coding[place[i]]
                coded[coder] = shared[at:at + count].tolist()
                at += count
            stored.append([moment(completed).isoformat(), coded])
        return {"attributes": [keys[k] for k in _in_rank_order(names)],
                "categories": [f"{answers[a][0]}={answers[a][1]}"
                               for a in _in_rank_order(categories)],
                "cases": stored}


def _positions(ids: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """For each of `wanted`, its index in `ids` (distinct), or -1 where it is not there."""
    if not len(ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(ids, kind="stable")
    at = np.minimum(np.searchsorted(ids[order], wanted), len(ids) - 1)
    return np.where(ids[order][at] == wanted, order[at], -1)


def _row_ids(columns: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the integer `columns` numbered by distinct row: each row's number, and the
    index of each number's first row."""
    if not len(columns[0]):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    key = np.zeros(len(columns[0]), dtype=np.int64)
    span = 1
    for column in columns:
        distinct, inverse = np.unique(column, return_inverse=True)
        span *= len(distinct)
        if span >= 1 << 62:  # too many combinations for one integer: rows compared whole
            stacked = np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1)
            _rows_, first, ids = np.unique(stacked, axis=0, return_index=True,
                                           return_inverse=True)
            return ids.ravel(), first
        key = key * len(distinct) + inverse.ravel()
    _keys, first, ids = np.unique(key, return_index=True, return_inverse=True)
    return ids.ravel(), first


def _first_met(sequence: np.ndarray, size: int) -> np.ndarray:
    """For each of 0..size-1, its rank by first position in `sequence` (-1: not in it)."""
    out = np.full(size, -1, dtype=np.int64)
    found, first = np.unique(sequence, return_index=True)
    out[found[np.argsort(first, kind="stable")]] = np.arange(len(found))
    return out


def _in_rank_order(ranks: np.ndarray) -> list[int]:
    """The indices of `ranks` (_first_met's) that were met, in the order met."""
    met = np.flatnonzero(ranks >= 0)
    return met[np.argsort(ranks[met])].tolist()


def _chosen_sets(value: np.ndarray, option: np.ndarray, values: int
                 ) -> tuple[np.ndarray, list[frozenset[str]]]:
    """Each of `values` values' chosen options as an index into the distinct sets of their
    keys (-1 for none chosen), and those sets, from rows of (value, option id or -1) sorted
    by value and option."""
    chosen = np.full(values, -1, dtype=np.int64)
    value, option = value[option >= 0], option[option >= 0]
    if not len(value):
        return chosen, []
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    sizes = np.diff(np.r_[starts, len(value)])
    # One row per value with options: its option ids, padded with -1.
    grid = np.full((len(starts), int(sizes.max())), -1, dtype=np.int64)
    grid[np.repeat(np.arange(len(starts)), sizes),
         np.arange(len(value)) - np.repeat(starts, sizes)] = option
    set_of_row, first = _row_ids(list(grid.T))
    key = dict(Option.objects.filter(pk__in=np.unique(option).tolist())
               .values_list("pk", "key"))
    sets = [frozenset(key[o] for o in grid[i].tolist() if o >= 0) for i in first.tolist()]
    chosen[value[starts]] = set_of_row
    return chosen, sets


def json_label(answer) -> str:
    return json.dumps(value_json(answer), sort_keys=True)


# --- figures from the per-case values -------------------------------------------------


def _units(cases: list) -> tuple[list[dict], list[str]]:
    """Per case {(attribute): {coder: category}} and the coders in order."""
    coders = sorted({coder for _at, coded in cases for coder in coded})
    per_case = []
    for _at, coded in cases:
        table: dict[int, dict[str, int]] = {}
        for coder, pairs in coded.items():
            for attribute, category in pairs:
                table.setdefault(attribute, {})[coder] = category
        per_case.append(table)
    return per_case, coders


def _between(tables: list[dict], coders: list[str], q: int) -> Coded:
    column = {c: i for i, c in enumerate(coders)}
    rows = [(t, a) for t in tables for a in t]
    codes = np.full((len(rows), max(len(coders), 1)), -1, dtype=np.int64)
    for u, (table, attribute) in enumerate(rows):
        for coder, category in table[attribute].items():
            codes[u, column[coder]] = category
    return Coded(codes=codes, q=max(q, 1))


def _matrix(cases: list, coders: list[str], q: int) -> tuple[Coded, np.ndarray]:
    """_between(_units(cases)) and the number of units of each case, made straight from the
    cases' values: at 50,000 cases the per-case tables and the list of their units held
    about 250 MB at once, the snapshot's peak."""
    column = {c: i for i, c in enumerate(coders)}
    units, columns, categories, sizes = array("q"), array("q"), array("q"), array("q")
    first = 0
    for _at, coded in cases:
        # A case's units in the order _units makes them: its attributes as first met.
        order: dict[int, int] = {}
        for coder, pairs in coded.items():
            at = column[coder]
            for attribute, category in pairs:
                units.append(first + order.setdefault(attribute, len(order)))
                columns.append(at)
                categories.append(category)
        sizes.append(len(order))
        first += len(order)
    codes = np.full((first, max(len(coders), 1)), -1, dtype=np.int64)
    codes[np.frombuffer(units, dtype=np.int64), np.frombuffer(columns, dtype=np.int64)] = (
        np.frombuffer(categories, dtype=np.int64))
    return Coded(codes=codes, q=max(q, 1)), np.frombuffer(sizes, dtype=np.int64)


class _Prepared:
    """Every case's units once, as one units x coders matrix (_between's, rows in case order),
    so that a block, a coder or a half of the cases is a slice or a mask of it rather than
    tables built again per block and coder in Python (2,500 blocks of 10 coders at 50,000
    cases)."""

    def __init__(self, stored: dict, coders: list[str] | None = None) -> None:
        """`coders`: the columns (default: the coders of `stored`'s cases, sorted), given
        when `stored` holds only some of a review's cases."""
        cases = stored["cases"]
        self.coders = (sorted({coder for _at, coded in cases for coder in coded})
                       if coders is None else coders)
        self.q = len(stored["categories"])
        self.whole, sizes = _matrix(cases, self.coders, self.q)
        self.start = np.concatenate([[0], np.cumsum(sizes)])  # each case's first unit
        self.of_case = np.repeat(np.arange(len(cases)), sizes)
        column = {c: i for i, c in enumerate(self.coders)}
        # Which coders have a coding on each case (with or without values).
        self._figures: dict[tuple, tuple] = {}
        self._cumulative: tuple | None = None
        self.has = np.zeros((len(cases), max(len(self.coders), 1)), dtype=bool)
        for i, (_at, coded) in enumerate(cases):
            self.has[i, [column[c] for c in coded]] = True

    def between_figures(self, first: int, end: int, n_boot: int) -> tuple[Coded, dict]:
        """between() and its _figures, computed once per block (a review coded within one
        week has one week block of all its cases: the overall figure)."""
        key = (first, end, n_boot)
        if key not in self._figures:
            between = self.between(first, end)
            self._figures[key] = between, _figures(between, n_boot)
        return self._figures[key]

    def digest(self, first: int, end: int, n_boot: int, period: tuple) -> str:
        """What a block's rows are computed from: its units x coders matrix, which coders
        have a coding on each of its cases, the categories' count, the coders, the period's
        names, the resamples and the code (REUSE). Equal digests, equal rows."""
        lo, hi = self.start[first], self.start[end]
        digest = hashlib.sha256(json.dumps(
            [REUSE, n_boot, self.whole.q, self.coders, list(period),
             list(self.whole.codes.shape[1:]), int(hi - lo), end - first]).encode())
        digest.update(np.ascontiguousarray(self.whole.codes[lo:hi]).tobytes())
        digest.update(np.ascontiguousarray(self.has[first:end]).tobytes())
        return digest.hexdigest()[:32]

    def digest_all(self, n_boot: int) -> str:
        """What the figures over all cases (overall and trend) are computed from: every
        unit, which case each belongs to, which coders have a coding on each case, the
        categories' count, the coders, the resamples, the reorderings and the code
        (REUSE_ALL). Equal digests, equal figures."""
        digest = hashlib.sha256(json.dumps(
            [REUSE_ALL, n_boot, SEED, self.whole.q, self.coders,
             list(self.whole.codes.shape), len(self.has), TREND_REORDERINGS,
             TREND_MIN_REORDERINGS, TREND_UNIT_BUDGET, TREND_MIN_CASES]).encode())
        digest.update(np.ascontiguousarray(self.whole.codes).tobytes())
        digest.update(np.ascontiguousarray(self.start, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(self.has).tobytes())
        return digest.hexdigest()[:32]

    def between(self, first: int, end: int) -> Coded:
        """The units of cases first..end-1: _between of their tables."""
        return Coded(codes=self.whole.codes[self.start[first]:self.start[end]],
                     q=self.whole.q)

    def with_others(self, coder: int, first: int, end: int) -> tuple[Coded, int]:
        """_with_others of the cases first..end-1 that the coder (a column) has a coding on:
        the same pairs in the same order (case, attribute, then the other coders in column
        order, which is the stored order: coders sorted by name)."""
        lo, hi = self.start[first], self.start[end]
        units = np.flatnonzero(self.has[self.of_case[lo:hi], coder]) + lo
        mine, other, _units, missed = self._coder_pairs(coder, units)
        pairs = np.stack([mine, other], axis=1)
        return Coded(codes=pairs.astype(np.int64).reshape(-1, 2), q=self.whole.q), len(missed)

    def _coder_pairs(self, coder: int, units: np.ndarray) -> tuple[np.ndarray, ...]:
        """Of `units` (indices, in order): the coder's value and another coder's on every
        unit both coded (case, attribute, then the other coders in column order), the unit of
        each pair, and the units another coder coded where the coder gave no value."""
        codes = self.whole.codes[units]
        present = codes >= 0
        others = present.copy()
        others[:, coder] = False
        any_other = others.any(axis=1)
        mine = present[:, coder]
        keep = mine & any_other
        unit, other = np.nonzero(others[keep])
        kept = codes[keep]
        return (kept[unit, coder], kept[unit, other], units[keep][unit],
                units[~mine & any_other])

    def cases_of(self, coder: int, first: int, end: int) -> int:
        return int(np.count_nonzero(self.has[first:end, coder]))

    def counts(self, first: int, end: int) -> tuple[int, int]:
        """_counts of between(first, end), from per-unit counts summed once over all units."""
        lo, hi = self.start[first], self.start[end]
        compared, agreed = self._cumulative_counts()
        return int(compared[hi] - compared[lo]), int(agreed[hi] - agreed[lo])

    def _cumulative_counts(self) -> tuple[np.ndarray, np.ndarray]:
        """Cumulative sums over the units of _counts' two counts (pairs of values compared,
        pairs agreeing), from 0: a run of units' counts is a difference of two entries."""
        if self._cumulative is None:
            # Per unit with r values: r (r - 1) / 2 pairs compared, and n (n - 1) / 2 agreeing
            # for each category given n times (rather than a pass per pair of coders' columns:
            # 45 passes for ten coders).
            codes, q = self.whole.codes, self.whole.q
            present = codes >= 0
            values = np.count_nonzero(present, axis=1).astype(np.int64)
            compared = values * (values - 1) // 2
            unit, column = np.nonzero(present)
            cells, given = np.unique(unit * q + codes[unit, column], return_counts=True)
            agreed = np.bincount(cells // q, weights=given * (given - 1) // 2,
                                 minlength=len(codes)).astype(np.int64)
            self._cumulative = (np.concatenate([[0], np.cumsum(compared)]),
                                np.concatenate([[0], np.cumsum(agreed)]))
        return self._cumulative

    def block_points(self, ranges: list) -> list:
        """For each block of `ranges` (_block_ranges'), row_statistics' point alpha of its
        units (between()), None where it gives None, all blocks at once; False for a block
        with a unit of four values or more, whose terms are not whole numbers or halves (the
        sums' order could change the last bit: computed by row_statistics instead).

        Per unit: the pairs of values that differ, times 2 / (values - 1), summed per block;
        the values per block and category. With at most three values per unit every term
        is a whole number, summed exactly in any order, and the last step is row_statistics'
        own expression: the same alpha, bit for bit (drift by windows of any size, asked
        for in a request, was a row_statistics call per window: 50,000 at windows of one)."""
        n_blocks, q = len(ranges), self.whole.q
        codes = self.whole.codes
        present = codes >= 0
        values = present.sum(axis=1)
        pairable = values >= 2
        block_of_case = np.repeat(np.arange(n_blocks),
                                  [last - first for *_names, first, last in ranges])
        block = block_of_case[self.of_case]
        inexact = np.bincount(block[values >= 4], minlength=n_blocks) > 0
        compared, agreed = (np.diff(c) for c in self._cumulative_counts())
        with np.errstate(all="ignore"):
            observed_u = np.where(pairable, 2.0 * (compared - agreed) / (values - 1), 0.0)
        n_b = np.bincount(block, weights=np.where(pairable, values, 0), minlength=n_blocks)
        observed = np.bincount(block, weights=observed_u, minlength=n_blocks)
        unit, column = np.nonzero(present & pairable[:, None])
        cells, per_cell = np.unique(block[unit] * q + codes[unit, column], return_counts=True)
        used = np.bincount(cells // q, minlength=n_blocks)
        squares = np.bincount(cells // q, weights=per_cell.astype(float) ** 2,
                              minlength=n_blocks)
        expected = n_b ** 2 - squares
        with np.errstate(all="ignore"):
            alpha = 1.0 - (n_b - 1.0) * observed / expected
        return [False if inexact_ else alpha_ if used_ >= 2 and expected_ > 1e-12
                and math.isfinite(alpha_) else None
                for inexact_, alpha_, used_, expected_ in zip(
                    inexact.tolist(), alpha.tolist(), used.tolist(), expected.tolist(),
                    strict=True)]

    def coder_points(self, coder: int, ranges: list) -> list[tuple]:
        """For each block of `ranges` (_block_ranges': consecutive, from the first case to
        the last): (cases_of, not_coded, _counts, alpha) of the coder's pairs with the other
        coders there (with_others' units), the alpha being row_statistics' point alpha of
        those units (None where it gives None), all blocks at once.

        The pairs have two values each, so every term of alpha's formula is a whole number,
        summed exactly in floating point in any order, and the last step is row_statistics'
        own expression: the same alpha, bit for bit, without one call per coder and block
        (25,000 at 50,000 cases)."""
        n_blocks, q = len(ranges), self.whole.q
        block_of_case = np.repeat(np.arange(n_blocks),
                                  [last - first for *_names, first, last in ranges])
        a, b, units, missed = self._coder_pairs(
            coder, np.flatnonzero(self.has[self.of_case, coder]))
        not_coded = np.bincount(block_of_case[self.of_case[missed]], minlength=n_blocks)
        block = block_of_case[self.of_case[units]]
        pairs = np.bincount(block, minlength=n_blocks)
        differ = np.bincount(block, weights=(a != b), minlength=n_blocks)
        per_category = (np.bincount(block * q + a, minlength=n_blocks * q)
                        + np.bincount(block * q + b, minlength=n_blocks * q)
                        ).reshape(n_blocks, q).astype(float)
        used = np.count_nonzero(per_category, axis=1)
        n_b = 2.0 * pairs
        observed = 2.0 * differ
        expected = n_b ** 2 - (per_category ** 2).sum(axis=1)
        with np.errstate(all="ignore"):
            alpha = 1.0 - (n_b - 1.0) * observed / expected
        cases = np.bincount(block_of_case, weights=self.has[:, coder], minlength=n_blocks)
        # As Python numbers first: a numpy scalar read per item was 0.07 s per coder of 1,000
        # blocks.
        return [
            (int(cases_), not_coded_, (pairs_, int(pairs_ - differ_)),
             alpha_ if used_ >= 2 and expected_ > 1e-12 and math.isfinite(alpha_) else None)
            for cases_, not_coded_, pairs_, differ_, alpha_, used_, expected_ in zip(
                cases.tolist(), not_coded.tolist(), pairs.tolist(), differ.tolist(),
                alpha.tolist(), used.tolist(), expected.tolist(), strict=True)
        ]


def _with_others(tables: list[dict], coder: str, q: int) -> tuple[Coded, int]:
    """Units (case, attribute, other coder) with the coder's and the other's value; and how
    many values other coders gave where the coder gave none."""
    pairs, not_coded = [], 0
    for table in tables:
        for by_coder in table.values():
            if coder not in by_coder:
                not_coded += any(c != coder for c in by_coder)
                continue
            if not any(c != coder for c in by_coder):
                continue
            for other, category in by_coder.items():
                if other != coder:
                    pairs.append((by_coder[coder], category))
    codes = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    return Coded(codes=codes, q=max(q, 1)), not_coded


def _counts(coded: Coded) -> tuple[int, int]:
    """(pairs of values compared, pairs agreeing) over the units: every two coders who both
    gave a value on a unit are one comparison."""
    compared = agreed = 0
    codes = coded.codes
    for i in range(codes.shape[1]):  # every pair of columns, over all units at once
        for j in range(i + 1, codes.shape[1]):
            both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
            compared += int(np.count_nonzero(both))
            agreed += int(np.count_nonzero(both & (codes[:, i] == codes[:, j])))
    return compared, agreed


def _figures(coded: Coded, n_boot: int) -> dict:
    if len(coded.codes) == 0:
        return {"alpha": None, "alpha_ci_low": None, "alpha_ci_high": None,
                "percent_agreement": None, "units": 0, "note": ""}
    # The two figures drift shows, only: with a bootstrap, only alpha's resamples and
    # jackknife (the same resamples, so the same interval; the note then speaks of alpha
    # alone, not of Fleiss' kappa or AC1, which drift does not show).
    stats = row_statistics(coded, n_boot=n_boot, seed=SEED,
                           only=("percent_agreement", "krippendorff_alpha"))
    low, high = stats["alpha_ci_low"], stats["alpha_ci_high"]
    note = ""
    if stats["krippendorff_alpha"] is not None and low is None:
        if n_boot and stats["units"] < MIN_UNITS_FOR_INTERVAL:
            note = _("Only %(units)d case-attribute units coded twice or more: no interval "
                     "below %(min)d.") % {"units": stats["units"], "min": MIN_UNITS_FOR_INTERVAL}
        else:
            note = " ".join(stats["warnings"]) if n_boot else _only_stored_intervals()
    return {
        "alpha": _round(stats["krippendorff_alpha"]),
        "alpha_ci_low": None if low is None else round(low, CI_DECIMALS),
        "alpha_ci_high": None if high is None else round(high, CI_DECIMALS),
        "percent_agreement": _round(stats["percent_agreement"]),
        "units": stats["units"],
        "note": note,
    }


def _only_stored_intervals() -> str:
    return _("Intervals are computed for weeks and windows of %(n)d cases only.") % {
        "n": DEFAULT_WINDOW}


def _point_figures(alpha: float | None, note: str) -> dict:
    """_figures' keys for a point alpha without a bootstrap: no interval, and `note` (why
    not) where there is an alpha, as _figures says it."""
    return {"alpha": _round(alpha), "alpha_ci_low": None, "alpha_ci_high": None,
            "note": "" if alpha is None else note}


def _round(value):
    return None if value is None else round(value, 4)


def _blocks(cases: list, params: DriftParams, offset: int = 0
            ) -> list[tuple[str, str, str, list]]:
    """(period, start, end, the block's cases) in order. `offset`: how many cases come before
    `cases` (windows of a part of the cases, from a window's first case: named as counted
    from the first case of all)."""
    blocks = []
    if params.by == WEEK:
        weeks: dict[tuple[int, int], list] = {}
        for case in cases:
            year, week, _ = datetime.fromisoformat(case[0]).isocalendar()
            weeks.setdefault((year, week), []).append(case)
        for (year, week), group in weeks.items():
            monday = date.fromisocalendar(year, week, 1)
            blocks.append((f"{year}-W{week:02d}", monday.isoformat(),
                           (monday + timedelta(days=6)).isoformat(), group))
        return blocks
    for start in range(0, len(cases), params.n):
        group = cases[start:start + params.n]
        first, end = offset + start, offset + start + len(group)
        blocks.append((f"cases {first + 1}–{end}" if end > first + 1 else f"case {end}",
                       group[0][0][:10], group[-1][0][:10], group))
    return blocks


def _block_ranges(cases: list, params: DriftParams, offset: int = 0
                  ) -> list[tuple[str, str, str, int, int]] | None:
    """_blocks as (period, start, end, first case, end case); None if a block's cases are not
    consecutive (a week's are, the cases being in completion order)."""
    out, first = [], 0
    for period, start, end, group in _blocks(cases, params, offset):
        if any(case is not cases[i] for i, case in enumerate(group, first)):
            return None  # a week's cases apart (completion times in mixed offsets)
        out.append((period, start, end, first, first + len(group)))
        first += len(group)
    return out


def _row(coder, period, start, end, cases, counts, figures, not_coded) -> dict:
    """`counts`: (values compared, agreed), _counts' pair."""
    compared, agreed = counts
    return {
        "coder": coder, "period": period, "period_start": start, "period_end": end,
        "cases": cases, "values_compared": compared, "values_agreed": agreed,
        "agreement": round(agreed / compared, 4) if compared else None,
        "alpha": figures["alpha"], "alpha_ci_low": figures["alpha_ci_low"],
        "alpha_ci_high": figures["alpha_ci_high"], "not_coded": not_coded,
        "note": figures["note"],
    }


def trend(stored: dict, prepared: _Prepared | None = None) -> dict | None:
    """Early against late: alpha of the first half of the cases (completion order) and of
    the second, and the two-sided permutation p: the share of random reorderings of the
    cases whose halves differ at least as much. None below TREND_MIN_CASES cases."""
    cases = stored["cases"]
    if len(cases) < TREND_MIN_CASES:
        return None
    prepared = prepared or _Prepared(stored)
    # One units x coders matrix, and which case each unit belongs to: a reordering only
    # relabels which cases are "early".
    whole, of_case = prepared.whole, prepared.of_case
    tables = cases
    half = len(tables) // 2

    # The alpha of a subset of the units, bit for bit row_statistics(Coded(codes=
    # whole.codes[mask]), n_boot=0)'s, with the distinct rows found once for all reorderings.
    alpha_of = subset_alphas(whole)
    chosen = np.zeros(len(tables), dtype=bool)

    def difference(early_cases: np.ndarray) -> float | None:
        chosen[:] = False
        chosen[early_cases] = True
        early = chosen[of_case]
        first, second = (alpha_of(m) for m in (early, ~early))
        return None if first is None or second is None else second - first, first, second

    observed, first, second = difference(np.arange(half))
    if observed is None:
        return None
    units = max(len(whole.codes), 1)
    reorderings = int(min(TREND_REORDERINGS,
                          max(TREND_MIN_REORDERINGS, TREND_UNIT_BUDGET // units)))
    rng = np.random.default_rng(SEED)
    as_large = valid = 0
    for _i in range(reorderings):
        permuted, _a, _b = difference(rng.permutation(len(tables))[:half])
        if permuted is None:
            continue
        valid += 1
        as_large += abs(permuted) >= abs(observed) - 1e-12
    p = (as_large + 1) / (valid + 1)
    return {
        "first_cases": half, "second_cases": len(tables) - half,
        "first_alpha": round(first, 4), "second_alpha": round(second, 4),
        "difference": round(observed, 4), "p_value": round(p, 4),
        "reorderings": valid, "sentence": trend_sentence(first, second, p, half,
                                                         len(tables) - half),
    }


def trend_sentence(first: float, second: float, p: float, n1: int, n2: int) -> str:
    if abs(second - first) < 0.005:
        moved = _("Agreement between coders (alpha) stayed at %(a).2f from the first %(n1)d "
                  "cases to the last %(n2)d") % {"a": first, "n1": n1, "n2": n2}
    else:
        word = _("rose") if second > first else _("fell")
        moved = _("Agreement between coders (alpha) %(word)s from %(a).2f in the first "
                  "%(n1)d cases to %(b).2f in the last %(n2)d") % {
            "word": word, "a": first, "b": second, "n1": n1, "n2": n2}
    chance = _("a change this large would arise by chance in %(p)s of random reorderings "
               "of the cases") % {"p": f"{p:.0%}" if p >= 0.01 else "<1%"}
    verdict = (_("so it is unlikely to be chance.") if p < 0.05 else
               _("so it may well be chance."))
    return f"{moved}; {chance}, {verdict}"


def _group(stored: dict, params: DriftParams, n_boot: int,
           prepared: _Prepared | None = None, previous: dict | None = None,
           digests: list | None = None, ranges: list | None = None) -> dict:
    """The rows of each block of `params`. With `previous` ({digest: (block row, coder
    rows)}, see _reusable), a block whose digest is there takes those rows instead of being
    computed again; `digests` (a list) receives each block's digest. `ranges`: the blocks
    (_block_ranges' form, over `stored`'s cases) when only some are wanted."""
    cases = stored["cases"]
    ranges = _block_ranges(cases, params) if ranges is None else ranges
    if ranges is None:
        return _group_tables(stored, params, n_boot)
    prepared = prepared or _Prepared(stored)
    coders = prepared.coders
    blocks, rows = [], []
    per_coder = None  # each coder's point figures of every block, made when first needed
    # Without a bootstrap: every block's point alpha (False where counting is not exact).
    points = prepared.block_points(ranges) if not n_boot else [False] * len(ranges)
    kept = [None] * len(ranges)  # (block row, coder rows) of an unchanged block
    if previous is not None or digests is not None:
        for i, (period, start, end, first, last) in enumerate(ranges):
            digest = prepared.digest(first, last, n_boot, (period, start, end))
            if digests is not None:
                digests.append(digest)
            if previous is not None:
                kept[i] = previous.get(digest)
    # The blocks whose figures are computed (with a bootstrap, or where counting is not
    # exact), all at once on two threads; between_figures keeps each.
    in_parallel(lambda r: prepared.between_figures(r[3], r[4], n_boot),
                 [r for r, old, alpha in zip(ranges, kept, points, strict=True)
                  if old is None and alpha is False])
    only_stored = _only_stored_intervals()
    overall_only = _("A coder's interval is given over all cases only.")
    for (period, start, end, first, last), old, alpha in zip(ranges, kept, points,
                                                              strict=True):
        if old is not None:
            block, coder_rows = old
            blocks.append(block)
            rows.extend(coder_rows)
            continue
        if alpha is False:
            _between, figures = prepared.between_figures(first, last, n_boot)
        else:
            figures = _point_figures(alpha, only_stored)
        blocks.append(_row(ALL, period, start, end, last - first,
                           prepared.counts(first, last), figures, 0))
        if per_coder is None:
            per_coder = [prepared.coder_points(column, ranges) for column in range(len(coders))]
        for column, coder in enumerate(coders):
            mine, not_coded, counts, alpha = per_coder[column][len(blocks) - 1]
            if not mine:
                continue
            # Point figures only: a bootstrap per coder and period would multiply the
            # worker's time by the number of coders; each coder's interval is over all cases
            # (`overall`).
            figures = _point_figures(alpha, overall_only)
            rows.append(_row(coder, period, start, end, mine, counts, figures, not_coded))
    return _grouped(params, coders, blocks, rows)


def _reusable(grouped: dict, digests) -> dict | None:
    """{digest: (block row, its coder rows)} of a stored grouping and its blocks' digests;
    None when they do not match (a snapshot stored before digests were)."""
    if (not isinstance(grouped, dict) or grouped.get("format") != FORMAT
            or not isinstance(digests, list) or len(digests) != len(grouped["blocks"])):
        return None
    by_period: dict[str, list] = {}
    for row in grouped["rows"]:  # by coder, then time: each period's rows in coder order
        by_period.setdefault(row["period"], []).append(row)
    return {digest: (block, by_period.get(block["period"], []))
            for digest, block in zip(digests, grouped["blocks"], strict=True)}


def _group_tables(stored: dict, params: DriftParams, n_boot: int) -> dict:
    """_group from tables built per block, for blocks whose cases are not consecutive."""
    cases = stored["cases"]
    q = len(stored["categories"])
    _tables, coders = _units(cases)
    blocks, rows = [], []
    for period, start, end, group in _blocks(cases, params):
        tables, _c = _units(group)
        between = _between(tables, coders, q)
        blocks.append(_row(ALL, period, start, end, len(group), _counts(between),
                           _figures(between, n_boot), 0))
        for coder in coders:
            mine = [t for t, case in zip(tables, group, strict=True) if coder in case[1]]
            if not mine:
                continue
            coded, not_coded = _with_others(mine, coder, q)
            # Point figures only: a bootstrap per coder and period would multiply the
            # worker's time by the number of coders; each coder's interval is over all cases
            # (`overall`).
            figures = _figures(coded, 0)
            if figures["note"]:
                figures["note"] = _("A coder's interval is given over all cases only.")
            rows.append(_row(coder, period, start, end, len(mine), _counts(coded), figures,
                             not_coded))
    return _grouped(params, coders, blocks, rows)


def _grouped(params: DriftParams, coders: list, blocks: list, rows: list) -> dict:
    order = {coder: i for i, coder in enumerate(coders)}
    rows.sort(key=lambda r: order[r["coder"]])  # by coder, then time (a stable sort)
    return {
        "format": FORMAT,
        "by": params.by,
        "n": params.n if params.by == WINDOW else None,
        "coders": coders,
        "periods": [b["period"] for b in blocks],
        "blocks": blocks,
        "rows": rows,
    }


def _overall(stored: dict, n_boot: int, prepared: _Prepared | None = None) -> dict:
    prepared = prepared or _Prepared(stored)
    n = len(stored["cases"])
    # All coders' units first, alone (the largest: its bootstrap's arrays are the peak of a
    # snapshot after a change), then each coder's pairs on two threads.
    _between, figures = prepared.between_figures(0, n, n_boot)
    pairs = [prepared.with_others(column, 0, n) for column in range(len(prepared.coders))]
    coder_figures = in_parallel(lambda coded: _figures(coded, n_boot),
                                 [coded for coded, _not_coded in pairs])
    overall = {"between": _row(ALL, "", "", "", n, prepared.counts(0, n), figures, 0),
               "coders": []}
    for column, coder in enumerate(prepared.coders):
        coded, not_coded = pairs[column]
        overall["coders"].append(_row(coder, "", "", "", prepared.cases_of(column, 0, n),
                                      _counts(coded), coder_figures[column], not_coded))
    return overall



def _answer_for(stored: dict, grouped: dict, overall: dict, trend_: dict | None) -> dict:
    return {**grouped, "overall": overall, "trend": trend_}


def coder_drift(*, review, params: DriftParams = DriftParams()) -> dict:
    """Drift for `params`, computed now from the database with intervals (seconds on a large
    review): pages and the API read it from the reliability snapshot instead.

    Example: {"format": 2, "by": "week", "n": None, "coders": ["alice", "bob"],
    "periods": ["2026-W07"], "blocks": [{"coder": "all coders", "period": "2026-W07", ...,
    "cases": 12, "values_compared": 140, "values_agreed": 120, "agreement": 0.8571,
    "alpha": 0.78, "alpha_ci_low": 0.69, "alpha_ci_high": 0.85, ...}], "rows": [per coder
    and period, agreement with the other coders], "overall": {"between": ..., "coders":
    [...]}, "trend": {"first_alpha": ..., "second_alpha": ..., "p_value": ..., "sentence":
    ...} or None}.
    """
    stored = _per_case(review)
    prepared = _Prepared(stored)
    return _answer_for(stored, _group(stored, params, N_BOOT, prepared),
                       _overall(stored, N_BOOT, prepared), trend(stored, prepared))


# The groupings stored ready-made (with intervals) in a snapshot; any other window size is
# grouped from the stored per-case values when asked for (point figures only).
STORED = {"week": DriftParams(WEEK), "window": DriftParams(WINDOW, DEFAULT_WINDOW)}


def snapshot_values(*, review) -> SnapshotValues:
    """The review's submitted values of complete cases, read once for a snapshot's report and
    drift (SnapshotValues)."""
    return SnapshotValues(review)


def drift_snapshot(*, review, stored: dict | None = None) -> tuple[dict, dict]:
    """What a reliability snapshot stores (the background task's part): (drift,
    drift_codings). `drift`: coder_drift's answer for each grouping of STORED, keyed as
    there; `drift_codings`: the per-case values (_per_case's form, with "format", read now
    unless given as `stored`) from which other window sizes are grouped."""
    stored = stored if stored is not None else _per_case(review)
    prepared = _Prepared(stored)
    previous, last_all = _previous_blocks(review)
    digest_all = prepared.digest_all(N_BOOT)
    if last_all is not None and last_all[0] == digest_all:
        # No case changed since the last snapshot: its figures over all cases stand (a
        # bootstrap over every unit and one per coder, and the trend's reorderings).
        overall, trend_ = last_all[1], last_all[2]
    else:
        overall, trend_ = _overall(stored, N_BOOT, prepared), trend(stored, prepared)
    drift, digests = {}, {"all": digest_all}
    for name, params in STORED.items():
        digests[name] = []
        grouped = _group(stored, params, N_BOOT, prepared, previous=previous.get(name),
                         digests=digests[name])
        drift[name] = _answer_for(stored, grouped, overall, trend_)
    return drift, {"format": FORMAT, "overall": overall, "trend": trend_, **stored,
                   "digests": digests}


def _previous_blocks(review) -> tuple[dict[str, dict], tuple | None]:
    """The blocks of the review's last ready snapshot, per stored grouping, by digest: a
    block whose cases (and their values) have not changed since is taken from there rather
    than bootstrapped again, so that a new snapshot's time grows with the change (new cases
    fill the last window) more than with the review. And its figures over all cases, as
    (digest, overall, trend), or None: taken when no case has changed."""
    last = (ReliabilitySnapshot.objects.filter(review=review, status=SnapshotStatus.READY)
            .order_by("-finished_at", "-pk")
            .annotate(drift_text=as_text("drift"),
                      digests=as_text(KeyTransform("digests", "drift_codings")),
                      overall=as_text(KeyTransform("overall", "drift_codings")),
                      trend=as_text(KeyTransform("trend", "drift_codings")))
            .values_list("drift_text", "digests", "overall", "trend").first())
    if last is None:
        return {}, None
    drift, digests, overall, trend_ = (json_value(text) for text in last)
    if not isinstance(drift, dict) or not isinstance(digests, dict):
        return {}, None
    out = {}
    for name in STORED:
        if (reusable := _reusable(drift.get(name), digests.get(name))) is not None:
            out[name] = reusable
    whole = digests.get("all")
    if not isinstance(whole, str) or not isinstance(overall, dict):
        return out, None
    return out, (whole, overall, trend_)


# Periods shown per page of the reliability page's drift tables and chart: windows of one
# case at 50,000 cases are 50,000 periods (150,000 table rows, 54 MB of HTML); the CSV and
# the API give them all.
PAGE_PERIODS = 100


def drift_page(drift: dict, page) -> tuple[dict, Any]:
    """`drift` cut to the periods of page `page` (a number from 1; anything else the first
    page, past the end the last): its blocks and coder rows of those periods only, and the
    Django Page of the period names (its number, paginator.num_pages and count, start and
    end indices)."""
    paged = Paginator(drift["periods"], PAGE_PERIODS).get_page(page)
    shown = set(paged.object_list)
    return {**drift, "periods": list(paged.object_list),
            "blocks": [b for b in drift["blocks"] if b["period"] in shown],
            "rows": [r for r in drift["rows"] if r["period"] in shown]}, paged


def drift_page_from_codings(head, count: int, cases_between, params: DriftParams, page
                            ) -> tuple[dict, Any] | None:
    """drift_page(drift_from_codings(codings, params), page), grouping that page's periods
    only, and for windows reading only their cases: `head` is a snapshot's drift_codings
    without its cases (format, categories, overall, trend), `count` how many cases it holds
    and `cases_between(first, last)` gives its cases first..last-1 (selectors read them from
    the stored JSON). A page of windows at 50,000 cases reads and groups its cases, not all
    50,000. None as drift_from_codings."""
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        return None
    if params.by == WINDOW and count:
        # Windows are counted from the first case: a page's periods are its cases.
        paged = Paginator(range(-(-count // params.n)), PAGE_PERIODS).get_page(page)
        first = paged.object_list[0] * params.n
        last = min((paged.object_list[-1] + 1) * params.n, count)
        cases = cases_between(first, last)
        ranges = _block_ranges(cases, params, offset=first)
    else:
        cases = cases_between(0, count)
        ranges = _block_ranges(cases, params)
        if not ranges:  # no case, or weeks whose cases are apart
            return drift_page(drift_from_codings({**head, "cases": cases}, params), page)
        paged = Paginator(ranges, PAGE_PERIODS).get_page(page)
        ranges = list(paged.object_list)
        first, last = ranges[0][3], ranges[-1][4]
        cases = cases[first:last]
        ranges = [(period, start, end, a - first, b - first)
                  for period, start, end, a, b in ranges]
    part = {"categories": head["categories"], "cases": cases}
    # The columns are every coder of the review's cases (those of the figures over all
    # cases, one row each), not only of this page's.
    coders = [row["coder"] for row in head["overall"]["coders"]]
    grouped = _group(part, params, 0, _Prepared(part, coders), ranges=ranges)
    return _answer_for(head, grouped, head["overall"], head["trend"]), paged


def stored_name(params: DriftParams) -> str | None:
    return next((name for name, stored in STORED.items() if stored == params), None)


def drift_from_codings(codings, params: DriftParams) -> dict | None:
    """The drift for `params` from a snapshot's `drift_codings`, without a bootstrap (no
    intervals); None for a snapshot stored in an older format."""
    if not isinstance(codings, dict) or codings.get("format") != FORMAT:
        return None
    return _answer_for(codings, _group(codings, params, 0), codings["overall"],
                       codings["trend"])
