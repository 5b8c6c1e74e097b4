"""The replication package (coding/reliability/package.py): a valid Frictionless Data
Package whose reproduce.py recomputes every alpha the app reports, for leads only."""

import csv
import io
import json
import random
import shutil
import subprocess
import sys
import zipfile

import pytest
from django.core.management import call_command

from coding import models
from coding.models import Role
from tests import factories

PACKAGE = "/reviews/demo/reliability/package.zip"
API = "/api/reviews/demo/package/"


def _double_coded(review, coder_a, coder_b, *, cases=30, single=3, seed=7):
    """`cases` cases coded by both coders (with disagreements of every kind), `single` coded by
    one (the other assigned but not submitted), a draft under way; an ordinal level."""
    models.Attribute.objects.filter(codebook__review=review, key="level").update(level="ordinal")
    models.Attribute.objects.filter(codebook__review=review, key="budget").update(
        level="interval")
    rng = random.Random(seed)
    levels, roles = ["national", "state", "local"], ["commissioner", "deliverer", "assessor"]
    for i in range(cases + single):
        case = factories.CaseFactory(review=review)
        base = {"level": rng.choice(levels), "roles": rng.sample(roles, rng.randint(0, 2)),
                "budget": rng.choice([10, 20, 35.5, 50]), "agreement": rng.random() < 0.7,
                "topic": "Care"}
        other = dict(base)
        if rng.random() < 0.3:
            other["level"] = rng.choice(levels)
        if rng.random() < 0.3:
            other["roles"] = rng.sample(roles, rng.randint(0, 3))
        if rng.random() < 0.2:
            other["budget"] = base["budget"] + 5
        if rng.random() < 0.2:
            other["agreement"] = not base["agreement"]
        if rng.random() < 0.1:
            del other["budget"]  # not coded by the second coder
        factories.coding_with_values(case=case, coder=coder_a, values=base)
        factories.coding_with_values(case=case, coder=coder_b, values=other,
                                     submitted=i < cases)
        if i == 0:
            factories.consensus_for(case=case, values={"level": base["level"]},
                                    method=models.ConsensusMethod.ADJUDICATED,
                                    decided_by=coder_a, rationale="The report says so.")
    return factories.reliability_computed(review)


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _rows(archive, name):
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


@pytest.fixture
def coded(review, coder_a, coder_b, lead):
    return _double_coded(review, coder_a, coder_b)


def test_reproduce_py_recomputes_every_alpha_the_app_reports_to_1e_9(coded, lead, client,
                                                                      tmp_path):
    client.force_login(lead)
    archive = _zip(client.get(PACKAGE))
    archive.extractall(tmp_path)
    done = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = coded.report["rows"]
    compared = [line for line in done.stdout.splitlines() if line.endswith("  yes")]
    assert len(compared) == len(rows)  # every attribute and option row, each matching
    assert "30 cases whose assigned coders all submitted are compared; 3 coded cases are left " \
           "out" in done.stdout
    assert len(rows) == 7 and all(r["krippendorff_alpha"] is not None for r in rows)


def _package_with_alpha_nudged(client, tmp_path, attribute: str) -> None:
    """The package, unpacked in tmp_path, with the app's alpha of `attribute` moved by 1e-6 in
    reliability.csv: a script must say it does not reproduce it."""
    _zip(client.get(PACKAGE)).extractall(tmp_path)
    path = tmp_path / "reliability.csv"
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    row = next(r for r in rows if r["attribute"] == attribute)
    row["krippendorff_alpha"] = repr(float(row["krippendorff_alpha"]) + 1e-6)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_reproduce_py_reports_a_figure_that_differs(coded, lead, client, tmp_path):
    client.force_login(lead)
    _package_with_alpha_nudged(client, tmp_path, "level")
    done = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert any(line.startswith("level ") and line.endswith("NO")
               for line in done.stdout.splitlines())


def _r_missing() -> str | None:
    """Why reproduce.R cannot run here (None when it can): it needs Rscript and the irr
    library (R_LIBS may point at a private library)."""
    if shutil.which("Rscript") is None:
        return "Rscript is not installed (CI has no R; bench/README.md records a run)"
    done = subprocess.run(["Rscript", "-e", "library(irr)"], capture_output=True, text=True,
                          timeout=60)
    if done.returncode != 0:
        return "the R library irr is not installed (R_LIBS)"
    return None


