"""Importers for codebooks (YAML) and cases (CSV).

Each importer validates the whole file first and writes inside one transaction,
so a file with a bad row writes nothing; the error names the file, the row
and the reason.
"""

import csv
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import slugify

from coding.models import (
    ATTRIBUTE_KEY_VALIDATOR,
    CHOICE_KINDS,
    OPTION_KEY_VALIDATOR,
    Attribute,
    AttributeKind,
    Case,
    Codebook,
    Option,
    Review,
    Section,
    ServiceArea,
)
from coding.regions import region_for_country
from coding.reviews.services import review_data_changed


class ImportFailed(Exception):
    def __init__(self, path: Path | str, where: str, reason: str):
        self.path, self.where, self.reason = str(path), where, reason
        super().__init__(f"{path}: {where}: {reason}")


# --- codebook ---------------------------------------------------------------

@dataclass
class CodebookResult:
    review: Review
    codebook: Codebook
    outcome: str  # "created", "updated", "new version", "unchanged"


def _parse_codebook(path: Path) -> dict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else "file"
        raise ImportFailed(
            path, where, f"not valid YAML ({getattr(error, 'problem', error)})"
        ) from None
    if not isinstance(data, dict):
        raise ImportFailed(path, "file", "expected a mapping with 'title' and 'sections'")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise ImportFailed(path, "title", "missing or empty")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ImportFailed(path, "sections", "expected a non-empty list")

    keys: set[str] = set()
    titles: set[str] = set()
    clean_sections = []
    for s_index, section in enumerate(sections, start=1):
        where = f"section {s_index}"
        if not isinstance(section, dict) or not str(section.get("title") or "").strip():
            raise ImportFailed(path, where, "each section needs a 'title'")
        s_title = str(section["title"]).strip()
        if s_title in titles:
            raise ImportFailed(path, where, f"section title {s_title!r} is used twice")
        titles.add(s_title)
        attributes = section.get("attributes")
        if not isinstance(attributes, list) or not attributes:
            raise ImportFailed(path, where, "expected a non-empty list of 'attributes'")
        clean_attributes = []
        for a_index, attribute in enumerate(attributes, start=1):
            where = f"section {s_index} ({s_title}), attribute {a_index}"
            clean_attributes.append(_parse_attribute(path, where, attribute, keys))
        clean_sections.append({"title": s_title, "attributes": clean_attributes})
    return {"title": title.strip(), "sections": clean_sections}


def _parse_attribute(path: Path, where: str, attribute, keys: set[str]) -> dict:
    if not isinstance(attribute, dict):
        raise ImportFailed(path, where, "expected a mapping with key, label and kind")
    key = str(attribute.get("key") or "").strip()
    if not _valid(ATTRIBUTE_KEY_VALIDATOR, key):
        raise ImportFailed(
            path, where, f"'key' must be letters, digits, '-' or '_', got {key!r}"
        )
    where = f"{where} ({key})"
    if key in keys:
        raise ImportFailed(path, where, f"attribute key {key!r} is used twice")
    keys.add(key)
    label = str(attribute.get("label") or "").strip()
    if not label:
        raise ImportFailed(path, where, "'label' is missing")
    kind = attribute.get("kind")
    if kind not in AttributeKind.values:
        raise ImportFailed(
            path, where, f"'kind' must be one of {', '.join(AttributeKind.values)}, got {kind!r}"
        )
    required = attribute.get("required", False)
    if not isinstance(required, bool):
        raise ImportFailed(path, where, "'required' must be true or false")
    options = attribute.get("options") or []
    if kind in CHOICE_KINDS:
        if not isinstance(options, list) or not options:
            raise ImportFailed(path, where, f"a {kind} attribute needs a list of 'options'")
    elif options:
        raise ImportFailed(path, where, f"a {kind} attribute cannot have options")
    clean_options = []
    option_keys: set[str] = set()
    for o_index, option in enumerate(options, start=1):
        o_where = f"{where}, option {o_index}"
        if not isinstance(option, dict):
            raise ImportFailed(path, o_where, "expected {key, label}")
        o_key = str(option.get("key") if option.get("key") is not None else "").strip()
        o_label = str(option.get("label") if option.get("label") is not None else "").strip()
        if not o_key or not o_label:
            raise ImportFailed(path, o_where, "an option needs a 'key' and a 'label'")
        if not _valid(OPTION_KEY_VALIDATOR, o_key) or len(o_key) > 80:
            raise ImportFailed(path, o_where, f"option key {o_key!r} may not contain ';'")
        if o_key in option_keys:
            raise ImportFailed(path, o_where, f"option key {o_key!r} is used twice")
        option_keys.add(o_key)
        clean_options.append({"key": o_key, "label": o_label})
    return {
        "key": key,
        "label": label,
        "kind": kind,
        "help": str(attribute.get("help") or "").strip(),
        "required": required,
        "options": clean_options,
    }


