"""Public reads and dashboard aggregates. Each returns plain data, counted in SQL.

Every read of consensus values here goes through coding.public.policies: a case's values
show only once its consensus is complete, whoever asks.

`cases` arguments are Case querysets of one review, usually `CaseFilter(...).qs`: every
aggregate follows the gallery's filters. Nothing here reads raw codings, coder names or who
decided a consensus value: readers see consensus values only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q, QuerySet
from django.urls import reverse

from coding.countries import iso3_for_country
from coding.dbbulk import chunked, cyclic_gc_paused
from coding.exports import Table, case_chunks, chosen_options, ids_lookup
from coding.models import (
    AttributeKind,
    Case,
    ConsensusValue,
    Option,
    Review,
    ServiceArea,
)
from coding.public.policies import cases_with_public_consensus, public_consensus_q
from coding.reviews.languages import in_language, reader_language
from coding.reviews.selectors import AttributeInfo, CodebookInfo
from coding.values import value_for_readers, value_text

OptionThrough = ConsensusValue.options.through
# From a chosen option (OptionThrough) to the options chosen in its case's other values.
OTHER_OPTION = "consensusvalue__case__consensus_values__options"



# --- gallery and case page --------------------------------------------------


CARD_ATTRIBUTES = 4


def card_attributes(codebook: CodebookInfo) -> list[AttributeInfo]:
    """The attributes shown as labels on gallery cards: the first few required choice
    attributes of the codebook (for the bundled review: level, service setting, type of
    coproduction, role of citizens). The case page shows everything."""
    return [a for a in codebook.choice_attributes() if a.required][:CARD_ATTRIBUTES]


def service_area_names(case_ids: list[int]) -> dict[int, list[str]]:
    """Each case's service area names, alphabetically, in one query (for these cases, and
    perhaps a few more: see coding.exports.ids_lookup). Example:
    {12: ["Health care", "Social care"]}."""
    if not case_ids:
        return {}
    areas: dict[int, list[str]] = defaultdict(list)
    for case_id, name in (
        Case.service_areas.through.objects.filter(**ids_lookup("case_id", case_ids))
        .order_by("servicearea__name")
        .values_list("case_id", "servicearea__name")
    ):
        areas[case_id].append(name)
    return areas


def gallery_page(
    *, review: Review, cases: QuerySet[Case], codebook: CodebookInfo, page_number,
    per_page: int = 24,
) -> tuple[Page, list[dict]]:
    """One page of cases as cards, in four queries whatever the page size. Example card:
    {"number": "3", "title": "Caring for the needy", "country": "UK", "year": 1999,
    "url": "/reviews/coproduction/cases/3/", "service_areas": ["Health care"],
    "labels": [("Level", "Local"), ("Role of citizens", "Co-deliverer")]}."""
    paginator = Paginator(
        cases.only("id", "number", "title", "country", "year", "review_id", "consensus_complete"),
        per_page,
    )
    page = paginator.get_page(page_number)
    rows = list(page.object_list)
    ids = [case.pk for case in rows]
    areas = service_area_names(ids)
    shown = card_attributes(codebook)
    labels = consensus_option_labels(case_ids=ids, attributes=shown)
    cards = [
        {
            "number": case.number,
            "title": case.title,
            "country": case.country,
            "year": case.year,
            "url": reverse("coding:case_detail", args=[review.slug, case.number]),
            "service_areas": areas[case.pk],
            "labels": labels.get(case.pk, []),
            "consensus_complete": case.consensus_complete,
        }
        for case in rows
    ]
    return page, cards


def consensus_option_labels(
    *, case_ids: list[int], attributes: list[AttributeInfo]
) -> dict[int, list[tuple[str, str]]]:
    """Chosen option labels of the given attributes per case, in codebook order, one query.
    Example: {12: [("Level", "Local"), ("Role of citizens", "Co-deliverer")]}."""
    if not case_ids or not attributes:
        return {}
    attribute_ids = [i for a in attributes for i in a.ids]
    by_id = {i: a for a in attributes for i in a.ids}
    order = {a.key: n for n, a in enumerate(attributes)}
    rows = (
        OptionThrough.objects.filter(
            public_consensus_q("consensusvalue__case"),
            consensusvalue__case_id__in=case_ids,
            consensusvalue__attribute_id__in=attribute_ids,
        )
        .values_list("consensusvalue__case_id", "consensusvalue__attribute_id",
                     "option__label", "option__order", "option__translations")
    )
    found: dict[int, list[tuple]] = defaultdict(list)
    for case_id, attribute_id, label, option_order, said in rows:
        attribute = by_id[attribute_id]
        label = in_language(label, (said or {}).get("label"))  # the reader's language
        found[case_id].append((order[attribute.key], option_order, attribute.label, label))
    return {case_id: [(a, o) for *_, a, o in sorted(items)] for case_id, items in found.items()}


def _public_option_labels(**cases) -> dict[int, list[str]]:
    """Consensus value id -> its chosen option labels in codebook order, for the cases picked
    by `cases` (a filter on OptionThrough) whose consensus is public, in the reader's
    language; one query."""
    options: dict[int, list[str]] = defaultdict(list)
    for consensus_id, label, said in (
        OptionThrough.objects.filter(public_consensus_q("consensusvalue__case"), **cases)
        .order_by("option__order", "option_id")
        .values_list("consensusvalue_id", "option__label", "option__translations")
    ):
        options[consensus_id].append(in_language(label, (said or {}).get("label")))
    return options


def case_consensus(*, case: Case, codebook: CodebookInfo) -> list[dict]:
    """A case's consensus values grouped by codebook section, in two queries. Example:
    [{"section": "Coproduction type and role of citizens", "values": [{"key": "citizen_roles",
    "label": "Role of citizens", "kind": "multi", "value": ["Co-deliverer"],
    "evidence": "Residents ran the service.", "method": "adjudicated"}]}]."""
    values = list(
        ConsensusValue.objects.filter(public_consensus_q(), case=case)
        .values("id", "attribute__key", "text", "number", "boolean", "evidence", "method")
    )
    options = _public_option_labels(consensusvalue__case=case)
    by_key = {row["attribute__key"]: row for row in values}
    grouped = []
    for section, attributes in codebook.sections:
        shown = []
        for attribute in attributes:
            row = by_key.get(attribute.key)
            if row is None:
                continue
            shown.append({
                "key": attribute.key,
                "label": attribute.label,
                "kind": attribute.kind,
                "value": value_for_readers(attribute.kind, row, options.get(row["id"], [])),
                "evidence": row["evidence"],
                "method": row["method"],
            })
        if shown:
            grouped.append({"section": section, "values": shown})
    return grouped


def consensus_for_api(*, case_ids: list[int]) -> dict[int, list[dict]]:
    """The public consensus values of the given cases as the API's case page shows them (the
    shape of ValueSerializer: option key or sorted keys, number, true/false, text or null),
    in codebook order, in one query whatever the number of cases (attributes and chosen
    options joined in). Example:
    {12: [{"attribute": "level", "value": "local", "evidence": "...", "note": ""}]}."""
    if not case_ids:
        return {}
    # The public ones among the given cases, as a subquery on their ids: joining the cases
    # instead made PostgreSQL scan the whole review's cases and chosen options (20 ms for a
    # page of 100 at 10,000 cases, against 4 ms).
    public = cases_with_public_consensus(Case.objects.filter(pk__in=case_ids)).values("pk")
    rows = (
        ConsensusValue.objects.filter(case_id__in=public)
        .order_by("case_id", "attribute__section__order", "attribute__order", "id")
        .values_list("id", "case_id", "attribute__key", "attribute__kind", "text", "number",
                     "boolean", "evidence", "note", "options__key")
    )
    values: dict[int, dict] = {}  # in query order: by case, then codebook order
    for value_id, case_id, key, kind, text, number, boolean, evidence, note, option in rows:
        entry = values.get(value_id)
        if entry is None:
            entry = values[value_id] = {
                "case": case_id, "kind": kind, "options": [], "text": text, "number": number,
                "boolean": boolean, "item": {"attribute": key, "value": None,
                                             "evidence": evidence, "note": note},
            }
        if option is not None:
            entry["options"].append(option)
    found: dict[int, list[dict]] = defaultdict(list)
    for entry in values.values():
        kind, options = entry["kind"], entry["options"]
        if kind == AttributeKind.SINGLE:
            value = options[0] if options else None
        elif kind == AttributeKind.MULTI:
            value = sorted(set(options))
        elif kind == AttributeKind.NUMBER:
            value = entry["number"]
        elif kind == AttributeKind.BOOLEAN:
            value = entry["boolean"]
        else:
            value = entry["text"] or None
        entry["item"]["value"] = value
        found[entry["case"]].append(entry["item"])
    return dict(found)


EXPORT_FIELDS = ("id", "number", "title", "country", "region", "year", "summary", "source",
                 "consensus_complete")


def export_rows_iter(
    *, cases: QuerySet[Case], codebook: CodebookInfo, chunk_size: int | None = None,
    language: str | None = None,
) -> Iterator[dict]:
    """The filtered cases with their consensus values, for the CSV/JSON/.xlsx exports, one
    dict per case in the filter's order. Cases are read by the exports' chunked tuple reader
    (coding.exports.case_chunks) and each chunk costs three more queries (service areas,
    values, their chosen options), so memory stays the same whatever the number of cases.
    Example row: {"number": "3", "title": "...", "country": "UK", "region": "Europe",
    "year": 1999, "summary": "...", "source": "...", "consensus_complete": True,
    "service_areas": ["Health care"], "consensus": {"level": {"value": ["Local"],
    "evidence": "..."}}}. Option labels are in `language` (default: the active one when the
    rows are first read; a streamed response passes it), the codebook's where untranslated."""
    attributes = {i: a for a in codebook.by_key.values() for i in a.ids}
    language = reader_language(language)
    options = {pk: in_language(label, (said or {}).get("label"), language)
               for pk, label, said in Option.objects.filter(attribute_id__in=list(attributes))
               .order_by("order", "id").values_list("id", "label", "translations")}
    rank = {option_id: n for n, option_id in enumerate(options)}
    for chunk in case_chunks(cases, EXPORT_FIELDS, chunk_size):
        with cyclic_gc_paused():
            built = _export_chunk(chunk, attributes, options, rank)
        yield from built


