"""Codings in and out as long CSV: `case,coder,attribute,value`, one row per value.

`codings_import` loads legacy codings (all or nothing, like the other importers);
`codings_export` writes every submitted coding in the same shape (so R's irr or
Python's krippendorff can read it, and `import_codings` can read it back);
`consensus_export` writes one row per case with one column per attribute.

Values: an option key (single choice); option keys separated by ";" (multiple
choice, empty = none chosen); the number; yes/no (also true/false/1/0 on import);
the text. A missing row means "not coded".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import orjson
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext

from coding.adjudication.bulk import disagreements_detect_many
from coding.assignments.services import CODERS_PER_CASE, assignments_add
from coding.audit.services import audit_record, audit_record_many
from coding.codings.policies import (
    import_blind_cases,
    import_coders_refused,
    import_codings_refused,
)
from coding.dbbulk import insert_objects, insert_rows
from coding.exports import Table, case_chunks, chosen_options, csv_write, ids_lookup
from coding.fileio import ImportFailed
from coding.locks import cases_lock
from coding.models import (
    Assignment,
    Attribute,
    AttributeKind,
    Case,
    CodedValue,
    Coding,
    CodingStatus,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Document,
    Membership,
    Option,
    Review,
    Role,
)
from coding.reliability.services import reliability_changed
from coding.reviews.languages import in_language
from coding.tables import table_rows
from coding.values import (
    BadValue,
    anchors_check,
    text_check,
    value_parse,
    value_store,
)

COLUMNS = ["case", "coder", "attribute", "value"]
# Optional on import, always written on export: the evidence quote and where it is (the first
# anchored quote: the document's file name on the case, its PDF page, start and end).
EVIDENCE_COLUMNS = ["evidence", "evidence_document", "evidence_page", "evidence_start",
                    "evidence_end"]


@dataclass
class CodingsResult:
    review: Review
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_accounts: list[str] = field(default_factory=list)
    new_memberships: list[str] = field(default_factory=list)
    assignments: int = 0
    compared_cases: int = 0
    open_disagreements: int = 0
    # Which codings the import adds and which it replaces (the first DETAIL_MAX of each, for
    # the Import page's dry run): (case number, coder, attribute keys whose value changes).
    added: list[tuple[str, str]] = field(default_factory=list)
    replaced: list[tuple[str, str, list[str]]] = field(default_factory=list)
    sheet: str | None = None  # the worksheet read, for an .xlsx file


# How many codings a result names one by one (the counts say how many in all).
DETAIL_MAX = 50


# --- parsing ----------------------------------------------------------------------


def _parse_value(attribute: Attribute, raw: str, option_keys: list[str]) -> Any:
    """The comparable value of one cell, or None for "not coded". Raises ValueError."""
    kind = attribute.kind
    keys = [k.strip() for k in raw.split(";") if k.strip()]
    if kind == AttributeKind.MULTI:
        cell: Any = list(dict.fromkeys(keys))
    elif kind == AttributeKind.SINGLE:
        if len(keys) > 1:
            raise ValueError(
                f"{attribute.key!r} is a single-choice attribute but the value has "
                f"{len(keys)} keys ({raw!r})"
            )
        cell = keys[0] if keys else ""
    else:
        cell = raw.strip()
    try:
        return value_parse(attribute, cell, option_keys)
    except BadValue as error:
        raise ValueError(_cell_message(attribute, error, option_keys)) from None


def _cell_message(attribute: Attribute, error: BadValue, option_keys: list[str]) -> str:
    key = attribute.key
    if error.problem == "bad_text":
        return f"the value of {key!r} is {error.detail}" if error.detail.startswith(
            "too long") else f"the value of {key!r} {error.detail}"
    if error.problem == "unknown_option":
        return (
            f"unknown option {', '.join(map(repr, error.unknown))} for attribute {key!r} "
            f"(options: {', '.join(option_keys)})"
        )
    if error.problem == "none_exclusive":
        return (f"{attribute.none_key!r} (none of the options) of attribute {key!r} cannot be "
                "combined with other options")
    if error.problem == "not_a_number":
        return f"{key!r} needs a number, got {error.raw!r}"
    if error.problem == "not_finite":
        return f"{key!r} needs a finite number, got {error.raw!r}"
    return f"{key!r} needs yes/no (or true/false, 1/0), got {error.raw!r}"


def _parse(path: Path, review: Review, codebook, progress):
    """{(case number, username): {attribute key: value}} in file order, the first row
    of each (case, coder), the number of rows, and, when the file has an evidence column,
    {(case number, username): {attribute key: (evidence, anchors)}} (else None); and the
    table read (CSV or .xlsx: coding.tables), which names its rows."""
    cases = set(review.cases.values_list("number", flat=True))
    documents = {(number, name): pk for pk, number, name in Document.objects.filter(
        case__review=review).values_list("pk", "case__number", "filename")}
    evidence: dict[tuple[str, str], dict[str, tuple]] | None = None
    attributes = {a.key: a for a in codebook.attributes.prefetch_related("options")}
    option_keys = {key: [o.key for o in a.options.all()] for key, a in attributes.items()}
    codings: dict[tuple[str, str], dict[str, Any]] = {}
    first_row: dict[tuple[str, str], int] = {}
    seen: dict[tuple[str, str, str], int] = {}
    table = table_rows(path, columns=COLUMNS, optional=EVIDENCE_COLUMNS, lower=True,
                       sheet="codings")
    for line, row in table:
        where = table.where(line)
        if evidence is None and "evidence" in row:
            evidence = {}
        number = row["case"].strip()
        username = row["coder"].strip()
        key = row["attribute"].strip()
        if number not in cases:
            raise ImportFailed(path, where, gettext(
                "unknown case number %(number)s") % {
                "number": repr(number)})
        # Legacy data may name coders "Coder 1": any printable name is kept as the
        # username, so the coders in reports are the names in the file.
        if not username or len(username) > 150 or not username.isprintable():
            raise ImportFailed(
                path, where, gettext(
                    "coder %(username)s must be a name of 1 to 150 printable characters") % {
                    "username": repr(username)}
            )
        if key not in attributes:
            raise ImportFailed(
                path, where, gettext(
                    "unknown attribute key %(key)s in the current codebook") % {
                    "key": repr(key)}
            )
        if (number, username, key) in seen:
            raise ImportFailed(
                path, where, gettext(
                    "case %(number)s, coder %(username)s, attribute %(key)s already appears in "
                    "row %(seen)s") % {
                    "number": number, "username": username, "key": key,
                    "seen": seen[number, username, key]}
            )
        seen[number, username, key] = line
        try:
            value = _parse_value(attributes[key], row["value"], option_keys[key])
        except ValueError as error:
            raise ImportFailed(path, where, str(error)) from None
        first_row.setdefault((number, username), line)
        values = codings.setdefault((number, username), {})
        if value is not None:
            values[key] = value
        if evidence is not None:
            quote = _parse_evidence(path, where, row, number, attributes[key], documents)
            if quote[0] and value is None:
                raise ImportFailed(path, where, gettext(
                    "evidence for %(key)s without a value") % {
                    "key": repr(key)})
            if value is not None:
                evidence.setdefault((number, username), {})[key] = quote
        if line % 10000 == 0:
            progress("reading", line - 1, 0)
    progress("reading", len(seen), len(seen))
    if not seen:
        raise ImportFailed(path, table.whole, gettext("no codings found below the header"))
    return codings, first_row, len(seen), evidence, table


def _parse_evidence(path: Path, where: str, row: dict, number: str, attribute: Attribute,
                    documents: dict[tuple[str, str], int]) -> tuple[str, list]:
    """(evidence text, anchors) of one row's evidence columns."""
    text = (row.get("evidence") or "").strip()
    name = (row.get("evidence_document") or "").strip()
    try:
        text_check(text, limit="evidence", label=gettext("the evidence of %(attribute)s") % {
            "attribute": repr(attribute.key)})
        if not name:
            if any((row.get(c) or "").strip() for c in EVIDENCE_COLUMNS[2:]):
                raise ValidationError(gettext("evidence_page, evidence_start and evidence_end "
                                              "need evidence_document"))
            return text, []
        if (number, name) not in documents:
            raise ValidationError(gettext(
                "case %(number)s has no document %(name)s") % {
                "number": number, "name": repr(name)})
        numbers = {}
        for column in EVIDENCE_COLUMNS[2:]:
            cell = (row.get(column) or "").strip()
            if cell and not cell.isdigit():
                raise ValidationError(gettext(
                    "%(column)s must be a whole number or empty, got %(cell)s") % {
                    "column": column, "cell": repr(cell)})
            numbers[column] = int(cell) if cell else None
        anchors = anchors_check([{
            "document": documents[number, name], "page": numbers["evidence_page"],
            "exact": text, "start": numbers["evidence_start"], "end": numbers["evidence_end"],
        }], evidence=text, document_ids={documents[number, name]},
            label=gettext("the evidence of %(attribute)s") % {
            "attribute": repr(attribute.key)})
    except ValidationError as error:
        raise ImportFailed(path, where, " ".join(error.messages)) from None
    return text, anchors


