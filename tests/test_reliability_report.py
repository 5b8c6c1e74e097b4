"""Reliability from the database: the `reliability` command and its selectors.

Reference data goes in the way hold-out data will: import_codebook, import_cases,
import_codings, then `reliability --format json`.
"""

import io
import json
import textwrap

import pytest
from django.core.management import call_command

from coding.models import Review
from coding.reliability.selectors import (
    confusion,
    pair_rows,
    reliability_data,
    reliability_report,
    reliability_rows,
)
from tests import factories

CODEBOOK = textwrap.dedent("""
    title: Reference codebook
    sections:
      - title: Reference
        attributes:
          - key: category
            label: Category
            kind: single
            options: [{key: c1, label: One}, {key: c2, label: Two}, {key: c3, label: Three},
                      {key: c4, label: Four}, {key: c5, label: Five}]
          - key: present
            label: Present
            kind: boolean
          - key: roles
            label: Roles
            kind: multi
            options: [{key: a, label: A}, {key: b, label: B}, {key: c, label: C},
                      {key: never, label: Never chosen}]
          - key: size
            label: Size
            kind: number
          - key: notes
            label: Notes
            kind: text
""")

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the nominal example
# with missing values: 4 coders, 12 units; published alpha = 0.743.
WORKED = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
# Cohen's kappa textbook table (Wikipedia, "Cohen's kappa", 50 proposals): both yes 20,
# A yes / B no 5, A no / B yes 10, both no 15. kappa = 0.4, agreement 0.7.
KAPPA_PAIRS = [(True, True)] * 20 + [(True, False)] * 5 + [(False, True)] * 10 + [
    (False, False)
] * 15


def _load(tmp_path, slug, rows, n_cases=50):
    (tmp_path / "codebook.yaml").write_text(CODEBOOK)
    cases = ["number,title,country,year,service_area,summary,source"] + [
        f"{n},Case {n},UK,2010,Health care,," for n in range(1, n_cases + 1)
    ]
    (tmp_path / "cases.csv").write_text("\n".join(cases) + "\n")
    (tmp_path / "codings.csv").write_text(
        "case,coder,attribute,value\n" + "".join(f"{c},{u},{a},{v}\n" for c, u, a, v in rows)
    )
    for command, name in (("import_codebook", "codebook.yaml"), ("import_cases", "cases.csv"),
                          ("import_codings", "codings.csv")):
        call_command(command, str(tmp_path / name), review=slug, stdout=io.StringIO())
    return Review.objects.get(slug=slug)


def _reference_rows():
    rows = []
    for coder, values in WORKED.items():
        rows += [(unit, coder, "category", f"c{v}")
                 for unit, v in enumerate(values, start=1) if v is not None]
    for unit, (a, b) in enumerate(KAPPA_PAIRS, start=1):
        rows += [(unit, "A", "present", "yes" if a else "no"),
                 (unit, "B", "present", "true" if b else "0")]
    return rows


def _json(slug):
    out = io.StringIO()
    call_command("reliability", review=slug, format="json", stdout=out)
    return json.loads(out.getvalue())


def _row(rows, attribute, option=None):
    return next(r for r in rows if r["attribute"] == attribute and r["option"] == option)


def test_reliability_json_reproduces_published_values(db, tmp_path):
    _load(tmp_path, "ref", _reference_rows())

    rows = _json("ref")

    category = _row(rows, "category")
    assert round(category["krippendorff_alpha"], 3) == 0.743
    assert category["units"] == 11 and category["coders"] == 4
    assert category["cohen_kappa"] is None  # four coders: kappa is for two
    # 11 cases: too few for an interval that holds (issue 21), so none, and a note saying so.
    assert category["alpha_ci_low"] is None and category["alpha_ci_high"] is None
    assert any("no interval below 40" in w for w in category["warnings"])
    present = _row(rows, "present")
    assert present["cohen_kappa"] == pytest.approx(0.4)
    assert present["percent_agreement"] == pytest.approx(0.7)
    assert round(present["gwet_ac1"], 4) == 0.4059
    assert present["units"] == 50 and present["coders"] == 2


