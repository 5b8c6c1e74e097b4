"""The reliability table journals ask for (one row per variable: level, cases, coders,
Krippendorff's alpha with its interval, q, agreement, how disagreements were settled) as CSV,
Markdown and Word, and a methods paragraph, both from a stored reliability snapshot's report
(nothing is computed here but formatting: coding/reliability/services.py computes).

Lombard, Snyder-Duch & Bracken (2002); Krippendorff (2004, 2011); Hayes & Krippendorff (2007).
"""

from __future__ import annotations

import csv
import io
import tomllib
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from django.utils.translation import gettext as _

from coding.models import ResolutionMode
from coding.reliability.coefficients import (
    CI_DECIMALS,
    MAX_DROPPED_SHARE,
    MIN_MINORITY_VALUES,
    MIN_UNITS_FOR_INTERVAL,
)
from coding.reliability.verdicts import Thresholds, verdict

COLUMNS = [
    ("variable", "Variable"), ("level", "Level"), ("cases", "Cases"), ("coders", "Coders"),
    ("coefficient", "Coefficient"), ("estimate", "Estimate"), ("ci_low", "95% CI low"),
    ("ci_high", "95% CI high"), ("q_minimum", "q (alpha < minimum)"),
    ("q_target", "q (alpha < target)"), ("verdict", "Verdict"),
    ("percent_agreement", "Percent agreement"), ("settled", "Disagreements settled by"),
    ("interval_method", "Interval"),
]
FORMATS = ("csv", "md", "docx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def settled_by(mode: str) -> str:
    if mode == ResolutionMode.DISCUSSION:
        return _("discussion between the two coders; an adjudicator decided what they escalated")
    return _("an adjudicator")


def _fmt(value, decimals: int = 3) -> str:
    return "" if value is None else f"{value:.{decimals}f}"


def table_rows(report: dict, thresholds: Thresholds, mode: str) -> list[dict[str, str]]:
    """One row per compared attribute and, under a multiple-choice attribute, per option, with
    the columns of COLUMNS as strings (empty where a figure is undefined or not shown)."""
    labels = {a["key"]: a for a in report["attributes"]}
    out = []
    for row in report["rows"]:
        attribute = labels[row["attribute"]]
        name = attribute["label"]
        if row["option"] is not None:
            name = f"{name}: {attribute['options'].get(row['option'], row['option'])}"
        judged = verdict(row, thresholds)
        out.append({
            "variable": name,
            "level": "nominal (option chosen or not)" if row["option"] else row["level"],
            "cases": str(row["units"]),
            "coders": str(row["coders"]),
            "coefficient": "Krippendorff's alpha",
            "estimate": _fmt(row["krippendorff_alpha"]) if row.get("estimable", True)
            is not False else _("not estimable"),
            "ci_low": _fmt(row["alpha_ci_low"], CI_DECIMALS),
            "ci_high": _fmt(row["alpha_ci_high"], CI_DECIMALS),
            "q_minimum": _fmt(judged["q_minimum"]),
            "q_target": _fmt(judged["q_target"]),
            "verdict": judged["word"],
            "percent_agreement": _fmt(row["percent_agreement"]),
            "settled": settled_by(mode),
            "interval_method": row.get("interval_method") or _("none shown"),
        })
    return out


def _header(thresholds: Thresholds) -> list[str]:
    names = dict(COLUMNS)
    names["q_minimum"] = f"q (alpha < {thresholds.minimum:.3f})"
    names["q_target"] = f"q (alpha < {thresholds.target:.3f})"
    return [names[key] for key, _name in COLUMNS]


def as_csv(rows: list[dict], thresholds: Thresholds) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_header(thresholds))
    for row in rows:
        writer.writerow([row[key] for key, _name in COLUMNS])
    return buffer.getvalue().encode("utf-8")


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def as_markdown(rows: list[dict], thresholds: Thresholds, title: str) -> bytes:
    header = _header(thresholds)
    lines = [f"# {_md_cell(title)}", "", _table_note(thresholds), "",
             "| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        lines.append("| " + " | ".join(_md_cell(row[key]) for key, _name in COLUMNS) + " |")
    return ("\n".join(lines) + "\n").encode("utf-8")


def as_docx(rows: list[dict], thresholds: Thresholds, title: str) -> bytes:
    from docx import Document

    document = Document()
    document.add_heading(title, level=1)
    document.add_paragraph(_table_note(thresholds))
    header = _header(thresholds)
    table = document.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        cells = table.add_row().cells
        for cell, (key, _name) in zip(cells, COLUMNS, strict=True):
            cell.text = row[key]
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _table_note(thresholds: Thresholds) -> str:
    return _(
        "Krippendorff's alpha at each variable's level of measurement with its 95%% bias-"
        "corrected and accelerated bootstrap interval over cases (1,000 resamples); no interval "
        "with fewer than %(units)d cases, fewer than %(minority)d values outside the most common "
        "one, or more than %(dropped)d%% undefined resamples, nor where every resample gives the "
        "estimate (no disagreement). q: share of bootstrap alphas below "
        "the threshold. Verdicts (minimum %(minimum).3f, target %(target).3f) read the interval's "
        "lower end and q."
    ) % {"units": MIN_UNITS_FOR_INTERVAL, "minority": MIN_MINORITY_VALUES,
         "dropped": round(100 * MAX_DROPPED_SHARE), "minimum": thresholds.minimum,
         "target": thresholds.target}


def render(fmt: str, report: dict, thresholds: Thresholds, mode: str, title: str) -> bytes:
    rows = table_rows(report, thresholds, mode)
    if fmt == "csv":
        return as_csv(rows, thresholds)
    if fmt == "md":
        return as_markdown(rows, thresholds, title)
    return as_docx(rows, thresholds, title)


def software_version() -> str:
    try:
        return metadata.version("coproduction-coding")
    except metadata.PackageNotFoundError:
        path = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return tomllib.loads(path.read_text())["project"]["version"]
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def methods_text(*, report: dict, thresholds: Thresholds, mode: str, cases_total: int,
                 rounds: list[dict[str, Any]]) -> str:
    """A methods paragraph from the report: who coded and how, calibration rounds and their
    agreement (`rounds`: [{"number", "cases", "coders", "alpha_median"}]), how disagreements
    were settled, the reliability sample, the coefficients and intervals, and the software."""
    attribute_rows = [r for r in report["rows"] if r["option"] is None]
    coders = len(report["coders"])
    per_case = max((r["coders"] for r in attribute_rows), default=0)
    sample = max((r["units"] for r in attribute_rows), default=0)
    alphas = [r["krippendorff_alpha"] for r in attribute_rows
              if r["krippendorff_alpha"] is not None]
    with_interval = sum(1 for r in attribute_rows if r["alpha_ci_low"] is not None)
    judged = [verdict(r, thresholds)["verdict"] for r in attribute_rows]
    parts = [_(
        "%(coders)d coders coded the cases; each case in the reliability sample was coded "
        "independently by %(per_case)d of them, blind to each other's coding until both had "
        "submitted (the application shows neither coder the other's coding before then)."
    ) % {"coders": coders, "per_case": per_case}]
    if rounds:
        described = "; ".join(
            _("round %(number)d: %(cases)d cases, %(coders)d coders, median alpha %(alpha)s")
            % {"number": r["number"], "cases": r["cases"], "coders": r["coders"],
               "alpha": _fmt(r["alpha_median"]) or _("undefined")}
            for r in rounds)
        parts.append(_("Before coding, the coders completed %(n)d calibration round(s) on the "
                       "same cases (%(rounds)s).") % {"n": len(rounds), "rounds": described})
    else:
        parts.append(_("No calibration round was recorded in the application."))
    parts.append(_("Disagreements were settled by %(settled)s.") % {"settled": settled_by(mode)})
    parts.append(_(
        "The reliability sample is every case that two or more coders coded and submitted "
        "(%(sample)d of %(total)d cases); it was not drawn at random but comprises all "
        "double-coded cases. Cases coded by one coder only are left out of every coefficient."
    ) % {"sample": sample, "total": cases_total})
    if alphas:
        parts.append(_(
            "We report Krippendorff's alpha per variable (%(n)d variables, alpha defined for "
            "%(defined)d: from %(low).3f to %(high).3f, median %(median).3f) at each "
            "variable's level of measurement, with "
            "95%% bias-corrected and accelerated bootstrap intervals over cases (1,000 "
            "resamples; %(with)d of %(n)d variables had enough information for an interval) "
            "and "
            "Krippendorff's q, the probability that alpha lies below %(minimum).3f. "
            "%(reliable)d variables were reliable (interval above %(target).3f), %(tentative)d "
            "tentative, %(unreliable)d unreliable and %(none)d without a verdict."
        ) % {"n": len(attribute_rows), "defined": len(alphas), "low": min(alphas),
             "high": max(alphas),
             "median": float(np.median(alphas)), "with": with_interval,
             "minimum": thresholds.minimum, "target": thresholds.target,
             "reliable": judged.count("reliable"), "tentative": judged.count("tentative"),
             "unreliable": judged.count("unreliable"),
             "none": len(judged) - judged.count("reliable") - judged.count("tentative")
             - judged.count("unreliable")})
    parts.append(_("Coefficients were computed with coproduction-coding %(version)s (numpy "
                   "%(numpy)s).") % {"version": software_version(), "numpy": np.__version__})
    return " ".join(parts)
