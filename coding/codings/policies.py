"""Who may see a coding: the blind-coding rule, for one coding and for querysets.

A person is *blind on a case* while they are one of its coders (assigned to it, or holding
a coding of it) and its coding is not complete (fewer than two assigned coders, or an
assigned coder who has not submitted). Whatever other roles they hold (lead, adjudicator,
superuser), a person blind on a case learns nothing about anyone else's coding of it: not
its values, not its state, not that it exists. Every page, API view, admin class, audit
log, filter and count asks the functions here.

Once a case's coding is complete, its assigned coders see each other's submitted coding (in
both resolution modes); discussion mode (coding.adjudication.policies) builds on exactly this:
its pages and API show a coder the other's values only for disagreements, which exist only
once both have submitted.

The rule is written once for any double-blind work (items_with_complete_work, blind_items):
eligibility screening asks it for the records of a stage (coding.screening.policies).
"""

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from coding.models import Assignment, Case, Coding, CodingStatus, Membership, Role
from coding.reviews.policies import review_roles

# Each case is coded by two people; "complete" presumes it.
CODERS_PER_CASE = 2


def _submitted_by_assigned(item_ref: str, *, item: str, person: str,
                           assignments: QuerySet, submissions: QuerySet) -> Coalesce:
    submitted = (
        submissions.filter(**{item: OuterRef(item_ref)})
        .filter(Exists(assignments.filter(**{item: OuterRef(item), person: OuterRef(person)})))
        .order_by().values(item).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(submitted, output_field=IntegerField()), 0)


def _assigned(item_ref: str, *, item: str, assignments: QuerySet) -> Coalesce:
    assigned = (
        assignments.filter(**{item: OuterRef(item_ref)})
        .order_by().values(item).annotate(n=Count("pk")).values("n")
    )
    return Coalesce(Subquery(assigned, output_field=IntegerField()), 0)


def items_with_complete_work(items: QuerySet, *, item: str, person: str,
                             assignments: QuerySet, submissions: QuerySet,
                             per_item: int = CODERS_PER_CASE) -> QuerySet:
    """The blind rule's "complete", for any double-blind work: the items of `items` whose
    assigned people (at least `per_item`) have all submitted. `assignments` are the rows
    saying who is assigned to which item and `submissions` the submitted work, both with a
    foreign key `item` to the item and `person` to the person. The review's coding asks it
    with cases, Assignment and submitted Codings (cases_with_complete_coding); screening
    with the records of one stage, that stage's ScreeningAssignments and ScreeningDecisions
    (coding.screening.policies)."""
    return _with_work_counts(items, item=item, person=person, assignments=assignments,
                             submissions=submissions).filter(_complete(per_item))


def _with_work_counts(items: QuerySet, *, item: str, person: str, assignments: QuerySet,
                      submissions: QuerySet) -> QuerySet:
    return items.alias(
        _n_assigned=_assigned("pk", item=item, assignments=assignments),
        _n_submitted=_submitted_by_assigned("pk", item=item, person=person,
                                            assignments=assignments, submissions=submissions),
    )


def _complete(per_item: int) -> Q:
    """Of _with_work_counts' items: those whose work is complete (both counts are numbers,
    never NULL, so its negation is "not complete")."""
    return Q(_n_assigned__gte=per_item) & Q(_n_submitted=F("_n_assigned"))


def blind_items(user, items: QuerySet, *, item: str, person: str, assignments: QuerySet,
                submissions: QuerySet, work: QuerySet | None = None) -> QuerySet:
    """The items of `items` `user` is blind on (see the module docstring), for any
    double-blind work (arguments as items_with_complete_work; `work` is every row of the
    work, drafts included, default `submissions`): those they are assigned to or hold work
    on, less those whose work is complete."""
    if not user.is_authenticated:
        return items.none()
    work = submissions if work is None else work
    theirs = items.filter(
        Q(Exists(assignments.filter(**{item: OuterRef("pk"), person: user})))
        | Q(Exists(work.filter(**{item: OuterRef("pk"), person: user})))
    )
    # Completeness counted on their items alone, after the cheap test of being theirs: as a
    # subquery of every item, it was counted for the whole table on each call (0.45-0.9 s at
    # 50,000 cases, whoever asked).
    return _with_work_counts(theirs, item=item, person=person, assignments=assignments,
                             submissions=submissions).exclude(_complete(CODERS_PER_CASE))


# The review's coding, as items_with_complete_work and blind_items take it.
_CODING = {"item": "case", "person": "coder"}


def _coding_rows() -> dict:
    return {**_CODING, "assignments": Assignment.objects.all(),
            "submissions": Coding.objects.filter(status=CodingStatus.SUBMITTED)}


