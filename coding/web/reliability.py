"""The reliability page for review leads: table, chart, confusion matrix, coder drift, CSVs."""


from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import http_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from coding.fileio import csv_writer
from coding.models import AttributeKind
from coding.reliability import report_table
from coding.reliability.coefficients import (
    CI_DECIMALS,
    MAX_DROPPED_SHARE,
    MIN_AGREED_MINORITY_AC1,
    MIN_MINORITY_VALUES,
    MIN_MINORITY_VALUES_AC1,
    MIN_UNITS_FOR_INTERVAL,
)
from coding.reliability.drift import FIELDS as DRIFT_FIELDS
from coding.reliability.drift import WEEK, WINDOW, DriftParams, drift_params
from coding.reliability.package import package_response
from coding.reliability.selectors import (
    FIELDS,
    PAIR_FIELDS,
    reliability_snapshot_state,
    snapshot_drift,
    snapshot_drift_page,
)
from coding.reliability.verdicts import MAX_Q, Thresholds, verdict
from coding.reviews.policies import (
    get_review_for_page,
    may_change_reliability_thresholds,
    review_roles,
)
from coding.reviews.services import review_set_reliability_thresholds
from coding.screening.selectors import has_screening, screening_agreement
from coding.web.http import post_only

# The CSV's last columns: when the figures were computed, how many seconds it took, and
# whether they are of the current codings ("no": newer figures are being computed).
SNAPSHOT_COLUMNS = ["computed_at", "computation_seconds", "up_to_date"]


def with_verdict(row: dict, thresholds: Thresholds) -> dict:
    """A report row with its verdict (word, band, q at both thresholds)."""
    return {**row, **verdict(row, thresholds)}


def _label(value, attribute: dict) -> str:
    if attribute["kind"] == AttributeKind.BOOLEAN:
        return "Yes" if value else "No"
    if attribute["kind"] == AttributeKind.SINGLE:
        return attribute["options"].get(value, str(value))
    if attribute["kind"] == AttributeKind.NUMBER:
        return f"{value:g}"
    return str(value)


def _snapshot(request, slug: str, *, report: bool = True):
    review = get_review_for_page(request.user, slug, "reliability")
    state = reliability_snapshot_state(review=review, report=report)
    return review, state

NOT_YET = gettext_noop("The reliability figures are being computed; try again in a moment.")


def _not_yet() -> HttpResponse:
    response = HttpResponse(_(NOT_YET) + "\n", status=503,
                            content_type="text/plain; charset=utf-8")
    response["Retry-After"] = "5"
    return response


@login_required
def reliability(request, slug: str):
    """The latest snapshot's figures and coder drift (never computed here: a worker computes
    them), with when they were computed and whether newer ones are on their way."""
    review, state = _snapshot(request, slug)
    context = {
        "review": review,
        "roles": review_roles(request.user, review),
        "state": state,
        "latest": state.latest,
        "status_url": reverse("coding:reliability_status", args=[review.slug]),
    }
    if state.latest is not None:
        context.update(_figures(request, state.latest.report, Thresholds.of(review)))
        context.update(_reporting(request, review, state.latest.report))
    context.update(_drift(request, state.latest))
    # Stage one's agreement, when the review screens (computed here: a few categories).
    context["screening_agreement"] = (
        screening_agreement(review=review, viewer=request.user)
        if has_screening(review) else None)
    return render(request, "coding/reliability.html", context)


def _drift(request, snapshot) -> dict:
    error = ""
    try:
        params = drift_params(request.GET.get("drift"), request.GET.get("n"))
    except ValidationError as invalid:
        error, params = " ".join(invalid.messages), DriftParams()
    query = f"drift={params.by}" + (f"&n={params.n}" if params.by == WINDOW else "")
    drift, page = snapshot_drift_page(snapshot=snapshot, params=params,
                                      page=request.GET.get("page"))
    if drift is None:  # no snapshot with drift yet: the status above says it is on its way
        return {"drift": None, "drift_overall": None, "drift_error": error,
                "drift_params": params,
                "drift_query": query, "drift_chart": None}
    for row in drift["blocks"] + drift["rows"]:
        row["percent"] = None if row["agreement"] is None else round(100 * row["agreement"], 1)
    overall = drift.get("overall") or {"between": None, "coders": []}
    for row in ([overall["between"]] if overall["between"] else []) + overall["coders"]:
        row["percent"] = None if row["agreement"] is None else round(100 * row["agreement"], 1)
    series = {}
    for row in drift["blocks"] + drift["rows"]:
        series.setdefault(row["coder"], []).append(
            {"period": row["period"], "alpha": row["alpha"], "low": row["alpha_ci_low"],
             "high": row["alpha_ci_high"], "percent": row["percent"],
             "compared": row["values_compared"]}
        )
    return {
        "drift": drift,
        "drift_overall": overall,
        "drift_error": error,
        "drift_params": params,
        "drift_query": query,
        "drift_page": page,
        "drift_chart": {"periods": drift["periods"], "by": params.by,
                        "series": [{"coder": c, "points": p} for c, p in series.items()]}
        if drift["blocks"] else None,
    }


