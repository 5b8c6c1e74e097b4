"""What readers may see: a case's consensus is public once it is complete.

Readers (gallery, case page, dashboard, exports, public API) see a case's consensus values
only when both assigned coders have submitted and no disagreement of the case is open; a
lead reopening a coding takes the case out again. Until then the case is listed as "coding
in progress" with no values, and charts count only cases with complete consensus.
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