# --- import -----------------------------------------------------------------------


def _stored_by_coding(review: Review, coding_ids: set[int]) -> dict[int, dict[str, Any]]:
    """Each coding's values in the importer's shape (as stored_value; blank values left
    out), read with two queries for the whole review."""
    if not coding_ids:
        return {}
    attributes = {
        a.pk: a for a in Attribute.objects.filter(codebook__review=review)
    }
    options: dict[int, list[str]] = {}
    through = CodedValue.options.through
    for value_id, key in through.objects.filter(
        codedvalue__coding__case__review=review
    ).order_by("option__attribute", "option__order", "option__id").values_list(
        "codedvalue_id", "option__key"
    ).iterator(chunk_size=5000):
        options.setdefault(value_id, []).append(key)
    out: dict[int, dict[str, Any]] = {}
    for pk, coding_id, attribute_id, text, number, boolean in CodedValue.objects.filter(
        coding__case__review=review
    ).values_list("pk", "coding_id", "attribute_id", "text", "number", "boolean").iterator(
        chunk_size=5000
    ):
        if coding_id not in coding_ids:
            continue
        attribute = attributes[attribute_id]
        kind = attribute.kind
        keys = options.get(pk, [])
        if kind == AttributeKind.SINGLE:
            value = keys[0] if keys else None
        elif kind == AttributeKind.MULTI:
            value = frozenset(keys)
        elif kind == AttributeKind.NUMBER:
            value = number
        elif kind == AttributeKind.BOOLEAN:
            value = boolean
        else:
            value = text or None
        if value is not None:
            out.setdefault(coding_id, {})[attribute.key] = value
    return out


