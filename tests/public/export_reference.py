"""The exports as they were before they streamed, kept verbatim as the reference that the
streaming exports must equal byte for byte (tests/public/test_streaming_exports.py); the JSON
export in content, since it is indented by two spaces."""

import json
from collections import defaultdict
from typing import IO
from urllib.parse import quote

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse

from coding.codings.transfer import COLUMNS
from coding.fileio import csv_writer
from coding.models import (
    AttributeKind,
    Case,
    CodedValue,
    CodingStatus,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Review,
)
from coding.public.cache import case_filter_for
from coding.public.policies import public_consensus_q
from coding.public.selectors import _public_option_labels
from coding.reviews.importers import CASE_COLUMNS
from coding.reviews.selectors import CodebookInfo
from coding.values import stored_value, value_csv, value_for_readers, value_text
from tests.public.command_export_reference import _option_orders


def _export(request, review):
    case_filter = case_filter_for(review, request.GET, Case.objects.filter(review=review),
                                  request=request)
    case_filter.form.is_valid()
    codebook = case_filter.codebook
    return review, codebook, export_rows(cases=case_filter.qs, codebook=codebook)


def export_rows(*, cases: QuerySet[Case], codebook: CodebookInfo) -> list[dict]:
    """The filtered cases with their consensus values, for the CSV/JSON exports, in four
    queries. Example row: {"number": "3", "title": "...", "country": "UK", "region": "Europe",
    "year": 1999, "service_areas": ["Health care"], "source": "...",
    "consensus": {"level": {"value": ["Local"], "evidence": "..."}}}."""
    case_rows = list(
        cases.values("id", "number", "title", "country", "region", "year", "summary", "source",
                     "consensus_complete")
    )
    ids = cases.order_by().values("pk")
    areas: dict[int, list[str]] = defaultdict(list)
    for case_id, name in (
        Case.service_areas.through.objects.filter(case_id__in=ids)
        .order_by("servicearea__name")
        .values_list("case_id", "servicearea__name")
    ):
        areas[case_id].append(name)
    options = _public_option_labels(consensusvalue__case_id__in=ids)
    kinds = {i: a for a in codebook.by_key.values() for i in a.ids}
    consensus: dict[int, dict] = defaultdict(dict)
    for consensus_id, case_id, attribute_id, text, number, boolean, evidence in (
        ConsensusValue.objects.filter(public_consensus_q(), case_id__in=ids).order_by()
        .values_list("id", "case_id", "attribute_id", "text", "number", "boolean", "evidence")
        .iterator(chunk_size=5000)
    ):
        attribute = kinds.get(attribute_id)
        if attribute is None:
            continue
        row = {"text": text, "number": number, "boolean": boolean}
        consensus[case_id][attribute.key] = {
            "value": value_for_readers(attribute.kind, row, options.get(consensus_id, [])),
            "evidence": evidence,
        }
    return [
        {
            **{k: v for k, v in row.items() if k != "id"},
            "service_areas": areas[row["id"]],
            "consensus": consensus.get(row["id"], {}),
        }
        for row in case_rows
    ]


def _csv_response(filename: str, columns: list[str], rows) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv_writer(response)
    writer.writerow(columns)
    writer.writerows(rows)
    return response


def _case_url_maker(request, review):
    """number -> absolute case URL; one reverse() for the whole export (10,000 calls of
    reverse() took most of a second)."""
    marker = "0"
    template = request.build_absolute_uri(
        reverse("coding:case_detail", args=[review.slug, marker])
    )
    head, tail = template.rsplit(f"/{marker}/", 1)
    return lambda number: f"{head}/{quote(number, safe='')}/{tail}"


def export_csv(request, review):
    review, codebook, rows = _export(request, review)
    attributes = list(codebook.by_key.values())
    columns = ["number", "title", "country", "region", "year", "service_areas", "summary",
               "source", "url"]
    for attribute in attributes:
        columns += [attribute.key, f"{attribute.key}_evidence"]
    case_url = _case_url_maker(request, review)
    table = []
    for row in rows:
        line = [row["number"], row["title"], row["country"], row["region"],
                value_text(row["year"], empty=""),
                "; ".join(row["service_areas"]), row["summary"], row["source"],
                case_url(row["number"])]
        for attribute in attributes:
            value = row["consensus"].get(attribute.key)
            shown = value_text(value["value"], empty="", none_chosen="") if value else ""
            line += [shown, value["evidence"] if value else ""]
        table.append(line)
    return _csv_response(f"{review.slug}-cases.csv", columns, table)


