"""Importers for codebooks (YAML) and cases (CSV).

Each importer validates the whole file first and writes inside one transaction,
so a file with a bad row writes nothing; the error names the file, the row
and the reason.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from coding.dbbulk import insert_objects, insert_rows
from coding.fileio import ImportFailed, csv_rows, csv_writer, yaml_check_keys, yaml_read
from coding.locks import cases_lock
from coding.models import (
    ATTRIBUTE_KEY_VALIDATOR,
    CHOICE_KINDS,
    LEVELS_BY_KIND,
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
from coding.reliability.services import reliability_changed
from coding.reviews.services import review_data_changed
from coding.values import text_problem

__all__ = ["ImportFailed", "cases_import", "cases_export", "codebook_import"]


# --- codebook ---------------------------------------------------------------

@dataclass
class CodebookResult:
    review: Review
    codebook: Codebook
    outcome: str  # "created", "updated", "new version", "unchanged"
    review_created: bool = False  # the import created the review
    lead_added: bool = False  # `lead` was given the lead role


def _review_for_import(slug: str, title: str, lead, create: bool, path: Path):
    """The review an import writes into: (review, created, lead_added). A review the import
    creates goes through the review services (audited, led by `lead` if given); an existing
    one gets `lead` as a lead if they are not one yet."""
    from coding.reviews.services import review_create_for_import, review_lead_ensure

    review = Review.objects.filter(slug=slug).first()
    try:
        if review is not None:
            added = lead is not None and review_lead_ensure(review=review, user=lead)
            return review, False, added
        if not create:
            raise ImportFailed(path, "review", f"no review with slug {slug!r}; import its "
                               "codebook first")
        review = review_create_for_import(slug=slug, title=title, lead=lead)
    except ValidationError as error:
        raise ImportFailed(path, "review", " ".join(error.messages)) from None
    return review, True, lead is not None


# The keys a codebook file may use (codebook_as_dict writes the same).
CODEBOOK_KEYS = ["title", "sections"]
SECTION_KEYS = ["title", "attributes"]
ATTRIBUTE_KEYS = ["key", "label", "kind", "help", "required", "level", "options", "none_option"]
OPTION_KEYS = ["key", "label"]


def _parse_codebook(path: Path) -> dict:
    data = yaml_read(path)
    if not isinstance(data, dict):
        raise ImportFailed(path, "file", "expected a mapping with 'title' and 'sections'")
    yaml_check_keys(path, data, CODEBOOK_KEYS, "the codebook")
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
        if isinstance(section, dict):
            yaml_check_keys(path, section, SECTION_KEYS, where)
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
    parsed = {"title": title.strip(), "sections": clean_sections}
    _check_codebook_texts(path, parsed)
    return parsed


def _check_text(path: Path, where: str, name: str, text: str, limit: int | None) -> None:
    problem = text_problem(text)
    if problem is None and limit is not None and len(text) > limit:
        problem = f"too long ({len(text):,} characters; at most {limit:,})"
    if problem:
        raise ImportFailed(path, where, f"{name!r} {problem}")


def _check_codebook_texts(path: Path, parsed: dict) -> None:
    """Control characters and the database's column sizes, checked before any write."""
    _check_text(path, "codebook", "title", parsed["title"], 300)
    for s_index, section in enumerate(parsed["sections"], start=1):
        where = f"section {s_index}"
        _check_text(path, where, "title", section["title"], 200)
        for a_index, attribute in enumerate(section["attributes"], start=1):
            a_where = f"{where} ({section['title']}), attribute {a_index} ({attribute['key']})"
            _check_text(path, a_where, "key", attribute["key"], 80)
            _check_text(path, a_where, "label", attribute["label"], 200)
            _check_text(path, a_where, "help", attribute["help"], None)
            for o_index, option in enumerate(attribute["options"], start=1):
                _check_text(path, f"{a_where}, option {o_index}", "label", option["label"], 200)
            if "none_option" in attribute:
                _check_text(path, f"{a_where}, none_option", "label",
                            attribute["none_option"]["label"], 200)


def _parse_attribute(path: Path, where: str, attribute, keys: set[str]) -> dict:
    if not isinstance(attribute, dict):
        raise ImportFailed(path, where, "expected a mapping with key, label and kind")
    key = str(attribute.get("key") or "").strip()
    yaml_check_keys(path, attribute, ATTRIBUTE_KEYS, where + (f" ({key})" if key else ""))
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
    level = _parse_level(path, where, kind, attribute.get("level"))
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
        yaml_check_keys(path, option, OPTION_KEYS, o_where)
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
    clean = {
        "key": key,
        "label": label,
        "kind": kind,
        "help": str(attribute.get("help") or "").strip(),
        "required": required,
        "level": level,
        "options": clean_options,
    }
    if attribute.get("none_option") is not None:
        clean["none_option"] = _parse_none_option(
            path, where, kind, attribute["none_option"], option_keys
        )
    return clean