class _Fields:
    """The value fields value_store fills; a CodedValue instance per row would cost seconds
    at 250,000 rows for nothing."""

    __slots__ = ("boolean", "number", "text")


def _value_row(coding: Coding, attribute: Attribute, value: Any, option_ids: dict[str, int],
               quote: tuple[str, list]):
    """(coding id, attribute id, text, number, boolean, evidence, anchors, note) and the
    option ids, as coding.values.value_store writes them."""
    row = _Fields()
    options = [option_ids[option.key] for option in value_store(row, attribute, value)]
    return (coding.pk, attribute.pk, row.text, row.number, row.boolean, quote[0], quote[1],
            ""), options


NO_ANCHOR = ("", "", "", "")


def _anchor_cells(anchors: str | None, filenames: dict[int, str]) -> tuple | list:
    """evidence_document, evidence_page, evidence_start, evidence_end of the first anchored
    quote (of a document still there), or four empty cells. `anchors`: the stored anchors as
    JSON text (ANCHORS_TEXT), decoded only when there are some: most values have none, and
    decoding every one took a quarter of the codings export's time."""
    if not anchors or anchors == "[]" or not filenames:
        return NO_ANCHOR
    anchor = next((a for a in orjson.loads(anchors) or [] if a.get("document") in filenames),
                  None)
    if anchor is None:
        return NO_ANCHOR
    return [filenames[anchor["document"]], anchor.get("page"), anchor.get("start"),
            anchor.get("end")]


def _evidence_of(evidence: dict, number: str, username: str, values: dict) -> dict:
    """{attribute key: (evidence, anchors)} for each value of one coding in the file."""
    given = evidence.get((number, username), {})
    return {key: given.get(key, ("", [])) for key in values}


def _as_in_csv(evidence: dict) -> dict:
    """What the CSV holds of each value's evidence: the text and its first anchor's place."""
    return {key: (text, next(((a["document"], a.get("page"), a.get("start"), a.get("end"))
                               for a in anchors), None))
            for key, (text, anchors) in evidence.items()}


def _stored_evidence(review: Review, coding_ids: set[int]) -> dict[int, dict[str, tuple]]:
    """{coding id: {attribute key: (evidence, anchors)}} of the stored values."""
    out: dict[int, dict[str, tuple]] = {}
    for coding_id, key, text, anchors in CodedValue.objects.filter(
        coding__case__review=review
    ).values_list("coding_id", "attribute__key", "evidence", "evidence_anchors").iterator(
        chunk_size=5000
    ):
        if coding_id in coding_ids:
            out.setdefault(coding_id, {})[key] = (text, anchors)
    return out


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def _blind_cases_refuse(path: Path, table, first_row: dict, actor, review: Review) -> set[int]:
    """The ids of the cases `actor` is blind on (import_blind_cases); refused if the file
    names anyone else's coding of one of them. The answer depends on who codes which case,
    never on whether that coding exists, so it tells the lead nothing about it."""
    refused = import_codings_refused(actor, review, list(first_row))
    if refused:
        named, more = _first_named([f"{table.where(first_row[pair])}: " + gettext(
            "case %(number)s, %(username)s") % {"number": pair[0], "username": repr(pair[1])}
            for pair in refused], "; ")
        raise ImportFailed(path, table.where(first_row[refused[0]]), gettext(
            "another coder's coding of a case you code yourself: %(named)s%(more)s. Such "
            "codings are imported only once every coder of the case has submitted"
        ) % {"named": named, "more": more})
    return set(import_blind_cases(actor, review).values_list("pk", flat=True))


