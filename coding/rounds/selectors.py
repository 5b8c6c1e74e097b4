"""Reads about calibration rounds: the list, per-coder progress, a coder's cases, the round's
reliability (the reliability report's coefficients over the round's codings, every coder of
the round), the cases where coders differed, and agreement across rounds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext

from coding.models import (
    AttributeKind,
    Case,
    CodingStatus,
    Round,
    RoundCoding,
    RoundValue,
)
from coding.reliability.selectors import (
    REPORT_VERSION,
    ReliabilityData,
    pair_rows,
    reliability_rows,
    value_tables,
)
from coding.rounds.policies import (
    round_blind_case_ids,
    round_coder_candidates,
    rounds_visible_to,
)
from coding.values import stored_value, value_display, value_is_coded, value_text, values_equal

NOT_STARTED = "not_started"


def round_default_coders(*, review) -> list:
    """Who codes a new round unless the lead chooses: every coder of the review."""
    return list(round_coder_candidates(review).order_by("username"))


def review_rounds(*, review, user) -> list[Round]:
    """The rounds `user` may open, newest first, each with n_cases and n_coders (and its
    cases and coders prefetched: three queries whatever the number of rounds)."""
    return list(
        rounds_visible_to(user, review).select_related("codebook", "review")
        .annotate(n_cases=Count("cases", distinct=True), n_coders=Count("coders", distinct=True))
        .prefetch_related(
            Prefetch("cases", queryset=Case.objects.only("number", "sort_key", "review_id")),
            Prefetch("coders", queryset=get_user_model().objects.only("username")))
        .order_by("-number")
    )


def round_progress(*, round_: Round) -> list[dict[str, Any]]:
    """Per coder of the round: {"coder": user, "submitted": 3, "draft": 1, "total": 10}."""
    total = round_.cases.count()
    counts = {
        row["coder"]: row for row in RoundCoding.objects.filter(round=round_)
        .values("coder").annotate(
            submitted=Count("pk", filter=Q(status=CodingStatus.SUBMITTED)),
            draft=Count("pk", filter=Q(status=CodingStatus.DRAFT)))
    }
    return [
        {"coder": coder, "submitted": counts.get(coder.pk, {}).get("submitted", 0),
         "draft": counts.get(coder.pk, {}).get("draft", 0), "total": total}
        for coder in round_.coders.order_by("username")
    ]


def coder_round_cases(*, round_: Round, user) -> list[dict[str, Any]]:
    """The round's cases in case order, each with the state of `user`'s own coding of it
    (not_started, draft, submitted)."""
    own = dict(RoundCoding.objects.filter(round=round_, coder=user)
               .values_list("case_id", "status"))
    return [{"case": case, "state": own.get(case.pk, NOT_STARTED)}
            for case in round_.cases.order_by("sort_key", "number")]


def coder_rounds(*, review, user) -> list[dict[str, Any]]:
    """The rounds `user` codes in, open ones first, for their My cases page:
    [{"round": round, "submitted": 3, "total": 10}]."""
    if not user.is_authenticated:
        return []
    rounds = (
        Round.objects.filter(review=review, coders=user)
        .annotate(total=Count("cases", distinct=True)).order_by("-status", "-number")
    )
    submitted = dict(
        RoundCoding.objects.filter(round__in=rounds, coder=user, status=CodingStatus.SUBMITTED)
        .values("round").annotate(n=Count("pk")).values_list("round", "n")
    )
    return [{"round": r, "submitted": submitted.get(r.pk, 0), "total": r.total} for r in rounds]


def next_round_case(*, round_: Round, user, after: Case | None = None) -> Case | None:
    """The next case of the round `user` has not submitted, after `after` in case order."""
    todo = (
        round_.cases.exclude(round_codings__round=round_, round_codings__coder=user,
                             round_codings__status=CodingStatus.SUBMITTED)
        .order_by("sort_key", "number")
    )
    if after is not None:
        todo = todo.exclude(pk=after.pk)
        later = todo.filter(Q(sort_key__gt=after.sort_key)
                            | Q(sort_key=after.sort_key, number__gt=after.number)).first()
        if later is not None:
            return later
    return todo.first()


# --- the round's reliability -------------------------------------------------------------


def _attributes(round_: Round, *, with_text: bool = False) -> list:
    rows = round_.codebook.attributes.select_related("section").prefetch_related("options")
    if not with_text:
        rows = rows.exclude(kind=AttributeKind.TEXT)
    return list(rows)


def round_data(*, round_: Round, hidden: set[int] = frozenset()) -> ReliabilityData:
    """The reliability tables of the round: submitted round codings of its present coders,
    leaving out the cases `hidden` (ids)."""
    attributes = _attributes(round_)
    filters = {"coding__round": round_, "coding__status": CodingStatus.SUBMITTED,
               "coding__coder__in": list(round_.coders.values_list("pk", flat=True))}
    if hidden:
        filters["coding__case__in"] = list(round_.cases.exclude(pk__in=hidden)
                                           .values_list("pk", flat=True))
    tables = value_tables(attributes=attributes, value_model=RoundValue, filters=filters)
    return ReliabilityData(round_.codebook, attributes, tables)


def _agreement(row: dict) -> float | None:
    """What "lowest agreement first" sorts by: alpha, else (alpha undefined, e.g. every value
    the same) the share of agreement; None when no case was coded by two coders."""
    if row["krippendorff_alpha"] is not None:
        return row["krippendorff_alpha"]
    return row["percent_agreement"]


def round_report(*, round_: Round, user=None) -> dict[str, Any]:
    """The round's reliability, as the reliability report computes it (every coefficient,
    every coder of the round), attributes with the lowest agreement first:
    {"attributes": [{"key", "label", "kind", "agreement", "rows": [attribute row, option
    rows...]}], "pairs": [...], "coders": [...]}. A complete round's codings no longer change,
    so the report is cached per round (and per set of cases left out).

    With `user`, the cases on which they may not see the others' round codings (they code
    them in the review and have not finished: coding.rounds.policies) are left out of the
    figures too, which could otherwise tell them how a partner coded such a case; "hidden"
    says how many."""
    hidden = round_blind_case_ids(user, round_) if user is not None else set()
    done = round_.completed_at.isoformat() if round_.completed_at else "open"
    # REPORT_VERSION: a report cached by an older version lacks newer row keys.
    key = (f"round-report:{REPORT_VERSION}:{round_.pk}:{done}:"
           f"{','.join(map(str, sorted(hidden)))}")
    report = cache.get(key) if round_.completed_at else None
    if report is not None:
        return report
    data = round_data(round_=round_, hidden=hidden)
    rows = reliability_rows(data=data)
    by_attribute: dict[str, list[dict]] = {}
    for row in rows:
        by_attribute.setdefault(row["attribute"], []).append(row)
    attributes = [
        {"key": a.key, "label": a.label, "kind": a.kind,
         "options": {o.key: o.label for o in a.options.all()},
         "agreement": _agreement(by_attribute[a.key][0]), "rows": by_attribute[a.key]}
        for a in data.attributes
    ]
    # Attributes nobody compared go last: there is nothing to discuss about them.
    attributes.sort(key=lambda a: (a["agreement"] is None, a["agreement"] or 0, a["label"]))
    report = {"attributes": attributes, "pairs": pair_rows(data=data), "coders": data.coders,
              "hidden": len(hidden)}
    if round_.completed_at:
        cache.set(key, report, timeout=None)
    return report


def round_differences(*, round_: Round, user, order: list[str] | None = None
                      ) -> list[dict[str, Any]]:
    """Per attribute (in `order` of keys, else codebook order; text attributes too), the
    cases where the round's coders differed, each coder's value, evidence and note side by
    side: [{"key", "label", "cases": [{"case": case, "codings": [{"coder", "value",
    "evidence", "note"}]}]}]. Cases on which `user` may not see the others' codings
    (coding.rounds.policies) are left out."""
    attributes = _attributes(round_, with_text=True)
    hidden = round_blind_case_ids(user, round_)
    coder_ids = list(round_.coders.values_list("pk", flat=True))
    values = (
        RoundValue.objects.filter(coding__round=round_, coding__status=CodingStatus.SUBMITTED,
                                  coding__coder__in=coder_ids)
        .exclude(coding__case__in=hidden)
        .select_related("coding__case", "coding__coder").prefetch_related("options")
    )
    stored: dict[tuple[int, int], dict[int, RoundValue]] = {}
    for value in values:
        stored.setdefault((value.attribute_id, value.coding.case_id), {})[
            value.coding.coder_id] = value
    coders = list(round_.coders.order_by("username"))
    cases = list(round_.cases.exclude(pk__in=hidden).order_by("sort_key", "number"))
    result = []
    for attribute in attributes:
        rows = []
        for case in cases:
            by_coder = stored.get((attribute.pk, case.pk), {})
            compared = []
            for coder in coders:
                value = stored_value(attribute, by_coder.get(coder.pk))
                compared.append(value if value_is_coded(attribute, value) else None)
            first = compared[0]
            if all(values_equal(attribute, first, other) for other in compared[1:]):
                continue
            rows.append({"case": case, "codings": [
                {"coder": coder,
                 "value": value_text(value_display(attribute, value), empty=gettext("not coded")),
                 "evidence": by_coder[coder.pk].evidence if coder.pk in by_coder else "",
                 "note": by_coder[coder.pk].note if coder.pk in by_coder else ""}
                for coder, value in zip(coders, compared, strict=True)
            ]})
        result.append({"key": attribute.key, "label": attribute.label, "cases": rows})
    if order:
        rank = {key: i for i, key in enumerate(order)}
        result.sort(key=lambda a: rank.get(a["key"], len(rank)))
    return result


def rounds_chart(*, review, user) -> dict[str, Any]:
    """Krippendorff's alpha per attribute across the review's complete rounds (those `user`
    may see the results of), for the chart: {"rounds": ["Round 1 (codebook v1)", ...],
    "series": [{"key", "label", "alpha": [0.41, None, ...]}]}; an attribute missing from a
    round's codebook version has None there."""
    from coding.rounds.policies import may_see_round_results

    rounds = [r for r in Round.objects.filter(review=review, status="complete")
              .select_related("codebook", "review").order_by("number")
              if may_see_round_results(user, r)]
    labels, series = [], {}
    for i, round_ in enumerate(rounds):
        labels.append(f"Round {round_.number} (codebook v{round_.codebook.version})")
        for attribute in round_report(round_=round_, user=user)["attributes"]:
            entry = series.setdefault(attribute["key"], {
                "key": attribute["key"], "label": attribute["label"],
                "alpha": [None] * len(rounds)})
            entry["alpha"][i] = attribute["rows"][0]["krippendorff_alpha"]
    return {"rounds": labels, "series": list(series.values())}