DEFAULT_NONE_KEY = "none"


def _parse_none_option(path: Path, where: str, kind: str, raw, option_keys: set[str]) -> dict:
    """`none_option: "None of these reported"` (key "none") or `{key, label}`."""
    where = f"{where}, none_option"
    if kind != AttributeKind.MULTI:
        raise ImportFailed(path, where, f"only a multi attribute can have a 'none_option' "
                           f"(this one is {kind}; give a single-choice attribute an ordinary "
                           "option instead)")
    if isinstance(raw, str):
        raw = {"key": DEFAULT_NONE_KEY, "label": raw}
    if not isinstance(raw, dict):
        raise ImportFailed(path, where, "expected a label or {key, label}")
    yaml_check_keys(path, raw, OPTION_KEYS, where)
    key = str(raw.get("key") if raw.get("key") is not None else DEFAULT_NONE_KEY).strip()
    label = str(raw.get("label") if raw.get("label") is not None else "").strip()
    if not key or not label:
        raise ImportFailed(path, where, "needs a 'label' (and a 'key' if not 'none')")
    if not _valid(OPTION_KEY_VALIDATOR, key) or len(key) > 80:
        raise ImportFailed(path, where, f"key {key!r} may not contain ';'")
    if key in option_keys:
        raise ImportFailed(path, where, f"key {key!r} is also the key of an option; give the "
                           "none option a key of its own")
    return {"key": key, "label": label}


def _parse_level(path: Path, where: str, kind: str, level) -> str:
    """The attribute's level of measurement; the kind's default when not given."""
    allowed = LEVELS_BY_KIND[kind]
    if level is None or level == "":
        return allowed[0]
    if kind == AttributeKind.TEXT:
        raise ImportFailed(path, where, "a text attribute has no 'level' (no categories to "
                           "compare)")
    if level not in allowed:
        raise ImportFailed(
            path, where, f"'level' {level!r} does not fit a {kind} attribute (allowed: "
            f"{', '.join(allowed)})"
        )
    return level


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
            item["level"] = attribute.level
            options = list(attribute.options.all())
            item["options"] = [{"key": o.key, "label": o.label} for o in options if not o.is_none]
            none = next((o for o in options if o.is_none), None)
            if none is not None:
                item["none_option"] = {"key": none.key, "label": none.label}
            attributes.append(item)
        sections.append({"title": section.title, "attributes": attributes})
    return {"title": codebook.title, "sections": sections}


def _codebook_in_use(codebook: Codebook) -> bool:
    # A calibration round keeps its version too: revising the codebook after a round is
    # what makes the next round's version, and the round's codings point at the old one.
    return codebook.codings.exists() or codebook.rounds.exists() or Attribute.objects.filter(
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
                level=data["level"],
                order=a_order,
            )
            Option.objects.bulk_create(
                Option(attribute=attribute, key=o["key"], label=o["label"], order=o_order)
                for o_order, o in enumerate(data["options"])
            )
            if "none_option" in data:
                _create_none_option(attribute, data)


def _create_none_option(attribute: Attribute, data: dict) -> None:
    # Last, so that every list of the attribute's options ends with it.
    Option.objects.create(
        attribute=attribute, key=data["none_option"]["key"],
        label=data["none_option"]["label"], order=len(data["options"]), is_none=True,
    )


def _shape(book: dict) -> list:
    """What codings depend on: sections, attribute keys, kinds, rules, levels and option
    keys in order. Titles, labels and help texts are not part of it."""
    return [
        [(a["key"], a["kind"], a["required"], a["level"], [o["key"] for o in a["options"]])
         for a in section["attributes"]]
        for section in book["sections"]
    ]


def _fits_in_place(current: dict, parsed: dict) -> bool:
    """True when `parsed` differs from `current` only in wording (titles, labels, help
    texts) and in none options added or relabelled. Adding a none option adds a choice that
    no existing coding has made, so no coding changes meaning beyond what the README says;
    removing one or changing its key would orphan codings that chose it."""
    if _shape(current) != _shape(parsed):
        return False
    for old_section, new_section in zip(current["sections"], parsed["sections"], strict=True):
        for old, new in zip(old_section["attributes"], new_section["attributes"], strict=True):
            old_none = old.get("none_option", {}).get("key")
            new_none = new.get("none_option", {}).get("key")
            if old_none is not None and old_none != new_none:
                return False
    return True


