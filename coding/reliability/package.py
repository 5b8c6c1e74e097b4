"""The replication package of a review: one zip holding a Frictionless Data Package
(`datapackage.json`, one table schema per CSV) with the codebook, cases, every coding in long
form, consensus, decisions with their rationales, the reliability figures of the latest
snapshot and two scripts (`reproduce.py`, `reproduce.R`) that recompute every Krippendorff's
alpha from the files and print it beside the app's.

A leads' download (PAGE_ROLES["package"]): it names coders and carries rationales. The CSVs
are written by the exports the commands use (cases_export, codings_table, consensus_table,
the codebook file; coding/exports.py `case_chunks` for the package's own tables), each
streamed per chunk of cases into a temporary zip; nothing here holds
a review in memory. A lead who codes gets no coding, status, consensus or decision of a case
they are blind on (write_package's `viewer`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import IO, Any

from django.utils import timezone
from django.utils.translation import gettext as _

from coding.codings.policies import blind_cases
from coding.codings.transfer import codings_table, consensus_decisions_table, consensus_table
from coding.exports import Table, case_chunks, csv_write
from coding.fileio import csv_writer
from coding.models import (
    Assignment,
    AttributeKind,
    Coding,
    Review,
    ScreeningDecision,
)
from coding.reliability import report_table
from coding.reliability.selectors import FIELDS, reliability_snapshot_state
from coding.reliability.verdicts import Thresholds
from coding.reviews.codebooks import codebook_file_data, codebook_yaml
from coding.reviews.importers import cases_export
from coding.screening.selectors import decisions_table

SCRIPTS = Path(__file__).resolve().parent / "package_scripts"
PROFILE = "tabular-data-package"


def _field(name: str, type_: str, description: str, **extra) -> dict:
    return {"name": name, "type": type_, "description": description, **extra}


def _text(name: str, description: str) -> dict:
    return _field(name, "string", description)


CASES_SCHEMA = {
    "fields": [
        _text("number", "The case's number in the review (its identifier)."),
        _text("title", "Title of the case."),
        _text("country", "Country (ISO 3166-1 alpha-2 code or name as imported)."),
        _field("year", "integer", "Year of the case; empty when unknown."),
        _text("service_area", "Service areas, separated by \";\"."),
        _text("summary", "Summary of the case."),
        _text("source", "Source of the case."),
    ],
    "primaryKey": ["number"],
}
ATTRIBUTES_SCHEMA = {
    "fields": [
        _text("attribute", "Key of the attribute (column name in consensus.csv)."),
        _text("section", "Title of the codebook section."),
        _text("label", "Label of the attribute."),
        _field("kind", "string", "single, multi, number, boolean or text.",
               constraints={"enum": ["single", "multi", "number", "boolean", "text"]}),
        _text("level", "Level of measurement reliability uses (nominal, ordinal, interval, "
                       "ratio); multiple choice is compared as nominal; empty for text."),
        _field("none_option", "string", "Key of the attribute's \"none\" option, if any: "
               "then an empty multiple choice means not coded."),
        _field("order", "integer", "Position of the attribute in the codebook."),
        _field("codebook_version", "integer", "Version of the current codebook."),
    ],
    "primaryKey": ["attribute"],
}
OPTIONS_SCHEMA = {
    "fields": [
        _text("attribute", "Key of the attribute."),
        _text("option", "Key of the option (the value written in codings.csv)."),
        _text("label", "Label of the option."),
        _field("order", "integer", "Position of the option (the order of an ordinal scale)."),
        _field("is_none", "boolean", "Whether the option is the attribute's explicit "
               "\"none\".", trueValues=["yes"], falseValues=["no"]),
    ],
    "primaryKey": ["attribute", "option"],
    "foreignKeys": [{"fields": ["attribute"],
                     "reference": {"resource": "attributes", "fields": ["attribute"]}}],
}
CODINGS_SCHEMA = {
    "fields": [
        _text("case", "Case number (cases.csv)."),
        _text("coder", "Username of the coder."),
        _text("attribute", "Attribute key."),
        _text("value", "Option key; option keys separated by \";\" for multiple choice (empty "
                       "= none chosen); the number; yes/no; or the text."),
        _text("evidence", "The coder's evidence quote."),
        _text("evidence_document", "File name of the document the first anchored quote is in."),
        _field("evidence_page", "integer", "PDF page of the anchored quote."),
        _field("evidence_start", "integer", "Start offset of the anchored quote."),
        _field("evidence_end", "integer", "End offset of the anchored quote."),
    ],
    "foreignKeys": [{"fields": ["case"],
                     "reference": {"resource": "cases", "fields": ["number"]}}],
}
STATUS_SCHEMA = {
    "fields": [
        _text("case", "Case number (cases.csv)."),
        _text("coder", "Username of the coder."),
        _field("assigned", "boolean", "Whether the coder is assigned to the case.",
               trueValues=["yes"], falseValues=["no"]),
        _field("status", "string", "Status of the coder's coding.",
               constraints={"enum": ["not_started", "draft", "submitted"]}),
        _field("codebook_version", "integer", "Codebook version the coding was made under; "
               "empty before the coder starts."),
    ],
    "primaryKey": ["case", "coder"],
    "foreignKeys": [{"fields": ["case"],
                     "reference": {"resource": "cases", "fields": ["number"]}}],
}
SCREENING_SCHEMA = {
    "fields": [
        _text("record", "The candidate record: its ID in its source file, else its id here."),
        _text("screener", "Username of the screener."),
        _field("stage", "string", "The screening stage.",
               constraints={"enum": ["title_abstract", "full_text"]}),
        _field("decision", "string", "The screener's decision.",
               constraints={"enum": ["include", "exclude", "maybe"]}),
        _text("reason", "Key of the exclusion reason (full text), else empty."),
    ],
    "primaryKey": ["record", "screener", "stage"],
}

DECISIONS_SCHEMA = {
    "fields": [
        _text("case", "Case number (cases.csv)."),
        _field("codebook_version", "integer", "Codebook version of the attribute."),
        _text("attribute", "Attribute key."),
        _text("value", "The consensus value, written as in codings.csv."),
        _field("method", "string", "How the value was settled.",
               constraints={"enum": ["agreed", "adjudicated", "discussed"]}),
        _text("decided_by", "Username of who decided (empty when the coders agreed)."),
        _field("decided_at", "datetime", "When the value was settled (UTC)."),
        _text("rationale", "Why it was decided so (adjudicated and discussed values)."),
    ],
    "primaryKey": ["case", "codebook_version", "attribute"],
    "foreignKeys": [{"fields": ["case"],
                     "reference": {"resource": "cases", "fields": ["number"]}}],
}
_FIELD_TYPES = {"attribute": "string", "option": "string", "level": "string",
                "warnings": "string", "interval_method": "string", "estimable": "boolean",
                "units": "integer", "coders": "integer", "resamples": "integer",
                "pairable_values": "integer", "minority_values": "integer"}
RELIABILITY_SCHEMA = {
    "fields": [
        _field(name, _FIELD_TYPES.get(name, "number"),
               f"The app's {name.replace('_', ' ')} (latest reliability snapshot); empty "
               "where undefined or not shown.",
               **({"trueValues": ["true"], "falseValues": ["false"]}
                  if name == "estimable" else {}))
        for name in FIELDS
    ],
}


def _table_schema(header: list[str]) -> dict:
    return {"fields": [_text(name, "A column of the journal-style table (report_table).")
                       for name in header]}


def _rel_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list):
        return " | ".join(str(v) for v in value)
    return str(value)


def _write_codebook(review: Review, out_attributes: IO[str], out_options: IO[str]) -> None:
    codebook = review.current_codebook()
    attributes = csv_writer(out_attributes, lineterminator="\n")
    attributes.writerow([f["name"] for f in ATTRIBUTES_SCHEMA["fields"]])
    options = csv_writer(out_options, lineterminator="\n")
    options.writerow([f["name"] for f in OPTIONS_SCHEMA["fields"]])
    if codebook is None:
        return
    for attribute in (codebook.attributes.select_related("section").prefetch_related("options")
                      .order_by("section__order", "order", "pk")):
        level = "" if attribute.kind == AttributeKind.TEXT else (
            "nominal" if attribute.kind == AttributeKind.MULTI else attribute.level or "nominal")
        none = next((o.key for o in attribute.options.all() if o.is_none), "")
        attributes.writerow([attribute.key, attribute.section.title, attribute.label,
                             attribute.kind, level, none, attribute.order, codebook.version])
        for i, option in enumerate(attribute.options.all()):
            options.writerow([attribute.key, option.key, option.label, i,
                              "yes" if option.is_none else "no"])


def _hidden_cases(review: Review, viewer) -> frozenset[str]:
    """The numbers of the cases of `review` the viewer is blind on (none without a viewer)."""
    if viewer is None:
        return frozenset()
    return frozenset(blind_cases(viewer).filter(review=review).values_list("number", flat=True))


def _without(table: Table, hidden: frozenset[str]) -> Table:
    """`table` without the rows of the hidden cases (its first column is the case number)."""
    if not hidden:
        return table
    chunks = ([row for row in chunk if str(row[0]) not in hidden] for chunk in table.chunks)
    return Table(sheet=table.sheet, header=table.header, chunks=chunks)


def _write_status(review: Review, out: IO[str], hidden: frozenset[str]) -> int:
    """One row per coder assigned to or coding a case: what the scripts need to apply the
    app's rule (a case counts once every assigned coder, at least two, has submitted)."""
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow([f["name"] for f in STATUS_SCHEMA["fields"]])
    count = 0
    for chunk in case_chunks(review.cases.order_by("sort_key", "number"), ("pk", "number")):
        ids = [pk for pk, _n in chunk]
        rows: dict[tuple[int, str], list] = {}
        for case_id, coder in Assignment.objects.filter(case_id__in=ids).values_list(
                "case_id", "coder__username"):
            rows[(case_id, coder)] = ["yes", "not_started", ""]
        for case_id, coder, status, version in Coding.objects.filter(
                case_id__in=ids).values_list("case_id", "coder__username", "status",
                                             "codebook__version"):
            row = rows.setdefault((case_id, coder), ["no", "", ""])
            row[1:] = [status, version]
        by_case: dict[int, list] = {}
        for (case_id, coder), row in sorted(rows.items()):
            by_case.setdefault(case_id, []).append([coder, *row])
        for pk, number in chunk:
            if number in hidden:
                continue
            for row in by_case.get(pk, []):
                writer.writerow([number, *row])
                count += 1
    return count