def test_reliability_json_has_exactly_the_documented_keys(db, tmp_path):
    rows_in = [(1, "x", "roles", "a;b"), (1, "y", "roles", "a"), (2, "x", "roles", ""),
               (2, "y", "roles", "c"), (3, "x", "roles", "b"), (3, "y", "roles", "b"),
               (1, "x", "notes", "some text"), (1, "y", "notes", "other text"),
               (1, "x", "category", "c1")]
    _load(tmp_path, "keys", rows_in)

    rows = _json("keys")

    # The keys of before, in their order, then the new ones beside them.
    base = ["attribute", "option", "units", "coders", "percent_agreement", "cohen_kappa",
            "krippendorff_alpha", "alpha_ci_low", "alpha_ci_high", "gwet_ac1"]
    new = ["level", "fleiss_kappa", "conger_kappa", "gwet_ac2"]
    binary = ["pabak", "prevalence_index", "bias_index"]
    intervals = ["cohen_kappa_ci_low", "cohen_kappa_ci_high", "fleiss_kappa_ci_low",
                 "fleiss_kappa_ci_high", "ac1_ci_low", "ac1_ci_high", "resamples",
                 "alpha_dropped", "cohen_kappa_dropped", "fleiss_kappa_dropped", "ac1_dropped",
                 "warnings", "pairable_values", "minority_values", "estimable",
                 "interval_method", "alpha_boot"]
    assert [(r["attribute"], r["option"]) for r in rows] == [
        ("category", None), ("present", None), ("roles", None), ("roles", "a"), ("roles", "b"),
        ("roles", "c"), ("roles", "never"), ("size", None),
    ]  # text attributes have no categories and are left out
    assert list(_row(rows, "roles")) == base + ["masi_alpha"] + new + intervals
    assert list(_row(rows, "present")) == base + new + binary + intervals
    assert list(_row(rows, "roles", "a")) == base + new + binary + intervals
    assert list(_row(rows, "category")) == base + new + intervals
    assert _row(rows, "size")["level"] == "interval" and _row(rows, "category")["level"] == (
        "nominal")
    roles = _row(rows, "roles")
    assert roles["units"] == 3 and roles["masi_alpha"] is not None
    # Undefined figures are null, never an error: one coded unit, nothing coded, an option
    # nobody chose.
    assert _row(rows, "category")["krippendorff_alpha"] is None
    assert _row(rows, "category")["percent_agreement"] is None
    assert _row(rows, "size")["units"] == 0 and _row(rows, "size")["gwet_ac1"] is None
    never = _row(rows, "roles", "never")
    assert never["units"] == 3 and never["percent_agreement"] == 1.0
    assert never["krippendorff_alpha"] is None and never["cohen_kappa"] is None
    assert _row(rows, "roles", "b")["percent_agreement"] == pytest.approx(2 / 3)


def test_all_coders_count_and_multi_option_rows_match_binarized_tables(db, tmp_path):
    rows_in = []
    for unit, values in enumerate(
        [("a;b", "a;b", "a"), ("c", "c", "c"), ("", "b", ""), ("a;c", "a", "a;c")], start=1
    ):
        rows_in += [(unit, coder, "roles", v) for coder, v in zip("xyz", values, strict=True)]
    _load(tmp_path, "three", rows_in)

    rows = _json("three")

    roles = _row(rows, "roles")
    assert roles["coders"] == 3 and roles["units"] == 4 and roles["cohen_kappa"] is None
    # Option b: unit1 (T,T,F) unit2 (F,F,F) unit3 (F,T,F) unit4 (F,F,F).
    from coding.reliability.statistics import krippendorff_alpha
    expected = krippendorff_alpha({1: {"x": True, "y": True, "z": False},
                                   2: {"x": False, "y": False, "z": False},
                                   3: {"x": False, "y": True, "z": False},
                                   4: {"x": False, "y": False, "z": False}})
    assert _row(rows, "roles", "b")["krippendorff_alpha"] == pytest.approx(expected)
    assert _row(rows, "roles", "a")["krippendorff_alpha"] == 1.0


def test_only_submitted_codings_of_the_current_codebook_on_complete_cases_count(
    review, coder_a, coder_b
):
    case = factories.CaseFactory(review=review)
    other = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    factories.coding_with_values(case=other, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=other, coder=coder_b, values={"level": "local"},
                                 submitted=False)

    data = reliability_data(review=review)

    # `other` waits for bob's submission: alice's value stays out until then.
    assert data.tables["level"] == {case.number: {"alice": "local", "bob": "state"}}
    assert "topic" not in data.tables


def test_tables_list_the_cases_in_case_order_whatever_order_they_were_coded_in(
    review, coder_a, coder_b
):
    for number in ("10", "2", "K1", "1"):  # coded in this order, rows stored in it
        case = factories.CaseFactory(review=review, number=number)
        for coder in (coder_b, coder_a):
            factories.coding_with_values(case=case, coder=coder, values={"level": "local"})

    data = reliability_data(review=review)

    # The tables' order is the units' order, and so decides a bootstrap's draws where units
    # are drawn one by one: it must not follow the order rows happen to come in.
    expected = list(review.cases.values_list("number", flat=True))
    assert expected.index("2") < expected.index("10")  # natural order, as the case list
    assert list(data.tables["level"]) == expected


def test_reliability_data_reads_in_a_fixed_number_of_queries(
    review, coder_a, coder_b, django_assert_max_num_queries
):
    for _ in range(12):
        case = factories.CaseFactory(review=review)
        for coder in (coder_a, coder_b):
            factories.coding_with_values(case=case, coder=coder, values={
                "level": "local", "roles": ["deliverer"], "budget": 3, "agreement": True})

    with django_assert_max_num_queries(6):  # and one for the complete cases' ids
        data = reliability_data(review=review)

    assert len(data.tables["roles"]) == 12


