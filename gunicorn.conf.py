"""gunicorn settings for production: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) in the
project directory. Environment variables: GUNICORN_BIND (default 127.0.0.1:8000),
WEB_CONCURRENCY (worker processes, default 2 x CPUs + 1, at most 8), GUNICORN_THREADS
(default 1), GUNICORN_TIMEOUT (seconds, default 60). Static files are served by whitenoise
from STATIC_ROOT (run `manage.py collectstatic` first); see README, "Production"."""

import multiprocessing
import os

wsgi_app = "coproduction.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak cannot grow without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Only a proxy on this host may set X-Forwarded-* (BEHIND_PROXY=1 makes Django trust it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
