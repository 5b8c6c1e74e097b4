"""One settings module, driven by environment variables.

DEBUG is off unless the environment sets it: `make run` and the test run (pyproject.toml,
[tool.pytest.ini_options] env) set DEBUG=1, and then the app runs in development mode on a
SQLite file, so a new user needs nothing but Python. Production leaves DEBUG unset (or 0) and
sets SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL (see README, "Production").
"""

import hashlib
import os
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_HASHES
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# numpy's OpenBLAS runs every matrix product on one thread per CPU by default. The reliability
# snapshot multiplies small matrices thousands of times, where the threads mostly wait for
# each other: on the 2-CPU server under load, one product took 10x the CPU time of a single
# thread (bench/README.md, "The background snapshot"). Read when numpy is first imported,
# which is after the settings in every process (manage.py, gunicorn, the worker).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def envbool(name: str, default: str) -> bool:
    return os.environ.get(name, default).strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: str) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def database_from_url(url: str) -> dict:
    """DATABASE_URL as a DATABASES entry (dj-database-url): sqlite:///path or
    postgresql://user:pw@host:port/name?option=value."""
    try:
        db = dj_database_url.parse(url)
    except ValueError as error:  # an unknown scheme or a malformed URL
        raise ImproperlyConfigured(f"DATABASE_URL is not usable: {error}") from None
    if db["ENGINE"] == "django.db.backends.postgresql":
        db["CONN_MAX_AGE"] = envint("DB_CONN_MAX_AGE", "60")
        # A reused connection the server dropped (restart, failover, an idle timeout) is
        # checked before a request uses it, and replaced, instead of failing that request.
        db["CONN_HEALTH_CHECKS"] = True
        # PostgreSQL's JIT compilation off, unless the URL's `options` say otherwise: the
        # planner's estimates of the blind-coding rule's correlated counts (millions at
        # 50,000 cases) made it compile those queries on every page, 0.3 s each, more than
        # it saved (a coder's blind cases 0.9 s with it, 0.45 s without).
        options = db.setdefault("OPTIONS", {})
        if "jit" not in options.get("options", ""):
            options["options"] = f"-c jit=off {options.get('options', '')}".strip()
        # A time limit on each statement, where the process asks for one (gunicorn.conf.py
        # sets it to gunicorn's worker timeout; the background worker has none): a web
        # request's query outlived the request it served (an hour, issue 22) once gunicorn
        # had killed it, and held a core of the database all along.
        seconds = envint("DATABASE_STATEMENT_TIMEOUT", "0")
        if seconds > 0 and "statement_timeout" not in options["options"]:
            options["options"] += f" -c statement_timeout={seconds}s"
    if db["ENGINE"] == "django.db.backends.sqlite3":
        db.setdefault("OPTIONS", {}).update(SQLITE_OPTIONS)
    return db


# SQLite with the web server and the background worker writing at once (README, "Databases").
# - WAL: readers never wait for a writer and a writer never waits for readers;
#   synchronous=NORMAL is safe with WAL (a power cut may lose the last commits, never
#   corrupt the file) and avoids an fsync per commit.
# - IMMEDIATE: every transaction takes the write lock when it begins. A transaction that
#   read first and wrote later (SQLite's default, DEFERRED) cannot wait for another writer:
#   SQLite answers "database is locked" at once, whatever the timeout.
# - timeout: how long a transaction waits for the write lock before giving up.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": envint("SQLITE_TIMEOUT", "20"),
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
DEBUG = envbool("DEBUG", "0")
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "DEBUG is off (the default) but SECRET_KEY is the development default. "
        "In production set the SECRET_KEY environment variable to a long random string; "
        "in development set DEBUG=1 (make run does)."
    )

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "csp",
    # Before django_tasks_db, so that coding's `db_worker` (the same worker, recovering
    # unfinished jobs first) is the one `manage.py db_worker` runs.
    "coding",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "coding.middleware.CSPMiddleware",  # django-csp's, header built once
    "coding.middleware.security_headers",
    # Answers for one person are private, API answers vary on the credentials.
    "coding.middleware.private_responses",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language from the switcher's cookie or Accept-Language; an account's own language
    # and time zone replace it once the user is known (AccountLocaleMiddleware below).
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coding.input_limits.refuse_control_characters",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "coding.middleware.AccountLocaleMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "coding.middleware.DatabaseRefusalMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 sign-in page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "coproduction.urls"
WSGI_APPLICATION = "coproduction.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coding.notifications.context.notifications",
            ],
            # `in_language` and `translated`: a codebook's wording in the reader's language.
            "builtins": ["coding.templatetags.codebook_language"],
        },
    },
]

