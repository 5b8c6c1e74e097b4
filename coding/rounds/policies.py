"""Calibration rounds: who manages them, who codes in them, and the blind rule of a round.

A person codes in a round when the lead named them among its coders; they code every case of
it. A coder is *blind on a case of a round* until every coder of the round has submitted that
case: until then nobody, whatever roles they hold, sees anyone else's round coding of it, nor
its state (per coder progress is hidden from the round's own coders while the round is open).
On top, someone blind on a case in the review's own coding (coding.codings.policies) never
sees others' round codings of that case: a round must not leak what a partner is likely to
code there. The round's results (reliability, the cases where coders differed) are for the
review's leads and the round's coders, once the round is complete.

Round coders are coders of the review: someone who leaves the review or loses the coder role
leaves its open rounds too (coding.rounds.services.round_coder_leave), and a round compares
at least two coders, so an open round left with fewer cannot complete.
"""

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from coding.codings.policies import blind_cases
from coding.models import Case, CodingStatus, Role, Round, RoundCoding, RoundStatus
from coding.reviews.policies import review_roles

MIN_ROUND_CODERS = 2


def may_manage_rounds(user, review) -> bool:
    """Leads create rounds, see their progress and promote a complete round's codings."""
    return user.is_authenticated and Role.LEAD in review_roles(user, review)


def round_coder_candidates(review) -> QuerySet:
    """Who may code in the review's rounds: its coders (read afresh, not from the per-request
    roles cache, so a membership change is seen at once)."""
    return get_user_model().objects.filter(
        memberships__review=review, memberships__role=Role.CODER).distinct()


def may_code_in_rounds(user, review) -> bool:
    """The yes/no form of round_coder_candidates."""
    return user.is_authenticated and Role.CODER in review_roles(user, review)


def round_short_of_coders(round_: Round) -> bool:
    """An open round left with fewer than MIN_ROUND_CODERS coders (the others left the review
    or lost the coder role): it has nobody to compare and can never complete."""
    return not round_.is_complete and round_.coders.count() < MIN_ROUND_CODERS


def rounds_visible_to(user, review, rounds: QuerySet[Round] | None = None) -> QuerySet[Round]:
    """The review's rounds `user` may open: all for leads, their own rounds for coders."""
    rounds = Round.objects.filter(review=review) if rounds is None else rounds
    if not user.is_authenticated:
        return rounds.none()
    if may_manage_rounds(user, review):
        return rounds
    return rounds.filter(coders=user)


def round_visible_to(user, round_: Round) -> bool:
    return rounds_visible_to(user, round_.review, Round.objects.filter(pk=round_.pk)).exists()


def is_round_coder(user, round_: Round) -> bool:
    return user.is_authenticated and round_.coders.filter(pk=user.pk).exists()


def may_code_round_case(user, round_: Round, case: Case) -> bool:
    """The round's coders code each of its cases while the round is open (and while they are
    still coders of the review)."""
    return (
        not round_.is_complete
        and is_round_coder(user, round_)
        and may_code_in_rounds(user, round_.review)
        and round_.cases.filter(pk=case.pk).exists()
    )


def _someone_missing(round_ref, case_ref) -> Exists:
    """A coder of the round (`round_ref`) has not submitted the case (`case_ref`) in it."""
    submitted = RoundCoding.objects.filter(
        round=OuterRef("round"), case=OuterRef(case_ref), coder=OuterRef("user"),
        status=CodingStatus.SUBMITTED,
    )
    return Exists(Round.coders.through.objects.filter(round=round_ref).exclude(Exists(submitted)))


def round_cases_complete(round_: Round, cases: QuerySet[Case] | None = None) -> QuerySet[Case]:
    """The round's cases that every coder of the round has submitted."""
    cases = round_.cases.all() if cases is None else cases
    if not round_.coders.exists():
        return cases.none()
    return cases.filter(~_someone_missing(round_.pk, OuterRef("pk")))


def round_codings_visible_to(user, codings: QuerySet[RoundCoding]) -> QuerySet[RoundCoding]:
    """The round codings of `codings` whose values `user` may see: their own always; someone
    else's once every coder of the round submitted that case, for the review's leads and the
    round's coders, and never on a case `user` is blind on in the review's coding."""
    if not user.is_authenticated:
        return codings.none()
    others = (
        codings.filter(status=CodingStatus.SUBMITTED)
        .exclude(case__in=blind_cases(user))
        .filter(~_someone_missing(OuterRef("round"), OuterRef("case")))
    )
    if not user.is_superuser:
        others = others.filter(
            Q(round__review__memberships__user=user, round__review__memberships__role=Role.LEAD)
            | Q(round__coders=user)
        )
    return codings.filter(Q(coder=user) | Q(pk__in=others.values("pk")))


def round_coding_visible_to(user, coding: RoundCoding) -> bool:
    """The yes/no form of round_codings_visible_to."""
    return round_codings_visible_to(user, RoundCoding.objects.filter(pk=coding.pk)).exists()


def may_see_round_results(user, round_: Round) -> bool:
    """The round's reliability and its differing cases: once the round is complete, for the
    review's leads and the round's coders."""
    if not round_.is_complete or not user.is_authenticated:
        return False
    return user.is_superuser or may_manage_rounds(user, round_.review) or is_round_coder(
        user, round_)


def may_see_round_progress(user, round_: Round) -> bool:
    """Per-coder progress of an open round: for leads who do not code in it (a coder would
    learn whether the others have submitted)."""
    if round_.is_complete:
        return may_see_round_results(user, round_)
    return may_manage_rounds(user, round_.review) and not is_round_coder(user, round_)


def may_promote_round(user, round_: Round) -> bool:
    """A lead decides, once per complete round, to use its codings as the review's."""
    return (
        may_manage_rounds(user, round_.review)
        and round_.status == RoundStatus.COMPLETE
        and round_.promoted_at is None
    )


def round_blind_case_ids(user, round_: Round) -> set[int]:
    """The round's cases on which `user` may not see the others' round codings (the
    differences list leaves them out)."""
    visible = round_codings_visible_to(
        user, RoundCoding.objects.filter(round=round_).exclude(coder=user)
    ).values_list("case_id", flat=True)
    return set(round_.cases.exclude(pk__in=visible).values_list("pk", flat=True))


def get_round_for(user, review, number) -> Round:
    """The review's round `number` if `user` may open it, else 404 (no hint it exists)."""
    try:
        number = int(number)
    except (TypeError, ValueError):
        raise Http404("No such round") from None
    round_ = rounds_visible_to(user, review).select_related("codebook", "review").filter(
        number=number).first()
    if round_ is None:
        raise Http404("No such round")
    return round_