def _first_named(places: list[str], separator: str, most: int = 10) -> tuple[str, str]:
    """A refusal names its first `most` places and counts the rest, so that a file with
    thousands of bad rows still gets a message a person can read."""
    rest = len(places) - most
    more = gettext(" and %(count)s more") % {"count": rest} if rest > 0 else ""
    return separator.join(places[:most]), more


def codings_import(
    *, path: Path | str, review_slug: str, actor=None, progress=None, enrol: bool = False
) -> CodingsResult:
    """Load submitted codings from long CSV into a review's current codebook.

    The coders in the file must be people who code the review already (import_coders_refused);
    a file naming anyone else is refused with each such row and name, and nothing imported.
    Only `enrol=True` (the import_codings command, run by whoever runs the server, for
    legacy data) turns unknown usernames into coder accounts without a usable password and
    gives every coder in the file the coder role. A case without assigned coders gets the first two
    coders of that case in file order, and once both have codings the disagreements
    are detected as for codings submitted in the app. Importing the same file again
    changes nothing; a changed file updates the codings it names. Refused (nothing
    written) if a coder has a draft of a case in the app, which importing would
    overwrite.
    """
    path = Path(path)
    review = Review.objects.filter(slug=review_slug).first()
    if review is None:
        raise ImportFailed(path, "review", gettext(
            "no review with slug %(review_slug)s; import its codebook and cases first") % {
            "review_slug": repr(review_slug)})
    codebook = review.current_codebook()
    if codebook is None:
        raise ImportFailed(path, "review", gettext(
            "review %(review_slug)s has no codebook yet") % {
            "review_slug": repr(review_slug)})
    progress = progress or _no_progress
    parsed, first_row, n_rows, evidence, table = _parse(path, review, codebook, progress)
    if not enrol:
        rows = {}
        for (_, username), line in first_row.items():
            rows[username] = min(line, rows.get(username, line))
        refused = import_coders_refused(review, sorted(rows, key=rows.get))
        if refused:
            named, more = _first_named(
                [f"{table.where(rows[name])}: {name!r}" for name in refused], ", ")
            raise ImportFailed(path, table.where(rows[refused[0]]), gettext(
                "not a coder of this review: %(named)s%(more)s. Codings are imported only "
                "for the review's coders; add them on the Members page first"
            ) % {"named": named, "more": more})
    result = CodingsResult(review=review, rows=n_rows, sheet=table.sheet)
    User = get_user_model()
    attributes = {a.key: a for a in codebook.attributes.prefetch_related("options")}
    with transaction.atomic():
        cases_lock(review.cases.all())  # before any write (coding.locks)
        # Decided under the lock, before any coding is read (coding.codings.policies).
        blind = set() if enrol else _blind_cases_refuse(path, table, first_row, actor, review)
        usernames = list(dict.fromkeys(username for _, username in parsed))
        users = {u.username: u for u in User.objects.filter(username__in=usernames)}
        for username in usernames:
            if username not in users:
                users[username] = User.objects.create_user(username=username, password=None)
                result.new_accounts.append(username)
        has_role = set(
            Membership.objects.filter(review=review, role=Role.CODER, user__in=users.values())
            .values_list("user__username", flat=True)
        )
        for username in usernames:
            if username not in has_role:
                membership = Membership.objects.create(
                    review=review, user=users[username], role=Role.CODER
                )
                audit_record(actor=actor, action="membership.create", obj=membership,
                             review=review, data={"user": username, "role": Role.CODER,
                                                  "source": "import_codings"})
                result.new_memberships.append(username)

        in_file = {n for n, _ in parsed}
        cases = {c.number: c for c in review.cases.all() if c.number in in_file}
        wanted_cases = {c.pk for c in cases.values()}
        wanted_coders = {u.pk for u in users.values()}
        numbers = {c.pk: n for n, c in cases.items()}
        names = {u.pk: name for name, u in users.items()}
        existing = {}
        for coding in Coding.objects.filter(case__review=review).only(
            "id", "case_id", "coder_id", "codebook_id", "status", "version"
        ):
            if coding.case_id in wanted_cases and coding.coder_id in wanted_coders:
                coding.case, coding.coder = cases[numbers[coding.case_id]], users[
                    names[coding.coder_id]]
                existing[numbers[coding.case_id], names[coding.coder_id]] = coding
        stored = _stored_by_coding(review, {c.pk for c in existing.values()})
        # A file with evidence columns changes a coding when its evidence changes; one
        # without them leaves stored evidence out of the comparison (as before they existed).
        stored_evidence = _stored_evidence(review, {c.pk for c in existing.values()}) \
            if evidence is not None else {}
        now = timezone.now()
        to_fill: list[tuple[Coding, dict]] = []
        for (number, username), values in parsed.items():
            coding = existing.get((number, username))
            if coding is None:
                # A new coding's fields (no model instance: see coding.dbbulk).
                case, coder = cases[number], users[username]
                coding = SimpleNamespace(
                    pk=None, case=case, case_id=case.pk, coder=coder, coder_id=coder.pk,
                    codebook_id=codebook.pk, status=CodingStatus.SUBMITTED, version=1,
                    created_at=now, updated_at=now, submitted_at=now,
                )
                to_fill.append((coding, values))
                result.created += 1
                if len(result.added) < DETAIL_MAX:
                    result.added.append((number, username))
                continue
            where = table.where(first_row[number, username])
            if not coding.is_submitted:
                raise ImportFailed(
                    path, where, gettext(
                        "%(username)s has a draft coding of case %(number)s in the app, which "
                        "importing would overwrite; nothing imported") % {
                        "username": username, "number": number}
                )
            if coding.codebook_id != codebook.pk:
                raise ImportFailed(
                    path, where, gettext(
                        "%(username)s's coding of case %(number)s was made under an older "
                        "codebook version; importing would replace it") % {
                        "username": username, "number": number}
                )
            if stored.get(coding.pk, {}) == values and (evidence is None or _as_in_csv(
                    _evidence_of(evidence, number, username, values)) == _as_in_csv(
                    _evidence_of({(number, username): stored_evidence.get(coding.pk, {})},
                                 number, username, values))):
                result.unchanged += 1
                continue
            if len(result.replaced) < DETAIL_MAX:
                before = stored.get(coding.pk, {})
                # No key: only the evidence changes.
                result.replaced.append((number, username, sorted(
                    key for key in {*before, *values} if before.get(key) != values.get(key))))
            coding.values.all().delete()
            coding.version += 1
            coding.save(update_fields=["version", "updated_at"])
            to_fill.append((coding, values))
            result.updated += 1
        new_codings = [c for c, _ in to_fill if c.pk is None]
        insert_objects(Coding, ["case", "coder", "codebook", "status", "version", "created_at",
                                "updated_at", "submitted_at"], new_codings)
        coding_ids = dict(
            ((case_id, coder_id), pk) for pk, case_id, coder_id in
            Coding.objects.filter(case__review=review).values_list("pk", "case_id", "coder_id")
        )
        for coding in new_codings:
            coding.pk = coding_ids[coding.case_id, coding.coder_id]
        progress("writing", 0, n_rows)
        rows, chosen = [], []
        option_ids = {key: {o.key: o.pk for o in a.options.all()} for key, a in attributes.items()}
        for coding, values in to_fill:
            quotes = _evidence_of(evidence or {}, coding.case.number, coding.coder.username,
                                  values)
            for key, value in values.items():
                row, options = _value_row(coding, attributes[key], value, option_ids[key],
                                          quotes[key])
                rows.append(row)
                chosen.extend((coding.pk, row[1], option) for option in options)
        insert_rows(CodedValue, ["coding", "attribute", "text", "number", "boolean", "evidence",
                                 "evidence_anchors", "note"], rows)
        progress("writing", n_rows, n_rows)
        value_ids = dict(
            ((coding_id, attribute_id), pk) for pk, coding_id, attribute_id in
            CodedValue.objects.filter(coding__case__review=review)
            .values_list("pk", "coding_id", "attribute_id").iterator(chunk_size=5000)
        ) if chosen else {}
        insert_rows(CodedValue.options.through, ["codedvalue", "option"], (
            (value_ids[coding_id, attribute_id], option_id)
            for coding_id, attribute_id, option_id in chosen
        ))
        audit_record_many(actor=actor, action="coding.import", model=Coding, events=[
            (coding.pk, review.pk, {"case": coding.case.number, "coder": coding.coder.username,
                                    "version": coding.version, "attributes": sorted(values),
                                    "source": path.name})
            for coding, values in to_fill
        ])
        progress("comparing", 0, 0)

        touched = {number for number, _ in parsed}
        assigned: dict[str, list] = {}
        for number, coder_id in Assignment.objects.filter(
            case__in=[cases[n] for n in touched]
        ).order_by("assigned_at", "id").values_list("case__number", "coder_id"):
            assigned.setdefault(number, []).append(coder_id)
        new_assignments = []
        for number, username in parsed:
            taken = assigned.setdefault(number, [])
            user = users[username]
            if len(taken) < CODERS_PER_CASE and user.pk not in taken:
                new_assignments.append(Assignment(case=cases[number], coder=user))
                taken.append(user.pk)
        assignments_add(review=review, assignments=new_assignments, assigned_by=actor,
                        source="import_codings")
        result.assignments = len(new_assignments)
        # Detection changes nothing for a case whose codings and coders did not change.
        changed = {coding.case.number for coding, _ in to_fill}
        changed |= {a.case.number for a in new_assignments}
        ordered = [cases[n] for n in sorted(changed, key=lambda n: (cases[n].sort_key, n))]
        # The figures leave out the cases the lead was blind on when the import started:
        # whether such a case is compared, and its disagreements, depend on the other coder.
        result.compared_cases = disagreements_detect_many(
            cases=[case for case in ordered if case.pk not in blind], actor=actor)
        disagreements_detect_many(cases=[case for case in ordered if case.pk in blind],
                                  actor=actor)
        result.open_disagreements = Disagreement.objects.filter(
            case__review=review, status=DisagreementStatus.OPEN
        ).exclude(case__in=blind).count()
        if to_fill:
            reliability_changed(review=review)
    return result


