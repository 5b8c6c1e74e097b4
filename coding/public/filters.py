"""The FilterSet for a review's cases, shared by the gallery, the dashboard, the exports and
the API.

Besides the case fields (search, service area, country, region, year range) it has one filter
per choice or yes/no attribute of the review's codebook, named by the attribute key
(`?level=local&citizen_roles=co_deliverer`), built from the codebook at run time so that any
review's codebook works. They match consensus values only. Several options of one attribute
match any of them; filters on different attributes must all match.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal

import django_filters
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy

from coding.documents.policies import documents_visible_to
from coding.documents.selectors import documents_matching
from coding.models import AttributeKind, Case, ConsensusValue, Document, Review, ServiceArea
from coding.public.policies import public_consensus_q
from coding.public.selectors import OptionThrough
from coding.regions import Region
from coding.reviews.selectors import AttributeInfo, CodebookInfo, review_codebook

SORTS = {
    "number": ("sort_key", "number"),
    "-number": ("-sort_key", "-number"),
    # Unknown years last in both directions, on SQLite and PostgreSQL alike.
    "year": (F("year").asc(nulls_last=True), "sort_key", "number"),
    "-year": (F("year").desc(nulls_last=True), "sort_key", "number"),
    "country": ("country", "sort_key", "number"),
    "title": ("title", "sort_key"),
}
SORT_CHOICES = [
    ("number", gettext_lazy("Case number")),
    ("-number", gettext_lazy("Case number, last first")),
    ("year", gettext_lazy("Year, oldest first")),
    ("-year", gettext_lazy("Year, newest first")),
    ("country", gettext_lazy("Country")),
    ("title", gettext_lazy("Title")),
]
YES_NO = [("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))]


def filter_choices(review: Review) -> dict:
    """The choices of the case-field selects that depend on the review's cases, in two
    queries. Example: {"countries": ["Brazil", "UK"], "service_areas": [("health", "Health")]}."""
    countries = list(
        Case.objects.filter(review=review).order_by("country")
        .values_list("country", flat=True).distinct()
    )
    # EXISTS stops at the first case per area; DISTINCT over a join read every case.
    areas = list(
        ServiceArea.objects.filter(Exists(Case.service_areas.through.objects.filter(
            servicearea_id=OuterRef("pk"), case__review_id=review.pk
        ))).order_by("name").values_list("slug", "name")
    )
    return {"countries": countries, "service_areas": areas}


class CaseFilter(django_filters.FilterSet):
    """Filters a review's cases. Use: CaseFilter(request.GET, queryset=review.cases.all(),
    review=review). `codebook` (from selectors.review_codebook) and `choices` (from
    filter_choices, or a function returning them) may be passed to save three queries
    (coding.public.cache keeps both per data version); without `review`, the review is the
    one named by the URL's `slug`."""

    q = django_filters.CharFilter(
        method="filter_search", label=gettext_lazy("Search"),
        widget=forms.TextInput(
            attrs={"type": "search",
                   "placeholder": gettext_lazy("Title, summary, country, documents")}
        ),
    )
    service_area = django_filters.ChoiceFilter(
        field_name="service_areas__slug", label=gettext_lazy("Service area"),
        empty_label=gettext_lazy("Any service area"),
    )
    country = django_filters.ChoiceFilter(label=gettext_lazy("Country"),
                                          empty_label=gettext_lazy("Any country"))
    region = django_filters.ChoiceFilter(
        label=gettext_lazy("Region"), choices=Region.choices,
        empty_label=gettext_lazy("Any region"),
    )
    year_min = django_filters.NumberFilter(
        field_name="year", lookup_expr="gte", label=gettext_lazy("From year"),
        widget=forms.NumberInput(attrs={"min": 1800, "max": 2100}),
    )
    year_max = django_filters.NumberFilter(
        field_name="year", lookup_expr="lte", label=gettext_lazy("To year"),
        widget=forms.NumberInput(attrs={"min": 1800, "max": 2100}),
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort", label=gettext_lazy("Sort by"), choices=SORT_CHOICES,
        empty_label=None,
    )

    class Meta:
        model = Case
        fields: list[str] = []

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None,
                 review: Review | None = None, codebook: CodebookInfo | None = None,
                 choices: dict | Callable[[], dict] | None = None):
        if review is None:
            slug = getattr(getattr(request, "resolver_match", None), "kwargs", {}).get("slug")
            if slug is None:
                raise TypeError("CaseFilter needs review= or a URL with a <slug> argument")
            review = get_object_or_404(Review, slug=slug)
        if queryset is None:
            queryset = Case.objects.filter(review=review)
        if data is not None and not data.get("sort"):
            # The sort filter only runs when it has a value; the default is by case number.
            data = data.copy()
            data["sort"] = "number"
        super().__init__(data, queryset, request=request, prefix=prefix)
        self.review = review
        self.codebook = codebook if codebook is not None else review_codebook(review)
        # Read when first needed (a form drawn, or a country or service area to check), so
        # a request without those filters, such as most API calls, never reads them.
        if choices is None:
            choices = functools.partial(filter_choices, review)
        read = functools.cache(choices if callable(choices) else lambda: choices)
        self.filters["country"].extra["choices"] = (
            lambda: [(c, c) for c in read()["countries"]])
        self.filters["service_area"].extra["choices"] = lambda: list(read()["service_areas"])
        self.attribute_filters: list[str] = []
        for attribute in self.codebook.by_key.values():
            if attribute.key in self.filters:
                continue  # a codebook key that clashes with a case field's filter
            new = self._attribute_filter(attribute)
            if new is None:
                continue
            new.model = queryset.model
            new.parent = self
            self.filters[attribute.key] = new
            self.attribute_filters.append(attribute.key)

    @staticmethod
    def _attribute_filter(attribute: AttributeInfo):
        if attribute.is_choice:
            def by_options(queryset, name, value, attribute=attribute):
                ids = [i for key in value for i in attribute.option_ids.get(key, [])]
                return queryset.filter(Exists(OptionThrough.objects.filter(
                    public_consensus_q("consensusvalue__case"),
                    consensusvalue__case_id=OuterRef("pk"), option_id__in=ids,
                )))

            return django_filters.MultipleChoiceFilter(
                label=attribute.label, choices=attribute.options, method=by_options,
                widget=forms.CheckboxSelectMultiple,
            )
        if attribute.kind == AttributeKind.BOOLEAN:
            def by_boolean(queryset, name, value, attribute=attribute):
                return queryset.filter(Exists(ConsensusValue.objects.filter(
                    public_consensus_q(), case_id=OuterRef("pk"), attribute_id__in=attribute.ids,
                    boolean=(value == "yes"),
                )))

            return django_filters.ChoiceFilter(
                label=attribute.label, choices=YES_NO, method=by_boolean,
                empty_label=gettext("Any"),
            )
        return None

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Every word in the case's title, summary or country, or every word in the text of
        one of its documents that the viewer may see (issue 11)."""
        in_case = Q()
        for word in value.split():
            in_case &= (
                Q(title__icontains=word) | Q(summary__icontains=word)
                | Q(country__icontains=word)
            )
        user = getattr(self.request, "user", None) or AnonymousUser()
        documents = documents_visible_to(user, Document.objects.filter(case__review=self.review))
        # One uncorrelated subquery, so PostgreSQL searches its text index once, not per case.
        in_documents = documents_matching(documents, value).values("case_id")
        return queryset.filter(in_case | Q(pk__in=in_documents))

    def filter_sort(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.order_by(*SORTS.get(value, SORTS["number"]))

    @property
    def qs(self) -> QuerySet:
        qs = super().qs
        if not self.is_bound:
            qs = qs.order_by(*SORTS["number"])
        return qs

    def attribute_fields(self) -> list[dict]:
        """The codebook filters for templates, drawn by hand: rendering ~40 checkbox widgets
        through Django's widget templates costs more than the page's queries. Example:
        [{"name": "level", "label": "Level", "multiple": True,
          "choices": [("local", "Local", True), ...]}]."""
        return [self._choices(name) for name in self.attribute_filters]

    def _choices(self, name: str) -> dict:
        field = self.form.fields[name]
        raw = self.data.getlist(name) if hasattr(self.data, "getlist") else self.data.get(name)
        chosen = {str(v) for v in (raw if isinstance(raw, list | tuple) else [raw]) if v}
        multiple = isinstance(field, forms.MultipleChoiceField)
        choices = [(str(key), label, str(key) in chosen) for key, label in field.choices]
        return {"name": name, "label": field.label, "multiple": multiple, "choices": choices,
                "id": f"id_{name}"}

    def selects(self) -> dict[str, dict]:
        """The case-field selects (country, region, service area, sort) for templates."""
        return {name: self._choices(name)
                for name in ("country", "region", "service_area", "sort")}

    def coded_filters_active(self) -> bool:
        return any(name in self.attribute_filters for name in self.active_filters())

    def error_messages(self) -> list[str]:
        """Each invalid filter value as one sentence naming the filter."""
        if not self.is_bound or self.form.is_valid():
            return []
        return [
            gettext("%(filter)s: %(problem)s This filter was ignored.") % {
                "filter": self.form.fields[name].label, "problem": message}
            if name in self.form.fields else str(message)
            for name, errors in self.form.errors.items() for message in errors
        ]

    def active_filters(self) -> dict[str, list[str]]:
        """The filters in use (valid values only), as query parameters; sort and page excluded.
        Example: {"country": ["UK"], "citizen_roles": ["co_deliverer"]}."""
        if not self.is_bound:
            return {}
        self.form.is_valid()
        cleaned = self.form.cleaned_data
        active: dict[str, list[str]] = {}
        for name, value in cleaned.items():
            if name == "sort" or value in (None, "", [], ()):
                continue
            if isinstance(value, list | tuple):
                active[name] = [str(v) for v in value]
            elif isinstance(value, Decimal):
                active[name] = [str(int(value)) if value == int(value) else str(value)]
            else:
                active[name] = [str(value)]
        return active