def _update_in_place(codebook: Codebook, parsed: dict) -> None:
    """Rewrite the wording of `codebook` and add new none options (see _fits_in_place)."""
    codebook.title = parsed["title"]
    codebook.save(update_fields=["title"])
    sections = list(codebook.sections.order_by("order", "pk"))
    attributes = {
        a.key: a for a in codebook.attributes.prefetch_related("options")
    }
    for section, data in zip(sections, parsed["sections"], strict=True):
        if section.title != data["title"]:
            section.title = data["title"]
            section.save(update_fields=["title"])
        for item in data["attributes"]:
            attribute = attributes[item["key"]]
            if (attribute.label, attribute.help_text) != (item["label"], item["help"]):
                attribute.label, attribute.help_text = item["label"], item["help"]
                attribute.save(update_fields=["label", "help_text"])
            labels = {o["key"]: o["label"] for o in item["options"]}
            if "none_option" in item:
                labels[item["none_option"]["key"]] = item["none_option"]["label"]
                if attribute.none_option is None:
                    _create_none_option(attribute, item)
            for option in attribute.options.all():
                if option.key in labels and option.label != labels[option.key]:
                    option.label = labels[option.key]
                    option.save(update_fields=["label"])


def codebook_import(*, path: Path | str, review_slug: str, lead=None) -> CodebookResult:
    """Load a YAML codebook into a review, creating the review if needed (led by `lead`, an
    account, if given; `lead` also becomes a lead of an existing review).

    An identical codebook changes nothing. Changed wording (titles, labels, help texts)
    and added none options update the current version in place, codings or not. Any
    other change replaces the current version while nobody has coded under it, and
    otherwise becomes a new version, so codings made under the old one keep their
    attributes.
    """
    path = Path(path)
    parsed = _parse_codebook(path)
    with transaction.atomic():
        review, created, lead_added = _review_for_import(
            review_slug, parsed["title"], lead, True, path)
        made = {"review_created": created, "lead_added": lead_added}
        current = review.current_codebook()
        current_dict = codebook_as_dict(current) if current is not None else None
        if current is not None and current_dict == parsed:
            return CodebookResult(review, current, "unchanged", **made)
        if current is None:
            codebook = Codebook.objects.create(review=review, version=1, title=parsed["title"])
            outcome = "created"
        elif _fits_in_place(current_dict, parsed):
            _update_in_place(current, parsed)
            review_data_changed(review=review)
            return CodebookResult(review, current, "updated", **made)
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
        reliability_changed(review=review)
    return CodebookResult(review, codebook, outcome, **made)


# --- cases ------------------------------------------------------------------

CASE_COLUMNS = ["number", "title", "country", "year", "service_area", "summary", "source"]


@dataclass
class CasesResult:
    review: Review
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    service_areas: list[str] = field(default_factory=list)
    review_created: bool = False  # the import created the review
    lead_added: bool = False  # `lead` was given the lead role


def natural_sort_key(number: str) -> int:
    digits = "".join(ch for ch in number if ch.isdigit())
    return int(digits[:9]) if digits else 0


def _parse_cases(path: Path, progress) -> list[dict]:
    rows, seen = [], {}
    for line, row in csv_rows(path, columns=CASE_COLUMNS):
        rows.append(_parse_case_row(path, line, row, seen))
        if line % 5000 == 0:
            progress("reading", line - 1, 0)
    progress("reading", len(rows), len(rows))
    if not rows:
        raise ImportFailed(path, "file", "no cases found below the header")
    return rows


# The maximum length of each case column (settings.INPUT_MAX_LENGTHS), None: checked
# below or only for control characters.
CASE_LIMITS = {
    "number": None, "title": "case_title", "country": "case_country", "year": None,
    "service_area": None, "summary": "case_summary", "source": "case_source",
}


def _parse_case_row(path: Path, line: int, row: dict, seen: dict) -> dict:
    where = f"row {line}"
    values = {key: (row.get(key) or "").strip() for key in CASE_COLUMNS}
    for column, limit in CASE_LIMITS.items():
        problem = text_problem(values[column], limit=limit)
        if problem:
            raise ImportFailed(path, where, f"{column!r} {problem}")
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
    for area in areas:
        if len(area) > 100:
            raise ImportFailed(path, where, f"service area {area[:40]!r}... is longer than 100 "
                               "characters")
    return {**values, "year": year, "service_area": areas}


