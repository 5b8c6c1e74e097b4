#!/usr/bin/env bash
# Two gunicorn releases side by side (issue 22): the one pinned in constraints.txt and an older
# one ($OLD, installed with pip into $OLD_DIR, outside the shared environment), each serving
# the app with gunicorn.conf.py (DEBUG=0, PostgreSQL) on the same machine, interleaved:
# ROUNDS rounds of [pinned, old] (then [old, pinned]), each wrk for DURATION seconds on a small
# static file and on a reader page (a case page of the bundled review). Prints requests/s,
# latency, p99 and errors per run, with the load average before each. See bench/README.md,
# "The floor".
#
#   bench/gunicorn_versions.sh                          # defaults below
#   OLD=22.0.0 ROUNDS=3 DURATION=15 bench/gunicorn_versions.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${PORT:-8099}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
OLD=${OLD:-23.0.0}
OLD_DIR=${OLD_DIR:-/tmp/gunicorn-$OLD}
PGURL=${PGURL:-postgresql://coproduction@127.0.0.1:5432}
LOAD_DB=${LOAD_DB:-coproduction_load}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
[ -d "$OLD_DIR/gunicorn" ] || .venv/bin/pip install -q --no-deps --target "$OLD_DIR" "gunicorn==$OLD"
psql "$PGURL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$LOAD_DB'" | grep -q 1 \
  || psql "$PGURL/postgres" -qc "CREATE DATABASE $LOAD_DB"

WORK=$(mktemp -d)
export DATABASE_URL="$PGURL/$LOAD_DB" DEBUG=0 ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
export SECRET_KEY
SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export STATIC_ROOT="$WORK/static" CACHE_DIR="$WORK/cache"
export GUNICORN_BIND="127.0.0.1:$PORT" GUNICORN_ACCESS_LOG=/dev/null
$PY manage.py migrate --noinput -v0
$PY manage.py load_coproduction -v0
$PY manage.py collectstatic --noinput -v0
STATIC=$($PY -c "
import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'coproduction.settings')
django.setup(); from django.templatetags.static import static; print(static('css/app.css'))")

PID=""
stop() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
  fi
  PID=""
}
trap 'stop; rm -rf "$WORK"' EXIT
start() {  # start pinned|old
  if [ "$1" = old ]; then
    PYTHONPATH="$OLD_DIR" $PY -m gunicorn -c gunicorn.conf.py --daemon --pid "$WORK/g.pid" \
      --error-logfile "$WORK/g.log"
  else
    $PY -m gunicorn -c gunicorn.conf.py --daemon --pid "$WORK/g.pid" --error-logfile "$WORK/g.log"
  fi
  for _ in $(seq 1 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$PORT/reviews/coproduction/cases/1/" 2>/dev/null \
      && break
    sleep 0.2
  done
  PID=$(cat "$WORK/g.pid")
}
PINNED=$($PY -c "import gunicorn; print(gunicorn.__version__)")
echo "$(date -u +%Y-%m-%dT%H:%MZ) | $(nproc) CPUs | gunicorn $PINNED (pinned) against $OLD" \
  "| wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
printf '%-8s %-9s %-14s %9s %9s %9s %7s  %s\n' round gunicorn URL "req/s" latency p99 errors \
  "load average"
for round in $(seq 1 "$ROUNDS"); do
  order="pinned old"
  [ $((round % 2)) = 0 ] && order="old pinned"
  for which in $order; do
    start "$which"
    version=$PINNED
    [ "$which" = old ] && version=$OLD
    for target in "static:$STATIC" "case page:/reviews/coproduction/cases/1/"; do
      name=${target%%:*}; path=${target#*:}
      load=$(cut -d' ' -f1-3 /proc/loadavg)
      out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency \
        "http://127.0.0.1:$PORT$path")
      rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
      avg=$(awk '/^    Latency/ {print $2}' <<<"$out")
      p99=$(awk '/^     99%/ {print $2}' <<<"$out")
      non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")
      sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out")
      printf '%-8s %-9s %-14s %9s %9s %9s %7s  %s\n' "$round" "$version" "$name" "$rps" \
        "$avg" "$p99" "$(( ${non2xx:-0} + ${sock:-0} ))" "$load"
    done
    stop
  done
done
