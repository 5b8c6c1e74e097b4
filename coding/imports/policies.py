"""Who may import files into a review from the browser: whoever may open its Import page
(coding.reviews.policies.PAGE_ROLES: the leads, who run the import commands too)."""

from coding.models import ImportJob, Review
from coding.reviews.policies import pages_open_to


def may_import(user, review: Review) -> bool:
    return "imports" in pages_open_to(user, review)


def import_job_visible_to(user, job: ImportJob) -> bool:
    """A review's import jobs are seen by those who may import into it."""
    return may_import(user, job.review)
