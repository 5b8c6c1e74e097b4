"""Reads about a review's content: its codebook as plain data; the practice review; how far
a new review is set up."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery

from coding.models import (
    CHOICE_KINDS,
    Attribute,
    Case,
    Codebook,
    Document,
    Membership,
    Review,
    Role,
)
from coding.reviews.languages import in_language

# --- the codebook as plain data ---------------------------------------------


@dataclass
class AttributeInfo:
    key: str
    label: str
    kind: str
    help_text: str
    required: bool
    section: str
    # This key's attribute ids in every codebook version of the review, so consensus values
    # made under an older version still count.
    ids: list[int] = field(default_factory=list)
    # (key, label) of the options in the current version, in codebook order.
    options: list[tuple[str, str]] = field(default_factory=list)
    # option key -> its ids in every version.
    option_ids: dict[str, list[int]] = field(default_factory=dict)

    @property
    def is_choice(self) -> bool:
        return self.kind in CHOICE_KINDS

    def option_label(self, key: str) -> str:
        return dict(self.options).get(key, key)


@dataclass
class CodebookInfo:
    sections: list[tuple[str, list[AttributeInfo]]]
    by_key: dict[str, AttributeInfo]

    def choice_attributes(self) -> list[AttributeInfo]:
        return [a for a in self.by_key.values() if a.is_choice]


def review_codebook(review: Review, language: str | None = None) -> CodebookInfo:
    """The review's current codebook as plain data, in one query (attributes with their
    options joined), its labels, help texts and section titles in `language` (default: the
    active language; the codebook's own where it has no translation). Example:
    CodebookInfo(sections=[("Characteristics", [AttributeInfo(key="level", label="Level",
    kind="single", ..., options=[("national", "National"), ...])])], by_key={"level": ...})."""
    rows = (
        Attribute.objects.filter(codebook__review=review)
        .order_by("-codebook__version", "section__order", "order", "id", "options__order",
                  "options__id")
        .values_list("id", "key", "label", "kind", "help_text", "required", "section__title",
                     "codebook__version", "options__id", "options__key", "options__label",
                     "translations", "section__translations", "options__translations")
    )
    current = None
    by_key: dict[str, AttributeInfo] = {}
    sections: dict[str, list[AttributeInfo]] = {}
    seen: set[int] = set()
    for (attribute_id, key, label, kind, help_text, required, section, version,
         option_id, option_key, option_label, said, section_said, option_said) in rows:
        if current is None:
            current = version  # the newest version comes first
        if attribute_id not in seen:
            seen.add(attribute_id)
            if version == current:
                said = said or {}
                label = in_language(label, said.get("label"), language)
                help_text = in_language(help_text, said.get("help"), language)
                section = in_language(section, (section_said or {}).get("title"), language)
                info = AttributeInfo(key=key, label=label, kind=kind, help_text=help_text,
                                     required=required, section=section)
                by_key[key] = info
                sections.setdefault(section, []).append(info)
            if key in by_key:
                by_key[key].ids.append(attribute_id)
        info = by_key.get(key)
        if info is None or option_id is None:
            continue
        if version == current:
            info.options.append((option_key, in_language(
                option_label, (option_said or {}).get("label"), language)))
        info.option_ids.setdefault(option_key, []).append(option_id)
    return CodebookInfo(sections=list(sections.items()), by_key=by_key)


# --- the practice review ----------------------------------------------------

# Fictional case reports with their full texts (load_practice), for new coders to start with.
PRACTICE_SLUG = "practice"


def practice_review() -> Review | None:
    """The practice review, when it is loaded and published."""
    return Review.objects.published().filter(slug=PRACTICE_SLUG).first()


# --- a new review's first steps ----------------------------------------------


def _count(queryset) -> Subquery:
    """How many rows `queryset` (filtered with OuterRef) has, as a subquery: COUNT as a plain
    function, so that the subquery has no GROUP BY and always answers one row."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def review_setup(review: Review) -> dict:
    """How far a review is set up, for its lead's first steps (one query, each figure a
    subquery), e.g. {"codebook": False, "cases": 0, "documents": 0, "coders": 0}."""
    row = Review.objects.filter(pk=review.pk).annotate(
        has_codebook=Exists(Codebook.objects.filter(review=OuterRef("pk"))),
        case_count=_count(Case.objects.filter(review=OuterRef("pk"))),
        document_count=_count(Document.objects.filter(case__review=OuterRef("pk"))),
        coder_count=_count(Membership.objects.filter(review=OuterRef("pk"), role=Role.CODER)),
    ).values("has_codebook", "case_count", "document_count", "coder_count").get()
    return {"codebook": row["has_codebook"], "cases": row["case_count"],
            "documents": row["document_count"], "coders": row["coder_count"]}