R_MISSING = _r_missing()
needs_r = pytest.mark.skipif(R_MISSING is not None, reason=R_MISSING or "")


def _reproduce(folder, language="R"):
    command = ["Rscript", "reproduce.R"] if language == "R" else [sys.executable, "reproduce.py"]
    return subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300)


def _left_out(review) -> dict[str, list[str]]:
    """The coded cases the app leaves out of its figures, by the reason the scripts give."""
    from coding.reliability.selectors import _complete_cases

    complete = set(_complete_cases(review).values_list("number", flat=True))
    out = {}
    for case in review.cases.exclude(number__in=complete).order_by("sort_key", "number"):
        submitted = case.codings.filter(status=models.CodingStatus.SUBMITTED).count()
        if not submitted:
            continue
        why = ("coded by one coder only" if submitted == 1 else
               "an assigned coder has not submitted")
        out.setdefault(why, []).append(case.number)
    order = ["coded by one coder only", "an assigned coder has not submitted"]
    return {why: sorted(out[why], key=int) for why in order if why in out}


def _assert_reproduced(folder, rows, compared: int, left_out: dict[str, list[str]]):
    """Both scripts recompute every row of reliability.csv (each line ends "yes"), print the
    app's figure beside theirs, and name the cases they leave out, and why, as the app leaves
    them out (`left_out`: case numbers by reason)."""
    assert left_out
    recomputed = {}
    for language in ("R", "py"):
        done = _reproduce(folder, language)
        assert done.returncode == 0, done.stdout + done.stderr
        lines = [line for line in done.stdout.splitlines() if line.endswith("  yes")]
        assert len(lines) == len(rows), done.stdout
        total = sum(len(cases) for cases in left_out.values())
        assert (f"{compared} cases whose assigned coders all submitted are compared; "
                f"{total} coded cases are left out") in done.stdout, done.stdout
        named = [line for line in done.stdout.splitlines() if line.startswith("  left out, ")]
        assert named == [f"  left out, {why}: {', '.join(cases)}"
                         for why, cases in left_out.items()], done.stdout
        recomputed[language] = lines
    assert recomputed["R"] == recomputed["py"]  # the same figures, to six decimals
    app = {(r["attribute"], r["option"] or ""): r["krippendorff_alpha"] for r in rows}
    for line in recomputed["R"]:
        *names, ours, theirs, _ok = line.split()
        key = (names[0], names[1] if len(names) > 1 else "")
        expected = app[key]
        assert theirs == ("undefined" if expected is None else f"{expected:.6f}")
        assert ours == theirs


@needs_r
def test_reproduce_r_recomputes_every_alpha(coded, lead, client, tmp_path):
    client.force_login(lead)
    _zip(client.get(PACKAGE)).extractall(tmp_path)
    _assert_reproduced(tmp_path, coded.report["rows"], compared=30,
                       left_out=_left_out(coded.review))


