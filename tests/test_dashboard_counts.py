"""The dashboard's counts kept as the data changes (coding.public.counts): after any sequence
of submits, decisions, reopenings, imports and publishing changes, the counts the services
kept equal the counts rebuilt from scratch, and the dashboard drawn from them equals the
dashboard drawn by the live queries."""

import random
from dataclasses import asdict

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from coding.adjudication.services import (
    consensus_version,
    disagreement_reopen,
    disagreement_resolve,
)
from coding.codings.services import coding_reopen, coding_submit
from coding.models import (
    AttributeKind,
    Case,
    Coding,
    CodingStatus,
    DashboardCount,
    Disagreement,
    DisagreementStatus,
    Role,
)
from coding.public.cache import case_filter_for
from coding.public.counts import (
    dashboard_counts,
    dashboard_counts_built,
    dashboard_counts_rebuild,
)
from coding.public.dashboard import Dashboard
from coding.reviews.importers import cases_import
from coding.reviews.selectors import review_codebook
from coding.reviews.services import review_set_published
from tests import factories

COUNTRIES = ["UK", "Sweden", "US", "Netherlands", "Italy"]
AREAS = ["Health care", "Public housing", "Education", "Public safety"]


def _stored(review) -> dict:
    return {(row.dimension, row.first, row.second): row.n
            for row in DashboardCount.objects.filter(review=review)}


def _charts(review, counts) -> dict:
    case_filter = case_filter_for(review, {}, Case.objects.filter(review=review))
    case_filter.form.is_valid()
    board = Dashboard(review=review, cases=case_filter.qs, codebook=review_codebook(review),
                      filters={}, counts=counts)
    return {"total": board.total, "complete": board.complete,
            "groups": [[asdict(chart) for chart in group.charts] for group in board.groups()]}


def _random_values(rng: random.Random, attributes, like: dict | None = None) -> dict:
    """Values for every attribute of the codebook; with `like`, mostly the same ones."""
    values = {}
    for attribute in attributes:
        if like is not None and attribute.key in like and rng.random() < 0.75:
            values[attribute.key] = like[attribute.key]
            continue
        options = [o.key for o in attribute.options.all() if o.key != "none_reported"]
        if attribute.kind == AttributeKind.SINGLE:
            values[attribute.key] = rng.choice(options)
        elif attribute.kind == AttributeKind.MULTI:
            values[attribute.key] = rng.sample(options, rng.randint(1, min(2, len(options))))
        elif attribute.kind == AttributeKind.BOOLEAN:
            values[attribute.key] = rng.random() < 0.5
        elif attribute.kind == AttributeKind.NUMBER:
            values[attribute.key] = rng.randint(0, 3)
        else:
            values[attribute.key] = rng.choice(["a", "b"])
    return values


def _import(rng: random.Random, review, tmp_path, step: int) -> None:
    """A cases file that changes the country, year and service areas of two cases and adds
    one new case."""
    cases = list(Case.objects.filter(review=review).order_by("?")[:2])
    lines = ["number,title,country,year,service_area,summary,source"]
    for case in cases:
        areas = ";".join(rng.sample(AREAS, rng.randint(0, 2)))
        lines.append(f'{case.number},"{case.title}",{rng.choice(COUNTRIES)},'
                     f"{rng.randint(1990, 2000)},{areas},,")
    lines.append(f"N{step},New case {step},{rng.choice(COUNTRIES)},{rng.randint(1990, 2000)},"
                 f"{rng.choice(AREAS)},,")
    path = tmp_path / f"cases-{step}.csv"
    path.write_text("\n".join(lines) + "\n")
    cases_import(path=path, review_slug=review.slug)