@login_required
def drift_csv(request, slug: str):
    """Coder drift as CSV (same parameters as the page: ?drift=week or ?drift=window&n=20),
    as the latest snapshot stored it."""
    review, state = _snapshot(request, slug, report=False)
    try:
        params = drift_params(request.GET.get("drift"), request.GET.get("n"))
    except ValidationError as invalid:
        return HttpResponse(" ".join(invalid.messages) + "\n", status=400,
                            content_type="text/plain; charset=utf-8")
    drift = snapshot_drift(snapshot=state.latest, params=params)
    if drift is None:
        return _not_yet()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    suffix = "weekly" if params.by == WEEK else f"window-{params.n}"
    response["Content-Disposition"] = (
        f'attachment; filename="{review.slug}-coder-drift-{suffix}.csv"'
    )
    writer = csv_writer(response, lineterminator="\n")
    writer.writerow(DRIFT_FIELDS)
    for row in drift["blocks"] + drift["rows"]:
        writer.writerow([row[name] for name in DRIFT_FIELDS])
    return response


def interval_rules() -> dict:
    """The rules the pages state beside the figures."""
    return {"min_units": MIN_UNITS_FOR_INTERVAL, "min_minority": MIN_MINORITY_VALUES,
            "min_minority_ac1": MIN_MINORITY_VALUES_AC1,
            "min_agreed_ac1": MIN_AGREED_MINORITY_AC1,
            "max_dropped_percent": round(100 * MAX_DROPPED_SHARE), "ci_decimals": CI_DECIMALS,
            "max_q": MAX_Q}


def _figures(request, report: dict, thresholds: Thresholds) -> dict:
    attributes = {a["key"]: a for a in report["attributes"]}
    rows, notes = [], []
    for row in report["rows"]:
        attribute = attributes[row["attribute"]]
        label = attribute["options"].get(row["option"]) if row["option"] else attribute["label"]
        numbers = []
        for text in row["warnings"]:
            notes.append({"number": len(notes) + 1, "label": label, "text": text})
            numbers.append(len(notes))
        rows.append({**with_verdict(row, thresholds), "label": label, "notes": numbers})
    chart = [
        {"key": r["attribute"], "label": r["label"], "alpha": r["krippendorff_alpha"],
         "low": r["alpha_ci_low"], "high": r["alpha_ci_high"], "units": r["units"]}
        for r in rows if r["option"] is None
    ]
    pairs = [
        # No interval for a pair, so no verdict and no colour.
        {**p, "label": attributes[p["attribute"]]["label"], "band": ""}
        for p in report["pairs"]
    ]

    # Confusion matrix of one attribute for one coder pair (the pair with most shared cases).
    chosen = attributes.get(request.GET.get("attribute")) or next(iter(attributes.values()), None)
    pair_choices = [p for p in pairs if chosen and p["attribute"] == chosen["key"]]
    pair_choices.sort(key=lambda p: (-p["units"], p["coder_a"], p["coder_b"]))
    wanted = request.GET.get("pair", "")
    pair = next((p for p in pair_choices if f"{p['coder_a']},{p['coder_b']}" == wanted),
                pair_choices[0] if pair_choices else None)
    matrix = None
    if chosen and pair:
        matrix = dict(report["confusion"][chosen["key"]][f"{pair['coder_a']},{pair['coder_b']}"])
        if "labels" in matrix:
            matrix["rows"] = [
                {"label": _label(label, chosen),
                 "cells": [{"n": n, "diag": i == j} for j, n in enumerate(counts)]}
                for i, (label, counts) in enumerate(
                    zip(matrix["labels"], matrix["matrix"], strict=True))
            ]
            matrix["columns"] = [_label(label, chosen) for label in matrix["labels"]]
    return {
        "rows": rows,
        "notes": notes,
        **interval_rules(),
        "chart": chart,
        "pairs": pairs,
        "coders": report["coders"],
        "attributes": list(attributes.values()),
        "chosen": chosen,
        "pair_choices": pair_choices,
        "pair": pair,
        "matrix": matrix,
        "good": thresholds.target,
        "tentative": thresholds.minimum,
        "text_attributes": report["text_attributes"],
    }


@login_required
def reliability_status(request, slug: str):
    """Polled by static/js/reliability-status.js while newer figures are being computed
    (never kept by the browser: coding.middleware.private_responses, as every member's
    answer)."""
    _, state = _snapshot(request, slug, report=False)
    return JsonResponse(state.as_json())


