"""Sample files for the Import page, made from the review's own codebook and cases, in the
formats the importers read: a sample downloaded from a review imports into it without an
error (tests/imports/test_samples.py).

- codebook.yaml: the current codebook as `export_codebook` writes it (importing it
  changes nothing); a review without one gets a small example codebook.
- cases.csv / cases.xlsx: the header and two rows: the review's first two cases as they are
  (importing them changes nothing), or two example cases.
- codings.csv / codings.xlsx: the header and one coding, a row per attribute of the current
  codebook with a valid value (the first option, the first two of a multiple choice, a
  number, yes, a text), by the review's first coder (by username) of its first case that
  no coder is assigned to yet, else of its first case.

Each is built with a fixed number of queries, whatever the size of the review.
"""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from coding.codings.transfer import COLUMNS as CODING_COLUMNS
from coding.fileio import csv_writer
from coding.models import AttributeKind, Membership, Review, Role
from coding.reviews.importers import CASE_COLUMNS, codebook_as_yaml

# kind.extension -> (media type, what the file holds)
SAMPLES = {
    "codebook.yaml": "application/yaml; charset=utf-8",
    "cases.csv": "text/csv; charset=utf-8",
    "cases.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "codings.csv": "text/csv; charset=utf-8",
    "codings.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}

EXAMPLE_CODEBOOK = """\
title: Example codebook
sections:
- title: Setting
  attributes:
  - key: level
    label: Level of government
    kind: single
    help: The level of the public body that runs the service.
    required: true
    options:
    - key: national
      label: National
    - key: local
      label: Local
  - key: notes
    label: Notes
    kind: text
    help: Anything a second reader should know.
"""

EXAMPLE_CASES = [
    ["1", "Residents run the village library", "United Kingdom", 2015, "Culture",
     "Volunteers and the council share the library's running.", "Smith 2016"],
    ["2", "Parents plan school meals", "Sweden", 2019, "Education; Health",
     "A parents' panel sets the menu with the kitchen staff.", ""],
]


def sample_file(*, review: Review, name: str) -> bytes:
    """The sample `name` (a key of SAMPLES) for `review`."""
    kind, extension = name.split(".")
    if kind == "codebook":
        codebook = review.current_codebook()
        return (codebook_as_yaml(codebook) if codebook else EXAMPLE_CODEBOOK).encode()
    rows = _case_rows(review) if kind == "cases" else _coding_rows(review)
    header = CASE_COLUMNS if kind == "cases" else CODING_COLUMNS
    if extension == "xlsx":
        return _xlsx(kind, header, rows)
    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def _case_rows(review: Review) -> list[list]:
    cases = list(review.cases.order_by("sort_key", "number").prefetch_related(
        "service_areas")[:2])
    if not cases:
        return [list(row) for row in EXAMPLE_CASES]
    return [[case.number, case.title, case.country, case.year,
             ";".join(sorted(area.name for area in case.service_areas.all())), case.summary,
             case.source] for case in cases]


def _coding_rows(review: Review) -> list[list]:
    codebook = review.current_codebook()
    if codebook is None:
        return []
    case = (review.cases.filter(assignments__isnull=True).order_by("sort_key", "number").first()
            or review.cases.order_by("sort_key", "number").first())
    coder = (Membership.objects.filter(review=review, role=Role.CODER)
             .select_related("user").order_by("user__username").first())
    number = case.number if case else "1"
    username = coder.user.username if coder else _("username of a coder")
    rows = []
    for attribute in codebook.attributes.order_by("section__order", "order", "pk") \
            .prefetch_related("options"):
        rows.append([number, username, attribute.key, _example_value(attribute)])
    return rows


def _example_value(attribute) -> str:
    options = [o.key for o in attribute.options.all() if not o.is_none]
    if attribute.kind == AttributeKind.SINGLE:
        return options[0]
    if attribute.kind == AttributeKind.MULTI:
        return ";".join(options[:2])
    if attribute.kind == AttributeKind.NUMBER:
        return "1"
    if attribute.kind == AttributeKind.BOOLEAN:
        return "yes"
    return _("An example of the text a coder writes.")


def _xlsx(kind: str, header: list[str], rows: list[list]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(kind)
    sheet.append(header)
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text, even one beginning with "=": never a formula
            cells.append(cell)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