DATABASES = {
    "default": database_from_url(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}")
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes refuses sign-ins of a locked-out username+address before any password check.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Languages (README, "Languages"). The interface speaks the languages of LANGUAGES, chosen by
# the account's setting, else the switcher's cookie, else the browser's Accept-Language; URLs
# carry no language. Catalogues live in locale/ (scripts/translations.py makes and compiles
# them). TIME_ZONE is the site's: times are shown in the account's time zone, else in it.
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("zh-hans", "简体中文"),
]
# Arabic (right to left) for checking the layout only: it has no catalogue of ours, so it is
# not offered unless RTL_LAYOUT_LANGUAGE=1 (the right-to-left browser test turns it on).
RTL_LAYOUT_LANGUAGE = envbool("RTL_LAYOUT_LANGUAGE", "0")
if RTL_LAYOUT_LANGUAGE:
    LANGUAGES.append(("ar", "العربية"))
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
# Numbers in pages use the reader's decimal mark (0.5 / 0,5); they are not grouped in
# thousands (case counts stay short, and an id or a year must never read 2.026). A number a
# machine reads (a data attribute, a form value, JSON or CSV written by a template) is written
# with |unlocalize or inside {% localize off %}.
USE_THOUSAND_SEPARATOR = False

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Issue 11: case documents. Files live under MEDIA_ROOT by default; with DOCUMENTS_S3_BUCKET
# set they live in an S3-compatible object store (django-storages). Either way they are
# served only through an access-checked view, never from a public URL: MEDIA_URL is not routed.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
DOCUMENT_MAX_BYTES = envint("DOCUMENT_MAX_MB", "50") * 1024 * 1024
# A PDF with more pages (its page tree's /Count) is refused on upload.
DOCUMENT_MAX_PAGES = envint("DOCUMENT_MAX_PAGES", "2000")
# Text extraction runs in a child process with these budgets (coding/documents/text.py): wall
# seconds, megabytes of memory the child may add (RLIMIT_AS) and pages. A document over any
# of them is stored as "text not extracted: too large" and not tried again.
TEXT_EXTRACTION_LIMITS = {
    "seconds": envint("TEXT_EXTRACTION_SECONDS", "45"),
    "memory_mb": envint("TEXT_EXTRACTION_MEMORY_MB", "300"),
    "pages": envint("TEXT_EXTRACTION_PAGES", "2000"),
}
# Files leads import on the Import page (codebook, cases, codings).
IMPORT_MAX_MB = envint("IMPORT_MAX_MB", "50")
# PostgreSQL's text search configuration for documents (stemming); the GIN index of
# migration 0004 is built for "english", so change both together.
DOCUMENT_SEARCH_CONFIG = "english"
if os.environ.get("DOCUMENTS_S3_BUCKET"):
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": os.environ["DOCUMENTS_S3_BUCKET"],
            "endpoint_url": os.environ.get("DOCUMENTS_S3_ENDPOINT_URL") or None,
            "region_name": os.environ.get("DOCUMENTS_S3_REGION") or None,
            # Empty: boto3's own chain (AWS_ACCESS_KEY_ID, instance role, ...).
            "access_key": os.environ.get("DOCUMENTS_S3_ACCESS_KEY_ID") or None,
            "secret_key": os.environ.get("DOCUMENTS_S3_SECRET_ACCESS_KEY") or None,
            "location": os.environ.get("DOCUMENTS_S3_PREFIX", ""),
            "default_acl": None,  # the bucket's own (private) policy
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
else:
    STORAGES["documents"] = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# Production hardening: on when DEBUG is off, each switch overridable.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", "0" if DEBUG else "1")
# A load balancer polls /health/ on the servers' plain HTTP port: no redirect for it.
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", "0" if DEBUG else "1")
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", "0" if DEBUG else "1")
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000")
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", "0" if DEBUG else "1")
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", "0" if DEBUG else "1")
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", "0") else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so that an anonymous client is told (401, WWW-Authenticate: Token)
        # how to authenticate; the browser's session works as well.
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every API view says whom it serves (coding.api.permissions), the
    # public ones too.
    "DEFAULT_PERMISSION_CLASSES": ["coding.api.permissions.DenyByDefault"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "coding.api.errors.api_exception_handler",
    # JSON bodies with a control character in any string are refused (400) by name.
    "DEFAULT_PARSER_CLASSES": [
        "coding.api.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    # JSON only: people read the API at /api/docs/ (Swagger UI, CSP-clean); DRF's browsable
    # renderer has inline styles and scripts that the Content-Security-Policy blocks.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Anonymous clients are throttled per IP; signed-in clients per user. The client IP is
    # REMOTE_ADDR, or behind our own proxy the address it appended to X-Forwarded-For.
    "NUM_PROXIES": 1 if envbool("BEHIND_PROXY", "0") else 0,
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "120/min"),
        "user": os.environ.get("API_USER_RATE", "1200/min"),
    },
}