@needs_r
def test_reproduce_r_reports_a_figure_that_differs(coded, lead, client, tmp_path):
    client.force_login(lead)
    _package_with_alpha_nudged(client, tmp_path, "budget")
    done = _reproduce(tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert any(line.startswith("budget ") and line.endswith("NO")
               for line in done.stdout.splitlines())


def _many_coders(review, coders, *, cases=45, seed=11, per_case=(3, 4), missing=0.1):
    """`per_case` coders per case out of `coders`, all assigned: values missing with
    probability `missing`, an ordinal scale, an interval and a ratio number, cases where every
    coder but one submitted and cases coded by one coder only."""
    models.Attribute.objects.filter(codebook__review=review, key="level").update(level="ordinal")
    rng = random.Random(seed)
    levels, roles = ["national", "state", "local"], ["commissioner", "deliverer", "assessor"]
    for i in range(cases):
        case = factories.CaseFactory(review=review)
        truth = {"level": rng.choice(levels), "roles": rng.sample(roles, rng.randint(0, 2)),
                 "budget": rng.choice([0, 10, 20, 35.5, 50, 120]),
                 "agreement": rng.random() < 0.6}
        who = rng.sample(coders, 1 if i % 15 == 14 else rng.choice(per_case))
        for j, coder in enumerate(who):
            values = {}
            for key, value in truth.items():
                if rng.random() < missing:
                    continue  # not coded by this coder
                if rng.random() < 0.25:
                    value = {"level": lambda v: rng.choice(levels),
                             "roles": lambda v: rng.sample(roles, rng.randint(0, 3)),
                             "budget": lambda v: v + rng.choice([5, 15]),
                             "agreement": lambda v: not v}[key](value)
                values[key] = value
            submitted = not (i % 15 == 7 and j == len(who) - 1)
            factories.coding_with_values(case=case, coder=coder, values=values,
                                         submitted=submitted)
        if len(who) == 1:  # a second coder is assigned but has not started
            other = next(c for c in coders if c not in who)
            models.Assignment.objects.create(case=case, coder=other)
    return factories.reliability_computed(review)


@pytest.mark.parametrize("budget_level", ["interval", "ratio"])
@needs_r
def test_reproduce_r_with_four_coders_missing_values_and_single_coded_cases(
        review, lead, budget_level, tmp_path):
    models.Attribute.objects.filter(codebook__review=review, key="budget").update(
        level=budget_level)
    coders = [factories.UserFactory(username=name) for name in ("cai", "dee", "eli", "fay")]
    snapshot = _many_coders(review, coders)
    target = tmp_path / "package.zip"
    call_command("export_package", review=review.slug, output=str(target),
                 stderr=io.StringIO())
    zipfile.ZipFile(target).extractall(tmp_path)
    rows = snapshot.report["rows"]
    assert {r["level"] for r in rows} >= {"ordinal", budget_level, "nominal"}
    assert max(r["coders"] for r in rows) == 4
    # 45 cases: 3 coded by one coder (the 15th, 30th, 45th), 3 with one coder's draft.
    left_out = _left_out(review)
    assert [len(cases) for cases in left_out.values()] == [3, 3]
    _assert_reproduced(tmp_path, rows, compared=39, left_out=left_out)


@needs_r
def test_reproduce_r_with_three_coders_and_no_value_missing(review, lead, tmp_path):
    """Every compared case coded whole by the same three coders: irr 0.84.1's kripp.alpha
    divides by 1 instead of m - 1 when its matrix has no NA (reproduce.R gives it one)."""
    coders = [factories.UserFactory(username=name) for name in ("cai", "dee", "eli")]
    snapshot = _many_coders(review, coders, per_case=(3,), missing=0.0)
    target = tmp_path / "package.zip"
    call_command("export_package", review=review.slug, output=str(target),
                 stderr=io.StringIO())
    zipfile.ZipFile(target).extractall(tmp_path)
    rows = snapshot.report["rows"]
    assert {r["coders"] for r in rows} == {3} and {r["units"] for r in rows} == {39}
    _assert_reproduced(tmp_path, rows, compared=39, left_out=_left_out(review))


def _bundled_codings(review, coders, cases, rng, single: str):
    attributes = list(review.current_codebook().attributes.exclude(kind="text")
                      .prefetch_related("options"))

    def values():
        out = {}
        for attribute in attributes:
            keys = [o.key for o in attribute.options.all()]
            if attribute.kind == "single":
                out[attribute.key] = rng.choice(keys)
            elif attribute.kind == "multi":
                out[attribute.key] = rng.sample(keys, rng.randint(0, 2))  # may be empty
            elif attribute.kind == "boolean":
                out[attribute.key] = rng.random() < 0.5
        return out

    for case in cases:
        first = values()
        second = {k: (v if rng.random() < 0.7 else values()[k]) for k, v in first.items()}
        factories.coding_with_values(case=case, coder=coders[0], values=first)
        factories.coding_with_values(case=case, coder=coders[1], values=second,
                                     submitted=case.number != single)


def _bundled_package(coproduction, tmp_path):
    """The bundled review with 25 double-coded cases and one coded once, its snapshot
    computed and its package unpacked into tmp_path; the snapshot."""
    coders = [factories.UserFactory(username=name) for name in ("ann", "ben")]
    _bundled_codings(coproduction, coders, coproduction.cases.order_by("sort_key")[:26],
                     random.Random(3), single="26")
    snapshot = factories.reliability_computed(coproduction)
    target = tmp_path / "package.zip"
    call_command("export_package", review="coproduction", output=str(target),
                 stderr=io.StringIO())
    zipfile.ZipFile(target).extractall(tmp_path)
    return snapshot


@needs_r
def test_reproduce_r_on_the_bundled_review(coproduction, tmp_path):
    snapshot = _bundled_package(coproduction, tmp_path)
    _assert_reproduced(tmp_path, snapshot.report["rows"], compared=25,
                       left_out=_left_out(coproduction))


@needs_r
def test_reproduce_r_on_the_practice_review(db, tmp_path):
    call_command("load_practice", verbosity=0)
    practice = models.Review.objects.get(slug="practice")
    coders = [factories.UserFactory(username=name) for name in ("ann", "ben")]
    _bundled_codings(practice, coders, practice.cases.order_by("sort_key"), random.Random(5),
                     single="6")
    snapshot = factories.reliability_computed(practice)
    target = tmp_path / "package.zip"
    call_command("export_package", review="practice", output=str(target),
                 stderr=io.StringIO())
    zipfile.ZipFile(target).extractall(tmp_path)
    _assert_reproduced(tmp_path, snapshot.report["rows"], compared=5,
                       left_out=_left_out(practice))


def test_package_holds_single_coded_cases_and_the_rationales(coded, lead, client):
    client.force_login(lead)
    archive = _zip(client.get(PACKAGE))
    codings = _rows(archive, "codings.csv")
    assert list(codings[0])[:4] == ["case", "coder", "attribute", "value"]
    assert len({r["case"] for r in codings}) == 33  # single-coded cases are in the files
    decisions = _rows(archive, "decisions.csv")
    assert [(d["method"], d["decided_by"], d["rationale"]) for d in decisions] == [
        ("adjudicated", "alice", "The report says so.")]
    status = _rows(archive, "coding_status.csv")
    assert sum(r["status"] == "draft" for r in status) == 3
    assert {"codebook.yaml", "reproduce.py", "reproduce.R", "reliability_table.csv"} <= set(
        archive.namelist())


def test_datapackage_is_valid_under_frictionless(coded, lead, client, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    client.force_login(lead)
    _zip(client.get(PACKAGE)).extractall(tmp_path)
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type",
                                         "note"])


