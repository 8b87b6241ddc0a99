#!/usr/bin/env bash
# HTTP throughput of botflow against nginx on this machine, in one run.
#
#   bench/http.sh            (or ./dev bench, which installs wrk and nginx and builds first)
#
# Starts a throwaway PostgreSQL and Redis (botflow needs them to start), a release botflow and
# Debian's nginx serving the same 200 KB file, then runs wrk against:
#   1. botflow GET /api/health
#   2. botflow GET /bench/200k.bin   (static file)
#   3. nginx   GET /bench/200k.bin   (same file, sendfile on)
# and prints requests/s and p99 latency for each, and the static ratio botflow/nginx.
#
# Environment: DURATION (default 10s), CONNECTIONS (default 64), WRK_THREADS (default 1).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/release/botflow"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
WRK_THREADS="${WRK_THREADS:-1}"
[ -x "$BIN" ] || { echo "bench: build first (./dev build release)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "bench: wrk missing (scripts/install-deps bench)" >&2; exit 1; }
command -v nginx >/dev/null || { echo "bench: nginx missing (scripts/install-deps bench)" >&2; exit 1; }

tmp="$(mktemp -d /tmp/botflow-bench.XXXXXX)"
chmod 755 "$tmp"
pg_port="$("$ROOT/dev" _free-port)"
redis_port="$("$ROOT/dev" _free-port)"
bf_port="$("$ROOT/dev" _free-port)"
nginx_port="$("$ROOT/dev" _free-port)"
bf_pid=""
cleanup() {
    [ -n "$bf_pid" ] && kill "$bf_pid" 2>/dev/null && wait "$bf_pid" 2>/dev/null
    [ -f "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
    "$ROOT/dev" _pg stop "$tmp/pg" "$pg_port"
    "$ROOT/dev" _redis stop "$tmp/redis" "$redis_port"
    rm -rf "$tmp"
}
trap cleanup EXIT

mkdir -p "$tmp/web/bench"
head -c 204800 /dev/urandom > "$tmp/web/bench/200k.bin"
echo "<h1>bench</h1>" > "$tmp/web/index.html"
chmod -R a+rX "$tmp/web"

"$ROOT/dev" _pg start "$tmp/pg" "$pg_port"
"$ROOT/dev" _redis start "$tmp/redis" "$redis_port"

DATABASE_URL="postgresql://botflow@127.0.0.1:$pg_port/postgres" \
REDIS_URL="redis://127.0.0.1:$redis_port" PORT="$bf_port" HOST=127.0.0.1 WEB_DIR="$tmp/web" \
    "$BIN" serve > "$tmp/botflow.log" 2>&1 &
bf_pid=$!

cat > "$tmp/nginx.conf" <<CONF
worker_processes $(nproc);
pid $tmp/nginx.pid;
error_log $tmp/nginx-error.log;
events { worker_connections 1024; }
http {
    access_log $tmp/nginx-access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/web;
    }
}
CONF
nginx -c "$tmp/nginx.conf"

for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$bf_port/api/health" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fsS "http://127.0.0.1:$nginx_port/bench/200k.bin" -o /dev/null

run() {  # name url -> "name rps p99"
    local out rps p99
    # Warm up (file cache, connection setup), then measure.
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d2s "$2" >/dev/null
    out="$(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency "$2")"
    rps="$(awk '/^Requests\/sec/ {print $2}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    printf '%-28s %12s %10s\n' "$1" "$rps" "$p99"
    eval "RPS_$3=$rps"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
echo "wrk: $WRK_THREADS thread(s), $CONNECTIONS connections, $DURATION per run (after a 2 s warm-up)"
printf '%-28s %12s %10s\n' "target" "requests/s" "p99"
run "botflow /api/health" "http://127.0.0.1:$bf_port/api/health" health
run "botflow static 200 KB" "http://127.0.0.1:$bf_port/bench/200k.bin" bf_static
run "nginx static 200 KB" "http://127.0.0.1:$nginx_port/bench/200k.bin" nginx_static
awk -v a="$RPS_bf_static" -v b="$RPS_nginx_static" \
    'BEGIN { printf "static ratio botflow/nginx: %.2f (target >= 0.50)\n", a / b }'