def cases_with_complete_coding(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases whose assigned coders (at least two) have all submitted."""
    return items_with_complete_work(cases, **_coding_rows())


def coding_complete(case: Case) -> bool:
    """Whether every assigned coder (at least two) of `case` has submitted."""
    return cases_with_complete_coding(Case.objects.filter(pk=case.pk)).exists()


def blind_cases(user) -> QuerySet[Case]:
    """The cases `user` is blind on (see the module docstring)."""
    return blind_items(user, Case.objects.all(), work=Coding.objects.all(), **_coding_rows())


def is_blind_on(user, case: Case) -> bool:
    return blind_cases(user).filter(pk=case.pk).exists()


def codings_visible_to(user, codings: QuerySet[Coding]) -> QuerySet[Coding]:
    """The codings of `codings` whose values `user` may see.

    Their own, always. Someone else's only once it is submitted, only in reviews where the
    user leads, adjudicates or codes that case, and never on a case the user is blind on.
    Superusers count as leads of every review.
    """
    if not user.is_authenticated:
        return codings.none()
    others = codings.filter(status=CodingStatus.SUBMITTED).exclude(
        case__in=blind_cases(user)
    )
    if not user.is_superuser:
        others = others.filter(
            Q(case__review__memberships__user=user,
              case__review__memberships__role__in=[Role.LEAD, Role.ADJUDICATOR])
            | Q(case__assignments__coder=user)
        )
    return codings.filter(Q(coder=user) | Q(pk__in=others.values("pk")))


def coding_visible_to(user, coding: Coding) -> bool:
    """Whether `user` may see `coding`'s values (the yes/no form of codings_visible_to)."""
    if not user.is_authenticated:
        return False
    if coding.coder_id == user.pk:
        return True
    if not coding.is_submitted:
        return False
    if not user.is_superuser:
        roles = review_roles(user, coding.case.review)
        assigned = Assignment.objects.filter(case=coding.case_id, coder=user).exists()
        if not (roles & {Role.LEAD, Role.ADJUDICATOR} or assigned):
            return False
    return not is_blind_on(user, coding.case)


def cases_to_code(user, cases: QuerySet[Case]) -> QuerySet[Case]:
    """The cases of `cases` that `user` may code: those assigned to them in reviews where
    they hold the coder role. Someone who loses the role keeps their assignments (a lead
    reassigns the cases) but codes no more, on the pages and in the API alike; the blind
    rule still counts them as the case's coder (blind_cases)."""
    if not user.is_authenticated:
        return cases.none()
    return cases.filter(
        Exists(Assignment.objects.filter(case=OuterRef("pk"), coder=user)),
        Exists(Membership.objects.filter(review=OuterRef("review"), user=user, role=Role.CODER)),
    )


def may_code(user, case: Case) -> bool:
    return cases_to_code(user, Case.objects.filter(pk=case.pk)).exists()


def codings_user_may_reopen(user, codings: QuerySet[Coding]) -> QuerySet[Coding]:
    """The codings of `codings` that `user` may reopen (make a draft again): submitted ones
    they may see (codings_visible_to: never another coder's of a case they are blind on), in
    reviews they lead."""
    if not user.is_authenticated:
        return codings.none()
    return codings_visible_to(user, codings).filter(
        status=CodingStatus.SUBMITTED,
        case__review__in=Membership.objects.filter(user=user, role=Role.LEAD).values("review"),
    )


def may_reopen_coding(user, coding: Coding) -> bool:
    """Leads of the review reopen a submitted coding (it becomes a draft again), but not one
    they may not see: a lead who codes a case is blind on it like any coder, so the other
    coding of it does not exist for them (the yes/no form of codings_user_may_reopen)."""
    return (
        coding.is_submitted
        and Role.LEAD in review_roles(user, coding.case.review)
        and coding_visible_to(user, coding)
    )


def may_unassign(user, case: Case, coder) -> bool:
    """Whether `user` (a lead) may take `coder` off `case`. Not the other coder of a case the
    user is blind on: whether that coder has submitted (then they stay assigned) must not show
    in the answer, so a lead never removes the other coder of a case they code."""
    if user is None or coder.pk == user.pk:
        return True
    return not is_blind_on(user, case)


def import_coders_refused(review, usernames: list[str]) -> list[str]:
    """Of `usernames` (in file order), those a lead's codings import may not name: anyone who
    does not hold the coder role in `review`. An import attributes submitted codings to the
    accounts it names, so it names only people who already code the review."""
    coders = set(Membership.objects.filter(
        review=review, role=Role.CODER, user__username__in=usernames
    ).values_list("user__username", flat=True))
    return [name for name in usernames if name not in coders]


def import_blind_cases(user, review) -> QuerySet[Case]:
    """The cases of `review` that a codings import by `user` (a lead's, from the Import page)
    treats as blind: those `user` is blind on when it starts. It writes nobody else's coding
    of them (import_codings_refused), and its figures (cases compared, open disagreements)
    leave them out, so that its answer is the same whatever the other coder did. None for an
    import without a person (the import_codings command, run by whoever runs the server)."""
    if user is None:
        return Case.objects.none()
    return blind_cases(user).filter(review=review)


def import_codings_refused(user, review, codings: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Of the (case number, username) codings a lead's import names (in file order), those it
    may not write: anyone else's coding of a case `user` is blind on (import_blind_cases).
    Decided from who codes which case, before any coding is read, so that the refusal is the
    same whether that coding does not exist, is a draft or is submitted."""
    numbers = {number for number, _ in codings}
    blind = set(import_blind_cases(user, review).filter(number__in=numbers)
                .values_list("number", flat=True)) if numbers else set()
    return [(number, username) for number, username in codings
            if number in blind and username != user.get_username()]