# --- export -----------------------------------------------------------------------


class _Codebook:
    """What the exports need of a review's attributes (every codebook version) and options,
    read in two queries: per attribute id its key, kind and place in the codebook; per
    option id its key, attribute and place among the attribute's options."""

    def __init__(self, review: Review, language: str | None = None):
        self.attributes: dict[int, tuple[str, str]] = {}
        self.rank: dict[int, int] = {}
        for n, (pk, key, kind) in enumerate(
            Attribute.objects.filter(codebook__review=review)
            .order_by("section__order", "order", "id").values_list("id", "key", "kind")
        ):
            self.attributes[pk] = (key, kind)
            self.rank[pk] = n
        self.option_keys: dict[int, str] = {}
        self.option_rank: dict[int, int] = {}
        # With a `language`: option id -> its label in it (the codebook's where untranslated).
        self.option_labels: dict[int, str] = {}
        place: dict[int, int] = {}
        fields = ["id", "attribute_id", "key"] + (["label", "translations"] if language else [])
        for pk, attribute_id, key, *said in Option.objects.filter(
            attribute__codebook__review=review
        ).order_by("attribute", "order", "id").values_list(*fields):
            self.option_keys[pk] = key
            self.option_rank[pk] = place[attribute_id] = place.get(attribute_id, -1) + 1
            if language:
                self.option_labels[pk] = in_language(said[0], (said[1] or {}).get("label"),
                                                     language)

    def labels_cell(self, options) -> str:
        """The chosen options' labels (in the language given) joined by "; ", in codebook
        order: the `:label` column of an export asked for in a language."""
        return "; ".join(self.option_labels[i]
                         for i in sorted(options or [], key=self.option_rank.__getitem__))

    def cell(self, attribute_id: int):
        """A function (text, number, boolean, option ids) -> the cell of a stored value of
        this attribute, as coding.values.value_csv writes stored_value of it (numbers as
        numbers), or None when not coded (stored_value None). One per attribute, chosen once:
        an export calls it a quarter of a million times."""
        kind = self.attributes[attribute_id][1]
        keys, rank = self.option_keys, self.option_rank.__getitem__
        if kind in (AttributeKind.SINGLE, AttributeKind.MULTI):
            # The cell of each set of chosen options, kept: a review has few of them.
            seen: dict[tuple, str] = {}
            single = kind == AttributeKind.SINGLE

            def choice(text, number, boolean, options):
                if not options:
                    return None if single else ""  # multiple choice: "" for none chosen
                chosen = tuple(options)
                cell = seen.get(chosen)
                if cell is None:
                    if len(seen) > 10_000:  # bounded, whatever the options
                        seen.clear()
                    cell = seen[chosen] = (
                        keys[min(options, key=rank)] if single
                        else ";".join([keys[i] for i in sorted(options, key=rank)]))
                return cell

            return choice
        if kind == AttributeKind.NUMBER:
            return lambda text, number, boolean, options: (
                None if number is None
                else int(number) if float(number).is_integer() else float(number))
        if kind == AttributeKind.BOOLEAN:
            return lambda text, number, boolean, options: (
                None if boolean is None else "yes" if boolean else "no")
        return lambda text, number, boolean, options: text or None

    def cells(self) -> dict[int, Callable]:
        """Attribute id -> its `cell` function, for every attribute of the review."""
        return {pk: self.cell(pk) for pk in self.attributes}