def _run(coproduction, tmp_path, seed: int, steps: int) -> None:
    review = coproduction
    rng = random.Random(seed)
    coders = [factories.UserFactory(username=f"coder{n}") for n in range(2)]
    for coder in coders:
        factories.MembershipFactory(review=review, user=coder, role=Role.CODER)
    lead = factories.UserFactory(username="counts-lead")
    factories.MembershipFactory(review=review, user=lead, role=Role.LEAD)
    adjudicator = factories.UserFactory(username="counts-adjudicator")
    factories.MembershipFactory(review=review, user=adjudicator, role=Role.ADJUDICATOR)
    cases = list(Case.objects.filter(review=review).order_by("pk")[:14])
    for case in cases:
        for coder in coders:
            factories.AssignmentFactory(case=case, coder=coder)
    attributes = list(review.current_codebook().attributes.prefetch_related("options"))
    dashboard_counts_rebuild(review)
    last: dict[int, dict] = {}

    def submit():
        case = rng.choice(cases)
        drafts = list(Coding.objects.filter(case=case, status=CodingStatus.DRAFT))
        if drafts:
            coding = rng.choice(drafts)
        else:
            missing = [c for c in coders if not Coding.objects.filter(case=case,
                                                                      coder=c).exists()]
            if not missing:
                return
            coder = rng.choice(missing)
            last[case.pk] = values = _random_values(rng, attributes, last.get(case.pk))
            coding = factories.coding_with_values(case=case, coder=coder, values=values,
                                                  submitted=False)
        coding_submit(coding=coding, expected_version=coding.version, user=coding.coder)

    def decide():
        open_ = list(Disagreement.objects.filter(case__review=review,
                                                 status=DisagreementStatus.OPEN))
        if open_:
            disagreement = rng.choice(open_)
            disagreement_resolve(
                disagreement=disagreement, user=adjudicator, choice=rng.choice("ab"),
                rationale="Reasons.", expected_version=consensus_version(disagreement))

    def reopen_decision():
        resolved = list(Disagreement.objects.filter(case__review=review,
                                                    status=DisagreementStatus.RESOLVED))
        if resolved:
            disagreement = rng.choice(resolved)
            disagreement_reopen(disagreement=disagreement, user=adjudicator, reason="Again.",
                                expected_version=consensus_version(disagreement))

    def reopen_coding():
        submitted = list(Coding.objects.filter(case__review=review,
                                               status=CodingStatus.SUBMITTED))
        if submitted:
            coding_reopen(coding=rng.choice(submitted), user=lead, reason="Check.")

    def publish():
        review_set_published(review=review, actor=lead, published=rng.random() < 0.5)

    actions = ([submit] * 6 + [decide] * 4 + [reopen_decision, reopen_coding, publish]
               + [lambda: _import(rng, review, tmp_path, step)])
    for step in range(steps):
        try:
            rng.choice(actions)()
        except ValidationError:
            pass  # a refused step (e.g. a decision on a reopened coding) changes nothing
        if step % 50 == 49 or step == steps - 1:
            kept = _stored(review)
            live_charts = _charts(review, None)
            assert _charts(review, dashboard_counts(review)) == live_charts, step
            dashboard_counts_rebuild(review)
            assert _stored(review) == kept, step
    assert Case.objects.filter(review=review, consensus_complete=True).exists()


def test_kept_counts_equal_rebuilt_counts_after_random_changes(coproduction, tmp_path):
    _run(coproduction, tmp_path, seed=22, steps=300)


@pytest.mark.parametrize("n", [5, 50])
def test_cold_dashboard_reads_counts_in_bounded_queries(
        client, coproduction, n, django_assert_max_num_queries):
    from django.urls import reverse

    for case in coproduction.cases.all()[:n]:
        factories.consensus_for(case=case, values={
            "level": "local", "coproduction_type": "user", "citizen_roles": ["co_deliverer"]})
    call_command("rebuild_dashboard_counts", "--review", "coproduction", verbosity=0)
    assert dashboard_counts_built(coproduction)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("coding:dashboard", args=["coproduction"]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Cases per country" in html and f"{n} of {n} cases with complete consensus" in html


def test_a_filtered_dashboard_runs_the_live_queries(coproduction):
    dashboard_counts_rebuild(coproduction)
    case_filter = case_filter_for(coproduction, {"country": "Sweden"},
                                  Case.objects.filter(review=coproduction))
    case_filter.form.is_valid()
    board = Dashboard(review=coproduction, cases=case_filter.qs,
                      codebook=review_codebook(coproduction),
                      filters=case_filter.active_filters(),
                      counts=dashboard_counts(coproduction))
    assert board.counts is None and board.total == 5


def test_the_command_refuses_an_unknown_review(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No review"):
        call_command("rebuild_dashboard_counts", "--review", "nope")
