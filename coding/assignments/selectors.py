"""Reads about coding progress for leads: per coder and per case, counted in the database.

Counts are aggregated in the database (subqueries), so each page costs a fixed number of
queries however many cases the review has. Nothing here returns another coder's values;
the per-case rows carry states and counts only.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Case as CaseWhen
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextChoices,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from coding.codings.policies import blind_cases
from coding.codings.selectors import NOT_STARTED, own_coding_field
from coding.models import (
    Assignment,
    Case,
    Coding,
    CodingStatus,
    ConsensusValue,
    Disagreement,
    DisagreementStatus,
    Membership,
    Review,
    Role,
)


class CaseState(TextChoices):
    NOT_STARTED = NOT_STARTED, _("Not started")
    IN_PROGRESS = "in_progress", _("In progress (drafts only)")
    ONE_SUBMITTED = "one_submitted", _("One coding submitted")
    BOTH_SUBMITTED = "both_submitted", _("Both submitted")
    DISAGREEMENTS_OPEN = "disagreements_open", _("Disagreements open")
    CONSENSUS_COMPLETE = "consensus_complete", _("Consensus complete")
    # The viewer codes the case and it is not complete: its state would tell them about the
    # other coding (coding.codings.policies).
    HIDDEN = "hidden", _("Hidden (you code it)")

HIDDEN = CaseState.HIDDEN.value


def _count(queryset: QuerySet, group: str) -> Coalesce:
    """Count rows of `queryset` (already filtered on OuterRef) as a scalar subquery."""
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)




def review_coders(*, review: Review) -> QuerySet:
    """Users who hold the coder role in the review, by username."""
    return (
        get_user_model()
        .objects.filter(memberships__review=review, memberships__role=Role.CODER)
        .distinct()
        .order_by("username")
    )


@dataclass
class CoderProgress:
    coder: object
    assigned: int
    draft: int
    submitted: int

    @property
    def not_started(self) -> int:
        return self.assigned - self.draft - self.submitted


def _blind_ids(viewer, review: Review) -> list[int]:
    """The review's cases `viewer` is blind on, read once (few: theirs, not yet complete)
    rather than asked of each row: asked of each of 50,000 cases, the progress page's
    counts took 0.7 s."""
    return list(blind_cases(viewer).filter(review=review).values_list("pk", flat=True))


def _of_blind(blind: list[int], case_field: str) -> Q | None:
    """The rows whose case (`case_field`) is one of `blind`; None when there is none."""
    return Q(**{f"{case_field}__in": blind}) if blind else None


def coder_progress(*, review: Review, viewer) -> list[CoderProgress]:
    """Per coder (coder role or assigned in the review): cases assigned, in draft, submitted.
    Other coders' codings of cases `viewer` is blind on are not counted (as if not started).

    The codings are counted in one pass grouped by coder, and the viewer's blind cases read
    once (few: theirs, not complete) rather than asked of each coding: as counts per coder
    of a join of coders with their assignments, the page took over an hour at 50,000 cases
    (a count per joined row), and 0.7 s as one count per coder."""
    codings = Coding.objects.filter(
        Exists(Assignment.objects.filter(case=OuterRef("case"), coder=OuterRef("coder"))),
        case__review=review)  # only codings of cases the coder is (still) assigned to count
    if blind := _of_blind(_blind_ids(viewer, review), "case"):
        codings = codings.exclude(~Q(coder=viewer.pk) & blind)
    counts = {row["coder"]: row for row in codings.order_by().values("coder").annotate(
        draft=Count("pk", filter=Q(status=CodingStatus.DRAFT)),
        submitted=Count("pk", filter=Q(status=CodingStatus.SUBMITTED)))}
    assigned = Assignment.objects.filter(coder=OuterRef("pk"), case__review=review)
    users = get_user_model().objects.filter(
        Q(pk__in=Membership.objects.filter(review=review, role=Role.CODER).values("user"))
        | Q(pk__in=Assignment.objects.filter(case__review=review).values("coder"))
    ).annotate(n_assigned=_count(assigned, "coder")).order_by("username")
    none = {"draft": 0, "submitted": 0}
    return [CoderProgress(u, u.n_assigned, counts.get(u.pk, none)["draft"],
                          counts.get(u.pk, none)["submitted"]) for u in users]


def case_progress(*, review: Review, viewer, state: str | None = None) -> QuerySet[Case]:
    """The review's cases as `viewer` may see them, annotated with `n_assigned`, `n_draft`,
    `n_submitted` (codings of assigned coders), `n_open` (open disagreements),
    `n_consensus` and `state` (a CaseState value; HIDDEN on a case the viewer is blind on),
    with `assignments` prefetched, each annotated with the `coding_state` and `coding_id`
    of that coder's own coding ("hidden" and None for the other coder of a hidden case).
    `state` filters."""
    of_assigned = Coding.objects.filter(
        case=OuterRef("pk"), coder__assignments__case=OuterRef("pk")
    )
    cases = Case.objects.filter(review=review).annotate(
        n_assigned=_count(Assignment.objects.filter(case=OuterRef("pk")), "case"),
        n_draft=_count(
            of_assigned.filter(status=CodingStatus.DRAFT, version__gt=0), "case"
        ),
        n_submitted=_count(of_assigned.filter(status=CodingStatus.SUBMITTED), "case"),
        n_open=_count(
            Disagreement.objects.filter(case=OuterRef("pk"), status=DisagreementStatus.OPEN),
            "case",
        ),
        n_consensus=_count(ConsensusValue.objects.filter(case=OuterRef("pk")), "case"),
    )
    blind = _blind_ids(viewer, review)
    cases = cases.annotate(
        state=CaseWhen(
            *([When(_of_blind(blind, "pk"), then=Value(CaseState.HIDDEN))] if blind else []),
            When(n_open__gt=0, then=Value(CaseState.DISAGREEMENTS_OPEN)),
            When(n_submitted__gte=2, n_consensus__gt=0, then=Value(CaseState.CONSENSUS_COMPLETE)),
            When(n_submitted__gte=2, then=Value(CaseState.BOTH_SUBMITTED)),
            When(n_submitted=1, then=Value(CaseState.ONE_SUBMITTED)),
            When(n_draft__gt=0, then=Value(CaseState.IN_PROGRESS)),
            default=Value(CaseState.NOT_STARTED),
        )
    )
    if state in CaseState.values:
        cases = cases.filter(state=state)
    elif state == "needs_coders":
        cases = cases.filter(n_assigned__lt=2)
    state_of_own = Coalesce(own_coding_field("status"), Value(NOT_STARTED))
    if blind:
        others_hidden = _of_blind(blind, "case") & ~Q(coder=viewer.pk)
        columns = {
            "coding_state": CaseWhen(When(others_hidden, then=Value(HIDDEN)),
                                     default=state_of_own),
            "coding_id": CaseWhen(When(others_hidden, then=None),
                                  default=own_coding_field("pk")),
        }
    else:
        columns = {"coding_state": state_of_own, "coding_id": own_coding_field("pk")}
    assignments = (Assignment.objects.select_related("coder").annotate(**columns)
                   .order_by("assigned_at", "pk"))
    return cases.prefetch_related(Prefetch("assignments", queryset=assignments)).order_by(
        "sort_key", "number"
    )


def case_state_counts(*, review: Review, viewer) -> dict[str, int]:
    """How many cases are in each CaseState as `viewer` sees them, plus "needs_coders"
    (fewer than two coders)."""
    cases = case_progress(review=review, viewer=viewer).prefetch_related(None)
    counts = {state: 0 for state in CaseState.values}
    counts.update(dict(cases.order_by().values_list("state").annotate(n=Count("pk"))))
    counts["needs_coders"] = cases.filter(n_assigned__lt=2).count()
    return counts