def _valid(validator, value: str) -> bool:
    try:
        validator(value)
    except ValidationError:
        return False
    return True


def codebook_as_dict(codebook: Codebook) -> dict:
    """The codebook in the YAML file's shape (what `import_codebook` reads)."""
    sections = []
    for section in codebook.sections.prefetch_related("attributes__options"):
        attributes = []
        for attribute in section.attributes.all():
            item = {"key": attribute.key, "label": attribute.label, "kind": attribute.kind}
            item["help"] = attribute.help_text
            item["required"] = attribute.required
            item["options"] = [{"key": o.key, "label": o.label} for o in attribute.options.all()]
            attributes.append(item)
        sections.append({"title": section.title, "attributes": attributes})
    return {"title": codebook.title, "sections": sections}


def _codebook_in_use(codebook: Codebook) -> bool:
    return codebook.codings.exists() or Attribute.objects.filter(
        codebook=codebook, consensus_values__isnull=False
    ).exists()


def _fill_codebook(codebook: Codebook, parsed: dict) -> None:
    for s_order, section_data in enumerate(parsed["sections"]):
        section = Section.objects.create(
            codebook=codebook, title=section_data["title"], order=s_order
        )
        for a_order, data in enumerate(section_data["attributes"]):
            attribute = Attribute.objects.create(
                codebook=codebook,
                section=section,
                key=data["key"],
                label=data["label"],
                kind=data["kind"],
                help_text=data["help"],
                required=data["required"],
                order=a_order,
            )
            Option.objects.bulk_create(
                Option(attribute=attribute, key=o["key"], label=o["label"], order=o_order)
                for o_order, o in enumerate(data["options"])
            )


def codebook_import(*, path: Path | str, review_slug: str) -> CodebookResult:
    """Load a YAML codebook into a review, creating the review if needed.

    An identical codebook changes nothing. A changed codebook replaces the
    current version while nobody has coded under it, and otherwise becomes a
    new version, so codings made under the old one keep their attributes.
    """
    path = Path(path)
    parsed = _parse_codebook(path)
    with transaction.atomic():
        review, _ = Review.objects.get_or_create(
            slug=review_slug, defaults={"title": parsed["title"]}
        )
        current = review.current_codebook()
        if current is not None and codebook_as_dict(current) == parsed:
            return CodebookResult(review, current, "unchanged")
        if current is None:
            codebook = Codebook.objects.create(review=review, version=1, title=parsed["title"])
            outcome = "created"
        elif _codebook_in_use(current):
            codebook = Codebook.objects.create(
                review=review, version=current.version + 1, title=parsed["title"]
            )
            outcome = "new version"
        else:
            current.sections.all().delete()
            current.title = parsed["title"]
            current.save(update_fields=["title"])
            codebook = current
            outcome = "updated"
        _fill_codebook(codebook, parsed)
        review_data_changed(review=review)
    return CodebookResult(review, codebook, outcome)


# --- cases ------------------------------------------------------------------

CASE_COLUMNS = ["number", "title", "country", "year", "service_area", "summary", "source"]


@dataclass
class CasesResult:
    review: Review
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    service_areas: list[str] = field(default_factory=list)


def natural_sort_key(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:9]) if digits else 0


