#!/usr/bin/env bash
# The dashboard's live feed under fan-out: K WebSocket clients on GET /api/ws, M webhook
# deliveries, and every client must see every message.created event exactly once.
#
#   bench/ws.sh            (or ./dev bench ws)
#
# Builds bench/ws/ws_load.cpp, starts a throwaway PostgreSQL (durable settings, as in
# production), Redis and a release botflow (JOB_WORKERS=0: no AI answers, only the customers'
# messages), signs in as the admin, then for each K runs ws_load: K connections opened at
# CONNECT_RATE per second, each waiting for `ready`; then MESSAGES signed deliveries posted at
# RATE per second over 8 keep-alive connections; each client records the latency from the POST to
# the event. Prints the tool's figures (connections ok/failed, events expected/received/lost/
# duplicated, latency p50/p99/max) and the server's RSS, sampled every 100 ms (peak).
#
# Environment: KS (default "1000 10000"), MESSAGES (default 200), RATE (deliveries/s, default
# 200), CONNECT_RATE (default 2000), THREADS (ws_load io threads, default 1), WS_QUEUE_LIMIT
# (passed to the server). Exits non-zero when any run failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/build/release/ws_load"
KS="${KS:-1000 10000}"
MESSAGES="${MESSAGES:-200}"
RATE="${RATE:-200}"
CONNECT_RATE="${CONNECT_RATE:-2000}"
THREADS="${THREADS:-1}"
SECRET="bench-app-secret"
ADMIN_EMAIL="bench@example.com"
ADMIN_PASSWORD="bench-password-0123"
for tool in curl python3 cmake; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing" >&2; exit 1; }
done

if ! log="$(cmake --build "$ROOT/build/release" --target ws_load -j "${BUILD_JOBS:-2}" 2>&1)"; then
    printf '%s\n' "$log" >&2
    echo "bench: building ws_load failed" >&2
    exit 1
fi

# Both botflow and ws_load hold one descriptor per socket: as many as the hard limit allows.
hard="$(ulimit -Hn)"
if [ "$hard" = unlimited ]; then
    ulimit -n 1048576 2>/dev/null || ulimit -n 65536 2>/dev/null || true
else
    ulimit -n "$hard" 2>/dev/null || true
fi
max_k=0
for k in $KS; do if [ "$k" -gt "$max_k" ]; then max_k="$k"; fi; done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_k + 1024)) ]; then
    echo "bench: warning: ulimit -n is $(ulimit -n), too low for $max_k sockets (raise the hard limit)" >&2
fi

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup durable
bench_serve WHATSAPP_APP_SECRET="$SECRET" ADMIN_EMAIL="$ADMIN_EMAIL" \
    ADMIN_PASSWORD="$ADMIN_PASSWORD" JOB_WORKERS=0 LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"

token="$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
    "http://127.0.0.1:$bf_port/api/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" ||
    { echo "bench: login failed:" >&2; tail -30 "$tmp/botflow.log" >&2; exit 1; }

rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

# sample_rss PID FILE: writes the peak VmRSS (KiB) seen so far to FILE, every 100 ms, until killed.
sample_rss() {
    local peak=0 rss
    while :; do
        rss="$(rss_kib "$1")"
        if [ "${rss:-0}" -gt "$peak" ]; then
            peak="$rss"
            echo "$peak" > "$2"
        fi
        sleep 0.1
    done
}

bench_machine
echo "botflow and ws_load on the same machine; ws_load: $THREADS io thread(s); $MESSAGES deliveries at $RATE/s; connections opened at $CONNECT_RATE/s; open-file limit $(ulimit -n)"
status=0
for k in $KS; do
    echo
    echo "== $k clients, $MESSAGES messages ($((k * MESSAGES)) events) =="
    before="$(rss_kib "$bf_pid")"
    echo "$before" > "$tmp/peak"
    sample_rss "$bf_pid" "$tmp/peak" &
    sampler=$!
    pids+=("$sampler")
    rc=0
    "$TOOL" --host 127.0.0.1 --port "$bf_port" --token "$token" --secret "$SECRET" \
        --clients "$k" --messages "$MESSAGES" --rate "$RATE" --connect-rate "$CONNECT_RATE" \
        --threads "$THREADS" || rc=$?
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak="$(cat "$tmp/peak")"
    sleep 1  # the server notices the closed sockets
    after="$(rss_kib "$bf_pid")"
    echo "server RSS: $(mib "$before") before, $(mib "$peak") peak (100 ms samples), $(mib "$after") 1 s after the clients left"
    if ! kill -0 "$bf_pid" 2>/dev/null; then
        echo "bench: botflow exited:" >&2
        tail -30 "$tmp/botflow.log" >&2
        exit 1
    fi
    [ "$rc" -eq 0 ] || status=1
done
exit "$status"
