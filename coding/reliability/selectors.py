"""Inter-coder reliability of a review, read from the database.

Selectors that turn every submitted coding under the review's current codebook, on cases
whose assigned coders have all submitted, into reliability tables
({case number: {username: value}}, see coding/reliability.py) in six queries, and compute
the figures the `reliability` command, the reliability page and its CSV download show.

Every coder counts (imported data may carry more than two codings per case); a
coder without a stored value for an attribute did not code it. Text attributes
have no categories and are left out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import partial
from itertools import groupby
from operator import itemgetter
from typing import Any

import numpy as np
import orjson
from django.db import connection
from django.db.models import Func, IntegerField, TextField
from django.db.models.fields.json import KeyTransform
from django.db.models.functions import Cast

from coding.codings.policies import cases_with_complete_coding
from coding.dbbulk import cyclic_gc_paused
from coding.models import (
    Attribute,
    AttributeKind,
    Codebook,
    CodedValue,
    CodingStatus,
    ReliabilitySnapshot,
    Review,
    SnapshotStatus,
)
from coding.reliability.coefficients import (
    alpha_with_distance,
    pair_figures,
    pair_tables,
    row_statistics,
)
from coding.reliability.encoding import (
    Coded,
    Entries,
    encode_entries,
    encode_set_entries,
    masi_matrix,
    option_coded,
    sets_coded,
    table_entries,
)
from coding.reliability.statistics import binarize, confusion_matrix
from coding.reliability.tables import sorted_values
from coding.reliability.threads import in_parallel
from coding.values import coded_from_fields

N_BOOT = 1000
SEED = 0
REPORT_VERSION = 4

# The keys of every row, in output order. "masi_alpha" only on multiple-choice attribute
# rows; "pabak", "prevalence_index" and "bias_index" only on yes/no rows (option rows and
# yes/no attributes). Intervals are null where coefficients.row_statistics shows none (fewer
# than MIN_UNITS_FOR_INTERVAL cases or MIN_MINORITY_VALUES minority values, ...).
FIELDS = [
    "attribute", "option", "units", "coders", "percent_agreement", "cohen_kappa",
    "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", "gwet_ac1", "masi_alpha",
    # New keys after the ones of before, so CSV columns keep their places.
    "level", "fleiss_kappa", "conger_kappa", "gwet_ac2", "pabak", "prevalence_index", "bias_index",
    "cohen_kappa_ci_low", "cohen_kappa_ci_high", "fleiss_kappa_ci_low", "fleiss_kappa_ci_high",
    "ac1_ci_low", "ac1_ci_high", "resamples", "alpha_dropped", "cohen_kappa_dropped",
    "fleiss_kappa_dropped", "ac1_dropped", "warnings",
    # Issue 21: what decides whether an interval is shown, and how it was computed.
    "pairable_values", "minority_values", "estimable", "interval_method",
]
# Kept on every row but not a CSV column: what Krippendorff's q needs of the bootstrap alphas
# (coefficients.q_histogram; the verdicts read it with the review's thresholds).
ROW_EXTRA = ("alpha_boot",)
BINARY_FIELDS = ("pabak", "prevalence_index", "bias_index")
PAIR_FIELDS = [
    "coder_a", "coder_b", "attribute", "units", "percent_agreement", "cohen_kappa",
    "krippendorff_alpha", "gwet_ac1",
]
Table = dict[str, dict[str, Any]]


@dataclass
class ReliabilityData:
    """The current codebook's compared attributes and one table per attribute key; or, where
    the arrays were made straight from the values (a snapshot's, SnapshotValues.report_data),
    no tables (None) and every attribute's arrays, scale and the coders given."""

    codebook: Codebook | None
    attributes: list[Attribute]
    tables: dict[str, Table] | None
    # Arrays made from the tables, per attribute key (see _coded); filled on first use.
    encoded: dict[str, tuple] = field(default_factory=dict, repr=False)
    # Each encoded attribute's scale (encode's) or option keys (encode_set_entries'), for its
    # digest.
    scales: dict[str, list] = field(default_factory=dict, repr=False)
    # Every coder with a value in a table, sorted: the arrays' columns.
    coders: list[str] | None = None

    def __post_init__(self) -> None:
        if self.coders is None:
            self.coders = sorted({c for table in (self.tables or {}).values()
                                  for codes in table.values() for c in codes})


def _complete_cases(review: Review):
    """Only cases every assigned coder has submitted count: a lead who codes sees this report,
    and a case they are still blind on must not move its figures (nor the review's
    reliability_version, which would show "being updated") when the other coder submits."""
    return cases_with_complete_coding(review.cases.all()).values("pk")


def reliability_data(*, review: Review) -> ReliabilityData:
    """Reliability tables of every non-text attribute, from submitted codings.

    Example: tables["level"] == {"1": {"alice": "local", "bob": "state"}, ...};
    multiple choice gives frozensets of option keys (frozenset() = none chosen; with a none
    option, the explicit none is {its key} and nothing ticked is missing).
    A snapshot reads the same tables in its one pass over the values
    (coding.reliability.drift.SnapshotValues).
    """
    codebook = review.current_codebook()
    if codebook is None:
        return ReliabilityData(None, [], {})
    attributes = report_attributes(codebook)
    submitted = {"coding__codebook": codebook, "coding__status": CodingStatus.SUBMITTED}
    # The complete cases read once, and their rows kept in Python: as a subquery in both
    # reads it doubled their time (10,000 cases on PostgreSQL: 1.6 s to 3.1 s).
    complete = set(_complete_cases(review).values_list("pk", flat=True))
    tables = value_tables(attributes=attributes, value_model=CodedValue, filters=submitted,
                          case_ids=complete)
    return ReliabilityData(codebook, attributes, tables)


def report_attributes(codebook: Codebook) -> list[Attribute]:
    """The attributes the report compares: every non-text one of `codebook`."""
    return list(codebook.attributes.exclude(kind=AttributeKind.TEXT)
                .select_related("section").prefetch_related("options"))


def value_tables(
    *, attributes: list[Attribute], value_model, filters: dict, case_ids: set | None = None
) -> dict[str, Table]:
    """One table per attribute of `attributes` from the rows of `value_model` (CodedValue, or
    a calibration round's RoundValue) that match `filters` (lookups from the value), and are
    of a case in `case_ids` when it is given, in two queries:
    {key: {case number: {username: value}}}."""
    # Both read in chunks (a server-side cursor on PostgreSQL), not as one list of every row,
    # and each distinct set of options held once: at 50,000 cases the lists of rows and a set
    # per value made most of the snapshot's peak memory.
    rows = value_model.objects.filter(**filters, attribute__in=attributes).order_by(
        *(f"coding__case__{field}" for field in CASE_ORDER)).values_list(
        "pk", "attribute_id", "coding__case__number", "coding__coder__username", "number",
        "boolean", "coding__case_id",
    ).iterator(chunk_size=5000)
    prefix = value_model._meta.model_name
    chosen = chosen_options(value_model.options.through.objects.filter(
        **{f"{prefix}__{key}": value for key, value in filters.items()}
    ).values_list(f"{prefix}_id", "option__key").order_by(f"{prefix}_id")
        .iterator(chunk_size=5000))
    tables = Tables(attributes)
    for value_id, attribute_id, case_number, username, number, boolean, case_id in rows:
        if case_ids is not None and case_id not in case_ids:
            continue
        attribute = tables.attributes[attribute_id]
        value = coded_from_fields(attribute, number, boolean, chosen.get(value_id))
        if value is not None:
            tables.add(attribute, case_number, username, value)
    return tables.tables


# The tables' order of cases, which is their order of units (and so decides a bootstrap's
# draws where units are drawn one by one), and only that: the models' default ordering of
# values (coding, coder, section, attribute) joined two more tables and sorted by five
# columns, 3.6-4.3 s of the 1.1 million values' reading at 50,000 cases against 1.7-2.0 s.
CASE_ORDER = ("sort_key", "number")


def chosen_options(rows) -> dict[int, frozenset[str]]:
    """{value id: its chosen options' keys} from (value id, option key, ...) rows in value
    order; each distinct set held once."""
    chosen: dict[int, frozenset[str]] = {}
    distinct: dict[frozenset[str], frozenset[str]] = {}
    for value_id, keys in groupby(rows, key=itemgetter(0)):
        options = frozenset(row[1] for row in keys)
        chosen[value_id] = distinct.setdefault(options, options)
    return chosen


class Tables:
    """Reliability tables ({key: {case number: {username: value}}}) filled one coded value
    at a time, in the order the units are to have."""

    def __init__(self, attributes: list[Attribute]) -> None:
        self.attributes = {a.pk: a for a in attributes}
        self.tables: dict[str, Table] = {a.key: {} for a in attributes}
        self._strings: dict[str, str] = {}

    def add(self, attribute: Attribute, case_number: str, username: str, value: Any) -> None:
        # Each case number and username held once (the driver makes a new string per row).
        strings = self._strings
        self.tables[attribute.key].setdefault(strings.setdefault(case_number, case_number), {})[
            strings.setdefault(username, username)] = value


def _row(attribute: str, option: str | None, level: str, stats: dict[str, Any], *,
         multi: bool = False, binary: bool = False) -> dict:
    row: dict[str, Any] = {"attribute": attribute, "option": option}
    stats = {**stats, "level": level}
    for key in FIELDS[2:]:
        if key == "masi_alpha" and not multi:
            continue
        if key in BINARY_FIELDS and not binary:
            continue
        row[key] = stats.get(key)
    for key in ROW_EXTRA:
        row[key] = stats.get(key)
    return row


def _coded(data: ReliabilityData, attribute: Attribute) -> tuple[Coded, Any]:
    """The attribute's table as arrays (kept on `data`); for multiple choice also the option
    bit masks and the distinct sets."""
    if attribute.key not in data.encoded:
        data.encoded[attribute.key] = _encode(data, attribute)
    return data.encoded[attribute.key]


def _encode(data: ReliabilityData, attribute: Attribute) -> tuple[Coded, Any]:
    if data.tables is None:
        raise ValueError(f"{attribute.key!r} was not encoded with the data, which hold no table")
    coded, extra, data.scales[attribute.key] = encode_attribute(
        attribute, table_entries(data.tables[attribute.key], data.coders))
    return coded, extra


def encode_attribute(attribute: Attribute, entries: Entries) -> tuple[Coded, Any, list]:
    """An attribute's values as arrays, by its kind: (coded, extra, scale). For multiple
    choice `extra` is the option bit masks and the distinct sets, and the scale the option
    keys (encode_set_entries'); else `extra` is None and the scale encode's."""
    if attribute.kind == AttributeKind.MULTI:
        masks, keys = encode_set_entries(entries, [o.key for o in attribute.options.all()])
        coded, distinct = sets_coded(masks)
        return coded, (masks, distinct), keys
    if attribute.kind == AttributeKind.SINGLE:
        coded, scale = encode_entries(entries, categories=[o.key for o in attribute.options.all()])
    elif attribute.kind == AttributeKind.BOOLEAN:
        coded, scale = encode_entries(entries, categories=[False, True])
    else:
        coded, scale = encode_entries(entries, numeric=True)
    return coded, None, scale


def _level(attribute: Attribute) -> str:
    if attribute.kind == AttributeKind.MULTI:
        return "nominal"  # sets of options: one category each (and MASI alongside)
    return attribute.level or "nominal"


def reliability_rows(
    *, data: ReliabilityData, n_boot: int = N_BOOT, seed: int = SEED
) -> list[dict[str, Any]]:
    """One row per attribute and, for multiple choice, one per option (chosen or not).

    Keys as FIELDS (see there for the keys only some rows have); undefined figures are None.
    Alpha uses the attribute's level of measurement; AC1's chance agreement is over the
    codebook's categories (a single-choice attribute's options, yes/no for options and yes/no
    attributes). The bootstrap draws `n_boot` resamples of cases with a fixed seed, the same
    resamples for every coefficient of a row, so the same data always give the same figures.
    """
    # Each row's data first (the options are read here, in the caller's thread), then
    # every row's figures on two threads (coding.reliability.threads).
    jobs = []
    for attribute in data.attributes:
        coded, extra = _coded(data, attribute)
        level = _level(attribute)
        multi = attribute.kind == AttributeKind.MULTI
        binary = attribute.kind == AttributeKind.BOOLEAN
        jobs.append((attribute.key, None, level, coded, binary, multi,
                     masi_matrix(extra[1]) if multi else None))
        if multi:
            masks = extra[0]
            jobs.extend((attribute.key, option.key, "nominal", option_coded(masks, j), True,
                         False, None) for j, option in enumerate(attribute.options.all()))

    def figures(job) -> dict:
        key, option, level, coded, binary, multi, masi = job
        stats = row_statistics(coded, level=level, binary=binary, n_boot=n_boot, seed=seed)
        if multi:
            stats["masi_alpha"] = alpha_with_distance(coded, masi)
        return _row(key, option, level, stats, multi=multi, binary=binary)

    return in_parallel(figures, jobs)


def pair_rows(*, data: ReliabilityData) -> list[dict[str, Any]]:
    """Per coder pair and attribute: units both coded, agreement, kappa, alpha, AC1.

    Only pairs that share at least one coded unit; alpha at the attribute's level; no
    bootstrap here.
    """
    coders = data.coders
    by_pair: dict[tuple[int, int], list] = {}
    for attribute in data.attributes:
        coded = _coded(data, attribute)[0]
        level = _level(attribute)
        for pair, table in pair_tables(coded).items():
            figures = pair_figures(table, level=level, values=coded.values)
            by_pair.setdefault(pair, []).append((attribute.key, figures))
    rows = []
    for (i, j) in sorted(by_pair):
        for key, figures in by_pair[(i, j)]:
            rows.append({"coder_a": coders[i], "coder_b": coders[j], "attribute": key}
                        | {field: figures[field] for field in PAIR_FIELDS[3:]})
    return rows


def reliability_version(*, review: Review) -> int:
    """The review's reliability_version as committed now (one row): what the figures and coder
    drift of its current state are keyed by (coding.reliability.services.reliability_changed
    bumps it in the transaction of every change they depend on)."""
    return Review.objects.filter(pk=review.pk).values_list("reliability_version", flat=True).get()


def reliability_report(
    *, review: Review, data: ReliabilityData | None = None, n_boot: int = N_BOOT, seed: int = SEED
) -> dict:
    """Rows, pair rows and coders, computed now (seconds on a large codebook: pages and the
    API read the stored snapshot instead, see coding/reliability/services.py)."""
    data = data if data is not None else reliability_data(review=review)
    return {
        "rows": reliability_rows(data=data, n_boot=n_boot, seed=seed),
        "pairs": pair_rows(data=data),
        "coders": data.coders,
    }


# Part of every report digest (report_digest): a snapshot's report is taken from the previous
# snapshot only when computed by the same code. Change it whenever the report would come out
# differently from the same tables.
REPORT_REUSE = "report-1"


def report_digest(*, data: ReliabilityData, n_boot: int = N_BOOT, seed: int = SEED) -> str:
    """What snapshot_report is computed from: the attributes as the report shows them (keys,
    labels, kinds, levels, options), the number of text attributes, the coders, each
    attribute's table as encoded (units x coders in the tables' order, its scale or option
    keys, the numbers, the sets' masks), the resamples and the code (REPORT_REUSE). Equal
    digests, equal reports: the rows, pairs and confusion matrices are computed from these
    alone."""
    text = data.codebook.attributes.filter(kind=AttributeKind.TEXT).count() if data.codebook else 0
    digest = hashlib.sha256(json.dumps(
        [REPORT_REUSE, n_boot, seed, text, data.coders,
         [[a.key, a.label, a.kind, _level(a), [[o.key, o.label] for o in a.options.all()]]
          for a in data.attributes]], default=repr).encode())
    for attribute in data.attributes:
        coded, extra = _coded(data, attribute)
        digest.update(json.dumps([attribute.key, coded.q, list(coded.codes.shape),
                                  str(coded.codes.dtype), data.scales[attribute.key]],
                                 default=repr).encode())
        digest.update(np.ascontiguousarray(coded.codes).tobytes())
        if coded.values is not None:
            digest.update(np.ascontiguousarray(coded.values, dtype=float).tobytes())
        if extra is not None:
            for array in extra:
                digest.update(str(array.shape).encode())
                digest.update(np.ascontiguousarray(array, dtype=np.int64).tobytes())
    return digest.hexdigest()[:32]


def previous_report(*, review: Review, digest: str) -> dict | None:
    """The report of the review's last ready snapshot if it was computed from the same data
    (its digest, drift_codings["digests"]["report"], is `digest`), else None."""
    last = (ReliabilitySnapshot.objects.filter(review=review, status=SnapshotStatus.READY)
            .order_by("-finished_at", "-pk")
            .annotate(digest=KeyTransform("report", KeyTransform("digests", "drift_codings")))
            .values_list("report", "digest").first())
    if last is None or last[1] != digest or not isinstance(last[0], dict):
        return None
    return last[0]


def snapshot_report(*, data: ReliabilityData, n_boot: int = N_BOOT, seed: int = SEED) -> dict:
    """What a snapshot stores: the report, and what the page shows beside it, so that the page
    reads one row and matches the figures even after the codebook has changed: the compared
    attributes with their labels and option labels, the number of text attributes, and the
    confusion matrix of every attribute for every coder pair that shares a case.

    Example: {"rows": [...], "pairs": [...], "coders": ["alice", "bob"],
    "attributes": [{"key": "level", "label": "Level", "kind": "single",
    "options": {"local": "Local", ...}}], "text_attributes": 1,
    "confusion": {"level": {"alice,bob": {"labels": [...], "matrix": [[...]]}}}}
    """
    report = {
        "rows": reliability_rows(data=data, n_boot=n_boot, seed=seed),
        "pairs": pair_rows(data=data),
        "coders": data.coders,
    }
    matrices = {a.key: _pair_confusions(data, a) for a in data.attributes}
    report["attributes"] = [
        {"key": a.key, "label": a.label, "kind": a.kind,
         "options": {o.key: o.label for o in a.options.all()}}
        for a in data.attributes
    ]
    report["text_attributes"] = (
        data.codebook.attributes.filter(kind=AttributeKind.TEXT).count() if data.codebook else 0
    )
    report["confusion"] = matrices
    return report


def _pair_confusions(data: ReliabilityData, attribute: Attribute) -> dict[str, Any]:
    """`confusion` for every coder pair at once ({"alice,bob": ...}, names in sorted order as
    in pair_rows), counted from the attribute's arrays (_coded, made once for the figures)
    rather than from its table pair by pair: at 50,000 cases the table's values were most of
    the report's time."""
    coded, extra = _coded(data, attribute)
    codes = extra[0] if attribute.kind == AttributeKind.MULTI else coded.codes
    scale = data.scales[attribute.key]
    coders = data.coders  # the columns, sorted: pairs in pair_rows' order
    result: dict[str, Any] = {}
    for i, a in enumerate(coders):
        for j in range(i + 1, len(coders)):
            both = (codes[:, i] >= 0) & (codes[:, j] >= 0)
            if not both.any():
                continue
            first, second = codes[both, i], codes[both, j]
            name = f"{a},{coders[j]}"
            if attribute.kind == AttributeKind.MULTI:
                result[name] = {"options": _option_counts(attribute, scale, first, second)}
                continue
            used = np.unique(np.concatenate([first, second]))
            labels = sorted_values(scale[k] for k in used.tolist())
            place = np.zeros(len(scale), dtype=np.int64)
            place[used] = [labels.index(scale[k]) for k in used.tolist()]
            size = len(labels)
            matrix = np.bincount(place[first] * size + place[second], minlength=size * size)
            result[name] = {"labels": labels, "matrix": matrix.reshape(size, size).tolist()}
    return result


def _option_counts(attribute: Attribute, keys: list, first: np.ndarray, second: np.ndarray
                   ) -> list[dict[str, Any]]:
    """confusion's "options" of two coders' sets as bit masks (encode_set_entries', bit j =
    keys[j])."""
    out = []
    for option in attribute.options.all():
        bit = 1 << keys.index(option.key)
        in_a, in_b = (first & bit) > 0, (second & bit) > 0
        out.append({"key": option.key, "label": option.label,
                    "both": int(np.count_nonzero(in_a & in_b)),
                    "only_a": int(np.count_nonzero(in_a & ~in_b)),
                    "only_b": int(np.count_nonzero(~in_a & in_b)),
                    "neither": int(np.count_nonzero(~in_a & ~in_b))})
    return out


def confusion(
    *, data: ReliabilityData, attribute: Attribute, coder_a: str, coder_b: str
) -> dict[str, Any]:
    """Cross-tabulation of two coders on one attribute over the cases both coded.

    single/number/boolean: {"labels": [...], "matrix": [[...]]} (rows coder A, columns
    coder B). multiple choice: {"options": [{"key", "both", "only_a", "only_b",
    "neither"}]}, one per option.
    """
    table = data.tables.get(attribute.key, {})
    if attribute.kind == AttributeKind.MULTI:
        result = []
        for option in attribute.options.all():
            counts = {"both": 0, "only_a": 0, "only_b": 0, "neither": 0}
            for codes in binarize(table, option.key).values():
                if coder_a in codes and coder_b in codes:
                    a, b = codes[coder_a], codes[coder_b]
                    slot = "both" if a and b else "only_a" if a else "only_b" if b else "neither"
                    counts[slot] += 1
            result.append({"key": option.key, "label": option.label, **counts})
        return {"options": result}
    labels, matrix = confusion_matrix(table, coder_a, coder_b)
    return {"labels": labels, "matrix": matrix}


# SnapshotState.status's answers (the page, its status poll, the API's figures and drift).
FIGURES_STATUSES = [("up_to_date", "up_to_date"), ("computing", "computing"),
                    ("failed", "failed")]


@dataclass
class SnapshotState:
    """What a reader of the figures is told: the newest computed snapshot (None before the
    first is ready) and where the computation of the current codings stands."""

    latest: ReliabilitySnapshot | None
    current: ReliabilitySnapshot | None  # None: not asked for yet (the worker will)

    @property
    def status(self) -> str:
        """"up_to_date": `latest` is of the current codings; "computing": they are being
        computed (queued or running), or about to be asked for; "failed": their computation
        failed."""
        if self.current is None:
            return "computing"
        if self.current.status == SnapshotStatus.READY:
            return "up_to_date"
        if self.current.status == SnapshotStatus.FAILED:
            return "failed"
        return "computing"

    def as_json(self) -> dict[str, Any]:
        latest = self.latest
        return {
            "status": self.status,
            "snapshot": latest.pk if latest else None,
            "computed_at": latest.finished_at.isoformat() if latest else None,
            "duration_seconds": latest.duration if latest else None,
        }


def reliability_snapshot_state(*, review: Review, report: bool = True) -> SnapshotState:
    """Where the figures of the review's current state stand, read only (a page view writes
    nothing), in one or two queries whatever the size of the review: the snapshot of its
    reliability_version (as read with `review`), if one was asked for (every service that
    changes what they depend on asks, and the worker's recovery asks for any version nobody
    asked for, see coding.reliability.services), and the newest ready one. Without `report`
    the snapshots' report and drift are not read (a status poll needs neither)."""
    # Drift is read by snapshot_drift, only the part asked for.
    snapshots = ReliabilitySnapshot.objects.filter(review_id=review.pk).defer(
        "drift", "drift_codings")
    if not report:
        snapshots = snapshots.defer("report")
    current = snapshots.filter(version=review.reliability_version).first()
    if current is not None and current.status == SnapshotStatus.READY:
        return SnapshotState(current, current)
    latest = snapshots.filter(status=SnapshotStatus.READY).order_by("-requested_at", "-pk").first()
    return SnapshotState(latest, current)


def snapshot_drift_page(*, snapshot: ReliabilitySnapshot | None, params,
                        page) -> tuple[dict | None, Any]:
    """snapshot_drift cut to page `page` of its periods (coding.reliability.drift.drift_page:
    the reliability page shows a page at a time), a window size that is not stored grouped
    for that page's periods only; (None, None) where snapshot_drift gives None."""
    from coding.reliability.drift import drift_page, drift_page_from_codings, stored_name

    if snapshot is None or stored_name(params) is not None:
        drift = snapshot_drift(snapshot=snapshot, params=params)
        return (None, None) if drift is None else drift_page(drift, page)
    head, count = _drift_codings_head(snapshot)
    paged = None if head is None else drift_page_from_codings(
        head, count, partial(_drift_cases, snapshot), params, page)
    return (None, None) if paged is None else paged


def snapshot_drift(*, snapshot: ReliabilitySnapshot | None, params) -> dict | None:
    """Coder drift for `params` (coding.reliability.drift.DriftParams) as the snapshot stored
    it, never computed from the codings, in one query that reads only what `params` needs: a
    grouping stored ready-made (weeks, windows of 20) as it is, any other window size grouped
    from the stored per-coding counts. None if there is no snapshot or it has no drift (one
    made before drift was stored)."""
    from coding.reliability.drift import FORMAT, drift_from_codings, stored_name

    if snapshot is None:
        return None
    rows = ReliabilitySnapshot.objects.filter(pk=snapshot.pk)
    name = stored_name(params)
    if name is not None:
        # Only that key: the windows of 20 grow with the codings, the weeks with time.
        drift = json_value(rows.annotate(part=as_text(KeyTransform(name, "drift")))
                           .values_list("part", flat=True).first())
        # A snapshot stored before drift's current format has none to show (the next one
        # computed has).
        return drift if isinstance(drift, dict) and drift.get("format") == FORMAT else None
    codings = _drift_codings(snapshot)
    return None if codings is None else drift_from_codings(codings, params)


def _drift_codings_head(snapshot: ReliabilitySnapshot) -> tuple[dict | None, int]:
    """The snapshot's stored per-case values without the cases (format, categories, overall,
    trend), and how many cases they hold, read from the stored JSON by the database: at
    50,000 cases reading and decoding every case took 1.5 s of a page of drift by windows."""
    names = ("format", "categories", "overall", "trend")
    found = ReliabilitySnapshot.objects.filter(pk=snapshot.pk).annotate(
        count=_JSONArrayLength(KeyTransform("cases", "drift_codings")),
        **{f"part_{name}": KeyTransform(name, "drift_codings") for name in names},
    ).values_list(*(f"part_{name}" for name in names), "count").first()
    if found is None or found[0] is None:
        return None, 0
    return dict(zip(names, found[:-1], strict=True)), found[-1] or 0


class _JSONArrayLength(Func):
    """The length of a JSON array (SQLite's json_array_length, PostgreSQL's
    jsonb_array_length)."""

    function = "json_array_length"
    output_field = IntegerField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, function="jsonb_array_length", **extra)