def _parse_cases(path: Path) -> list[dict]:
    try:
        handle = path.open(encoding="utf-8-sig", newline="")
    except OSError as error:
        raise ImportFailed(path, "file", error.strerror or str(error)) from None
    with handle:
        reader = csv.DictReader(handle)
        header = reader.fieldnames or []
        missing = [column for column in CASE_COLUMNS if column not in header]
        if missing:
            raise ImportFailed(
                path, "header", f"missing column(s) {', '.join(missing)}; expected "
                f"{','.join(CASE_COLUMNS)}"
            )
        rows, seen = [], {}
        try:
            for row in reader:
                # Row numbers are file line numbers: the header is row 1.
                rows.append(_parse_case_row(path, reader.line_num, row, seen))
        except csv.Error as error:
            raise ImportFailed(
                path, f"row {reader.line_num}", f"unreadable CSV ({error})"
            ) from None
    if not rows:
        raise ImportFailed(path, "file", "no cases found below the header")
    return rows


def _parse_case_row(path: Path, line: int, row: dict, seen: dict) -> dict:
    where = f"row {line}"
    if None in row:
        raise ImportFailed(path, where, "more fields than the header has columns")
    values = {key: (row.get(key) or "").strip() for key in CASE_COLUMNS}
    # Country and service area may be unknown, like the year; a case needs a number and a title.
    for column in ("number", "title"):
        if not values[column]:
            raise ImportFailed(path, where, f"'{column}' is empty")
    number = values["number"]
    if len(number) > 20:
        raise ImportFailed(path, where, "'number' is longer than 20 characters")
    if "/" in number or "?" in number or "#" in number:
        raise ImportFailed(path, where, f"'number' {number!r} may not contain '/', '?' or '#'")
    if number in seen:
        raise ImportFailed(
            path, where, f"case number {number!r} already appears in row {seen[number]}"
        )
    seen[number] = line
    year = None
    if values["year"] and values["year"].lower() != "unknown":
        try:
            year = int(values["year"])
        except ValueError:
            raise ImportFailed(
                path, where, f"'year' must be a whole number or empty, got {values['year']!r}"
            ) from None
        if not 1800 <= year <= 2100:
            raise ImportFailed(path, where, f"'year' {year} is outside 1800-2100")
    areas = [area.strip() for area in values["service_area"].split(";") if area.strip()]
    return {**values, "year": year, "service_area": areas}


def cases_import(*, path: Path | str, review_slug: str, create_review: bool = False) -> CasesResult:
    """Create or update a review's cases from CSV, matching existing cases by number."""
    path = Path(path)
    rows = _parse_cases(path)
    with transaction.atomic():
        if create_review:
            review, _ = Review.objects.get_or_create(
                slug=review_slug, defaults={"title": review_slug}
            )
        else:
            review = Review.objects.filter(slug=review_slug).first()
            if review is None:
                raise ImportFailed(path, "review", f"no review with slug {review_slug!r}; "
                                   "import its codebook first")
        result = CasesResult(review=review)
        areas = {}
        for name in sorted({a for row in rows for a in row["service_area"]}):
            areas[name], _ = ServiceArea.objects.get_or_create(
                name=name, defaults={"slug": _unique_area_slug(name)}
            )
        existing = {case.number: case for case in review.cases.prefetch_related("service_areas")}
        for row in rows:
            fields = {
                "title": row["title"],
                "country": row["country"],
                "region": region_for_country(row["country"]),
                "year": row["year"],
                "summary": row["summary"],
                "source": row["source"],
                "sort_key": natural_sort_key(row["number"]),
            }
            wanted_areas = {areas[name].pk for name in row["service_area"]}
            case = existing.get(row["number"])
            if case is None:
                case = Case.objects.create(review=review, number=row["number"], **fields)
                case.service_areas.set(wanted_areas)
                result.created += 1
                continue
            changed = [name for name, value in fields.items() if getattr(case, name) != value]
            if changed:
                for name in changed:
                    setattr(case, name, fields[name])
                case.save(update_fields=[*changed, "updated_at"])
            if {area.pk for area in case.service_areas.all()} != wanted_areas:
                case.service_areas.set(wanted_areas)
                changed.append("service_areas")
            if changed:
                result.updated += 1
            else:
                result.unchanged += 1
        result.service_areas = sorted(areas)
        if result.created or result.updated:
            review_data_changed(review=review)
    return result


def _unique_area_slug(name: str) -> str:
    base = slugify(name) or "area"
    slug, n = base, 2
    while ServiceArea.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
