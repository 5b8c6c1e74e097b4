"""Named actors and shared fixtures.

Alice (coder_a) and Bob (coder_b) code the same cases; Ada adjudicates; Lena leads;
Charlie (outsider) has an account but no role in the review.
"""

import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the main thread; Django must be told
# that ORM calls from tests using `page` together with `live_server` are fine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from django.core.management import call_command  # noqa: E402

from coding.models import Review, Role  # noqa: E402
from tests import factories  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent


def pytest_collection_modifyitems(config, items):
    """Browser tests run when Chromium is installed; with REQUIRE_BROWSER=1 (CI) a
    missing browser is an error, never a silent skip."""
    if os.path.exists(CHROMIUM) or shutil.which("chromium"):
        return
    if os.environ.get("REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def collectstatic(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """(STATIC_ROOT, the finished process): `manage.py collectstatic` run once per test run
    with DEBUG off, as production runs it (whitenoise's compressed, hashed files). The test
    of its output and every production-mode server (gunicorn) share it: each run costs
    seconds of CPU, and its output depends only on the code, not on the test."""
    root = tmp_path_factory.mktemp("static")
    env = {key: value for key, value in os.environ.items()
           if key not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                          "DJANGO_ALLOW_ASYNC_UNSAFE")}
    env.update(DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.org",
               DJANGO_SETTINGS_MODULE="coproduction.settings", STATIC_ROOT=str(root))
    result = subprocess.run([sys.executable, "manage.py", "collectstatic", "--noinput"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    return root, result


@pytest.fixture(scope="session")
def static_root(collectstatic) -> Path:
    """The collected static files, for servers run with DEBUG off."""
    root, result = collectstatic
    assert result.returncode == 0, result.stdout + result.stderr
    return root


PASSWORD = factories.PASSWORD


@pytest.fixture
def review(db):
    """A small review with a codebook of every attribute kind (see factories.codebook_for)."""
    review = factories.ReviewFactory(slug="demo", title="Demo review", is_published=False)
    factories.codebook_for(review)
    return review


@pytest.fixture
def coproduction(db) -> Review:
    """The bundled coproduction review, loaded as `make run` loads it."""
    call_command("load_coproduction", verbosity=0)
    return Review.objects.get(slug="coproduction")


def _member(review, username, *roles, first_name=""):
    user = factories.UserFactory(username=username, first_name=first_name)
    for role in roles:
        factories.MembershipFactory(review=review, user=user, role=role)
    return user


@pytest.fixture
def coder_a(review):
    return _member(review, "alice", Role.CODER, first_name="Alice")


@pytest.fixture
def coder_b(review):
    return _member(review, "bob", Role.CODER, first_name="Bob")


@pytest.fixture
def adjudicator(review):
    return _member(review, "ada", Role.ADJUDICATOR, first_name="Ada")


@pytest.fixture
def lead(review):
    return _member(review, "lena", Role.LEAD, first_name="Lena")


@pytest.fixture
def outsider(db):
    return factories.UserFactory(username="charlie", first_name="Charlie")


@pytest.fixture(autouse=True)
def _fresh_cache_and_api_throttle(monkeypatch):
    """Each test starts with an empty cache (API throttle counts, cached reports; the
    sign-in lockout counts are in the test database) and with the API throttle raised out
    of reach, so that a fast test suite never hits it; tests of throttling lower it
    themselves."""
    from django.core.cache import cache
    from rest_framework.throttling import SimpleRateThrottle

    cache.clear()
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100000/min", "user": "100000/min"}
    )
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2's million rounds cost ~0.5 s per test user; tests need no strong hashes."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request through LocaleMiddleware leaves
    its language active in the thread, and pytest-django runs the tests without a database
    after those with one, so a word such as a verdict's would otherwise come out in the
    language of whichever page an earlier test asked for."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()
