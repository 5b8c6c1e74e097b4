"""The dashboard's charts as plain data: titles, axis titles, numbers, and for every bar, cell
or link the URL of the gallery filtered to those cases. static/js/dashboard.js draws them with
Plotly; the same rows feed each chart's table and CSV download.

Counts come from coding.selectors (SQL aggregates over the filtered cases). Charts of coded
dimensions say so plainly when no consensus value exists yet, rather than drawing zeros.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import urlencode

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy

from coding.models import AttributeKind, Case, Review
from coding.public import selectors
from coding.public.counts import DashboardCounts
from coding.public.policies import cases_with_public_consensus
from coding.regions import Region
from coding.reviews.selectors import AttributeInfo, CodebookInfo

# The paper's Table 3 (type of coproduction x role of citizens) and Figure 2 (the process
# from type through factors and values to outcomes). Drawn when the codebook has these keys.
HEATMAPS = [("coproduction_type", "citizen_roles")]
SANKEY_PATH = ["coproduction_type", "factors", "values", "outcomes"]
# The table's headings for the CSV's column names (which stay in English); a column named
# after a codebook attribute is its label, already in the reader's language.
HEADINGS = {
    "Year": gettext_lazy("Year"), "Cases": gettext_lazy("Cases"),
    "Region": gettext_lazy("Region"), "Country": gettext_lazy("Country"),
    "Service area": gettext_lazy("Service area"),
    "From dimension": gettext_lazy("From dimension"),
    "From": pgettext_lazy("a band's start", "From"),
    "To dimension": gettext_lazy("To dimension"), "To": pgettext_lazy("a band's end", "To"),
}


@dataclass
class Chart:
    id: str
    title: str
    kind: str  # "bar", "hbar", "map", "heatmap" or "sankey"
    x_title: str
    y_title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    urls: list[str | None] = field(default_factory=list)  # one per row
    plot: dict = field(default_factory=dict)
    empty: str = ""  # why there is nothing to draw, if so
    note: str = ""
    csv: str = ""  # URL of the CSV download, set by the view
    # A stored key in the rows (a region) -> its label in the reader's language, for the
    # table (the CSV keeps the key).
    display: dict = field(default_factory=dict)

    def payload(self) -> dict:
        """What dashboard.js needs to draw the chart."""
        return {
            "id": self.id, "title": self.title, "kind": self.kind, "x_title": self.x_title,
            "y_title": self.y_title, "plot": self.plot, "empty": self.empty, "csv": self.csv,
        }

    @property
    def headings(self) -> list[str]:
        """The table's column headings in the reader's language (`columns` name the CSV's)."""
        return [str(HEADINGS.get(column, column)) for column in self.columns]

    @property
    def table(self) -> list[tuple[list, int, str | None]]:
        """Rows for the HTML table: (leading cells, count, URL of those cases)."""
        return [([self.display.get(cell, cell) for cell in row[:-1]], row[-1], url)
                for row, url in zip(self.rows, self.urls, strict=True)]


@dataclass
class ChartGroup:
    title: str
    charts: list[Chart]


class Dashboard:
    """The charts of one review for one set of filters. Build with
    Dashboard(review=review, cases=case_filter.qs, codebook=codebook, filters=active_filters)."""

    def __init__(self, *, review: Review, cases: QuerySet[Case], codebook: CodebookInfo,
                 filters: dict[str, list[str]], counts: DashboardCounts | None = None):
        self.review, self.cases, self.codebook, self.filters = review, cases, codebook, filters
        # The review's precomputed counts (coding.public.counts), used only without filters:
        # a filtered dashboard aggregates the filtered cases with the live queries.
        self.counts = None if filters else counts
        self.gallery = reverse("coding:gallery", args=[review.slug])

    # -- shared aggregates, each one query, run at most once per request --
    @property
    def coded_cases(self) -> QuerySet[Case] | None:
        """The cases for aggregates over consensus values: None (the whole review, which
        the selectors count without joining the cases) when no filter is on."""
        return self.cases if self.filters else None

    @cached_property
    def total(self) -> int:
        if self.counts is not None:
            return self.counts.total
        return self.cases.count()

    @cached_property
    def complete(self) -> int:
        """Cases whose consensus is complete: the only ones coded charts count."""
        if self.counts is not None:
            return self.counts.complete
        return cases_with_public_consensus(self.cases).count()

    @cached_property
    def options(self) -> dict[tuple[str, str], int]:
        if self.counts is not None:
            return self.counts.option_counts(self.codebook)
        return selectors.option_counts(self.coded_cases, self.codebook)

    @cached_property
    def coverage(self) -> dict[str, dict]:
        if self.counts is not None:
            return self.counts.attribute_coverage(self.codebook)
        return selectors.attribute_coverage(self.coded_cases, self.codebook)

    @cached_property
    def cooccurrences(self) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
        """The heat maps' and the Sankey diagram's pair counts, all from one query."""
        keys = self.codebook.by_key
        pairs = [(first, second) for first, second in HEATMAPS
                 if first in keys and second in keys]
        if all(key in keys and keys[key].is_choice for key in SANKEY_PATH):
            pairs += list(zip(SANKEY_PATH, SANKEY_PATH[1:], strict=False))
        pairs = [(keys[first], keys[second]) for first, second in pairs]
        if self.counts is not None:
            return self.counts.cooccurrences(pairs)
        return selectors.cooccurrences(self.coded_cases, pairs)

    def case_counts(self, field_name: str) -> list[tuple]:
        if self.counts is not None:
            return self.counts.case_counts(field_name)
        return selectors.case_counts(self.cases, field_name)

    def link(self, **extra: str) -> str:
        """The gallery with the current filters, narrowed to `extra`."""
        params = {**self.filters, **{k: [v] for k, v in extra.items()}}
        return f"{self.gallery}?{urlencode(params, doseq=True)}" if params else self.gallery

    # -- the chart catalogue --
    def builders(self) -> dict[str, Callable[[], Chart]]:
        """Chart id -> builder, in page order."""
        found: dict[str, Callable[[], Chart]] = {
            "year": self.by_year, "region": self.by_region, "country": self.by_country,
            "service_area": self.by_service_area,
        }
        keys = self.codebook.by_key
        for _section, attributes in self.codebook.sections:
            for attribute in attributes:
                if attribute.is_choice or attribute.kind == AttributeKind.BOOLEAN:
                    found[attribute.key] = (lambda a=attribute: self.by_attribute(a))
                for first, second in HEATMAPS:
                    if attribute.key == second and first in keys:
                        found[f"{first}-{second}"] = (
                            lambda a=keys[first], b=keys[second]: self.heatmap(a, b)
                        )
        if all(key in keys and keys[key].is_choice for key in SANKEY_PATH):
            found["process"] = self.sankey
        return found

    def groups(self) -> list[ChartGroup]:
        """All charts, grouped as the page shows them: case characteristics, then one group
        per codebook section, then the process diagram."""
        builders = self.builders()
        groups = [ChartGroup(gettext("Case characteristics"), [
            builders[key]() for key in ("year", "region", "country", "service_area")
        ])]
        for section, attributes in self.codebook.sections:
            charts = []
            for attribute in attributes:
                if attribute.key in builders:
                    charts.append(builders[attribute.key]())
                for first, second in HEATMAPS:
                    if attribute.key == second and f"{first}-{second}" in builders:
                        charts.append(builders[f"{first}-{second}"]())
            if charts:
                groups.append(ChartGroup(section, charts))
        if "process" in builders:
            groups.append(ChartGroup(gettext("The coproduction process"),
                                     [builders["process"]()]))
        return groups

    # -- case characteristics (Case fields: known for every case) --
    def by_year(self) -> Chart:
        counts = self.case_counts("year")
        known = [(y, n) for y, n in counts if y is not None]
        unknown = sum(n for y, n in counts if y is None)
        rows = [[y, n] for y, n in known] + ([[gettext("Unknown"), unknown]] if unknown else [])
        urls = [self.link(year_min=str(y), year_max=str(y)) for y, _ in known]
        urls += [None] if unknown else []
        return Chart(
            id="year", title=gettext("Cases per year"), kind="bar", x_title=gettext("Year"),
            y_title=gettext("Cases"),
            columns=["Year", "Cases"], rows=rows, urls=urls,
            plot={"labels": [str(r[0]) for r in rows], "values": [r[1] for r in rows],
                  "urls": urls},
            empty="" if rows else gettext("No case matches these filters."),
            note=gettext("Year of the case as the review reports it."),
        )

    def _hbar(self, *, id: str, title: str, y_title: str, columns: list[str], labels: list[str],
              values: list[int], urls: list[str | None], rows: list[list] | None = None,
              empty: str = "", note: str = "", display: dict | None = None) -> Chart:
        if rows is None:
            rows = [[label, n] for label, n in zip(labels, values, strict=True)]
        return Chart(
            id=id, title=title, kind="hbar", x_title=gettext("Cases"), y_title=y_title,
            columns=columns,
            rows=rows, urls=urls,
            plot={"labels": labels, "values": values, "urls": urls},
            empty=empty or ("" if rows else gettext("No case matches these filters.")), note=note,
            display=display or {},
        )

    def by_region(self) -> Chart:
        counts = [(r, n) for r, n in self.case_counts("region")]
        names = {region.value: str(region.label) for region in Region}
        return self._hbar(
            id="region", title=gettext("Cases per region"), y_title=gettext("Region"),
            columns=["Region", "Cases"],
            labels=[str(names.get(r, r)) if r else gettext("Unknown") for r, _ in counts],
            values=[n for _, n in counts],
            rows=[[r or gettext("Unknown"), n] for r, n in counts],
            urls=[self.link(region=r) if r else None for r, _ in counts],
            note=gettext("Derived from each case's country."), display=names,
        )

    def by_country(self) -> Chart:
        counts = (self.counts.country_counts() if self.counts is not None
                  else selectors.country_counts(self.cases))
        urls = [self.link(country=row["country"]) for row in counts]
        mapped = [(row, url) for row, url in zip(counts, urls, strict=False) if row["iso3"]]
        return Chart(
            id="country", title=gettext("Cases per country"), kind="map",
            x_title=gettext("Country"), y_title=gettext("Cases"),
            columns=["Country", "ISO-3", "Cases"],
            rows=[[row["country"], row["iso3"], row["cases"]] for row in counts], urls=urls,
            plot={
                "locations": [row["iso3"] for row, _ in mapped],
                "labels": [row["country"] for row, _ in mapped],
                "values": [row["cases"] for row, _ in mapped],
                "urls": [url for _, url in mapped],
            },
            empty="" if counts else gettext("No case matches these filters."),
            note=gettext("Darker means more cases. Click a country to see its cases."),
        )

    def by_service_area(self) -> Chart:
        counts = (self.counts.service_area_counts() if self.counts is not None
                  else selectors.service_area_counts(self.cases))
        return self._hbar(
            id="service_area", title=gettext("Cases per service area"),
            y_title=gettext("Service area"),
            columns=["Service area", "Cases"], labels=[row["name"] for row in counts],
            values=[row["cases"] for row in counts],
            urls=[self.link(service_area=row["slug"]) for row in counts],
            note=gettext("A case in two service areas counts in both."),
        )

    # -- coded dimensions (consensus values only) --
    def _no_consensus(self, label: str) -> str:
        return gettext("No consensus values yet for “%(label)s” among these cases. The chart "
                       "appears once coders agree or an adjudicator decides.") % {"label": label}

    def by_attribute(self, attribute: AttributeInfo) -> Chart:
        coded = self.coverage.get(attribute.key, {"cases": 0, "yes": 0, "no": 0})
        if attribute.kind == AttributeKind.BOOLEAN:
            keys, labels = ["yes", "no"], [gettext("Yes"), gettext("No")]
            values = [coded["yes"], coded["no"]]
        else:
            keys = [key for key, _ in attribute.options]
            labels = [label for _, label in attribute.options]
            values = [self.options.get((attribute.key, key), 0) for key in keys]
        urls = [self.link(**{attribute.key: key}) for key in keys]
        if not coded["cases"]:  # nothing coded: no zeros in the CSV either
            labels, values, urls = [], [], []
        multiple = attribute.kind == AttributeKind.MULTI
        return self._hbar(
            id=attribute.key, title=attribute.label, y_title=attribute.label,
            columns=[attribute.label, "Cases"], labels=labels, values=values, urls=urls,
            empty="" if coded["cases"] else self._no_consensus(attribute.label),
            note=(ngettext(
                "%(coded)s of %(complete)s case with complete consensus have a value; a case "
                "may count in several bars.",
                "%(coded)s of %(complete)s cases with complete consensus have a value; a case "
                "may count in several bars.", self.complete) if multiple else ngettext(
                "%(coded)s of %(complete)s case with complete consensus have a value.",
                "%(coded)s of %(complete)s cases with complete consensus have a value.",
                self.complete)) % {"coded": coded["cases"], "complete": self.complete},
        )

    def heatmap(self, first: AttributeInfo, second: AttributeInfo) -> Chart:
        counts = self.cooccurrences[(first.key, second.key)]
        z = [[counts.get((y, x), 0) for x, _ in second.options] for y, _ in first.options]
        urls = [[self.link(**{first.key: y, second.key: x}) for x, _ in second.options]
                for y, _ in first.options]
        rows, flat_urls = [], []
        if not counts:  # nothing coded with both: no table of zeros
            z, urls = [], []
        for i, (_y, y_label) in enumerate(first.options if counts else []):
            for j, (_x, x_label) in enumerate(second.options):
                rows.append([y_label, x_label, z[i][j]])
                flat_urls.append(urls[i][j])
        return Chart(
            id=f"{first.key}-{second.key}", title=f"{first.label} × {second.label}",
            kind="heatmap", x_title=second.label, y_title=first.label,
            columns=[first.label, second.label, "Cases"], rows=rows, urls=flat_urls,
            plot={"x": [label for _, label in second.options],
                  "y": [label for _, label in first.options], "z": z, "urls": urls},
            empty="" if counts else self._no_consensus(
                gettext("%(first)s and %(second)s") % {"first": first.label,
                                                        "second": second.label}),
            note=gettext("Cases coded with both."),
        )

    def sankey(self) -> Chart:
        path = [self.codebook.by_key[key] for key in SANKEY_PATH]
        nodes: list[str] = []
        index: dict[tuple[str, str], int] = {}
        for attribute in path:
            for key, label in attribute.options:
                index[(attribute.key, key)] = len(nodes)
                nodes.append(label)
        source, target, value, urls, rows = [], [], [], [], []
        for first, second in zip(path, path[1:], strict=False):
            counts = self.cooccurrences[(first.key, second.key)]
            for x, _ in first.options:
                for y, _ in second.options:
                    n = counts.get((x, y), 0)
                    if not n:
                        continue
                    source.append(index[(first.key, x)])
                    target.append(index[(second.key, y)])
                    value.append(n)
                    urls.append(self.link(**{first.key: x, second.key: y}))
                    rows.append([first.label, first.option_label(x), second.label,
                                 second.option_label(y), n])
        labels = " → ".join(a.label for a in path)
        return Chart(
            id="process", title=gettext("Coproduction process: %(labels)s") % {"labels": labels},
            kind="sankey",
            x_title="", y_title="",
            columns=["From dimension", "From", "To dimension", "To", "Cases"], rows=rows,
            urls=urls,
            plot={"nodes": nodes, "source": source, "target": target, "value": value,
                  "urls": urls},
            empty="" if rows else self._no_consensus(labels),
            note=gettext("Each band's width is the number of cases coded with both ends, drawn "
                         "from the consensus data."),
        )


def source_note_text(review: Review) -> str:
    """What the review says about how its data relate to the source publication ("" for
    none): Review.source_note["text"]."""
    note = review.source_note if isinstance(review.source_note, dict) else {}
    return str(note.get("text") or "")


def apply_source_note(review: Review, charts: list[Chart]) -> None:
    """Replace the notes of the charts the review's source note speaks of (e.g. the bundled
    review's counterparts of the paper's Table 3 and Figure 2: drawn from this app's
    consensus, not a reproduction). Applied on every request, after the cache: a changed
    note shows at once."""
    note = review.source_note if isinstance(review.source_note, dict) else {}
    by_chart = note.get("charts") or {}
    if not isinstance(by_chart, dict):
        return
    for chart in charts:
        if by_chart.get(chart.id):
            chart.note = str(by_chart[chart.id])
