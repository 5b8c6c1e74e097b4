"""Who may see, decide and reopen disagreements, and when a disagreement is ready.

A disagreement is *ready* while both codings it compares are submitted; a lead reopening
either coding puts it on hold until the coder submits again. Adjudicators and leads see
ready disagreements; only adjudicators decide, and nobody decides or reopens a decision on
a case they coded.
"""

from django.db.models import QuerySet

from coding.codings.policies import blind_cases
from coding.models import (
    Assignment,
    Case,
    Coding,
    CodingStatus,
    Disagreement,
    Membership,
    Review,
    Role,
)
from coding.reviews.policies import PAGE_ROLES, review_roles

VIEWER_ROLES = PAGE_ROLES["adjudication"]

NOT_READY_MESSAGE = (
    "Nothing was saved: a coding of this case has been reopened. Decide once both assigned "
    "coders have submitted again."
)
OWN_CASE_MESSAGE = (
    "You coded this case, so you cannot adjudicate it: an adjudicator does not adjudicate a "
    "case they coded."
)
NOT_ADJUDICATOR_MESSAGE = "Only an adjudicator of this review can decide disagreements."
NOT_REOPENER_MESSAGE = "Only an adjudicator or a review lead can reopen a decision."


def disagreements_ready(disagreements: QuerySet[Disagreement]) -> QuerySet[Disagreement]:
    return disagreements.filter(
        coding_a__status=CodingStatus.SUBMITTED, coding_b__status=CodingStatus.SUBMITTED
    )


def disagreement_ready(disagreement: Disagreement) -> bool:
    return disagreements_ready(Disagreement.objects.filter(pk=disagreement.pk)).exists()


def may_view_adjudication(user, review: Review) -> bool:
    return bool(review_roles(user, review) & set(VIEWER_ROLES))


def disagreements_visible_to(
    user, review: Review, disagreements: QuerySet[Disagreement]
) -> QuerySet[Disagreement]:
    """The ready disagreements of `review` that `user` (a lead or adjudicator) may see."""
    if not may_view_adjudication(user, review):
        return disagreements.none()
    return disagreements_ready(disagreements.filter(case__review=review)).exclude(
        case__in=blind_cases(user)
    )


def case_coder_ids(case: Case) -> set[int]:
    """Everyone who is assigned to the case or has a coding of it."""
    assigned = Assignment.objects.filter(case=case).values_list("coder_id", flat=True)
    coded = Coding.objects.filter(case=case).values_list("coder_id", flat=True)
    return set(assigned) | set(coded)


def cases_coded_by(user, case_ids) -> set[int]:
    """Of `case_ids`, the cases `user` is assigned to or has a coding of."""
    mine = {"case_id__in": case_ids, "coder": user}
    return set(Assignment.objects.filter(**mine).values_list("case_id", flat=True)) | set(
        Coding.objects.filter(**mine).values_list("case_id", flat=True)
    )


def decide_refusal(user, case: Case, coders: set[int] | None = None) -> tuple[str, str] | None:
    """Why `user` may not decide the case's disagreements, as (code, message); None if they
    may. `coders` saves a query when the caller has case_coder_ids already."""
    if Role.ADJUDICATOR not in review_roles(user, case.review):
        return "role", NOT_ADJUDICATOR_MESSAGE
    if user.pk in (coders if coders is not None else case_coder_ids(case)):
        return "own_case", OWN_CASE_MESSAGE
    return None


def cases_user_may_decide(user, review: Review, case_ids) -> set[int]:
    """Of `case_ids` (cases of `review`), those whose disagreements `user` may decide: the
    list form of decide_refusal, in two queries."""
    if Role.ADJUDICATOR not in review_roles(user, review):
        return set()
    return set(case_ids) - cases_coded_by(user, case_ids)


def reopen_refusal(user, case: Case, coders: set[int] | None = None) -> tuple[str, str] | None:
    """Why `user` may not reopen the case's decisions, as (code, message); None if they may."""
    if not review_roles(user, case.review) & set(VIEWER_ROLES):
        return "role", NOT_REOPENER_MESSAGE
    if user.pk in (coders if coders is not None else case_coder_ids(case)):
        return "own_case", OWN_CASE_MESSAGE
    return None


def deciders_of_cases(review: Review, case_ids) -> dict[int, set[int]]:
    """Adjudicator id -> the cases of `case_ids` they may decide (decide_refusal for many
    people and cases at once, in three queries): every adjudicator of the review, less the
    cases they are assigned to or have a coding of."""
    case_ids = set(case_ids)
    adjudicators = set(
        Membership.objects.filter(review=review, role=Role.ADJUDICATOR).values_list(
            "user_id", flat=True
        )
    )
    if not adjudicators or not case_ids:
        return {}
    mine = {"case_id__in": case_ids, "coder_id__in": adjudicators}
    coded: set[tuple[int, int]] = set(
        Assignment.objects.filter(**mine).values_list("coder_id", "case_id")
    ) | set(Coding.objects.filter(**mine).values_list("coder_id", "case_id"))
    deciders = {}
    for user_id in adjudicators:
        cases = {c for c in case_ids if (user_id, c) not in coded}
        if cases:
            deciders[user_id] = cases
    return deciders
