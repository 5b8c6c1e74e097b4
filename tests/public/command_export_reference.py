"""The command-line exports as they were before they read tuples through the shared chunked
reader (one model object per value, options prefetched), kept verbatim as the reference that
`export_codings`, `export_consensus` and `export_cases` must equal byte for byte
(tests/public/test_command_exports.py)."""

from itertools import islice
from typing import IO

from coding.dbbulk import chunked
from coding.fileio import csv_writer
from coding.models import (
    AttributeKind,
    Case,
    CodedValue,
    CodingStatus,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Document,
    Review,
)
from coding.values import stored_value, value_csv

COLUMNS = ["case", "coder", "attribute", "value"]
EVIDENCE_COLUMNS = ["evidence", "evidence_document", "evidence_page", "evidence_start",
                    "evidence_end"]
CASE_COLUMNS = ["number", "title", "country", "year", "service_area", "summary", "source"]
EXPORT_CHUNK = 500


def _anchor_cells(anchors: list, filenames: dict[int, str]) -> list:
    anchor = next((a for a in anchors or [] if a.get("document") in filenames), None)
    if anchor is None:
        return ["", "", "", ""]
    return [filenames[anchor["document"]], anchor.get("page"), anchor.get("start"),
            anchor.get("end")]


def _option_orders(attributes) -> dict[int, dict[str, int]]:
    return {a.pk: {o.key: i for i, o in enumerate(a.options.all())} for a in attributes}


def _case_chunks(review: Review, size: int = EXPORT_CHUNK):
    rows = (Case.objects.filter(review=review).order_by("sort_key", "number")
            .values_list("pk", "number").iterator(chunk_size=size))
    yield from chunked(rows, size)


def codings_export(*, review: Review, out: IO[str]) -> int:
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(COLUMNS + EVIDENCE_COLUMNS)
    orders: dict[int, dict[str, int]] = {}
    filenames = dict(Document.objects.filter(case__review=review).values_list("pk", "filename"))
    written = 0
    for chunk in _case_chunks(review):
        values = (
            CodedValue.objects.filter(
                coding__case_id__in=[pk for pk, _ in chunk],
                coding__status=CodingStatus.SUBMITTED,
            )
            .select_related("attribute", "coding__case", "coding__coder")
            .prefetch_related("options")
            .order_by(
                "coding__case__sort_key", "coding__case__number", "coding__coder__username",
                "attribute__section__order", "attribute__order", "attribute__id",
            )
        )
        for coded in values:
            attribute = coded.attribute
            value = stored_value(attribute, coded)
            if value is None:
                continue
            if attribute.pk not in orders:
                orders.update(_option_orders([attribute]))
            writer.writerow([
                coded.coding.case.number, coded.coding.coder.username, attribute.key,
                value_csv(attribute, value, orders[attribute.pk]), coded.evidence,
                *_anchor_cells(coded.evidence_anchors, filenames),
            ])
            written += 1
    return written


def consensus_export(*, review: Review, out: IO[str], evidence: bool = False) -> int:
    codebook = review.current_codebook()
    attributes = list(
        codebook.attributes.exclude(kind=AttributeKind.TEXT).prefetch_related("options")
    ) if codebook else []
    by_id = {a.pk: a for a in attributes}
    orders = _option_orders(attributes)
    writer = csv_writer(out, lineterminator="\n")
    width = 1 + (len(EVIDENCE_COLUMNS) if evidence else 0)
    header = ["case"]
    for attribute in attributes:
        header.append(attribute.key)
        if evidence:
            header.extend(f"{attribute.key}:{column}" for column in EVIDENCE_COLUMNS)
    writer.writerow(header)
    filenames = dict(Document.objects.filter(case__review=review).values_list(
        "pk", "filename")) if evidence else {}
    count = 0
    for chunk in _case_chunks(review):
        ids = [pk for pk, _ in chunk]
        open_pairs = set(
            Disagreement.objects.filter(case_id__in=ids, status=DisagreementStatus.OPEN)
            .values_list("case_id", "attribute_id")
        )
        cells: dict[int, dict[int, str]] = {}
        for consensus in ConsensusValue.objects.filter(
            case_id__in=ids, attribute__in=attributes
        ).order_by("id").prefetch_related("options"):
            if (consensus.case_id, consensus.attribute_id) in open_pairs:
                continue
            attribute = by_id[consensus.attribute_id]
            value = stored_value(attribute, consensus)
            if attribute.kind == AttributeKind.MULTI:
                value = value or frozenset()
            cell = [value_csv(attribute, value, orders[attribute.pk])]
            if evidence:
                cell += [consensus.evidence, *_anchor_cells(consensus.evidence_anchors, filenames)]
            cells.setdefault(consensus.case_id, {})[attribute.pk] = cell
        for pk, number in chunk:
            row = cells.get(pk, {})
            writer.writerow([number, *[cell for a in attributes
                                       for cell in row.get(a.pk, [""] * width)]])
            count += 1
    return count


def cases_export(*, review: Review, out: IO[str]) -> int:
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CASE_COLUMNS)
    count = 0
    rows = review.cases.order_by("sort_key", "number").iterator(chunk_size=2000)
    while chunk := list(islice(rows, 2000)):
        areas: dict[int, list[str]] = {}
        for case_id, name in Case.service_areas.through.objects.filter(
            case_id__in=[case.pk for case in chunk]
        ).order_by("servicearea__name").values_list("case_id", "servicearea__name"):
            areas.setdefault(case_id, []).append(name)
        for case in chunk:
            writer.writerow([
                case.number, case.title, case.country, case.year,
                ";".join(areas.get(case.pk, [])), case.summary, case.source,
            ])
            count += 1
    return count
