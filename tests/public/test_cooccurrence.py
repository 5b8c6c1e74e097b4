"""The dashboard's co-occurrence counts (heat map and Sankey links) come from one query and
give the same figures as the double join per pair they replaced."""

import random

from django.db.models import Count, FilteredRelation, Q

from coding.models import Case
from coding.public import selectors
from coding.public.cache import case_filter_for
from coding.public.dashboard import HEATMAPS, SANKEY_PATH, Dashboard
from coding.reviews.selectors import review_codebook
from tests import factories


def double_join(cases, first, second):
    """The implementation before the one-pass count: one query per pair, joining case ->
    consensus value -> options twice. Kept here as the reference."""
    first_keys = {i: key for key, ids in first.option_ids.items() for i in ids}
    second_keys = {i: key for key, ids in second.option_ids.items() for i in ids}
    rows = (
        Case.objects.filter(pk__in=cases.order_by().values("pk"), consensus_complete=True)
        .annotate(
            first_value=FilteredRelation(
                "consensus_values", condition=Q(consensus_values__attribute_id__in=first.ids)),
            second_value=FilteredRelation(
                "consensus_values", condition=Q(consensus_values__attribute_id__in=second.ids)),
        )
        .filter(first_value__options__isnull=False, second_value__options__isnull=False)
        .values_list("first_value__options", "second_value__options")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {}
    for x, y, n in rows:
        if x in first_keys and y in second_keys:
            pair = (first_keys[x], second_keys[y])
            counts[pair] = counts.get(pair, 0) + n
    return counts


def coded_coproduction(review, seed=7):
    """Random consensus on most of the bundled cases: multi-valued attributes with zero to
    three options, some cases incomplete (their values must not count)."""
    codebook = review_codebook(review)
    rng = random.Random(seed)
    keys = ["coproduction_type", "citizen_roles", "factors", "values", "outcomes"]
    for case in Case.objects.filter(review=review).order_by("pk")[:48]:
        values = {}
        for key in keys:
            attribute = codebook.by_key[key]
            options = [k for k, _ in attribute.options]
            if attribute.kind == "single":
                if rng.random() < 0.9:
                    values[key] = rng.choice(options)
            else:
                values[key] = rng.sample(options, rng.randint(0, min(3, len(options))))
        factories.consensus_for(case=case, values=values, complete=rng.random() < 0.85)
    return codebook


def all_pairs():
    return list(HEATMAPS) + list(zip(SANKEY_PATH, SANKEY_PATH[1:], strict=False))


def test_one_pass_counts_equal_the_double_joins_for_the_whole_review(coproduction):
    codebook = coded_coproduction(coproduction)
    cases = Case.objects.filter(review=coproduction)
    pairs = [(codebook.by_key[a], codebook.by_key[b]) for a, b in all_pairs()]
    found = selectors.cooccurrences(None, pairs)
    for first, second in pairs:
        expected = double_join(cases, first, second)
        assert expected, "the fixture must produce co-occurrences"
        assert found[(first.key, second.key)] == expected
    assert selectors.cooccurrences(cases, pairs) == found


def test_one_pass_counts_equal_the_double_joins_for_filtered_cases(coproduction):
    codebook = coded_coproduction(coproduction, seed=11)
    case_filter = case_filter_for(coproduction, {"coproduction_type": ["user", "citizen"]},
                                  Case.objects.filter(review=coproduction))
    assert case_filter.is_valid()
    pairs = [(codebook.by_key[a], codebook.by_key[b]) for a, b in all_pairs()]
    found = selectors.cooccurrences(case_filter.qs, pairs)
    for first, second in pairs:
        assert found[(first.key, second.key)] == double_join(case_filter.qs, first, second)


def test_dashboard_reads_every_pair_in_one_query(coproduction, django_assert_num_queries):
    codebook = coded_coproduction(coproduction)
    board = Dashboard(review=coproduction, cases=Case.objects.filter(review=coproduction),
                      codebook=codebook, filters={})
    with django_assert_num_queries(1):
        heatmap = board.heatmap(codebook.by_key["coproduction_type"],
                                codebook.by_key["citizen_roles"])
        sankey = board.sankey()
    assert sum(row[-1] for row in heatmap.rows) == sum(double_join(
        Case.objects.filter(review=coproduction), codebook.by_key["coproduction_type"],
        codebook.by_key["citizen_roles"]).values())
    assert sum(sankey.plot["value"]) == sum(
        sum(double_join(Case.objects.filter(review=coproduction), codebook.by_key[a],
                        codebook.by_key[b]).values())
        for a, b in zip(SANKEY_PATH, SANKEY_PATH[1:], strict=False))