def _chunk_values(values, case_field: str, place: dict, fields: tuple) -> tuple[list, dict]:
    """The rows (`fields`: the value's id first, its case's id second) of the values
    `values` (CodedValue or ConsensusValue rows) of a chunk's cases (`place`: case id -> its
    place in the chunk), and each one's chosen options (chosen_options), in two queries."""
    rows = [row for row in values.filter(**ids_lookup(case_field, list(place)))
            .order_by().values_list(*fields) if row[1] in place]
    through = values.model.options.through
    return rows, chosen_options(through, f"{values.model._meta.model_name}_id",
                                [row[0] for row in rows])


def _case_chunks(review: Review):
    """The review's cases in export order (sort key, number) as lists of (id, number), by
    the exports' chunked tuple reader."""
    return case_chunks(Case.objects.filter(review=review).order_by("sort_key", "number"),
                       ("pk", "number"))


# A value's evidence anchors as the JSON text stored, for _anchor_cells.
ANCHORS_TEXT = Cast("evidence_anchors", output_field=TextField())


def _filenames(review: Review) -> dict[int, str]:
    return dict(Document.objects.filter(case__review=review).values_list("pk", "filename"))


def codings_table(*, review: Review, language: str | None = None) -> Table:
    """Every submitted coding of the review as the long table `import_codings` reads:
    COLUMNS + EVIDENCE_COLUMNS, one row per coded value, by case (sort key, number), coder
    (username) and codebook order. Streamed per chunk of cases, three queries a chunk.

    For whoever runs the server (the command) and leads: it names every coder and every
    coding of every case, so no surface offers it to anyone else. With a `language`, a last
    column `value_label` gives a choice's option labels in that language (the `value` stays
    the keys, which import_codings reads)."""
    codebook = _Codebook(review, language)
    filenames = _filenames(review)
    coders = dict(get_user_model().objects.filter(
        pk__in=Coding.objects.filter(case__review=review).values("coder_id")
    ).order_by("username").values_list("pk", "username"))
    coder_rank = {pk: n for n, pk in enumerate(coders)}
    cells = codebook.cells()
    keys = {pk: key for pk, (key, _) in codebook.attributes.items()}
    # Without documents no anchor can be written: the anchors are not even read.
    anchors_column = ANCHORS_TEXT if filenames else Value(None, output_field=TextField())

    def chunks():
        for chunk in _case_chunks(review):
            place = {pk: n for n, (pk, _) in enumerate(chunk)}
            numbers = dict(chunk)
            values, chosen = _chunk_values(
                CodedValue.objects.filter(coding__status=CodingStatus.SUBMITTED)
                .annotate(anchors=anchors_column), "coding__case_id", place,
                ("id", "coding__case_id", "coding__coder_id", "attribute_id", "text", "number",
                 "boolean", "evidence", "anchors"))
            values.sort(key=lambda row: (place[row[1]], coder_rank[row[2]],
                                         codebook.rank[row[3]]))
            rows = []
            for (pk, case_id, coder_id, attribute_id, text, number, boolean, evidence,
                 anchors) in values:
                value = cells[attribute_id](text, number, boolean, chosen.get(pk))
                if value is None:  # not coded (a multiple choice is: "" for none chosen)
                    continue
                row = [numbers[case_id], coders[coder_id], keys[attribute_id], value,
                       evidence, *_anchor_cells(anchors, filenames)]
                if language:
                    row.append(codebook.labels_cell(chosen.get(pk))
                               if attribute_id in choice_ids else value)
                rows.append(row)
            yield rows

    choice_ids = {pk for pk, (_, kind) in codebook.attributes.items()
                  if kind in (AttributeKind.SINGLE, AttributeKind.MULTI)}
    header = COLUMNS + EVIDENCE_COLUMNS + (["value_label"] if language else [])
    return Table(sheet="codings", header=header, chunks=chunks())


