"""Who may see, decide and reopen disagreements, and when a disagreement is ready.

A disagreement is *ready* while both codings it compares are submitted; a lead reopening
either coding puts it on hold until the coder submits again. Adjudicators and leads see
ready disagreements; only adjudicators decide, and nobody decides or reopens a decision on
a case they coded.
"""

from django.db.models import Q, QuerySet
from django.utils.translation import gettext, gettext_noop

from coding.codings.policies import blind_cases
from coding.models import (
    Assignment,
    Case,
    Coding,
    CodingStatus,
    Disagreement,
    DisagreementStatus,
    Membership,
    ResolutionMode,
    Review,
    Role,
)
from coding.reviews.policies import PAGE_ROLES, review_roles

VIEWER_ROLES = PAGE_ROLES["adjudication"]

NOT_READY_MESSAGE = gettext_noop(
    "Nothing was saved: a coding of this case has been reopened. Decide once both assigned "
    "coders have submitted again."
)
OWN_CASE_MESSAGE = gettext_noop(
    "You coded this case, so you cannot adjudicate it: an adjudicator does not adjudicate a "
    "case they coded."
)
NOT_ADJUDICATOR_MESSAGE = gettext_noop(
    "Only an adjudicator of this review can decide disagreements."
)
NOT_REOPENER_MESSAGE = gettext_noop("Only an adjudicator or a review lead can reopen a decision.")


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
    return cases_coder_ids([case.pk]).get(case.pk, set())


def cases_coder_ids(case_ids) -> dict[int, set[int]]:
    """case_coder_ids for many cases in two queries: case id -> its coders' ids (cases
    without any are left out)."""
    found: dict[int, set[int]] = {}
    for model in (Assignment, Coding):
        for case_id, coder_id in model.objects.filter(case_id__in=case_ids).values_list(
            "case_id", "coder_id"
        ):
            found.setdefault(case_id, set()).add(coder_id)
    return found


def cases_coded_by(user, case_ids) -> set[int]:
    """Of `case_ids`, the cases `user` is assigned to or has a coding of."""
    mine = {"case_id__in": case_ids, "coder": user}
    return set(Assignment.objects.filter(**mine).values_list("case_id", flat=True)) | set(
        Coding.objects.filter(**mine).values_list("case_id", flat=True)
    )


def may_decide_in(user, review: Review) -> bool:
    """Whether `user` decides disagreements in `review` at all (its adjudicators; on each case
    also not one they coded: decide_refusal). The API's resolve view asks it."""
    return Role.ADJUDICATOR in review_roles(user, review)


def decide_refusal(user, case: Case, coders: set[int] | None = None) -> tuple[str, str] | None:
    """Why `user` may not decide the case's disagreements, as (code, message); None if they
    may. `coders` saves a query when the caller has case_coder_ids already."""
    if not may_decide_in(user, case.review):
        return "role", gettext(NOT_ADJUDICATOR_MESSAGE)
    if user.pk in (coders if coders is not None else case_coder_ids(case)):
        return "own_case", gettext(OWN_CASE_MESSAGE)
    return None


def cases_user_may_decide(user, review: Review, case_ids) -> set[int]:
    """Of `case_ids` (cases of `review`), those whose disagreements `user` may decide: the
    list form of decide_refusal, in two queries."""
    if not may_decide_in(user, review):
        return set()
    return set(case_ids) - cases_coded_by(user, case_ids)


class QueueAction:
    """What the adjudication queue offers on a case's row."""

    OWN = "own"  # the viewer coded the case: not theirs to decide
    DECIDE = "decide"  # open disagreements the viewer may decide
    VIEW = "view"  # read only (a lead, a decided or discussed case)


def queue_actions(user, review: Review, case_ids, status: str) -> dict[int, str]:
    """The QueueAction for each case of `case_ids` listed under queue `status` (one of
    adjudication.selectors.QUEUE_STATUSES): decide only open disagreements, only where
    cases_user_may_decide allows. Two queries at most."""
    case_ids = list(case_ids)
    own = cases_coded_by(user, case_ids)
    # cases_user_may_decide, with the cases they coded read once.
    decidable = (set(case_ids) - own
                 if status == DisagreementStatus.OPEN and may_decide_in(user, review) else set())
    return {case_id: QueueAction.OWN if case_id in own
            else QueueAction.DECIDE if case_id in decidable else QueueAction.VIEW
            for case_id in case_ids}


def reopen_refusal(user, case: Case, coders: set[int] | None = None) -> tuple[str, str] | None:
    """Why `user` may not reopen the case's decisions, as (code, message); None if they may."""
    if not review_roles(user, case.review) & set(VIEWER_ROLES):
        return "role", gettext(NOT_REOPENER_MESSAGE)
    if user.pk in (coders if coders is not None else case_coder_ids(case)):
        return "own_case", gettext(OWN_CASE_MESSAGE)
    return None


# --- discussion ----------------------------------------------------------------------
#
# In a review whose resolution mode is "discussion", the two coders of a case settle its
# disagreements first: once both have submitted (the disagreement is ready), each sees the
# other's coding (codings/policies.py lets a case's coders see each other's submitted
# coding once the case is complete) and every disagreement gets a thread. Either coder
# proposes a value; when both accept the same value it becomes consensus ("agreed after
# discussion"). Either coder may escalate: an adjudicator then decides, seeing the thread,
# and the coders can still comment but no longer propose or accept. Adjudicators and leads
# comment in both modes. Before both have submitted there is no disagreement, so no thread.