def _drift_cases(snapshot: ReliabilitySnapshot, first: int, last: int) -> list:
    """The snapshot's stored cases first..last-1 (drift_codings["cases"]), cut out of the
    stored JSON by the database."""
    if last <= first:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT jsonb_path_query_array(drift_codings, '$.cases[$first to $last]', "
                "jsonb_build_object('first', %s::int, 'last', %s::int))::text "
                "FROM coding_reliabilitysnapshot WHERE id = %s", [first, last - 1, snapshot.pk])
            return json_value(cursor.fetchone()[0])
        cursor.execute(
            "SELECT cases.value FROM coding_reliabilitysnapshot, "
            "json_each(coding_reliabilitysnapshot.drift_codings, '$.cases') AS cases "
            "WHERE coding_reliabilitysnapshot.id = %s AND cases.key >= %s AND cases.key < %s "
            "ORDER BY cases.key", [snapshot.pk, first, last])
        return [json_value(value) for (value,) in cursor.fetchall()]


def _drift_codings(snapshot: ReliabilitySnapshot):
    """The snapshot's stored per-case values (drift_codings), from which window sizes that
    are not stored are grouped."""
    return json_value(ReliabilitySnapshot.objects.filter(pk=snapshot.pk).annotate(
        text=as_text("drift_codings")).values_list("text", flat=True).first())


def as_text(expression) -> Cast:
    """A snapshot's JSON column, or a part of it, read as its text for json_value rather than
    by the field's own json.loads (14 MB of per-case values at 50,000 cases)."""
    return Cast(expression, TextField())


def json_value(text: str | None):
    """The value of as_text's JSON (None for SQL NULL), parsed by orjson with Python's cyclic
    garbage collector paused (JSON makes no reference cycles): on a busy machine its passes
    over the million new lists were most of the parse (1.25-3.0 s against 0.2-0.55 s)."""
    if text is None:
        return None
    with cyclic_gc_paused():
        return orjson.loads(text)