@login_required
def reliability_csv(request, slug: str):
    review, state = _snapshot(request, slug)
    if state.latest is None:
        return _not_yet()
    report = state.latest.report
    by_pair = request.GET.get("table") == "pairs"
    fields = PAIR_FIELDS if by_pair else FIELDS
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{review.slug}-reliability{'-pairs' if by_pair else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Last-Modified"] = http_date(state.latest.finished_at.timestamp())
    # When and how long, and whether these are the figures of the current codings: the
    # last columns, after the figures (new columns go after the old ones).
    extra = [state.latest.finished_at.isoformat(), state.latest.duration,
             "yes" if state.status == "up_to_date" else "no"]
    writer = csv_writer(response, lineterminator="\n")
    writer.writerow([*fields, *SNAPSHOT_COLUMNS])
    for row in report["pairs"] if by_pair else report["rows"]:
        writer.writerow([
            " | ".join(value) if isinstance(value, list) else value
            for value in (row.get(name) for name in fields)
        ] + extra)
    return response


def _rounds_summary(review, user) -> list[dict]:
    """Complete calibration rounds: cases, coders and the median alpha of their attributes
    (a complete round's report is computed once and cached: coding.rounds.selectors)."""
    from coding.models import Round
    from coding.rounds.policies import may_see_round_results
    from coding.rounds.selectors import round_report

    out = []
    for round_ in (Round.objects.filter(review=review, status="complete")
                   .select_related("review", "codebook").order_by("number")):
        if not may_see_round_results(user, round_):
            continue
        report = round_report(round_=round_, user=user)
        alphas = sorted(a["rows"][0]["krippendorff_alpha"] for a in report["attributes"]
                        if a["rows"] and a["rows"][0]["krippendorff_alpha"] is not None)
        median = None
        if alphas:
            mid = len(alphas) // 2
            median = alphas[mid] if len(alphas) % 2 else (alphas[mid - 1] + alphas[mid]) / 2
        out.append({"number": round_.number, "cases": round_.cases.count(),
                    "coders": len(report["coders"]), "alpha_median": median})
    return out


def _reporting(request, review, report: dict) -> dict:
    """The reliability table's downloads, the methods paragraph and the thresholds form."""
    thresholds = Thresholds.of(review)
    return {
        "table_formats": [(ext, reverse("coding:reliability_table", args=[review.slug, ext]))
                          for ext in report_table.FORMATS],
        "package_url": reverse("coding:reliability_package", args=[review.slug]),
        "methods_text": report_table.methods_text(
            report=report, thresholds=thresholds, mode=review.resolution_mode,
            cases_total=review.cases.count(), rounds=_rounds_summary(review, request.user)),
        "may_set_thresholds": may_change_reliability_thresholds(request.user, review),
        "thresholds": thresholds,
    }


@login_required
def reliability_table(request, slug: str, ext: str):
    """The reliability table (one row per variable) as CSV, Markdown or Word, from the latest
    snapshot (leads: PAGE_ROLES["reliability"])."""
    review, state = _snapshot(request, slug)
    if ext not in report_table.FORMATS:
        raise Http404("No such format.")
    if state.latest is None:
        response = HttpResponse(
            _("The reliability figures are being computed; try again in a moment.") + "\n",
            status=503, content_type="text/plain; charset=utf-8",
        )
        response["Retry-After"] = "5"
        return response
    title = _("Inter-coder reliability: %(review)s") % {"review": review.title}
    body = report_table.render(ext, state.latest.report, Thresholds.of(review),
                               review.resolution_mode, title)
    response = HttpResponse(body, content_type=report_table.CONTENT_TYPES[ext])
    response["Content-Disposition"] = (
        f'attachment; filename="{review.slug}-reliability-table.{ext}"')
    response["Last-Modified"] = http_date(state.latest.finished_at.timestamp())
    return response


def _being_computed() -> HttpResponse:
    response = HttpResponse(
        _("The reliability figures are being computed; try again in a moment.") + "\n",
        status=503, content_type="text/plain; charset=utf-8",
    )
    response["Retry-After"] = "5"
    return response


@login_required
def reliability_package(request, slug: str):
    """The replication package (coding/reliability/package.py) as one zip, streamed from a
    temporary file (leads: PAGE_ROLES["reliability"]; it names coders and carries the
    rationales). Not audited: like the reliability page and the exports, a read."""
    review, state = _snapshot(request, slug)
    if state.status != "up_to_date":
        # The files are the current codings: figures of older ones would not reproduce.
        return _being_computed()
    return package_response(review, request.user)


@post_only("coding:reliability", "slug", anchor="#thresholds")
@login_required
def reliability_thresholds(request, slug: str):
    """A lead sets the review's alpha thresholds of the verdicts."""
    review = get_review_for_page(request.user, slug, "reliability")
    try:
        changed = review_set_reliability_thresholds(
            review=review, actor=request.user, minimum=request.POST.get("minimum", ""),
            target=request.POST.get("target", ""))
    except ValidationError as error:
        messages.error(request, _("Not changed.") + " " + " ".join(error.messages))
    else:
        if changed:
            messages.success(request, _("Reliability thresholds saved."))
        else:
            messages.info(request, _("Those are the thresholds already."))
    return redirect(reverse("coding:reliability", args=[review.slug]) + "#thresholds")