def _write_reliability(report: dict | None, out: IO[str]) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    rows = report["rows"] if report else []
    for row in rows:
        writer.writerow([_rel_cell(row.get(name)) for name in FIELDS])
    return len(rows)


def _consensus_schema(review: Review) -> dict:
    codebook = review.current_codebook()
    fields = [_text("case", "Case number (cases.csv).")]
    if codebook is not None:
        for attribute in (codebook.attributes.exclude(kind=AttributeKind.TEXT)
                          .order_by("section__order", "order", "pk")):
            fields.append(_text(attribute.key, f"Consensus value of \"{attribute.label}\" "
                                               "(empty while not settled)."))
    return {"fields": fields, "primaryKey": ["case"],
            "foreignKeys": [{"fields": ["case"],
                             "reference": {"resource": "cases", "fields": ["number"]}}]}


def _resource(name: str, path: str, schema: dict, description: str) -> dict:
    return {"name": name, "path": path, "profile": "tabular-data-resource", "format": "csv",
            "mediatype": "text/csv", "encoding": "utf-8", "description": description,
            "schema": schema}


def package_filename(review: Review) -> str:
    return f"{review.slug}-replication-package.zip"


def write_package(*, review: Review, target: IO[bytes], viewer=None) -> dict[str, int]:
    """Write the package of `review` as a zip into the binary file `target`; returns the row
    count of each CSV. For a `viewer` (the page and the API: a lead, who may code too) the
    codings, statuses, consensus and decisions of the cases they are blind on are left out
    (codings/policies.py blind_cases): those cases are not complete, so no figure counts them
    and the scripts reproduce the same figures. The command (no viewer) writes everything."""
    import zipfile

    state = reliability_snapshot_state(review=review)
    report = state.latest.report if state.latest is not None else None
    counts: dict[str, int] = {}
    codebook = review.current_codebook()
    hidden = _hidden_cases(review, viewer)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        def text(name: str):
            return io.TextIOWrapper(archive.open(name, "w"), encoding="utf-8", newline="")

        with text("cases.csv") as out:
            counts["cases"] = cases_export(review=review, out=out)
        # Two members cannot be open for writing at once: the codebook goes through buffers
        # (a codebook is small: bounded by the codebook limits).
        attributes_buffer, options_buffer = io.StringIO(), io.StringIO()
        _write_codebook(review, attributes_buffer, options_buffer)
        archive.writestr("attributes.csv", attributes_buffer.getvalue())
        archive.writestr("options.csv", options_buffer.getvalue())
        if codebook is not None:
            archive.writestr("codebook.yaml", codebook_yaml(codebook_file_data(codebook)))
        with text("codings.csv") as out:
            counts["codings"] = csv_write(
                _without(codings_table(review=review), hidden), out, lineterminator="\n")
        with text("coding_status.csv") as out:
            counts["coding_status"] = _write_status(review, out, hidden)
        with text("consensus.csv") as out:
            counts["consensus"] = csv_write(
                _without(consensus_table(review=review), hidden), out, lineterminator="\n")
        with text("decisions.csv") as out:
            counts["decisions"] = csv_write(
                _without(consensus_decisions_table(review=review), hidden), out,
                lineterminator="\n")
        # Stage one, where the review screened here: every screener's decision (blind-aware
        # for a viewer, as the screening export is: coding.screening.selectors).
        screened = ScreeningDecision.objects.filter(record__review=review).exists()
        if screened:
            with text("screening_decisions.csv") as out:
                counts["screening_decisions"] = csv_write(
                    decisions_table(review=review, viewer=viewer), out, lineterminator="\n")
        with text("reliability.csv") as out:
            counts["reliability"] = _write_reliability(report, out)
        table_header: list[str] = []
        if report is not None:
            body = report_table.render("csv", report, Thresholds.of(review),
                                       review.resolution_mode, review.title)
            archive.writestr("reliability_table.csv", body)
            table_header = next(csv.reader(io.StringIO(body.decode("utf-8"))))
        for script in ("reproduce.py", "reproduce.R"):
            archive.write(SCRIPTS / script, script)
        archive.writestr("datapackage.json", json.dumps(
            _descriptor(review, report, table_header, screened), indent=2,
            ensure_ascii=False))
    return counts


