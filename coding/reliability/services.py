"""Reliability snapshots: asking for one when submitted codings change, and computing it in a
background task (coding/reliability/tasks.py), once per state of the codings.

Every service that changes what the figures or coder drift are computed from (submitted
codings of complete cases, assignments of such cases, consensus of public cases, the codebook)
calls `reliability_changed` inside its transaction: it bumps the review's reliability_version
(one atomic UPDATE, as review_data_changed does for data_version), so that a page or a status
poll compares one number with the snapshot's. Once the transaction commits,
`reliability_snapshot_request` finds or creates the snapshot row of the new version (unique per
review and version) and, only if it created it, queues the task. The task claims the row with a
compare-and-swap update, so that however many triggers, page views and workers meet, each
version is computed once.

Blind coding: a submission moves the version only once it completes its case, and a reopening
only if its case was complete (coding.codings.services), so the status a lead who codes sees
("being updated") says nothing about a case they are blind on.
"""

from __future__ import annotations

import ctypes
import gc
import logging
import time
from datetime import timedelta
from functools import partial

import orjson
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, JSONField, TextField, Value
from django.db.models.functions import Cast
from django.utils import timezone

from coding.models import ReliabilitySnapshot, Review, SnapshotStatus
from coding.reliability.drift import drift_snapshot, snapshot_values
from coding.reliability.selectors import (
    previous_report,
    reliability_version,
    report_digest,
    snapshot_report,
)

logger = logging.getLogger(__name__)


def _request_after_commit(review_id: int) -> None:
    review = Review.objects.filter(pk=review_id).first()
    if review is not None:
        reliability_snapshot_request(review=review)


def reliability_changed(*, review: Review | int) -> None:
    """Call inside the transaction of every change to what the figures or coder drift are
    computed from: bumps the review's reliability_version, and after the commit a snapshot of
    the new version is queued (neither if it rolls back). Calling it several times in one
    transaction bumps several times, and still queues one snapshot (of the last version)."""
    review_id = review.pk if isinstance(review, Review) else review
    Review.objects.filter(pk=review_id).update(reliability_version=F("reliability_version") + 1)
    if isinstance(review, Review):
        # Deferred: read again on access, and left out of a later save() of this instance.
        review.__dict__.pop("reliability_version", None)
    transaction.on_commit(partial(_request_after_commit, review_id), robust=True)


def _lost(snapshot: ReliabilitySnapshot) -> bool:
    """Queued or running for longer than any computation takes: its worker stopped, or its
    task never reached the queue."""
    limit = timezone.now() - timedelta(minutes=settings.RELIABILITY_TASK_TIMEOUT_MINUTES)
    if snapshot.status == SnapshotStatus.PENDING:
        return snapshot.requested_at < limit
    if snapshot.status == SnapshotStatus.RUNNING:
        return (snapshot.started_at or snapshot.requested_at) < limit
    return False


def _enqueue(snapshot: ReliabilitySnapshot) -> None:
    from coding.reliability.tasks import compute_reliability_snapshot

    def enqueue() -> None:
        try:
            compute_reliability_snapshot.enqueue(snapshot_id=snapshot.pk)
        except Exception:
            # The row stays pending and is queued again once it counts as lost.
            logger.exception("Could not queue reliability snapshot %s", snapshot.pk)

    transaction.on_commit(enqueue)


def reliability_snapshot_request(*, review: Review) -> ReliabilitySnapshot:
    """The snapshot of the review's current version, queued for computation if it is new.

    Idempotent and cheap (two lookups). Called after the commit of every change
    (`reliability_changed`) and by the worker's recovery for every review
    (`reliability_snapshots_recover`), so that a version whose request was lost (a crash
    between the commit and the request) is still computed; never by a page or the API, which
    only read (`selectors.reliability_snapshot_state`). A change made around the services (e.g.
    a level edited in the shell) is picked up once someone calls `reliability_changed` for the
    review (the admin does on every save). A snapshot that was superseded is queued again if
    its version is current again (it cannot be, unless the snapshot was requested early).
    """
    version = reliability_version(review=review)
    snapshot = ReliabilitySnapshot.objects.filter(review=review, version=version).first()
    if snapshot is None:
        try:
            with transaction.atomic():
                snapshot = ReliabilitySnapshot.objects.create(review=review, version=version)
        except IntegrityError:
            # Another trigger created it a moment ago and queued it: computed once.
            return ReliabilitySnapshot.objects.get(review=review, version=version)
        _enqueue(snapshot)
        return snapshot
    if snapshot.status == SnapshotStatus.SUPERSEDED:
        _requeue(snapshot)
    return snapshot


def _requeue(snapshot: ReliabilitySnapshot) -> bool:
    # Compare-and-swap: of two requests that find it lost or superseded, one queues it again.
    requeued = ReliabilitySnapshot.objects.filter(
        pk=snapshot.pk, status=snapshot.status, requested_at=snapshot.requested_at
    ).update(status=SnapshotStatus.PENDING, requested_at=timezone.now(), started_at=None)
    snapshot.refresh_from_db()
    if requeued:
        _enqueue(snapshot)
    return bool(requeued)


