"""The one lock order for a case's rows, and what a transaction the database aborted answers.

Every service that changes a case's codings, disagreements or consensus locks the case row
first (`case_lock`; `cases_lock` for many, in id order), inside its transaction and before
it writes anything else, then its children in a fixed order: the case, its codings, its
disagreements, its consensus values, and last the review (`review_data_changed`). Two
services on one case then queue on the case row instead of each holding a row the other
waits for (a decision locked the disagreement, then wanted the case; a resubmission locked
the case, then wanted the disagreement: PostgreSQL answered "deadlock detected").

Should PostgreSQL still abort a transaction as a deadlock or a serialization failure (or
SQLite give up waiting for its write lock), the outermost service retries it once
(`retry_on_lock_conflict`); otherwise the page (coding.middleware.DatabaseRefusalMiddleware) and the
API (coding.api.errors) answer 409 with LOCK_CONFLICT_MESSAGE, never 500.

A statement the web server's connection ran past its time limit (PostgreSQL's
statement_timeout, set for gunicorn's connections: README, "Production") is stopped by the
database; the page and the API answer 503 with TOO_SLOW_MESSAGE (`is_statement_timeout`).
"""

from __future__ import annotations

import functools
import logging

from django.db import OperationalError, connection
from django.utils.translation import gettext_lazy as _

from coding.models import Case

logger = logging.getLogger(__name__)

LOCK_CONFLICT_MESSAGE = _(
    "Someone else changed this case at the same moment, so your change was not saved. "
    "Please try again."
)
# PostgreSQL's codes for a transaction it aborted so that another could go on.
RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
# PostgreSQL's query_canceled: here, a statement stopped at the connection's statement_timeout.
QUERY_CANCELED_SQLSTATE = "57014"
# What a stopped statement's answer tells the client to wait before asking again (seconds).
TOO_SLOW_RETRY_AFTER = 30
TOO_SLOW_MESSAGE = _(
    "This took the database too long, so it was stopped before it could slow the site down "
    "for everyone. Try again in a moment; if you were saving something, first check whether "
    "it was saved. If it happens again, tell the site's administrator what you asked for."
)


def case_lock(case: Case | int) -> None:
    """Lock the case's row until the caller's transaction ends (PostgreSQL; SQLite's
    IMMEDIATE transactions hold the whole database's write lock anyway). FOR NO KEY
    UPDATE: services queue on it, while rows that merely reference the case (a coding's
    insert) do not wait."""
    case_id = case.pk if isinstance(case, Case) else case
    list(Case.objects.select_for_update(no_key=True).filter(pk=case_id).values_list("pk"))


def cases_lock(cases) -> None:
    """Lock many cases' rows, in id order (so that two such transactions never wait for each
    other crosswise): `cases` is a queryset of cases (e.g. every case of a review) or ids."""
    if not hasattr(cases, "model"):
        cases = Case.objects.filter(pk__in=list(cases))
    list(cases.select_for_update(no_key=True).order_by("pk").values_list("pk"))


def _sqlstate(error: BaseException) -> str | None:
    return getattr(error.__cause__, "sqlstate", None)


def is_retryable(error: BaseException) -> bool:
    """A transaction PostgreSQL aborted in favour of another: running it again may succeed."""
    return isinstance(error, OperationalError) and _sqlstate(error) in RETRYABLE_SQLSTATES


def is_lock_conflict(error: BaseException) -> bool:
    """An error that says only that others were writing at the same time (answered 409)."""
    if not isinstance(error, OperationalError):
        return False
    return is_retryable(error) or "database is locked" in str(error)


def is_statement_timeout(error: BaseException) -> bool:
    """A statement the database stopped because it ran past the connection's time limit."""
    return isinstance(error, OperationalError) and _sqlstate(error) == QUERY_CANCELED_SQLSTATE


def retry_on_lock_conflict(service):
    """Run the service again, once, when the database aborted its transaction as a deadlock
    or a serialization failure. Only the outermost transaction can be run again: called
    inside another one, the service leaves the error to its caller."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        if connection.in_atomic_block:
            return service(*args, **kwargs)
        try:
            return service(*args, **kwargs)
        except OperationalError as error:
            if not is_retryable(error):
                raise
            logger.warning("%s: %s; running it again", service.__qualname__, error)
        return service(*args, **kwargs)

    return run
