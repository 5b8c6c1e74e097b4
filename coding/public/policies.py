"""What readers may see: a case's consensus is public once it is complete.

Readers (gallery, case page, dashboard, exports, public API) see a case's consensus values
only when both assigned coders have submitted and no disagreement of the case is open; a
lead reopening a coding takes the case out again. Until then the case is listed as "coding
in progress" with no values, and charts count only cases with complete consensus.

Readers never see who decided a consensus value nor why: not the adjudicator, not the
rationale (an adjudicator's reasoning, or in discussion mode the coders' thread with their
names), nor any member's name, username or e-mail address (READER_CONSENSUS_FIELDS,
may_see_decisions).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from coding.codings.policies import cases_with_complete_coding
from coding.models import Case, ConsensusValue, Disagreement, DisagreementStatus


def cases_with_public_consensus_rule(cases: QuerySet[Case]) -> QuerySet[Case]:
    """The rule, computed from the database: the cases of `cases` whose coding is complete
    and which have no open disagreement. Case.consensus_complete stores its answer."""
    open_ = Disagreement.objects.filter(case=OuterRef("pk"), status=DisagreementStatus.OPEN)
    return cases_with_complete_coding(cases).exclude(Exists(open_))


def consensus_is_public(case: Case) -> bool:
    """The rule for one case (the yes/no form of cases_with_public_consensus_rule)."""
    return cases_with_public_consensus_rule(Case.objects.filter(pk=case.pk)).exists()


def cases_with_public_consensus(cases: QuerySet[Case]) -> QuerySet[Case]:
    return cases.filter(consensus_complete=True)


def public_consensus_values(values: QuerySet[ConsensusValue]) -> QuerySet[ConsensusValue]:
    return values.filter(public_consensus_q())


def public_consensus_q(path_to_case: str = "case") -> Q:
    """The same rule as a Q object for querysets that reach the case through `path_to_case`,
    e.g. OptionThrough.objects.filter(public_consensus_q("consensusvalue__case"))."""
    return Q(**{f"{path_to_case}__consensus_complete": True})


# --- what readers see of a consensus value ---

# Everything a reader surface may show of a consensus value, and nothing else; the API's
# reader serializers are held to it when their class is made
# (coding.api.serializers.ReaderFieldsOnly). Left out for ever: who decided (`decided_by`)
# and why (`rationale`).
READER_CONSENSUS_FIELDS = frozenset({
    "case", "attribute", "value", "evidence", "note", "method", "decided_at", "version",
})


def may_see_decisions(user, review) -> bool:
    """Whether `user` may read who decided the consensus values of `review` and why (the
    rationale) beside the values: its leads and adjudicators, who read them on the
    adjudication page (coding.adjudication.policies.may_view_adjudication). Never a reader,
    signed in or not, nor a coder: in discussion mode the coders read their own threads on
    the discussion page, not on reader surfaces."""
    from coding.adjudication.policies import may_view_adjudication

    if user is None or not user.is_authenticated:
        return False
    return may_view_adjudication(user, review)


# --- which reader responses may be shared (cached per data version, answered with 304) ---

# Cookies that carry something of one person: a session (a member, or an anonymous visitor
# with state such as a pending message) or messages stored in a cookie.
PERSONAL_COOKIES = ("messages",)


def request_is_personal(request) -> bool:
    """Whether the answer to `request` is for one person: someone signed in (a session, or
    an API token the API has authenticated) or a request with API credentials (valid or
    not). Such an answer is never kept by a shared cache: coding.middleware.private_responses
    marks every one of them `Cache-Control: private`, whatever page or endpoint made it."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return "HTTP_AUTHORIZATION" in request.META


def request_may_share(request) -> bool:
    """The request half of may_share_response, answered without a query: a GET or HEAD by
    an anonymous reader who sends no session, no messages and no API credentials. Anything
    else is personal: a member's page (roles, unpublished data, documents only members see)
    must never be served to someone else, nor 304'd on another person's ETag."""
    from django.conf import settings

    if request.method not in ("GET", "HEAD"):
        return False
    if request_is_personal(request):
        return False
    cookies = request.COOKIES
    return not any(name in cookies for name in (settings.SESSION_COOKIE_NAME,
                                                *PERSONAL_COOKIES))


def may_share_response(request, review) -> bool:
    """The one rule of what may be cached and shared between readers, asked by every reader
    surface (gallery, case page, dashboard and its CSVs, the public API) through
    coding.public.responses: an anonymous reader's request (request_may_share) of a
    published review. A withdrawn review is never served from the cache: `review` is read
    for each request, and withdrawing also changes its data version."""
    return request_may_share(request) and review.is_published
