#!/usr/bin/env bash
# Load test: gunicorn (DEBUG=0) on 127.0.0.1 against PostgreSQL, wrk for DURATION seconds
# per URL: the gallery, a case page, the dashboard and the API's case list (with consensus)
# of the bundled review (56 cases) and of a synthetic review of $CASES cases (bench/run.py's,
# slug "bench"; CASES=0 skips it), and the gallery again as repeat visits (If-None-Match:
# 304). Prints requests/s, latency, p99 and errors per URL. See bench/README.md, "Load test".
#
#   bench/loadtest.sh                       # defaults below
#   DURATION=10 CONNECTIONS=32 CASES=50000 bench/loadtest.sh
#
# Needs wrk (apt-get install -y wrk) and a PostgreSQL role that may create databases
# (the one .ci/run creates). Uses a scratch database, $LOAD_DB, loaded with the bundled review.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
PORT=${PORT:-8099}
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-16}
THREADS=${THREADS:-2}
PGURL=${PGURL:-postgresql://coproduction@127.0.0.1:5432}
LOAD_DB=${LOAD_DB:-coproduction_load}
CASES=${CASES:-10000}

command -v wrk >/dev/null || { echo "wrk is missing: apt-get install -y wrk" >&2; exit 1; }
psql "$PGURL/postgres" -tAc "SELECT 1 FROM pg_database WHERE datname='$LOAD_DB'" | grep -q 1 \
  || psql "$PGURL/postgres" -qc "CREATE DATABASE $LOAD_DB"

WORK=$(mktemp -d)
export DATABASE_URL="$PGURL/$LOAD_DB"
export DEBUG=0
export SECRET_KEY
SECRET_KEY=$($PY -c "import secrets; print(secrets.token_urlsafe(50))")
export ALLOWED_HOSTS=127.0.0.1
# Plain HTTP on the loopback: no TLS redirect here (a proxy terminates TLS in production).
export SECURE_SSL_REDIRECT=0
# Measure the server, not the throttles: the anonymous one (120/min by default), and the
# per-user one, which DRF applies to anonymous clients too, by address (1200/min).
export API_ANON_RATE=100000000/min
export API_USER_RATE=100000000/min
export STATIC_ROOT="$WORK/static"
export CACHE_DIR="$WORK/cache"
export GUNICORN_BIND="127.0.0.1:$PORT"
export GUNICORN_ACCESS_LOG=/dev/null

$PY manage.py migrate --noinput -v0
$PY manage.py load_coproduction -v0
[ "$CASES" = 0 ] || $PY bench/build_review.py "$CASES"
$PY manage.py collectstatic --noinput -v0

.venv/bin/gunicorn -c gunicorn.conf.py --daemon --pid "$WORK/gunicorn.pid" \
  --error-logfile "$WORK/gunicorn.log"
stop() {
  local pid
  pid=$(cat "$WORK/gunicorn.pid" 2>/dev/null) || true
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$WORK"
}
trap stop EXIT
for _ in $(seq 1 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/" 2>/dev/null && break
  sleep 0.2
done

WORKERS=$($PY -c "import runpy; print(runpy.run_path('gunicorn.conf.py')['workers'])")
echo "$(date -u +%Y-%m-%dT%H:%MZ) | $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)" \
  "| gunicorn $WORKERS workers | wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s"
printf '%-60s %10s %10s %10s %8s\n' URL "req/s" "latency" "p99" errors
load() {  # load PATH [wrk options...]
  local path=$1; shift
  local url="http://127.0.0.1:$PORT$path" out rps avg p99 non2xx sock
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$@" "$url")
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  avg=$(awk '/^    Latency/ {print $2}' <<<"$out")
  p99=$(awk '/^     99%/ {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx or 3xx responses/ {print $NF}' <<<"$out")
  sock=$(awk -F'[ ,]+' '/Socket errors/ {print $4+$6+$8+$10}' <<<"$out")
  printf '%-60s %10s %10s %10s %8s\n' "$path${LABEL:-}" "$rps" "$avg" "$p99" \
    "$(( ${non2xx:-0} + ${sock:-0} ))"
}
slugs=(coproduction)
[ "$CASES" = 0 ] || slugs+=(bench)
for slug in "${slugs[@]}"; do
  middle=1
  [ "$slug" = bench ] && middle=$(( CASES / 2 ))
  for path in "/reviews/$slug/" "/reviews/$slug/cases/$middle/" "/reviews/$slug/dashboard/" \
      "/api/reviews/$slug/cases/?include=consensus&page_size=100"; do
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT$path")
    [ "$status" = 200 ] || { echo "$path answered $status, not 200" >&2; exit 1; }
    load "$path"
  done
  # Repeat visits: the browser sends the ETag back and gets 304 Not Modified.
  etag=$(curl -s -D - -o /dev/null "http://127.0.0.1:$PORT/reviews/$slug/" \
    | awk 'tolower($1)=="etag:" {print $2}' | tr -d '\r')
  LABEL=" (If-None-Match: 304)" load "/reviews/$slug/" -H "If-None-Match: $etag"
done
