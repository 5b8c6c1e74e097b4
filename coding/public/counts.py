"""The dashboard's counts kept as the data changes, so that a cold dashboard (the first view
after a change) reads a few hundred precomputed rows instead of aggregating every case.

The rule: every service that changes what the whole-review dashboard counts (a case's
facts: country, region, year, service areas; whether its consensus is public; a public
case's consensus values) calls `dashboard_counts_refresh(case_ids)` in its own transaction,
after its writes. The function subtracts what those cases added last time (kept per case in
DashboardCaseCounts) and adds what they add now, read from the database as the live
selectors read it. A new codebook version rebuilds the review's counts
(`dashboard_counts_rebuild`); so does the command `rebuild_dashboard_counts`.

A review's counts are used only once they were rebuilt from scratch (its "built" row): the
background dashboard warm-up builds them for a review that has none; until then the
dashboard is computed by the live queries of coding.public.selectors.

Lock order (coding.locks): callers have locked their cases; the refresh locks the review
row, then writes the review's counts, so counting writes of one review queue on the
review row as `review_data_changed` does.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import transaction

from coding.countries import iso3_for_country
from coding.models import (
    Attribute,
    Case,
    ConsensusValue,
    DashboardCaseCounts,
    DashboardCount,
    Review,
    ServiceArea,
)
from coding.reviews.selectors import AttributeInfo, CodebookInfo

OptionThrough = ConsensusValue.options.through
Key = tuple[str, str, str]
CHUNK = 2000
BUILT: Key = ("built", "", "")


def _pair_keys() -> set[tuple[str, str]]:
    """The (first, second) attribute keys whose option pairs the dashboard draws."""
    from coding.public.dashboard import HEATMAPS, SANKEY_PATH

    return set(HEATMAPS) | set(zip(SANKEY_PATH, SANKEY_PATH[1:], strict=False))


def _value(value) -> str:
    """A Case field's value as a count's key: "" for none, else "v:" and the value."""
    return "" if value is None else f"v:{value}"


def _contributions(case_ids: list[int]) -> dict[int, tuple[int, Counter]]:
    """Case id -> (review id, what the case adds to the counts), in four queries."""
    found: dict[int, tuple[int, Counter]] = {}
    complete: list[int] = []
    for pk, review_id, year, region, country, public in Case.objects.filter(
        pk__in=case_ids
    ).order_by().values_list("pk", "review_id", "year", "region", "country",
                             "consensus_complete"):
        counts = Counter({("cases", "", ""): 1, ("year", _value(year), ""): 1,
                          ("region", _value(region), ""): 1,
                          ("country", _value(country), ""): 1})
        if public:
            counts[("complete", "", "")] += 1
            complete.append(pk)
        found[pk] = (review_id, counts)
    for case_id, area_id in Case.service_areas.through.objects.filter(
        case_id__in=list(found)
    ).values_list("case_id", "servicearea_id"):
        found[case_id][1][("service_area", str(area_id), "")] += 1
    if not complete:
        return found
    attribute_ids: set[int] = set()
    for case_id, attribute_id, boolean in ConsensusValue.objects.filter(
        case_id__in=complete
    ).order_by().values_list("case_id", "attribute_id", "boolean"):
        flag = "" if boolean is None else ("1" if boolean else "0")
        found[case_id][1][("coverage", str(attribute_id), flag)] += 1
        attribute_ids.add(attribute_id)
    keys = dict(Attribute.objects.filter(pk__in=attribute_ids).values_list("pk", "key"))
    chosen: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    for case_id, attribute_id, option_id in OptionThrough.objects.filter(
        consensusvalue__case_id__in=complete
    ).values_list("consensusvalue__case_id", "consensusvalue__attribute_id", "option_id"):
        found[case_id][1][("option", str(option_id), "")] += 1
        chosen[case_id][keys[attribute_id]].append(option_id)
    pairs = _pair_keys()
    for case_id, by_key in chosen.items():
        counts = found[case_id][1]
        for first, second in pairs:
            for x in by_key.get(first, ()):
                for y in by_key.get(second, ()):
                    counts[("pair", str(x), str(y))] += 1
    return found


def _apply(delta: dict[int, Counter], *, built: bool = False) -> None:
    """Add `delta` (review id -> key -> change) to the reviews' DashboardCount rows; a row
    that reaches zero goes. Each review's row is locked first."""
    for review_id in sorted(delta):
        changes = {key: n for key, n in delta[review_id].items() if n}
        if built:
            changes[BUILT] = 1
        if not changes:
            continue
        list(Review.objects.select_for_update().filter(pk=review_id).values_list("pk"))
        dimensions = sorted({key[0] for key in changes})
        existing = {
            (row.dimension, row.first, row.second): row
            for row in DashboardCount.objects.filter(review_id=review_id,
                                                     dimension__in=dimensions)
        }
        updated, created, gone = [], [], []
        for key in sorted(changes):
            row = existing.get(key)
            if row is None:
                created.append(DashboardCount(review_id=review_id, dimension=key[0],
                                              first=key[1], second=key[2], n=changes[key]))
                continue
            row.n += changes[key]
            (gone if row.n == 0 else updated).append(row)
        if gone:
            DashboardCount.objects.filter(pk__in=[row.pk for row in gone]).delete()
        if updated:
            DashboardCount.objects.bulk_update(updated, ["n"], batch_size=500)
        if created:
            DashboardCount.objects.bulk_create(created, batch_size=500)


