"""Rows made once for a whole test module, as Django's TestCase.setUpTestData makes them."""

import sys
from contextlib import contextmanager

from django.db import transaction
from django.test import override_settings

# The function-scoped overrides (tests/conftest.py) are not active yet at module scope.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@contextmanager
def rows_for_module(django_db_blocker, make):
    """What `make()` returns, made in a transaction that is rolled back when the module ends.
    Each test's own transaction (the `db` fixture) is a savepoint inside it, so whatever a
    test changes is still undone before the next one."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHERS):
        outer = transaction.atomic()
        outer.__enter__()
        try:
            data = make()
        except BaseException:
            outer.__exit__(*sys.exc_info())
            raise
    try:
        yield data
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