def reliability_snapshots_recover() -> int:
    """Queue again every snapshot queued or running for longer than any computation takes
    (its worker stopped, or its task never reached the queue), and ask for the snapshot of
    every review's current state that nobody asked for. Run by the worker's recovery and by
    `manage.py recover_background_jobs`, never by a page. How many were queued."""
    since = timezone.now()
    queued = _requeue_lost()
    for review in Review.objects.all():
        snapshot = reliability_snapshot_request(review=review)
        if snapshot.status == SnapshotStatus.PENDING and snapshot.requested_at >= since:
            queued.add(snapshot.pk)
    return len(queued)


def _requeue_lost() -> set[int]:
    candidates = ReliabilitySnapshot.objects.filter(  # few: one a review at most, mostly
        status__in=[SnapshotStatus.PENDING, SnapshotStatus.RUNNING])
    queued = set()
    for snapshot in candidates:
        if _lost(snapshot) and _requeue(snapshot):
            logger.warning("Reliability snapshot %s was lost; queued again", snapshot.pk)
            queued.add(snapshot.pk)
    return queued


def reliability_snapshot_compute(*, snapshot_id: int) -> ReliabilitySnapshot | None:
    """Compute a queued snapshot (the background task's body): the figures and coder drift.
    Does nothing if another worker has claimed it or it is done; marks it superseded, without
    computing, if the review's version has moved on since it was asked for (the change queued
    a snapshot of its own)."""
    claimed = ReliabilitySnapshot.objects.filter(
        pk=snapshot_id, status=SnapshotStatus.PENDING
    ).update(status=SnapshotStatus.RUNNING, started_at=timezone.now())
    snapshot = ReliabilitySnapshot.objects.filter(pk=snapshot_id).select_related("review").first()
    if not claimed or snapshot is None:
        return snapshot
    started = time.perf_counter()
    review = snapshot.review
    try:
        # One transaction, so that SQLite reads one state; on PostgreSQL the version read after
        # the data tells whether a change committed while the data were being read (every
        # change bumps it in its own transaction).
        # The values are read once for both; the figures are computed first, so that their
        # tables are let go before drift's per-case values and arrays are made.
        with transaction.atomic():
            current = reliability_version(review=review) == snapshot.version
            report = drift = None
            if current:
                values = snapshot_values(review=review)
                data = values.report_data()
                digest = report_digest(data=data)
                # No figure's data changed since the last snapshot: its report stands.
                report = (previous_report(review=review, digest=digest)
                          or snapshot_report(data=data))
                del data
                stored = values.per_case()
                del values
                _release_freed_memory()
                drift = drift_snapshot(review=review, stored=stored)
                del stored
                drift[1]["digests"]["report"] = digest
            current = current and reliability_version(review=review) == snapshot.version
        if drift is not None:
            # Drift's threads' memory too, so that the next snapshot starts low; after the
            # transaction (on SQLite it holds the write lock, which others' requests wait for).
            _release_freed_memory()
        if not current:
            _finish(snapshot, SnapshotStatus.SUPERSEDED, started)
            return snapshot
    except Exception as error:
        _finish(snapshot, SnapshotStatus.FAILED, started, error=f"{type(error).__name__}: {error}")
        raise
    if _finish(snapshot, SnapshotStatus.READY, started, report=report, drift=drift):
        # Older snapshots of the review are of no further use once this one is ready.
        ReliabilitySnapshot.objects.filter(
            review=review, requested_at__lt=snapshot.requested_at,
            status__in=[SnapshotStatus.READY, SnapshotStatus.SUPERSEDED, SnapshotStatus.FAILED],
        ).delete()
    return snapshot


def _release_freed_memory() -> None:
    """Hand memory the process has freed back to the system before drift's arrays are made
    (glibc keeps it for the process otherwise, and new large arrays are mapped beside it):
    at 50,000 cases a cold snapshot's peak went from 422-455 MB to 397-415 MB in
    bench/snapshot.py. Does nothing where the C library is not glibc."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _finish(snapshot: ReliabilitySnapshot, status: str, started: float, *, report=None,
            drift: tuple[dict, list] | None = None, error: str = "") -> bool:
    snapshot.status, snapshot.report, snapshot.error = status, report, error[:2000]
    snapshot.drift, snapshot.drift_codings = drift if drift is not None else (None, None)
    snapshot.finished_at = timezone.now()
    snapshot.duration = round(time.perf_counter() - started, 3)
    # Only the worker that claimed it writes the outcome (a lost task may have been requeued).
    return bool(ReliabilitySnapshot.objects.filter(
        pk=snapshot.pk, status=SnapshotStatus.RUNNING
    ).update(status=status, report=_json(report), error=snapshot.error,
             drift=_json(snapshot.drift), drift_codings=_json(snapshot.drift_codings),
             finished_at=snapshot.finished_at, duration=snapshot.duration))


def _json(value):
    """A JSON column's new value, written by orjson rather than by the field's json.dumps:
    the worker's time for writing a snapshot at 50,000 cases (23 MB of JSON) went from
    0.5 s to 0.2 s. The same JSON: plain dicts, lists, strings and numbers."""
    if value is None:
        return None
    text = orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()
    return Cast(Value(text, output_field=TextField()), JSONField())