def test_bundled_review_package_is_valid_under_frictionless(coproduction, tmp_path):
    frictionless = pytest.importorskip("frictionless")
    factories.reliability_computed(coproduction)
    target = tmp_path / "package.zip"
    call_command("export_package", review="coproduction", output=str(target),
                 stderr=io.StringIO())
    with zipfile.ZipFile(target) as archive:
        archive.extractall(tmp_path)
        descriptor = json.loads(archive.read("datapackage.json"))
    assert {r["name"] for r in descriptor["resources"]} >= {
        "cases", "attributes", "options", "codings", "coding_status", "consensus", "decisions",
        "reliability", "reliability_table"}
    assert all(f.get("description") for r in descriptor["resources"]
               for f in r["schema"]["fields"])
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type",
                                         "note"])


def test_api_and_page_give_the_same_package(coded, lead, client):
    client.force_login(lead)
    page = _zip(client.get(PACKAGE))
    api = _zip(client.get(API))
    for name in ("codings.csv", "decisions.csv", "reliability.csv", "cases.csv"):
        assert page.read(name) == api.read(name)


@pytest.mark.parametrize("who", ["anonymous", "outsider", "coder", "adjudicator", "reader"])
def test_package_is_refused_to_everyone_but_leads(coded, review, coder_a, adjudicator,
                                                  outsider, client, who):
    models.Review.objects.filter(pk=review.pk).update(is_published=True)
    user = {"outsider": outsider, "coder": coder_a, "adjudicator": adjudicator}.get(who)
    if user is not None:
        client.force_login(user)
    for url in (PACKAGE, API):
        response = client.get(url)
        assert response.status_code in (302, 401, 403, 404), (url, response.status_code)
        assert response.get("Content-Type") != "application/zip"
        assert b"The report says so." not in response.content