def test_bootstrap_interval_is_reproducible(db, tmp_path):
    review = _load(tmp_path, "boot", _reference_rows())
    data = reliability_data(review=review)

    first = reliability_rows(data=data, n_boot=200, seed=0)
    second = reliability_rows(data=data, n_boot=200, seed=0)

    assert first == second
    # The 50 cases of "present" (11 of "category" are too few for an interval).
    row = _row(first, "present")
    assert row["alpha_ci_low"] < row["krippendorff_alpha"] < row["alpha_ci_high"]


def test_pair_rows_cover_every_pair_of_coders(db, tmp_path):
    review = _load(tmp_path, "pairs", _reference_rows())

    pairs = pair_rows(data=reliability_data(review=review))

    category = {(p["coder_a"], p["coder_b"]): p for p in pairs if p["attribute"] == "category"}
    assert set(category) == {("A", "B"), ("A", "C"), ("A", "D"), ("B", "C"), ("B", "D"),
                             ("C", "D")}
    # A and D agree on all 9 units both coded but unit 6 (1 vs 4).
    assert category["A", "D"]["units"] == 9
    assert category["A", "D"]["percent_agreement"] == pytest.approx(8 / 9)
    assert category["A", "D"]["cohen_kappa"] is not None


def test_confusion_matrix_and_multi_option_counts(db, tmp_path):
    review = _load(tmp_path, "conf", _reference_rows() + [
        (1, "A", "roles", "a;b"), (1, "B", "roles", "a"), (2, "A", "roles", ""),
        (2, "B", "roles", "b")])
    data = reliability_data(review=review)
    attributes = {a.key: a for a in data.attributes}

    present = confusion(data=data, attribute=attributes["present"], coder_a="A", coder_b="B")
    roles = confusion(data=data, attribute=attributes["roles"], coder_a="A", coder_b="B")

    assert present == {"labels": [False, True], "matrix": [[15, 10], [5, 20]]}
    by_key = {o["key"]: o for o in roles["options"]}
    assert (by_key["a"]["both"], by_key["b"]["only_a"], by_key["b"]["only_b"],
            by_key["c"]["neither"]) == (1, 1, 1, 2)


def test_report_is_computed_from_the_codings_as_they_are(review, coder_a, coder_b):
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "local"})
    first = reliability_report(review=review, n_boot=50)
    assert _row(first["rows"], "level")["percent_agreement"] == 1.0

    other = factories.CaseFactory(review=review)
    factories.coding_with_values(case=other, coder=coder_a, values={"level": "local"})
    factories.coding_with_values(case=other, coder=coder_b, values={"level": "state"})
    second = reliability_report(review=review, n_boot=50)

    assert _row(second["rows"], "level")["percent_agreement"] == 0.5


def test_reliability_table_format_prints_rounded_figures(db, tmp_path):
    _load(tmp_path, "tbl", _reference_rows())
    out = io.StringIO()

    call_command("reliability", review="tbl", format="table", bootstrap=100, stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0].split()[:5] == ["attribute", "option", "level", "units", "coders"]
    category = next(line for line in lines if line.startswith("category"))
    assert "0.743" in category.split()
    assert "-" in category.split()  # kappa undefined for four coders


def test_reliability_command_rejects_an_unknown_review(db):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="No review"):
        call_command("reliability", review="nope", format="json", stdout=io.StringIO())


def test_degenerate_data_gives_nulls_not_errors(db, tmp_path):
    rows_in = (
        # category: everyone agrees, one category only -> alpha undefined, agreement 1.
        [(u, c, "category", "c2") for u in (1, 2, 3) for c in ("x", "y")]
        # present: everyone agrees in two categories -> alpha 1.
        + [(1, "x", "present", "yes"), (1, "y", "present", "yes"),
           (2, "x", "present", "no"), (2, "y", "present", "no")]
        # size: a single unit coded twice, differently: everything is defined and at chance.
        + [(1, "x", "size", "3"), (1, "y", "size", "4")]
    )
    _load(tmp_path, "degenerate", rows_in)

    rows = _json("degenerate")

    category = _row(rows, "category")
    assert category["percent_agreement"] == 1.0 and category["units"] == 3
    assert category["krippendorff_alpha"] is None and category["cohen_kappa"] is None
    assert category["alpha_ci_low"] is None
    # One category among the values: AC1 over the codebook's five options would be 1 (Gwet
    # 2014), which tells nothing; it is "not estimable" (issue 21) like alpha and kappa.
    assert category["gwet_ac1"] is None and category["estimable"] is False
    present = _row(rows, "present")
    assert present["krippendorff_alpha"] == 1.0 and present["cohen_kappa"] == 1.0
    size = _row(rows, "size")
    assert size["units"] == 1 and size["percent_agreement"] == 0.0
    assert (size["cohen_kappa"], size["krippendorff_alpha"], size["gwet_ac1"]) == (0.0, 0.0, -1.0)
    assert "NaN" not in json.dumps(rows)
