"""Which audit events a person may see.

A review's leads read its audit log (superusers read every log): who saved, submitted,
reopened or decided what and when, never a draft's values. Events about someone else's
coding of a case the reader is blind on (coding.codings.policies), and about the case's
disagreements and their threads, are left out, so a lead who also codes a case learns nothing
from the log about the other coding of it until both have submitted. The same holds for a
calibration round's codings (coding.rounds.policies), for screening decisions on a record
the reader is blind on at that stage (coding.screening.policies), and for another lead's
codings imports while the reader is blind on a case of the review (coding.imports.policies).
"""

from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast

from coding.codings.policies import blind_cases
from coding.imports.policies import import_jobs_hidden_q
from coding.models import AuditEvent, Coding, Disagreement, ImportJob, Review, Role, RoundCoding
from coding.reviews.policies import review_roles
from coding.rounds.policies import round_codings_visible_to
from coding.screening.policies import audit_hidden_q

CODING_TYPE = Coding._meta.label_lower
DISAGREEMENT_TYPE = Disagreement._meta.label_lower
ROUND_CODING_TYPE = RoundCoding._meta.label_lower
IMPORT_JOB_TYPE = ImportJob._meta.label_lower


def may_read_audit_log(user, review: Review) -> bool:
    return user.is_superuser or Role.LEAD in review_roles(user, review)


def audit_events_visible_to(user, events: QuerySet[AuditEvent]) -> QuerySet[AuditEvent]:
    """The events of `events` that `user` may see (their reviews' logs, minus events about
    other people's codings of the cases they are blind on)."""
    if not user.is_authenticated:
        return events.none()
    if not user.is_superuser:
        events = events.filter(review__memberships__user=user, review__memberships__role=Role.LEAD)
    hidden = (
        Coding.objects.filter(case__in=blind_cases(user)).exclude(coder=user)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    # A disagreement's events (detection, its thread: comments, proposals, escalation) carry
    # both coders' values; they exist only once both submitted, but a reopened coding makes
    # its coder's partner blind again until it is resubmitted.
    hidden_disagreements = (
        Disagreement.objects.filter(case__in=blind_cases(user))
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    # A calibration round's codings: none about another coder's round coding of a case the
    # reader codes in that round (or is blind on in the review) before they may see it.
    others = RoundCoding.objects.exclude(coder=user).filter(
        Q(round__coders=user) | Q(case__in=blind_cases(user)))
    # Read as a list: calibration rounds are small, and nesting this rule in the log's query
    # (itself nested in the admin's filters) is deeper than SQLite's parser allows.
    hidden_rounds = [
        str(pk) for pk in others.exclude(
            pk__in=round_codings_visible_to(user, others).values("pk")
        ).values_list("pk", flat=True)
    ]
    # Another lead's codings imports (their counts speak of the codings they replace) in a
    # review where the reader is blind on a case (coding.imports.policies).
    hidden_imports = (
        ImportJob.objects.filter(import_jobs_hidden_q(user))
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    return (
        events.exclude(object_type=CODING_TYPE, object_id__in=hidden)
        .exclude(object_type=IMPORT_JOB_TYPE, object_id__in=hidden_imports)
        .exclude(object_type=DISAGREEMENT_TYPE, object_id__in=hidden_disagreements)
        .exclude(object_type=ROUND_CODING_TYPE, object_id__in=hidden_rounds)
        # Screening: events about a record the reader is blind on at that stage.
        .exclude(audit_hidden_q(user))
    )