def _export_chunk(chunk: list[tuple], attributes: dict[int, AttributeInfo],
                  options: dict[int, str], rank: dict[int, int]) -> list[dict]:
    """export_rows_iter's rows for one chunk of cases (EXPORT_FIELDS tuples), in three
    queries; `options`: option id -> label, `rank`: option id -> its place in the codebook."""
    ids = [row[0] for row in chunk]
    areas = service_area_names(ids)
    values = list(
        # In id order, so each case's attributes keep one order from export to export.
        ConsensusValue.objects.filter(public_consensus_q(), **ids_lookup("case_id", ids))
        .order_by("id")
        .values_list("id", "case_id", "attribute_id", "text", "number", "boolean",
                     "evidence")
    )
    # Labels and order of the chosen options come from `options`.
    chosen = chosen_options(OptionThrough, "consensusvalue_id", [row[0] for row in values])
    consensus: dict[int, dict] = defaultdict(dict)
    for value_id, case_id, attribute_id, text, number, boolean, evidence in values:
        attribute = attributes.get(attribute_id)
        if attribute is None:
            continue
        labels = []
        if value_id in chosen:
            labels = [options[i] for i in sorted(chosen[value_id], key=rank.__getitem__)]
        consensus[case_id][attribute.key] = {
            "value": value_for_readers(
                attribute.kind, {"text": text, "number": number, "boolean": boolean}, labels),
            "evidence": evidence,
        }
    names = EXPORT_FIELDS[1:]
    return [
        {**dict(zip(names, row[1:], strict=True)), "service_areas": areas[row[0]],
         "consensus": consensus.get(row[0], {})}
        for row in chunk
    ]


