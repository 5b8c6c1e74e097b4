"""Background tasks of reliability (Django's task API through django-tasks; run by
`manage.py db_worker`)."""

from django_tasks import task

from coding.reliability.services import reliability_snapshot_compute


@task()
def compute_reliability_snapshot(snapshot_id: int) -> str | None:
    """Compute one queued reliability snapshot; returns its status (ready, superseded, or
    the status another worker left it in)."""
    snapshot = reliability_snapshot_compute(snapshot_id=snapshot_id)
    return snapshot.status if snapshot is not None else None