DISCUSSION_ONLY_MESSAGE = gettext_noop(
    "Disagreements are discussed only in reviews set to discussion first."
)
NOT_DISCUSSANT_MESSAGE = gettext_noop("Only the two coders of this case discuss its disagreements.")
NOT_COMMENTER_MESSAGE = gettext_noop(
    "Only the case's two coders (in discussion mode), adjudicators and review leads can comment "
    "on a disagreement."
)
ESCALATED_MESSAGE = gettext_noop(
    "This disagreement has been escalated: an adjudicator decides it now. You can still comment."
)
SETTLED_MESSAGE = gettext_noop("This disagreement is settled already; nothing was changed.")
AWAITING_DISCUSSION_MESSAGE = gettext_noop(
    "In this review the two coders discuss a disagreement first: an adjudicator decides it "
    "once one of them escalates it."
)


def in_discussion_mode(review: Review) -> bool:
    return review.resolution_mode == ResolutionMode.DISCUSSION


def disagreements_to_discuss(user, review: Review,
                             disagreements: QuerySet[Disagreement]) -> QuerySet[Disagreement]:
    """The ready disagreements of `review` that `user` discusses: those between their own
    coding and the other coder's, in discussion mode only (none before both submitted)."""
    if not user.is_authenticated or not in_discussion_mode(review):
        return disagreements.none()
    return disagreements_ready(disagreements.filter(case__review=review)).filter(
        Q(coding_a__coder=user) | Q(coding_b__coder=user)
    )


def may_discuss(user, disagreement: Disagreement) -> bool:
    """Whether `user` is one of the two discussing coders of this ready disagreement."""
    review = disagreement.case.review
    return disagreements_to_discuss(
        user, review, Disagreement.objects.filter(pk=disagreement.pk)
    ).exists()


def threads_visible_to(user, review: Review,
                       disagreements: QuerySet[Disagreement]) -> QuerySet[Disagreement]:
    """The disagreements whose thread `user` may read: the two coders' (discussion mode) and
    those an adjudicator or lead may see (disagreements_visible_to)."""
    return disagreements.filter(
        Q(pk__in=disagreements_to_discuss(user, review, disagreements).values("pk"))
        | Q(pk__in=disagreements_visible_to(user, review, disagreements).values("pk"))
    )


def thread_visible_to(user, disagreement: Disagreement) -> bool:
    return threads_visible_to(
        user, disagreement.case.review, Disagreement.objects.filter(pk=disagreement.pk)
    ).exists()


def comment_refusal(user, disagreement: Disagreement) -> tuple[str, str] | None:
    """Why `user` may not comment on the disagreement, as (code, message); None if they may."""
    if not disagreement_ready(disagreement):
        return "not_ready", gettext(NOT_READY_MESSAGE)
    if not thread_visible_to(user, disagreement):
        return "role", gettext(NOT_COMMENTER_MESSAGE)
    return None


def settle_refusal(user, disagreement: Disagreement) -> tuple[str, str] | None:
    """Why `user` may not propose a value, accept one or escalate; None if they may: the two
    coders, in discussion mode, while the disagreement is ready, open and not escalated."""
    if not in_discussion_mode(disagreement.case.review):
        return "mode", gettext(DISCUSSION_ONLY_MESSAGE)
    if not disagreement_ready(disagreement):
        return "not_ready", gettext(NOT_READY_MESSAGE)
    if not may_discuss(user, disagreement):
        return "role", gettext(NOT_DISCUSSANT_MESSAGE)
    if disagreement.status != DisagreementStatus.OPEN:
        return "settled", gettext(SETTLED_MESSAGE)
    if disagreement.escalated_at is not None:
        return "escalated", gettext(ESCALATED_MESSAGE)
    return None


def awaiting_discussion_q() -> Q:
    """Disagreements the coders still discuss (discussion mode, open, not escalated): an
    adjudicator does not decide them, and their queue leaves them out."""
    return Q(
        case__review__resolution_mode=ResolutionMode.DISCUSSION,
        status=DisagreementStatus.OPEN, escalated_at__isnull=True,
    )


def awaiting_discussion(disagreement: Disagreement) -> bool:
    return (
        in_discussion_mode(disagreement.case.review)
        and disagreement.status == DisagreementStatus.OPEN
        and disagreement.escalated_at is None
    )


def decide_disagreement_refusal(user, disagreement: Disagreement,
                                coders: set[int] | None = None) -> tuple[str, str] | None:
    """decide_refusal for one disagreement: also refused while the coders discuss it."""
    if refusal := decide_refusal(user, disagreement.case, coders):
        return refusal
    if awaiting_discussion(disagreement):
        return "discussion", gettext(AWAITING_DISCUSSION_MESSAGE)
    return None


def comments_visible_to(user, comments: QuerySet) -> QuerySet:
    """The thread comments (of any review) `user` may read: the list form of
    thread_visible_to for the admin, across reviews. Superusers count as leads."""
    if not user.is_authenticated:
        return comments.none()
    ready = disagreements_ready(Disagreement.objects.all()).exclude(case__in=blind_cases(user))
    if user.is_superuser:
        return comments.filter(disagreement__in=ready)
    staff = Q(case__review__memberships__user=user,
              case__review__memberships__role__in=VIEWER_ROLES)
    discussing = Q(case__review__resolution_mode=ResolutionMode.DISCUSSION) & (
        Q(coding_a__coder=user) | Q(coding_b__coder=user)
    )
    return comments.filter(disagreement__in=ready.filter(staff | discussing).values("pk"))


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