def _stored(counts: Counter) -> list[list]:
    return [[*key, n] for key, n in sorted(counts.items()) if n]


def dashboard_counts_refresh(case_ids: Iterable[int]) -> None:
    """Bring the dashboard counts up to date for these cases (created, changed, or whose
    consensus changed), in the caller's transaction: subtract what each added last time and
    add what it adds now. Cases that no longer exist are subtracted."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    with transaction.atomic():
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start:start + CHUNK]
            new = _contributions(chunk)
            delta: dict[int, Counter] = defaultdict(Counter)
            old = list(DashboardCaseCounts.objects.filter(case_id__in=chunk)
                       .values_list("case_id", "review_id", "keys"))
            for _case_id, review_id, keys in old:
                for dimension, first, second, n in keys:
                    delta[review_id][(dimension, first, second)] -= n
            for review_id, counts in new.values():
                delta[review_id].update(counts)
            _apply(delta)
            DashboardCaseCounts.objects.filter(case_id__in=chunk).delete()
            DashboardCaseCounts.objects.bulk_create(
                [DashboardCaseCounts(case_id=case_id, review_id=review_id,
                                     keys=_stored(counts))
                 for case_id, (review_id, counts) in new.items()], batch_size=500)


def dashboard_counts_rebuild(review: Review | int) -> int:
    """The review's counts from scratch (the command, and a new codebook version). Returns
    the number of cases counted."""
    review_id = review if isinstance(review, int) else review.pk
    with transaction.atomic():
        list(Review.objects.select_for_update().filter(pk=review_id).values_list("pk"))
        DashboardCount.objects.filter(review_id=review_id).delete()
        DashboardCaseCounts.objects.filter(review_id=review_id).delete()
        ids = list(Case.objects.filter(review_id=review_id).order_by("pk")
                   .values_list("pk", flat=True))
        total: Counter = Counter()
        for start in range(0, len(ids), CHUNK):
            new = _contributions(ids[start:start + CHUNK])
            DashboardCaseCounts.objects.bulk_create(
                [DashboardCaseCounts(case_id=case_id, review_id=review_id,
                                     keys=_stored(counts))
                 for case_id, (_review_id, counts) in new.items()], batch_size=500)
            for _review_id, counts in new.values():
                total.update(counts)
        _apply({review_id: total}, built=True)
    return len(ids)


def dashboard_counts_built(review: Review | int) -> bool:
    review_id = review if isinstance(review, int) else review.pk
    return DashboardCount.objects.filter(review_id=review_id, dimension=BUILT[0]).exists()


# --- reading -------------------------------------------------------------------------


def _decoded(value: str, as_int: bool = False):
    if not value:
        return None
    return int(value[2:]) if as_int else value[2:]


class DashboardCounts:
    """The precomputed counts of one review, read in one query, answering as the live
    selectors of coding.public.selectors do for the whole review (cases=None)."""

    def __init__(self, rows: dict[Key, int]):
        self.rows = rows
        self.by_dimension: dict[str, dict[tuple[str, str], int]] = defaultdict(dict)
        for (dimension, first, second), n in rows.items():
            self.by_dimension[dimension][(first, second)] = n

    @property
    def total(self) -> int:
        return self.rows.get(("cases", "", ""), 0)

    @property
    def complete(self) -> int:
        return self.rows.get(("complete", "", ""), 0)

    def case_counts(self, field_name: str) -> list[tuple]:
        if field_name not in ("year", "region", "country"):
            raise ValueError(f"cannot count cases by {field_name!r}")
        rows = [(_decoded(first, field_name == "year"), n)
                for (first, _), n in self.by_dimension.get(field_name, {}).items()]
        if field_name == "country":
            return sorted(rows, key=lambda row: (-row[1], row[0] is None, row[0] or ""))
        return sorted(rows, key=lambda row: (row[0] is None, row[0] or 0
                                             if field_name == "year" else row[0] or ""))

    def country_counts(self) -> list[dict]:
        return [{"country": country, "iso3": iso3_for_country(country), "cases": n}
                for country, n in self.case_counts("country")]

    def service_area_counts(self) -> list[dict]:
        counts = {int(first): n for (first, _), n in
                  self.by_dimension.get("service_area", {}).items()}
        areas = ServiceArea.objects.filter(pk__in=list(counts)).values_list("pk", "slug",
                                                                            "name")
        return [{"slug": slug, "name": name, "cases": counts[pk]}
                for pk, slug, name in sorted(areas, key=lambda a: (-counts[a[0]], a[2]))]

    def option_counts(self, codebook: CodebookInfo) -> dict[tuple[str, str], int]:
        from coding.public.selectors import _option_keys

        keys = _option_keys(codebook)
        counts: dict[tuple[str, str], int] = {}
        for (first, _), n in self.by_dimension.get("option", {}).items():
            key = keys.get(int(first))
            if key is not None:
                counts[key] = counts.get(key, 0) + n
        return counts

    def attribute_coverage(self, codebook: CodebookInfo) -> dict[str, dict]:
        keys = {i: a.key for a in codebook.by_key.values() for i in a.ids}
        coverage: dict[str, dict] = {}
        for (first, flag), n in sorted(self.by_dimension.get("coverage", {}).items()):
            key = keys.get(int(first))
            if key is None:
                continue
            entry = coverage.setdefault(key, {"cases": 0, "yes": 0, "no": 0})
            entry["cases"] += n
            if flag:
                entry["yes" if flag == "1" else "no"] += n
        return coverage

    def cooccurrences(
        self, pairs: list[tuple[AttributeInfo, AttributeInfo]]
    ) -> dict[tuple[str, str], dict[tuple[str, str], int]]:
        counts: dict[tuple[str, str], dict[tuple[str, str], int]] = {}
        stored = self.by_dimension.get("pair", {})
        for first, second in pairs:
            found: dict[tuple[str, str], int] = {}
            firsts = {i: key for key, ids in first.option_ids.items() for i in ids}
            seconds = {i: key for key, ids in second.option_ids.items() for i in ids}
            for (x, y), n in stored.items():
                x_key, y_key = firsts.get(int(x)), seconds.get(int(y))
                if x_key is not None and y_key is not None:
                    found[(x_key, y_key)] = found.get((x_key, y_key), 0) + n
            counts[(first.key, second.key)] = found
        return counts


def dashboard_counts(review: Review | int) -> DashboardCounts | None:
    """The review's precomputed counts in one query, or None when they were never built."""
    review_id = review if isinstance(review, int) else review.pk
    rows = {(d, f, s): n for d, f, s, n in DashboardCount.objects.filter(
        review_id=review_id).values_list("dimension", "first", "second", "n")}
    if BUILT not in rows:
        return None
    return DashboardCounts(rows)
