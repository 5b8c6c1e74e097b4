"""gunicorn settings for production: `gunicorn` (or `gunicorn -c gunicorn.conf.py`) in the
project directory. Environment variables: GUNICORN_BIND (default 127.0.0.1:8000),
WEB_CONCURRENCY (worker processes, default 2 x CPUs + 1, at most 8), GUNICORN_WORKER_CLASS
(default sync), GUNICORN_THREADS (default 1), GUNICORN_TIMEOUT (seconds, default 60; also
the database statements' limit, DATABASE_STATEMENT_TIMEOUT, unless that is set).
Static files are served by whitenoise from STATIC_ROOT (run `manage.py collectstatic`
first); see README, "Production"."""

import multiprocessing
import os

wsgi_app = "coproduction.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Worker class and count, chosen for this load: short requests that use the CPU (templates,
# serializers) and wait a little on PostgreSQL and Redis, with anonymous readers mostly served
# from the cache per data version. Sync workers (one request each, no shared state to lock)
# behind a buffering proxy (nginx, Caddy), which absorbs slow clients and streamed exports;
# 2 x cores + 1 of them, so a worker waiting on the database leaves the cores busy, capped
# at 8 so that each keeps its database connection and memory in bounds. gthread
# (GUNICORN_WORKER_CLASS=gthread, GUNICORN_THREADS=4) suits a host with little memory or
# clients without a proxy in front; async workers buy nothing for a synchronous Django app.
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8)))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
# The web server's database statements stop at the same limit (coproduction/settings.py):
# gunicorn kills a worker past its timeout, but PostgreSQL would go on running its query.
# Read by the settings in each worker; the background worker (db_worker) runs without it.
os.environ.setdefault("DATABASE_STATEMENT_TIMEOUT", str(timeout))
graceful_timeout = 30
# Recycle workers now and then so that a slow leak cannot grow without bound. Not fewer: cached
# reader pages are served at over 1,000 a second on two cores, and a worker restarting every
# 2,000 requests (every few seconds) put p99 at 600-900 ms. The jitter is as wide as the limit
# (each worker restarts after 20,000 to 40,000 requests, drawn anew at each start): with 4,000
# (20,000 to 24,000), workers sharing the load evenly drew limits a second or two of traffic
# apart, and under wrk both restarted in the same second (p99 333-612 ms, issue 22); now two
# workers' restarts are on average a third of the range (6,700 requests) apart.
max_requests = 20000
max_requests_jitter = 20000
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
# Only a proxy on this host may set X-Forwarded-* (BEHIND_PROXY=1 makes Django trust it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
