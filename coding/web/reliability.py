"""The reliability page for review leads: table, chart, confusion matrix, CSV."""


from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from coding.fileio import csv_writer
from coding.models import AttributeKind
from coding.reliability.coefficients import MIN_UNITS_FOR_INTERVAL
from coding.reliability.selectors import (
    FIELDS,
    PAIR_FIELDS,
    confusion,
    reliability_data,
    reliability_report,
)
from coding.reviews.policies import get_review_for_page, review_roles

# Krippendorff's conventional thresholds: >= 0.800 reliable, >= 0.667 tentative.
GOOD, TENTATIVE = 0.800, 0.667


def _band(alpha) -> str:
    if alpha is None:
        return ""
    return "alpha-ok" if alpha >= GOOD else "alpha-tentative" if alpha >= TENTATIVE else "alpha-low"


def _label(value, attribute) -> str:
    if attribute.kind == AttributeKind.BOOLEAN:
        return "Yes" if value else "No"
    if attribute.kind == AttributeKind.SINGLE:
        return {o.key: o.label for o in attribute.options.all()}.get(value, str(value))
    if attribute.kind == AttributeKind.NUMBER:
        return f"{value:g}"
    return str(value)


@login_required
def reliability(request, slug: str):
    review = get_review_for_page(request.user, slug, "reliability")
    data = reliability_data(review=review)
    report = reliability_report(review=review, data=data)
    attributes = {a.key: a for a in data.attributes}
    option_labels = {
        (a.key, o.key): o.label for a in data.attributes for o in a.options.all()
    }
    rows, notes = [], []
    for row in report["rows"]:
        label = (option_labels.get((row["attribute"], row["option"])) if row["option"]
                 else attributes[row["attribute"]].label)
        numbers = []
        for text in row["warnings"]:
            notes.append({"number": len(notes) + 1, "label": label, "text": text})
            numbers.append(len(notes))
        rows.append({**row, "label": label, "band": _band(row["krippendorff_alpha"]),
                     "notes": numbers})
    chart = [
        {"key": r["attribute"], "label": r["label"], "alpha": r["krippendorff_alpha"],
         "low": r["alpha_ci_low"], "high": r["alpha_ci_high"], "units": r["units"]}
        for r in rows if r["option"] is None
    ]
    pairs = [
        {**p, "label": attributes[p["attribute"]].label, "band": _band(p["krippendorff_alpha"])}
        for p in report["pairs"]
    ]

    # Confusion matrix of one attribute for one coder pair (the pair with most shared cases).
    chosen = attributes.get(request.GET.get("attribute")) or next(iter(attributes.values()), None)
    pair_choices = [p for p in pairs if chosen and p["attribute"] == chosen.key]
    pair_choices.sort(key=lambda p: (-p["units"], p["coder_a"], p["coder_b"]))
    wanted = request.GET.get("pair", "")
    pair = next((p for p in pair_choices if f"{p['coder_a']},{p['coder_b']}" == wanted),
                pair_choices[0] if pair_choices else None)
    matrix = None
    if chosen and pair:
        matrix = confusion(data=data, attribute=chosen, coder_a=pair["coder_a"],
                           coder_b=pair["coder_b"])
        if "labels" in matrix:
            matrix["rows"] = [
                {"label": _label(label, chosen),
                 "cells": [{"n": n, "diag": i == j} for j, n in enumerate(counts)]}
                for i, (label, counts) in enumerate(
                    zip(matrix["labels"], matrix["matrix"], strict=True))
            ]
            matrix["columns"] = [_label(label, chosen) for label in matrix["labels"]]
    return render(request, "coding/reliability.html", {
        "review": review,
        "roles": review_roles(request.user, review),
        "rows": rows,
        "notes": notes,
        "min_units": MIN_UNITS_FOR_INTERVAL,
        "chart": chart,
        "pairs": pairs,
        "coders": report["coders"],
        "attributes": list(attributes.values()),
        "chosen": chosen,
        "pair_choices": pair_choices,
        "pair": pair,
        "matrix": matrix,
        "good": GOOD,
        "tentative": TENTATIVE,
        "text_attributes": (
            data.codebook.attributes.filter(kind=AttributeKind.TEXT).count()
            if data.codebook else 0
        ),
    })


@login_required
def reliability_csv(request, slug: str):
    review = get_review_for_page(request.user, slug, "reliability")
    report = reliability_report(review=review)
    by_pair = request.GET.get("table") == "pairs"
    fields = PAIR_FIELDS if by_pair else FIELDS
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"{review.slug}-reliability{'-pairs' if by_pair else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv_writer(response, lineterminator="\n")
    writer.writerow(fields)
    for row in report["pairs"] if by_pair else report["rows"]:
        writer.writerow([
            " | ".join(value) if isinstance(value, list) else value
            for value in (row.get(name) for name in fields)
        ])
    return response