def _descriptor(review: Review, report: dict | None, table_header: list[str],
                screened: bool = False) -> dict:
    resources = [
        _resource("cases", "cases.csv", CASES_SCHEMA, _("The review's cases.")),
        _resource("attributes", "attributes.csv", ATTRIBUTES_SCHEMA,
                  _("The current codebook's attributes (codebook.yaml holds it whole).")),
        _resource("options", "options.csv", OPTIONS_SCHEMA,
                  _("The options of the current codebook's attributes, in codebook order.")),
        _resource("codings", "codings.csv", CODINGS_SCHEMA,
                  _("Every submitted coding in long form, one row per value (as "
                    "export_codings writes it): single-coded cases included.")),
        _resource("coding_status", "coding_status.csv", STATUS_SCHEMA,
                  _("Who is assigned to and coded each case, the coding's status and "
                    "codebook version: the scripts compare only cases whose assigned coders "
                    "(at least two) all submitted, under the current codebook, as the app "
                    "does.")),
        _resource("consensus", "consensus.csv", _consensus_schema(review),
                  _("One row per case, one column per compared attribute: the settled value "
                    "(empty while none).")),
        _resource("decisions", "decisions.csv", DECISIONS_SCHEMA,
                  _("Every consensus value with how, by whom, when and why it was settled.")),
        _resource("reliability", "reliability.csv", RELIABILITY_SCHEMA,
                  _("The app's reliability figures from its latest snapshot, at full "
                    "precision (what the scripts compare with).")),
    ]
    if screened:
        resources.append(_resource(
            "screening_decisions", "screening_decisions.csv", SCREENING_SCHEMA,
            _("Every screener's eligibility decision on the candidate records (stage one), "
              "in the shape import_screening reads.")))
    if report is not None:
        resources.append(_resource(
            "reliability_table", "reliability_table.csv", _table_schema(table_header),
            _("The reliability table as journals ask for it (the reliability page's "
              "download).")))
    return {
        "profile": PROFILE,
        "name": f"{review.slug}-replication-package".lower(),
        "title": _("Replication package: %(title)s") % {"title": review.title},
        "description": _(
            "Cases, codebook, codings, consensus and decisions of the review, and the "
            "reliability figures the application computed. reproduce.py (Python, krippendorff) "
            "and reproduce.R (R, irr) recompute every Krippendorff's alpha from these files "
            "and print it beside the application's; codebook.yaml is the codebook as "
            "import_codebook reads it."),
        "created": timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "version": str(review.data_version),
        "resources": resources,
    }


def package_tempfile(*, review: Review, viewer=None):
    """The package in an anonymous temporary file, positioned at its start (the caller
    streams it out and closes it, which deletes it)."""
    import tempfile

    handle = tempfile.TemporaryFile(suffix=".zip")
    try:
        write_package(review=review, target=handle, viewer=viewer)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def package_response(review: Review, viewer):
    """The package for `viewer` as a download (the page and the API answer with it)."""
    from django.http import FileResponse

    return FileResponse(package_tempfile(review=review, viewer=viewer), as_attachment=True,
                        filename=package_filename(review), content_type="application/zip")