# The cache holds API throttle counts and cached figures (the reliability report), and with
# REDIS_URL the login-failure counters too. Several gunicorn workers must share it:
# - REDIS_URL (redis://host:6379/0): Django's Redis cache, shared by every app server;
#   use it as soon as there is more than one server behind the proxy.
# - otherwise, with DEBUG off, a file cache on the host (CACHE_DIR overrides the directory),
#   shared by the workers of one server; in development, memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
_cache_dir = os.environ.get(
    "CACHE_DIR",
    "" if DEBUG else str(
        # one directory per installation, so that two sites on a host never share counters
        Path(tempfile.gettempdir())
        / f"coproduction-cache-{hashlib.sha256(str(BASE_DIR).encode()).hexdigest()[:10]}"
    ),
)
if REDIS_URL:
    _cache = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        # one prefix per installation, so that two sites sharing a Redis never share counters
        "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "coproduction"),
        # A Redis that stops answering must not hang a request: fail within seconds.
        "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
    }
elif _cache_dir:
    _cache = {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
              "LOCATION": _cache_dir}
else:
    _cache = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
CACHES = {"default": _cache}

# Background tasks (django-tasks, the backport of Django 6's django.tasks): reliability
# snapshots run in a worker, never in a web request. The queue is a table in the app's own
# database (django-tasks-db), so the embedded SQLite set-up needs no other service and several
# app servers on one PostgreSQL share one queue: every server may run `manage.py db_worker`,
# and a task is claimed by exactly one worker (SELECT ... FOR UPDATE SKIP LOCKED). See README,
# "Background tasks", for why there is no Redis queue.
TASKS = {
    "default": {
        "BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
# A reliability computation queued or running for longer than this is taken as lost (a
# worker stopped mid-task, or none ran): `recover_background_jobs` queues it again (the worker
# runs it as it starts).
RELIABILITY_TASK_TIMEOUT_MINUTES = envint("RELIABILITY_TASK_TIMEOUT_MINUTES", "15")
# A document's text extraction pending for longer than this is taken as lost in the same way.
TEXT_EXTRACTION_TIMEOUT_MINUTES = envint("TEXT_EXTRACTION_TIMEOUT_MINUTES", "10")
# /health/ (coding/health.py) fails when the oldest runnable task has waited longer than
# this, or when tasks wait and the worker has taken none for this long.
HEALTH_QUEUE_MAX_AGE_SECONDS = envint("HEALTH_QUEUE_MAX_AGE_SECONDS", "300")
HEALTH_WORKER_SILENCE_SECONDS = envint("HEALTH_WORKER_SILENCE_SECONDS", "300")
# An import's task running for longer than this is taken as lost with its worker; the job is
# then failed by `recover_background_jobs` (run by the worker as it starts).
IMPORT_TASK_TIMEOUT_MINUTES = envint("IMPORT_TASK_TIMEOUT_MINUTES", "60")
# Making a release (freezing the public data, in a background task) stops after this long,
# storing nothing; a release task running longer is taken as lost with its worker and its
# request failed by `recover_background_jobs`.
RELEASE_TASK_TIMEOUT_MINUTES = envint("RELEASE_TASK_TIMEOUT_MINUTES", "10")
# How often a running worker recovers lost jobs again (besides when it starts); 0: never.
BACKGROUND_RECOVERY_MINUTES = envint("BACKGROUND_RECOVERY_MINUTES", "10")

# Sign-in lockouts (django-axes): LOGIN_FAILURE_LIMIT failed sign-ins for one username from
# one address lock that pair out for LOGIN_LOCKOUT_MINUTES, even for the right password; the
# admin's sign-in counts too. The counts live in Redis when there is one (atomic INCR,
# shared by every app server), otherwise in the database (a row locked per update; shared by
# every server on that database). A refused attempt during a lockout starts it again.
LOGIN_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", "5")
LOGIN_LOCKOUT_MINUTES = envint("LOGIN_LOCKOUT_MINUTES", "15")
AXES_HANDLER = (
    "axes.handlers.cache.AxesCacheHandler"
    if REDIS_URL
    else "axes.handlers.database.AxesDatabaseHandler"
)
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_LOCKOUT_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "coding.web.signin.lockout_username"
AXES_CLIENT_IP_CALLABLE = "coding.web.signin.client_address"
AXES_LOCKOUT_CALLABLE = "coding.web.signin.lockout_response"
# Successful sign-ins are not logged to the database, and the admin shows no axes tables.
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False

# Content-Security-Policy (django-csp): every script and stylesheet comes from our own static
# files; no inline script, no eval. Plotly's charts and Swagger UI work under it (checked in
# Chromium by tests/test_security.py): they change styles through the CSSOM (element.style,
# insertRule), which a CSP does not restrict. Plotly (static/vendor/plotly.min.js) appends
# *empty* <style> elements and fills them through the CSSOM, sets empty style="" attributes
# on some SVG rects, and at load injects maplibre's fixed stylesheet. Allowing exactly those
# contents by hash keeps every other inline style (and every inline script) blocked.
CSP_EMPTY_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"  # sha256 of ""
CSP_PLOTLY_MAPLIBRE_CSS_HASH = "'sha256-ji27qzEtxXZW+7dun6UwjHXJ18e6WAin1VvNtkzIE/o='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, CSP_EMPTY_HASH, CSP_PLOTLY_MAPLIBRE_CSS_HASH],
        "style-src-attr": [UNSAFE_HASHES, CSP_EMPTY_HASH],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# E-mail (invitations, password reset): printed to the console in development, SMTP in
# production unless EMAIL_BACKEND says otherwise.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = envint("EMAIL_PORT", "25")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "0")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "0")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", "20")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Case coding <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The site's address, for links in mails sent outside a request (the daily digest).
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
# Invitation links (coding/members) work once, for this many days.
INVITATION_MAX_AGE_DAYS = envint("INVITATION_MAX_AGE_DAYS", "7")
# Password-reset requests: per client address and per e-mail address, this many an hour.
PASSWORD_RESET_LIMIT = envint("PASSWORD_RESET_LIMIT", "5")

SPECTACULAR_SETTINGS = {
    "TITLE": "Coproduction case coding API",
    "DESCRIPTION": "Reviews, codebooks, cases, codings, adjudication, consensus and reliability.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DisagreementStatusEnum": "coding.models.DisagreementStatus.choices",
        "CodingStateEnum": "coding.codings.selectors.QueueState.choices",
        "RoundStatusEnum": "coding.models.RoundStatus.choices",
        "FiguresStatusEnum": "coding.reliability.selectors.FIGURES_STATUSES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Input limits (coding/values.py: text_problem): the most characters a person may enter in
# each kind of text, the same in the coding page, the API and the importers. Longer text
# is refused with a message naming the field. Control characters are refused everywhere
# (coding/input_limits.py for addresses, query parameters and form fields).
INPUT_MAX_LENGTHS = {
    "text": envint("MAX_TEXT_VALUE_LENGTH", "10000"),  # a text attribute's value
    "evidence": envint("MAX_EVIDENCE_LENGTH", "5000"),  # an evidence quote
    "note": envint("MAX_NOTE_LENGTH", "5000"),  # a coder's note
    "rationale": envint("MAX_RATIONALE_LENGTH", "5000"),  # an adjudicator's rationale
    "case_title": 500,  # the database column's size
    "case_country": 100,  # the database column's size
    "case_summary": envint("MAX_CASE_SUMMARY_LENGTH", "20000"),
    "case_source": envint("MAX_CASE_SOURCE_LENGTH", "2000"),
    "review_title": 300,  # the database column's size
    "review_description": envint("MAX_REVIEW_DESCRIPTION_LENGTH", "5000"),
}

# Who may create a review (the New review page, POST /api/reviews/, the admin; asked by
# coding.reviews.policies.may_create_review): "signed-in", any signed-in account, which then
# leads it; or "staff", staff accounts only. Superusers always may.
REVIEW_CREATOR_CHOICES = ("signed-in", "staff")
REVIEW_CREATORS = os.environ.get("REVIEW_CREATORS", "signed-in").strip().lower()
if REVIEW_CREATORS not in REVIEW_CREATOR_CHOICES:
    raise ImproperlyConfigured(
        f"REVIEW_CREATORS is {REVIEW_CREATORS!r}; use one of: {', '.join(REVIEW_CREATOR_CHOICES)}."
    )
