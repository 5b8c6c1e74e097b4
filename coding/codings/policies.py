"""Who may see a coding (the blind-coding rule)."""

from coding.models import (
    Assignment,
    Coding,
    CodingStatus,
    Role,
)
from coding.reviews.policies import review_roles


def coding_visible(*, user, coding: Coding) -> bool:
    """Whether `user` may see `coding`'s values (the blind-coding rule).

    Its coder always may. Anyone assigned to the same case (whatever other roles they
    hold) only once every assigned coder has submitted. Leads and adjudicators once it
    is submitted. Nobody else.
    """
    if not user.is_authenticated:
        return False
    if coding.coder_id == user.pk:
        return True
    assigned = set(Assignment.objects.filter(case=coding.case_id).values_list("coder", flat=True))
    if user.pk in assigned:
        submitted = Coding.objects.filter(
            case=coding.case_id, coder__in=assigned, status=CodingStatus.SUBMITTED
        ).count()
        return len(assigned) >= 2 and submitted == len(assigned) and coding.is_submitted
    roles = review_roles(user, coding.case.review)
    return bool(roles & {Role.LEAD, Role.ADJUDICATOR}) and coding.is_submitted