Progress = Callable[[str, int, int], None]  # (stage, done, total)
BATCH = 2000


def _no_progress(stage: str, done: int, total: int) -> None:
    pass


def cases_import(
    *, path: Path | str, review_slug: str, create_review: bool = False,
    progress: Progress | None = None, lead=None,
) -> CasesResult:
    """Create or update a review's cases from CSV, matching existing cases by number.

    All rows are checked first; then new cases are inserted and changed ones updated in
    batches inside one transaction. `progress(stage, done, total)` is told how far along
    it is (the import commands draw a progress bar with it). With `create_review` a missing
    review is created (led by `lead`, an account, if given); `lead` also becomes a lead of an
    existing review.
    """
    path = Path(path)
    progress = progress or _no_progress
    rows = _parse_cases(path, progress)
    with transaction.atomic():
        review, created, lead_added = _review_for_import(
            review_slug, review_slug, lead, create_review, path)
        result = CasesResult(review=review, review_created=created, lead_added=lead_added)
        cases_lock(review.cases.all())  # before any write (coding.locks)
        areas = {}
        for name in sorted({a for row in rows for a in row["service_area"]}):
            areas[name], _ = ServiceArea.objects.get_or_create(
                name=name, defaults={"slug": _unique_area_slug(name)}
            )
        existing = {case.number: case for case in review.cases.all()}
        Through = Case.service_areas.through
        current_areas: dict[int, set[int]] = {}
        for case_id, area_id in Through.objects.filter(case__review=review).values_list(
            "case_id", "servicearea_id"
        ):
            current_areas.setdefault(case_id, set()).add(area_id)
        now = timezone.now()
        new_cases, new_areas, changed_cases, changed_fields = [], [], [], set()
        area_changes: dict[int, set[int]] = {}
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
                new_cases.append(Case(review=review, number=row["number"], **fields))
                new_areas.append(wanted_areas)
                continue
            changed = [name for name, value in fields.items() if getattr(case, name) != value]
            for name in changed:
                setattr(case, name, fields[name])
            if changed:
                case.updated_at = now
                changed_cases.append(case)
                changed_fields.update(changed)
            if current_areas.get(case.pk, set()) != wanted_areas:
                area_changes[case.pk] = wanted_areas
            if changed or case.pk in area_changes:
                result.updated += 1
            else:
                result.unchanged += 1
        total = len(new_cases) + len(changed_cases)
        fields = ["review", "number", "sort_key", "title", "country", "region", "year",
                  "summary", "source", "consensus_complete", "created_at", "updated_at"]
        done = 0
        for start in range(0, len(new_cases), BATCH):
            batch = new_cases[start:start + BATCH]
            for case in batch:
                case.created_at = case.updated_at = now
            insert_objects(Case, fields, batch)
            done += len(batch)
            progress("writing", done, total)
        result.created = len(new_cases)
        if new_cases:
            ids = dict(review.cases.values_list("number", "pk"))
            for case in new_cases:
                case.pk = ids[case.number]
        for start in range(0, len(changed_cases), BATCH):
            batch = changed_cases[start:start + BATCH]
            Case.objects.bulk_update(batch, [*sorted(changed_fields), "updated_at"])
            done += len(batch)
            progress("writing", done, total)
        if area_changes:
            Through.objects.filter(case_id__in=list(area_changes)).delete()
        links = [
            (case.pk, area)
            for case, wanted in zip(new_cases, new_areas, strict=True) for area in wanted
        ] + [(case_id, area) for case_id, wanted in area_changes.items() for area in wanted]
        insert_rows(Through, ["case", "servicearea"], links)
        result.service_areas = sorted(areas)
        if result.created or result.updated:
            review_data_changed(review=review)
    return result


# Cases an export holds at a time.
EXPORT_CHUNK = 2000


def cases_export(*, review: Review, out: IO[str]) -> int:
    """The review's cases in the shape `import_cases` reads; returns the row count. Streamed
    per chunk of cases (their service areas read per chunk), in constant memory."""
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(CASE_COLUMNS)
    count = 0
    rows = review.cases.order_by("sort_key", "number").iterator(chunk_size=EXPORT_CHUNK)
    while chunk := list(islice(rows, EXPORT_CHUNK)):
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

def _unique_area_slug(name: str) -> str:
    base = slugify(name) or "area"
    slug, n = base, 2
    while ServiceArea.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug
