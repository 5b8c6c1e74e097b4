"""Reads about a review's content: its codebook as plain data; the practice review."""

from __future__ import annotations

from dataclasses import dataclass, field

from coding.models import (
    CHOICE_KINDS,
    Attribute,
    Option,
    Review,
)

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


def review_codebook(review: Review) -> CodebookInfo:
    """The review's current codebook as plain data, in two queries. Example:
    CodebookInfo(sections=[("Characteristics", [AttributeInfo(key="level", label="Level",
    kind="single", ..., options=[("national", "National"), ...])])], by_key={"level": ...})."""
    attributes = list(
        Attribute.objects.filter(codebook__review=review)
        .order_by("-codebook__version", "section__order", "order", "id")
        .values("id", "key", "label", "kind", "help_text", "required", "section__title",
                "codebook__version")
    )
    current = attributes[0]["codebook__version"] if attributes else None
    by_key: dict[str, AttributeInfo] = {}
    sections: dict[str, list[AttributeInfo]] = {}
    for row in attributes:
        if row["codebook__version"] == current:
            info = AttributeInfo(
                key=row["key"], label=row["label"], kind=row["kind"],
                help_text=row["help_text"], required=row["required"],
                section=row["section__title"],
            )
            by_key[info.key] = info
            sections.setdefault(info.section, []).append(info)
        if row["key"] in by_key:
            by_key[row["key"]].ids.append(row["id"])
    options = (
        Option.objects.filter(attribute__codebook__review=review)
        .order_by("-attribute__codebook__version", "order", "id")
        .values_list("id", "key", "label", "attribute__key", "attribute__codebook__version")
    )
    for option_id, key, label, attribute_key, version in options:
        info = by_key.get(attribute_key)
        if info is None:
            continue
        if version == current:
            info.options.append((key, label))
        info.option_ids.setdefault(key, []).append(option_id)
    return CodebookInfo(sections=list(sections.items()), by_key=by_key)



# --- the practice review ----------------------------------------------------

# Fictional case reports with their full texts (load_practice), for new coders to start with.
PRACTICE_SLUG = "practice"


def practice_review() -> Review | None:
    """The practice review, when it is loaded and published."""
    return Review.objects.published().filter(slug=PRACTICE_SLUG).first()
