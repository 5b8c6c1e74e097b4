"""The reading of a snapshot's values as it was before it read columns (coding.reliability.
drift._per_case, 7 Dec 2026): every value a row, merged with its options as they came, and
each distinct stored value decoded once. Kept as the reference the column reading must equal
(tests/test_reliability_drift.py), value for value and in the same orders."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC

from coding.codings.policies import cases_with_complete_coding
from coding.dbbulk import driver_rows as _rows
from coding.models import Attribute, AttributeKind, Case, CodedValue, Coding, CodingStatus
from coding.reliability.drift import json_label
from coding.reliability.selectors import CASE_ORDER, Tables
from coding.values import coded_from_fields


def with_chosen_options(values: Iterator[tuple], through: Iterator[tuple]
                        ) -> Iterator[tuple[tuple, frozenset[str] | None]]:
    """Each row of `values` (value id first, in id order) with its chosen options' keys (None
    for none), from `through`'s (value id, option key, ...) rows in value id order: the two
    reads merged as they come, without a dict of every value's options (a million entries,
    about 65 MB of the reading's peak, at 50,000 cases). Each distinct set is held once."""
    distinct: dict[frozenset[str], frozenset[str]] = {}
    pending = next(through, None)
    for row in values:
        value_id = row[0]
        while pending is not None and pending[0] < value_id:  # a value not read
            pending = next(through, None)
        keys = None
        if pending is not None and pending[0] == value_id:
            found = []
            while pending is not None and pending[0] == value_id:
                found.append(pending[1])
                pending = next(through, None)
            keys = frozenset(found)
            keys = distinct.setdefault(keys, keys)
        yield row, keys


def per_case_rows(review, tables: Tables | None = None) -> dict:
    """The stored form: {"attributes": [key, ...], "categories": [label, ...], "cases":
    [[completed at (ISO), {coder: [[attribute index, category index], ...]}], ...]} in
    completion order. A category's label is "attribute=value" (value as JSON).

    With `tables` (of the current codebook's compared attributes), the same pass over the
    values fills them as selectors.reliability_data would."""
    # The complete cases read once and kept in Python (as selectors.reliability_data does):
    # as a subquery of each read, PostgreSQL estimated a handful of rows for it and joined
    # every case with every complete case (50 million comparisons at 10,000 cases, 1.25
    # billion at 50,000: most of the snapshot's time was the server's). The reads below take
    # the review's submitted codings and keep those of complete cases. The values and their
    # options are read in value order, to be merged as they come; the tables are put in case
    # order at the end (the order of the complete cases, read in the tables' order).
    complete_cases = list(cases_with_complete_coding(Case.objects.filter(review=review))
                          .order_by(*CASE_ORDER).values_list("pk", "number"))
    complete = {pk for pk, _number in complete_cases}
    codings = [row for row in _rows(Coding.objects.filter(
        case__review=review, status=CodingStatus.SUBMITTED
    ).order_by().values_list("pk", "case_id", "case__sort_key", "case__number",
                             "coder__username", "submitted_at", "codebook_id"))
        if row[1] in complete]
    kept = {row[0] for row in codings}
    # The report's codings: the current codebook's, by id: (case number, coder).
    current = review.current_codebook() if tables is not None else None
    of_report = {row[0]: (row[3], row[4]) for row in codings
                 if current is not None and row[6] == current.pk}
    attributes = {a.pk: a for a in Attribute.objects.filter(
        codebook__review=review).exclude(kind=AttributeKind.TEXT).prefetch_related("options")}
    values: dict[int, list[tuple[str, str]]] = {}
    # Each distinct stored value of an attribute read once: (its comparable value, its
    # (attribute key, label)), or None where not coded. Keyed by the stored fields as the
    # driver gives them, not by the value, since True == 1 == 1.0 as keys but not as labels.
    decoded: dict[tuple, tuple | None] = {}
    compared = tables.attributes if tables is not None else {}
    rows = with_chosen_options(_rows(CodedValue.objects.filter(
        coding__case__review=review, coding__status=CodingStatus.SUBMITTED,
        attribute__in=list(attributes),
    ).order_by("pk").values_list("pk", "coding_id", "attribute_id", "number", "boolean")),
        _rows(CodedValue.options.through.objects.filter(
            codedvalue__coding__case__review=review,
            codedvalue__coding__status=CodingStatus.SUBMITTED,
        ).order_by("codedvalue_id").values_list("codedvalue_id", "option__key")))
    for (_pk, coding_id, attribute_id, number, boolean), keys in rows:
        if coding_id not in kept:
            continue
        memo = (attribute_id, number, boolean, keys)
        if (answer := decoded.get(memo, False)) is False:
            attribute = attributes[attribute_id]
            value = coded_from_fields(attribute, number, boolean, keys)
            answer = decoded[memo] = (None if value is None
                                      else (value, (attribute.key, json_label(value))))
        if answer is None:
            continue
        values.setdefault(coding_id, []).append(answer[1])
        if (report := of_report.get(coding_id)) and attribute_id in compared:
            tables.add(compared[attribute_id], report[0], report[1], answer[0])
    if tables is not None:
        # Each table's cases put in case order (Tables.order, as it was).
        numbers = [number for _pk, number in complete_cases]
        for key, table in tables.tables.items():
            tables.tables[key] = {number: table[number] for number in numbers
                                  if number in table}
    cases: dict[int, list] = {}
    for pk, case_id, sort_key, number, coder, submitted_at, _codebook in codings:
        case = cases.setdefault(case_id, [None, (sort_key or 0, number), {}])
        if submitted_at is not None and (case[0] is None or submitted_at > case[0]):
            case[0] = submitted_at
        case[2][coder] = values.get(pk, ())
    ordered = sorted((c for c in cases.values() if c[0] is not None),
                     key=lambda c: (c[0], c[1]))
    names: dict[str, int] = {}
    categories: dict[str, int] = {}
    # One [attribute index, category index] list per distinct (key, label), shared by every
    # value that has it (JSON writes each where it is used): indices are given in the order
    # of first use, as when each value had its own list.
    pairs: dict[tuple, list[int]] = {}
    stored = []
    for at, _key, by_coder in ordered:
        coded = {}
        for coder, answers in sorted(by_coder.items()):
            # One value per attribute of a coding (codedvalue_unique), so sorting the
            # (key, label) pairs sorts by key.
            coded[coder] = [
                pairs.get(answer) or pairs.setdefault(answer, [
                    names.setdefault(answer[0], len(names)),
                    categories.setdefault(f"{answer[0]}={answer[1]}", len(categories))])
                for answer in sorted(answers)
            ]
        # SQLite's driver gives naive datetimes (UTC, as stored): the stored form says UTC.
        stored.append([(at if at.tzinfo else at.replace(tzinfo=UTC)).isoformat(), coded])
    return {"attributes": list(names), "categories": list(categories), "cases": stored}
