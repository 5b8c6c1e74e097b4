"""Who may import files into a review from the browser: whoever may open its Import page
(coding.reviews.policies.PAGE_ROLES: the leads, who run the import commands too); and which
import jobs a lead may read. A codings file names other people's codings, and its check's
counts, lists and refusal speak of the codings it would replace: another lead's codings jobs
are not read by a lead who is blind on a case of the review (coding.codings.policies), so a
lead who codes learns nothing of the other coding of their case through them. Their own jobs
never name another's coding of a case they are blind on (import_codings_refused)."""

from django.db.models import Q, QuerySet

from coding.codings.policies import blind_cases
from coding.models import ImportJob, ImportKind, Review
from coding.reviews.policies import pages_open_to


def may_import(user, review: Review) -> bool:
    return "imports" in pages_open_to(user, review)


def import_jobs_hidden_q(user) -> Q:
    """The jobs `user` may not read even where they import: codings jobs someone else
    uploaded (or whose uploader is gone) into a review where `user` is blind on a case."""
    return (Q(kind=ImportKind.CODINGS, review__in=blind_cases(user).values("review"))
            & ~Q(created_by=user))


def import_jobs_visible_to(user, jobs: QuerySet[ImportJob]) -> QuerySet[ImportJob]:
    """The jobs of `jobs` (of reviews `user` may import into) that `user` may read."""
    if not user.is_authenticated:
        return jobs.none()
    return jobs.exclude(import_jobs_hidden_q(user))


def import_job_visible_to(user, job: ImportJob) -> bool:
    """A review's import jobs are seen by those who may import into it, less the other leads'
    codings jobs while `user` is blind on a case of it (the yes/no form)."""
    return may_import(user, job.review) and import_jobs_visible_to(
        user, ImportJob.objects.filter(pk=job.pk)).exists()