def cases_table(codebook: CodebookInfo, rows: Iterable[dict], case_url) -> Table:
    """Export rows (export_rows_iter's, live or a release's frozen ones) as a table, for
    export.csv, export.xlsx and a release's cases.csv: numbers (year, number values) as
    numbers, choices as labels joined by "; "."""
    attributes = list(codebook.by_key.values())
    columns = ["number", "title", "country", "region", "year", "service_areas", "summary",
               "source", "url"]
    for attribute in attributes:
        columns += [attribute.key, f"{attribute.key}_evidence"]

    def chunks():
        for chunk in chunked(rows, 200):
            lines = []
            for row in chunk:
                line = [row["number"], row["title"], row["country"], row["region"],
                        row["year"], "; ".join(row["service_areas"]), row["summary"],
                        row["source"], case_url(row["number"])]
                for attribute in attributes:
                    value = row["consensus"].get(attribute.key)
                    if value is None:
                        line += ["", ""]
                        continue
                    shown = value["value"]
                    if not isinstance(shown, int | float):
                        shown = value_text(shown, empty="", none_chosen="")
                    line += [shown, value["evidence"]]
                lines.append(line)
            yield lines

    return Table(sheet="cases", header=columns, chunks=chunks())


def export_rows(*, cases: QuerySet[Case], codebook: CodebookInfo) -> list[dict]:
    """export_rows_iter as a list, for small sets of cases."""
    return list(export_rows_iter(cases=cases, codebook=codebook))