def export_json(request, review):
    review, codebook, rows = _export(request, review)
    case_url = _case_url_maker(request, review)
    for row in rows:
        row["url"] = case_url(row["number"])
    body = {
        "review": {"slug": review.slug, "title": review.title,
                   "url": request.build_absolute_uri(review.get_absolute_url())},
        "attributes": [
            {"key": a.key, "label": a.label, "kind": a.kind, "section": a.section,
             "options": [{"key": k, "label": label} for k, label in a.options]}
            for a in codebook.by_key.values()
        ],
        "count": len(rows),
        "cases": rows,
    }
    response = HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{review.slug}-cases.json"'
    return response


def codings_export(*, review: Review, out: IO[str]) -> int:
    """Write every submitted coding as long CSV; returns the number of value rows."""
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    values = (
        CodedValue.objects.filter(
            coding__case__review=review, coding__status=CodingStatus.SUBMITTED
        )
        .select_related("attribute", "coding__case", "coding__coder")
        .prefetch_related("options", "attribute__options")
        .order_by(
            "coding__case__sort_key", "coding__case__number", "coding__coder__username",
            "attribute__section__order", "attribute__order", "attribute__id",
        )
    )
    orders: dict[int, dict[str, int]] = {}
    written = 0
    for coded in values:
        attribute = coded.attribute
        value = stored_value(attribute, coded)
        if value is None:
            continue
        if attribute.pk not in orders:
            orders.update(_option_orders([attribute]))
        writer.writerow([
            coded.coding.case.number, coded.coding.coder.username, attribute.key,
            value_csv(attribute, value, orders[attribute.pk]),
        ])
        written += 1
    return written


def consensus_export(*, review: Review, out: IO[str]) -> int:
    """One row per case, one column per attribute of the current codebook (text attributes,
    which get no consensus value, left out). A cell is empty while the attribute has
    no settled value (no consensus yet, or an open disagreement). Returns the row count."""
    codebook = review.current_codebook()
    attributes = list(
        codebook.attributes.exclude(kind=AttributeKind.TEXT).prefetch_related("options")
    ) if codebook else []
    by_id = {a.pk: a for a in attributes}
    orders = _option_orders(attributes)
    open_pairs = set(
        Disagreement.objects.filter(case__review=review, status=DisagreementStatus.OPEN)
        .values_list("case_id", "attribute_id")
    )
    cells: dict[int, dict[int, str]] = {}
    for consensus in ConsensusValue.objects.filter(
        case__review=review, attribute__in=attributes
    ).prefetch_related("options"):
        if (consensus.case_id, consensus.attribute_id) in open_pairs:
            continue
        attribute = by_id[consensus.attribute_id]
        value = stored_value(attribute, consensus)
        if attribute.kind == AttributeKind.MULTI:
            value = value or frozenset()
        cells.setdefault(consensus.case_id, {})[attribute.pk] = value_csv(
            attribute, value, orders[attribute.pk]
        )
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["case", *[a.key for a in attributes]])
    count = 0
    for case in Case.objects.filter(review=review).only("pk", "number"):
        row = cells.get(case.pk, {})
        writer.writerow([case.number, *[row.get(a.pk, "") for a in attributes]])
        count += 1
    return count


def cases_export(*, review: Review, out: IO[str]) -> int:
    """The review's cases in the shape `import_cases` reads; returns the row count."""
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CASE_COLUMNS)
    areas: dict[int, list[str]] = {}
    for case_id, name in Case.service_areas.through.objects.filter(
        case__review=review
    ).order_by("servicearea__name").values_list("case_id", "servicearea__name"):
        areas.setdefault(case_id, []).append(name)
    count = 0
    for case in review.cases.order_by("sort_key", "number").iterator(chunk_size=5000):
        writer.writerow([
            case.number, case.title, case.country, case.year, ";".join(areas.get(case.pk, [])),
            case.summary, case.source,
        ])
        count += 1
    return count
