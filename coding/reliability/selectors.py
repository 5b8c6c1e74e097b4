"""Inter-coder reliability of a review, read from the database.

Selectors that turn every submitted coding under the review's current codebook
into reliability tables ({case number: {username: value}}, see
coding/reliability.py) in four queries, and compute the figures the
`reliability` command, the reliability page and its CSV download show.

Every coder counts (imported data may carry more than two codings per case); a
coder without a stored value for an attribute did not code it. Text attributes
have no categories and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max, Sum

from coding.models import (
    Attribute,
    AttributeKind,
    Codebook,
    CodedValue,
    Coding,
    CodingStatus,
    Review,
)
from coding.reliability.statistics import (
    attribute_statistics,
    binarize,
    confusion_matrix,
    option_statistics,
)

N_BOOT = 1000
SEED = 0

# The keys of every row, in output order; "masi_alpha" only on multiple-choice
# attribute rows.
FIELDS = [
    "attribute", "option", "units", "coders", "percent_agreement", "cohen_kappa",
    "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", "gwet_ac1", "masi_alpha",
]
PAIR_FIELDS = [
    "coder_a", "coder_b", "attribute", "units", "percent_agreement", "cohen_kappa",
    "krippendorff_alpha", "gwet_ac1",
]
Table = dict[str, dict[str, Any]]


@dataclass
class ReliabilityData:
    """The current codebook's compared attributes and one table per attribute key."""

    codebook: Codebook | None
    attributes: list[Attribute]
    tables: dict[str, Table]

    @property
    def coders(self) -> list[str]:
        names = {c for table in self.tables.values() for codes in table.values() for c in codes}
        return sorted(names)


def reliability_data(*, review: Review) -> ReliabilityData:
    """Reliability tables of every non-text attribute, from submitted codings.

    Example: tables["level"] == {"1": {"alice": "local", "bob": "state"}, ...};
    multiple choice gives frozensets of option keys (frozenset() = none chosen).
    """
    codebook = review.current_codebook()
    if codebook is None:
        return ReliabilityData(None, [], {})
    attributes = list(
        codebook.attributes.exclude(kind=AttributeKind.TEXT)
        .select_related("section")
        .prefetch_related("options")
    )
    submitted = {"coding__codebook": codebook, "coding__status": CodingStatus.SUBMITTED}
    rows = CodedValue.objects.filter(**submitted, attribute__in=attributes).values_list(
        "pk", "attribute_id", "coding__case__number", "coding__coder__username", "number",
        "boolean",
    )
    chosen: dict[int, set[str]] = {}
    through = CodedValue.options.through.objects.filter(
        **{f"codedvalue__{key}": value for key, value in submitted.items()}
    ).values_list("codedvalue_id", "option__key")
    for value_id, option_key in through:
        chosen.setdefault(value_id, set()).add(option_key)

    by_id = {a.pk: a for a in attributes}
    tables: dict[str, Table] = {a.key: {} for a in attributes}
    for value_id, attribute_id, case_number, username, number, boolean in rows:
        attribute = by_id[attribute_id]
        kind = attribute.kind
        if kind == AttributeKind.SINGLE:
            keys = chosen.get(value_id)
            if not keys:
                continue  # a stored note or quote without an option: not coded
            value: Any = min(keys)  # one option; min() keeps a corrupt row deterministic
        elif kind == AttributeKind.MULTI:
            value = frozenset(chosen.get(value_id, ()))
        elif kind == AttributeKind.NUMBER:
            value = number
        else:
            value = boolean
        if value is None:
            continue
        tables[attribute.key].setdefault(case_number, {})[username] = value
    return ReliabilityData(codebook, attributes, tables)


def _row(attribute: str, option: str | None, stats: dict[str, Any], multi: bool) -> dict:
    row = {"attribute": attribute, "option": option}
    for key in FIELDS[2:]:
        if key == "masi_alpha" and not multi:
            continue
        row[key] = stats.get(key)
    return row


def reliability_rows(
    *, data: ReliabilityData, n_boot: int = N_BOOT, seed: int = SEED
) -> list[dict[str, Any]]:
    """One row per attribute and, for multiple choice, one per option (chosen or not).

    Keys as FIELDS; undefined figures are None; "masi_alpha" only on multiple-choice
    attribute rows. The bootstrap interval uses `n_boot` resamples with a fixed seed,
    so the same data always gives the same figures.
    """
    rows = []
    for attribute in data.attributes:
        table = data.tables[attribute.key]
        multi = attribute.kind == AttributeKind.MULTI
        stats = attribute_statistics(table, kind=attribute.kind, n_boot=n_boot, seed=seed)
        rows.append(_row(attribute.key, None, stats, multi))
        if multi:
            keys = [o.key for o in attribute.options.all()]
            per_option = option_statistics(table, keys, n_boot=n_boot, seed=seed)
            rows.extend(_row(attribute.key, key, per_option[key], False) for key in keys)
    return rows


def pair_rows(*, data: ReliabilityData) -> list[dict[str, Any]]:
    """Per coder pair and attribute: units both coded, agreement, kappa, alpha, AC1.

    Only pairs that share at least one coded unit; no bootstrap here.
    """
    rows = []
    for coder_a, coder_b in combinations(data.coders, 2):
        for attribute in data.attributes:
            pair = {
                unit: {c: codes[c] for c in (coder_a, coder_b)}
                for unit, codes in data.tables[attribute.key].items()
                if coder_a in codes and coder_b in codes
            }
            if not pair:
                continue
            stats = attribute_statistics(pair, kind=attribute.kind, n_boot=0)
            rows.append(
                {"coder_a": coder_a, "coder_b": coder_b, "attribute": attribute.key}
                | {key: stats[key] for key in PAIR_FIELDS[3:]}
            )
    return rows


def _fingerprint(review: Review, codebook: Codebook | None) -> str:
    """Changes whenever a submitted coding of the codebook is added, changed or reopened."""
    if codebook is None:
        return "none"
    agg = Coding.objects.filter(codebook=codebook, status=CodingStatus.SUBMITTED).aggregate(
        n=Count("pk"), last=Max("updated_at"), versions=Sum("version"), ids=Sum("pk")
    )
    last = agg["last"].isoformat() if agg["last"] else ""
    return f"{codebook.pk}:{agg['n']}:{last}:{agg['versions']}:{agg['ids']}"


def reliability_report(
    *, review: Review, data: ReliabilityData | None = None, n_boot: int = N_BOOT, seed: int = SEED
) -> dict:
    """Rows, pair rows and coders, cached until a submitted coding changes.

    The bootstrap takes seconds on a large codebook, so the page and the CSV share
    one computation per state of the codings. Pass `data` if already read.
    """
    codebook = data.codebook if data is not None else review.current_codebook()
    key = f"reliability:{review.pk}:{_fingerprint(review, codebook)}:{n_boot}:{seed}"
    report = cache.get(key)
    if report is None:
        data = data if data is not None else reliability_data(review=review)
        report = {
            "rows": reliability_rows(data=data, n_boot=n_boot, seed=seed),
            "pairs": pair_rows(data=data),
            "coders": data.coders,
        }
        cache.set(key, report, timeout=60 * 60 * 24)
    return report


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
