"""Reads of browser imports: a review's recent jobs, one job for a lead (or 404)."""

from django.http import Http404

from coding.imports.policies import import_job_visible_to, import_jobs_visible_to
from coding.models import ImportJob, Review

RECENT = 20


def recent_import_jobs(*, review: Review, user) -> list[ImportJob]:
    """The review's latest jobs `user` may read (coding.imports.policies)."""
    return list(import_jobs_visible_to(user, ImportJob.objects.filter(review=review))
                .select_related("created_by")[:RECENT])


def import_job_for(*, user, review: Review, pk: int) -> ImportJob:
    job = ImportJob.objects.select_related("review", "created_by").filter(
        review=review, pk=pk).first()
    if job is None or not import_job_visible_to(user, job):
        raise Http404("No such import")
    return job


def import_job_state(job: ImportJob) -> dict:
    """What the page's script polls: the state, and while running how far it is (kept beside
    the file, see coding.imports.services)."""
    from coding.imports.services import import_job_progress

    return {"status": job.status, **import_job_progress(job)}


def import_limits() -> dict:
    """The limits the Import page states (coding.input_limits, the settings)."""
    from django.conf import settings

    from coding.input_limits import CSV_CELL_MAX, XLSX_LIMITS

    numbers = {"mb": settings.IMPORT_MAX_MB, "cell": CSV_CELL_MAX, **XLSX_LIMITS}
    return {name: f"{value:,}" for name, value in numbers.items()}


def import_detail(summary: dict) -> dict:
    """The case-by-case part of a job's preview or result, with how many more each list
    stands for ("and 12 more"): the importers name the first few (DETAIL_MAX) only."""
    if not summary or "added" not in summary:
        return {}
    added, changed = summary.get("added", []), summary.get("changed", [])
    replaced = summary.get("replaced", [])
    # Jobs checked before the importer refused other coders' codings of the lead's blind
    # cases (coding.codings.policies.import_codings_refused) stored how many it left out.
    hidden = summary.get("hidden") or {"added": 0, "replaced": 0}
    return {
        "sheet": summary.get("sheet"),
        "cases": "changed" in summary,
        "added": added,
        "added_more": summary.get("created", 0) - len(added) - hidden["added"],
        "changed": changed, "changed_more": summary.get("updated", 0) - len(changed),
        "replaced": replaced,
        "replaced_more": summary.get("updated", 0) - len(replaced) - hidden["replaced"],
        "unchanged": summary.get("unchanged", 0),
        "hidden": hidden["added"] + hidden["replaced"],
    }