DECISION_COLUMNS = ["case", "codebook_version", "attribute", "value", "method", "decided_by",
                    "decided_at", "rationale"]


def consensus_decisions_table(*, review: Review) -> Table:
    """Every consensus value of the review (every codebook version), one row each: its case,
    codebook version, attribute, value (as codings_table writes it; "" when none), how it was
    settled, who decided (username), when (UTC, ISO 8601) and why (the rationale). By case
    (sort key, number), codebook version and codebook order; streamed per chunk of cases,
    two queries a chunk.

    For leads only (the replication package's decisions.csv): it names who decided and why,
    which no reader surface shows (coding.public.policies.READER_CONSENSUS_FIELDS)."""
    codebook = _Codebook(review)
    cells = codebook.cells()
    versions = dict(Attribute.objects.filter(codebook__review=review)
                    .values_list("id", "codebook__version"))

    def chunks():
        for chunk in _case_chunks(review):
            place = {pk: n for n, (pk, _) in enumerate(chunk)}
            numbers = dict(chunk)
            values, chosen = _chunk_values(
                ConsensusValue.objects.all(), "case_id", place,
                ("id", "case_id", "attribute_id", "text", "number", "boolean", "method",
                 "decided_by__username", "decided_at", "rationale"))
            values.sort(key=lambda row: (place[row[1]], versions[row[2]],
                                         codebook.rank[row[2]]))
            rows = []
            for (pk, case_id, attribute_id, text, number, boolean, method, decider,
                 decided_at, rationale) in values:
                value = cells[attribute_id](text, number, boolean, chosen.get(pk))
                rows.append([
                    numbers[case_id], versions[attribute_id],
                    codebook.attributes[attribute_id][0], "" if value is None else value,
                    method, decider or "", decided_at.isoformat().replace("+00:00", "Z"),
                    rationale,
                ])
            yield rows

    return Table(sheet="decisions", header=DECISION_COLUMNS, chunks=chunks())