def test_the_reliability_page_links_the_package_for_leads(coded, lead, client):
    client.force_login(lead)
    assert PACKAGE in client.get("/reviews/demo/reliability/").text


def test_package_waits_for_the_first_figures(review, lead, client):
    client.force_login(lead)
    page = client.get(PACKAGE)
    assert page.status_code == 503 and page["Retry-After"] == "5"
    api = client.get(API)  # as the API's reliability read before the first figures
    assert api.status_code == 202 and api["Retry-After"] == "5"
    assert api.json()["status"] == "computing"


def test_export_package_command_names_an_unknown_review(db, tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nosuch"):
        call_command("export_package", review="nosuch", output=str(tmp_path / "p.zip"))


def test_lead_role_is_what_opens_the_package(coded, review, client):
    user = factories.UserFactory(username="late_lead")
    client.force_login(user)
    assert client.get(API).status_code in (403, 404)
    factories.MembershipFactory(review=review, user=user, role=Role.LEAD)
    assert client.get(API).status_code == 200


def test_reproduce_py_matches_on_the_bundled_codebook_with_none_options(coproduction,
                                                                         tmp_path):
    """The bundled codebook: multiple choice with "none" options (nothing ticked: not coded),
    single choice, yes/no; 25 double-coded cases and one coded by one coder only."""
    snapshot = _bundled_package(coproduction, tmp_path)
    done = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    rows = snapshot.report["rows"]
    assert len([line for line in done.stdout.splitlines() if line.endswith("  yes")]) == len(rows)
    assert "25 cases whose assigned coders all submitted are compared; 1 coded cases" in \
        done.stdout


def test_package_reads_in_a_bounded_number_of_queries(review, coder_a, coder_b, lead, client,
                                                      django_assert_max_num_queries):
    """A fixed number of reads per chunk of cases, whatever the number of codings: the
    same count for 20 cases as for 60."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(lead)
    _double_coded(review, coder_a, coder_b, cases=20, single=0, seed=1)
    with CaptureQueriesContext(connection) as few:
        _zip(client.get(PACKAGE))
    _double_coded(review, coder_a, coder_b, cases=40, single=0, seed=2)
    with django_assert_max_num_queries(len(few.captured_queries)):
        archive = _zip(client.get(PACKAGE))
    assert len({r["case"] for r in _rows(archive, "codings.csv")}) == 60


def test_package_waits_while_the_figures_are_of_older_codings(coded, review, lead, coder_a,
                                                              client):
    """Codings changed since the last figures: the files would not reproduce them."""
    case = factories.CaseFactory(review=review)
    factories.coding_with_values(case=case, coder=coder_a, values={"level": "local"})
    from coding.reliability.services import reliability_changed

    reliability_changed(review=review)
    client.force_login(lead)
    assert client.get(PACKAGE).status_code == 503
    assert client.get(API).status_code == 202


def test_a_lead_who_codes_gets_nothing_of_a_case_they_are_blind_on(coded, review, lead,
                                                                   coder_b, client, tmp_path):
    """Blind coding holds in the package: the lead codes a case (a draft) that coder_b has
    submitted; until the lead submits, the package they download says nothing of coder_b's
    coding or status there, and its figures still reproduce. The command writes it all."""
    case = factories.CaseFactory(review=review, number="900")
    factories.coding_with_values(case=case, coder=lead, values={"level": "local"},
                                 submitted=False)
    factories.coding_with_values(case=case, coder=coder_b, values={"level": "state"})
    factories.reliability_computed(review)
    client.force_login(lead)
    archive = _zip(client.get(PACKAGE))
    for name in ("codings.csv", "coding_status.csv", "consensus.csv", "decisions.csv"):
        assert all(row["case"] != "900" for row in _rows(archive, name)), name
    archive.extractall(tmp_path)
    done = subprocess.run([sys.executable, "reproduce.py"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    call_command("export_package", review=review.slug, output=str(tmp_path / "all.zip"))
    everything = zipfile.ZipFile(tmp_path / "all.zip")
    assert {row["coder"] for row in _rows(everything, "codings.csv")
            if row["case"] == "900"} == {coder_b.username}


def _decisions_as_before(review, hidden) -> str:
    """decisions.csv as the package wrote it before it read tuples (a model object per value,
    its options prefetched): the reference the one export path must reproduce."""
    from coding.exports import case_chunks
    from coding.fileio import csv_writer
    from coding.values import stored_value, value_csv

    out = io.StringIO()
    writer = csv_writer(out, lineterminator="\n")
    writer.writerow(["case", "codebook_version", "attribute", "value", "method", "decided_by",
                     "decided_at", "rationale"])
    for chunk in case_chunks(review.cases.order_by("sort_key", "number"), ("pk",)):
        ids = [pk for (pk,) in chunk]
        for consensus in (models.ConsensusValue.objects.filter(case_id__in=ids)
                          .select_related("case", "attribute__codebook", "decided_by")
                          .prefetch_related("options", "attribute__options")
                          .order_by("case__sort_key", "case__number",
                                    "attribute__codebook__version", "attribute__section__order",
                                    "attribute__order")):
            if consensus.case.number in hidden:
                continue
            attribute = consensus.attribute
            orders = {o.key: i for i, o in enumerate(attribute.options.all())}
            value = stored_value(attribute, consensus)
            if attribute.kind == models.AttributeKind.MULTI:
                value = value or frozenset()
            writer.writerow([
                consensus.case.number, attribute.codebook.version, attribute.key,
                value_csv(attribute, value, orders), consensus.method,
                consensus.decided_by.username if consensus.decided_by else "",
                consensus.decided_at.isoformat().replace("+00:00", "Z"), consensus.rationale,
            ])
    return out.getvalue()


def test_decisions_are_written_as_the_model_objects_wrote_them(review, lead):
    from coding.codings.transfer import consensus_decisions_table
    from coding.exports import csv_write
    from coding.reliability.package import DECISIONS_SCHEMA, _without

    adjudicated = models.ConsensusMethod.ADJUDICATED
    forms = [
        {"level": "state", "roles": ["assessor", "commissioner"], "budget": -2.5,
         "agreement": False, "topic": "=SUM(A1)"},
        {"level": "local", "roles": [], "budget": 3.0, "agreement": True},
        {"roles": ["deliverer"], "budget": 1e-7},
    ]
    for n, number in enumerate(["10", "2", "K1", "1", "3"]):
        case = factories.CaseFactory(review=review, number=number)
        factories.consensus_for(case=case, values=forms[n % 3],
                                method=adjudicated if n % 2 else models.ConsensusMethod.AGREED,
                                decided_by=lead if n % 2 else None,
                                rationale=f"-{n}: the report, p. {n}" if n % 2 else "")
    # A value under an older version: the current codebook is now version 2.
    newer = factories.CodebookFactory(review=review, version=2, title="v2")
    section = factories.SectionFactory(codebook=newer, title="Only", order=0)
    scope = factories.AttributeFactory(section=section, key="scope", kind="multi", order=0)
    options = [factories.OptionFactory(attribute=scope, key=key, order=order)
               for order, key in enumerate(["wide", "narrow"])]
    factories.ConsensusValueFactory(case=review.cases.get(number="2"), attribute=scope,
                                    options=options[::-1], method=adjudicated,
                                    decided_by=lead, rationale="both")

    for hidden in (frozenset(), frozenset({"2"})):
        out = io.StringIO()
        rows = csv_write(_without(consensus_decisions_table(review=review), hidden), out,
                         lineterminator="\n")
        assert out.getvalue() == _decisions_as_before(review, hidden)
        assert rows == out.getvalue().count("\n") - 1 > 10
    header = out.getvalue().split("\n", 1)[0].split(",")
    assert header == [f["name"] for f in DECISIONS_SCHEMA["fields"]]
    assert "2,2,scope,wide;narrow,adjudicated" in _decisions_as_before(review, frozenset())