# --- dashboard aggregates ---------------------------------------------------


def _plain(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.order_by()


def case_counts(cases: QuerySet[Case], field_name: str) -> list[tuple]:
    """Cases per value of a Case field ("year", "region" or "country"), most first for
    country, else by value. Example for "year": [(1990, 2), (1995, 1), ..., (None, 2)]."""
    if field_name not in ("year", "region", "country"):
        raise ValueError(f"cannot count cases by {field_name!r}")
    rows = _plain(cases).values_list(field_name).annotate(n=Count("pk"))
    if field_name == "country":
        rows = rows.order_by("-n", field_name)
    else:
        rows = rows.order_by(F(field_name).asc(nulls_last=True))
    return list(rows)


def country_counts(cases: QuerySet[Case]) -> list[dict]:
    """Cases per country with ISO-3 codes for the map. Example:
    [{"country": "UK", "iso3": "GBR", "cases": 31}, {"country": "Sweden", "iso3": "SWE", ...}]."""
    return [
        {"country": country, "iso3": iso3_for_country(country), "cases": n}
        for country, n in case_counts(cases, "country")
    ]


def service_area_counts(cases: QuerySet[Case]) -> list[dict]:
    """Cases per service area, most first. A case in two areas counts in both. Example:
    [{"slug": "health-care", "name": "Health care", "cases": 15}, ...]."""
    through = ServiceArea.cases.through
    return [
        {"slug": slug, "name": name, "cases": n}
        for slug, name, n in through.objects.filter(case_id__in=_plain(cases).values("pk"))
        .values_list("servicearea__slug", "servicearea__name")
        .annotate(n=Count("id"))
        .order_by("-n", "servicearea__name")
    ]


def _option_keys(codebook: CodebookInfo) -> dict[int, tuple[str, str]]:
    """Option id (of any codebook version) -> (attribute key, option key)."""
    return {
        option_id: (attribute.key, option_key)
        for attribute in codebook.by_key.values()
        for option_key, ids in attribute.option_ids.items() for option_id in ids
    }


def option_counts(
    cases: QuerySet[Case] | None, codebook: CodebookInfo
) -> dict[tuple[str, str], int]:
    """Cases whose consensus chose each option, for every choice attribute, in one query.
    `cases=None` means every case of the codebook's review. Example:
    {("level", "local"): 43, ("citizen_roles", "co_deliverer"): 30}.

    A case has one consensus value per attribute, so counting rows counts cases; grouping by
    option id keeps the query on two tables (keys come from the codebook)."""
    keys = _option_keys(codebook)
    if cases is None:  # every case: the codebook's options pick the review, without joins
        rows = OptionThrough.objects.filter(option_id__in=list(keys))
    else:
        rows = OptionThrough.objects.filter(
            consensusvalue__case_id__in=_plain(cases).values("pk")
        )
    rows = (
        rows.filter(public_consensus_q("consensusvalue__case"))
        .values_list("option_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[str, str], int] = {}
    for option_id, n in rows:
        if option_id in keys:
            counts[keys[option_id]] = counts.get(keys[option_id], 0) + n
    return counts


def attribute_coverage(
    cases: QuerySet[Case] | None, codebook: CodebookInfo
) -> dict[str, dict]:
    """Per attribute key: how many cases have a consensus value, and for yes/no attributes
    how many say yes and no, in one query. `cases=None`: every case of the review. Example:
    {"level": {"cases": 56, "yes": 0, "no": 0}, "formal_agreement": {"cases": 52, "yes": 25,
    "no": 27}}."""
    keys = {i: attribute.key for attribute in codebook.by_key.values() for i in attribute.ids}
    coverage: dict[str, dict] = {}
    if cases is None:
        rows = ConsensusValue.objects.filter(attribute_id__in=list(keys))
    else:
        rows = ConsensusValue.objects.filter(case_id__in=_plain(cases).values("pk"))
    rows = (
        rows.filter(public_consensus_q())
        .values_list("attribute_id", "boolean")
        .annotate(n=Count("id"))
        .order_by()  # also drops Meta.ordering's joins
    )
    for attribute_id, boolean, n in rows:
        if attribute_id not in keys:
            continue
        entry = coverage.setdefault(keys[attribute_id], {"cases": 0, "yes": 0, "no": 0})
        entry["cases"] += n
        if boolean is not None:
            entry["yes" if boolean else "no"] += n
    return coverage


def cooccurrences(
    cases: QuerySet[Case] | None, pairs: list[tuple[AttributeInfo, AttributeInfo]]
) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
    """For each pair (first, second) of choice attributes: how many cases' consensus chose
    option x of `first` and option y of `second`, all pairs in one query. `cases=None`: every
    case of the review (the attributes' options pick it). Example for [(coproduction_type,
    citizen_roles)]: {("coproduction_type", "citizen_roles"): {("user", "co_deliverer"): 12}}.

    The database counts: each public case's chosen option of a first attribute is joined to
    the same case's chosen options of the second attributes (one join for all pairs, which
    the option ids tell apart), grouped by the two options. A case counts once per pair of
    its chosen options (per stored value and option, as a join of the two counts it)."""
    counts: dict[tuple[str, str], dict[tuple[str, str], int]] = {
        (first.key, second.key): {} for first, second in pairs
    }
    keys: dict[int, tuple[str, str]] = {}  # option id -> (attribute key, option key)
    either = Q()
    firsts: set[int] = set()  # every first option, and every second attribute, of any pair
    seconds: set[int] = set()
    for first, second in pairs:
        for attribute in (first, second):
            for option_key, ids in attribute.option_ids.items():
                for option_id in ids:
                    keys[option_id] = (attribute.key, option_key)
        first_ids = [i for ids in first.option_ids.values() for i in ids]
        second_ids = [i for ids in second.option_ids.values() for i in ids]
        if first_ids and second_ids:
            either |= Q(option_id__in=first_ids, **{f"{OTHER_OPTION}__in": second_ids})
            firsts.update(first_ids)
            seconds.update(second.ids)
    if not either:
        return counts
    rows = OptionThrough.objects.filter(
        either,
        # Implied by `either`, said apart so that a planner reads only these rows (SQLite
        # otherwise walked every chosen option and every value of its case: 1.1 s at 10,000).
        option_id__in=sorted(firsts),
        consensusvalue__case__consensus_values__attribute_id__in=sorted(seconds),
    ).filter(public_consensus_q("consensusvalue__case"))
    if cases is not None:
        rows = rows.filter(consensusvalue__case_id__in=_plain(cases).values("pk"))
    rows = rows.values_list("option_id", OTHER_OPTION).annotate(n=Count("id")).order_by()
    for first_id, second_id, n in rows:
        (first_key, x), (second_key, y) = keys[first_id], keys[second_id]
        found = counts.get((first_key, second_key))
        if found is not None:
            found[(x, y)] = found.get((x, y), 0) + n
    return counts


def cooccurrence(
    cases: QuerySet[Case] | None, first: AttributeInfo, second: AttributeInfo
) -> dict[tuple[str, str], int]:
    """Cases whose consensus chose option x of `first` and option y of `second`, in one query
    (cooccurrences for one pair). Example for (coproduction_type, citizen_roles):
    {("user", "co_deliverer"): 12, ...}."""
    return cooccurrences(cases, [(first, second)])[(first.key, second.key)]