def consensus_table(*, review: Review, evidence: bool = False,
                    language: str | None = None) -> Table:
    """One row per case, one column per attribute of the current codebook (text attributes,
    which get no consensus value, left out). A cell is empty while the attribute has
    no settled value (no consensus yet, or an open disagreement). With `evidence`, each
    attribute's column is followed by the consensus value's evidence and its first anchored
    quote's place (the codings CSV's EVIDENCE_COLUMNS, prefixed "<key>:"). With a
    `language`, each choice attribute's column is followed by `<key>:label`, the chosen
    options' labels in that language (the codebook's where untranslated). Streamed per
    chunk of cases, four queries a chunk."""
    current = review.current_codebook()
    attributes = list(
        current.attributes.exclude(kind=AttributeKind.TEXT).values_list("id", "key", "kind")
    ) if current else []
    codebook = _Codebook(review, language)
    cells = codebook.cells() if attributes else {}
    labelled = {pk for pk, _, kind in attributes
                if language and kind in (AttributeKind.SINGLE, AttributeKind.MULTI)}
    header = ["case"]
    for pk, key, _ in attributes:
        header.append(key)
        if pk in labelled:
            header.append(f"{key}:label")
        if evidence:
            header.extend(f"{key}:{column}" for column in EVIDENCE_COLUMNS)
    filenames = _filenames(review) if evidence else {}
    blank = [""] * (1 + (len(EVIDENCE_COLUMNS) if evidence else 0))
    widths = {pk: len(blank) + (pk in labelled) for pk, _, _ in attributes}
    through = ConsensusValue.options.through
    # The evidence and its anchors only when written (the anchors only if there are
    # documents they could point to).
    fields = ["id", "case_id", "attribute_id", "text", "number", "boolean"]
    if evidence:
        fields += ["evidence", "anchors"]
    anchors_column = ANCHORS_TEXT if filenames else Value(None, output_field=TextField())
    order = [pk for pk, _, _ in attributes]

    def chunks():
        for chunk in _case_chunks(review):
            # By the range of the chunk's ids (coding.exports.ids_lookup): rows of other
            # cases it brings are never looked up.
            cases = ids_lookup("case_id", [pk for pk, _ in chunk])
            open_pairs = set(
                Disagreement.objects.filter(status=DisagreementStatus.OPEN, **cases)
                .values_list("case_id", "attribute_id")
            )
            values = list(ConsensusValue.objects.filter(
                attribute_id__in=list(cells), **cases,
            ).order_by("id").annotate(anchors=anchors_column).values_list(*fields))
            chosen = chosen_options(through, "consensusvalue_id", [row[0] for row in values])
            # case id -> {attribute id: its cell, or with evidence its list of cells}
            found: dict[int, dict[int, object]] = {}
            for pk, case_id, attribute_id, text, number, boolean, *quote in values:
                if open_pairs and (case_id, attribute_id) in open_pairs:
                    continue
                value = cells[attribute_id](text, number, boolean, chosen.get(pk))
                cell = "" if value is None else value
                if attribute_id in labelled:
                    cell = [cell, codebook.labels_cell(chosen.get(pk)) if value is not None
                            else ""]
                elif evidence or labelled:
                    cell = [cell]
                if evidence:
                    cell = [*cell, quote[0], *_anchor_cells(quote[1], filenames)]
                found.setdefault(case_id, {})[attribute_id] = cell
            rows = []
            for case_id, number in chunk:
                got = found.get(case_id, {})
                if evidence or labelled:
                    rows.append([number, *[c for pk in order
                                           for c in got.get(pk, [""] * widths[pk])]])
                else:
                    rows.append([number, *[got.get(pk, "") for pk in order]])
            yield rows

    return Table(sheet="consensus", header=header, chunks=chunks())


def codings_export(*, review: Review, out: IO[str]) -> int:
    """Write codings_table as CSV; returns the number of value rows."""
    return csv_write(codings_table(review=review), out, lineterminator="\n")


def consensus_export(*, review: Review, out: IO[str], evidence: bool = False) -> int:
    """Write consensus_table as CSV; returns the number of cases."""
    return csv_write(consensus_table(review=review, evidence=evidence), out,
                     lineterminator="\n")
