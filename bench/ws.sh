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
# duplicated, latency p50/p99/max) and the server's RSS, sampled every 100 ms
# (peak).
#
# Before each K, fanout_floor (bench/ws/fanout_floor.cpp) measures the machine's own floor: one
# frame of the same size to K loopback TCP connections with plain send() and epoll, no
# WebSocket, no botflow. The run ends with botflow's p99 over that floor's p99.
#
# Environment: KS (default "1000 10000"), MESSAGES (default 40), RATE (deliveries/s, default
# 2), CONNECT_RATE (default 2000), THREADS (ws_load and fanout_floor threads, default 2),
# WS_QUEUE_LIMIT (passed to the server). Exits non-zero when any run failed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOL="$ROOT/build/release/ws_load"
KS="${KS:-1000 10000}"
MESSAGES="${MESSAGES:-40}"
RATE="${RATE:-2}"
CONNECT_RATE="${CONNECT_RATE:-2000}"
THREADS="${THREADS:-2}"
SECRET="bench-app-secret"
ADMIN_EMAIL="bench@example.com"
ADMIN_PASSWORD="bench-password-0123"
for tool in curl python3 cmake; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing" >&2; exit 1; }
done

FLOOR="$ROOT/build/release/fanout_floor"
if ! log="$(cmake --build "$ROOT/build/release" --target ws_load fanout_floor -j "${BUILD_JOBS:-2}" 2>&1)"; then
    printf '%s\n' "$log" >&2
    echo "bench: building ws_load or fanout_floor failed" >&2
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

p99_of() { sed -n 's/.*p99 \([0-9.]*\) ms.*/\1/p' "$1" | head -1; }
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
    # 420 bytes: the size of a message.created event as this run's deliveries produce it.
    if ! "$FLOOR" --clients "$k" --rounds 20 --threads "$THREADS" --bytes 420 | tee "$tmp/floor"; then
        echo "bench: fanout_floor failed" >&2
        status=1
        continue
    fi
    before="$(rss_kib "$bf_pid")"
    echo "$before" > "$tmp/peak"
    sample_rss "$bf_pid" "$tmp/peak" &
    sampler=$!
    pids+=("$sampler")
    rc=0
    "$TOOL" --host 127.0.0.1 --port "$bf_port" --token "$token" --secret "$SECRET" \
        --clients "$k" --messages "$MESSAGES" --rate "$RATE" --connect-rate "$CONNECT_RATE" \
        --threads "$THREADS" | tee "$tmp/load" || rc=$?
    kill "$sampler" 2>/dev/null || true
    wait "$sampler" 2>/dev/null || true
    peak="$(cat "$tmp/peak")"
    sleep 1  # the server notices the closed sockets
    after="$(rss_kib "$bf_pid")"
    echo "server RSS: $(mib "$before") before, $(mib "$peak") peak (100 ms samples), $(mib "$after") 1 s after the clients left"
    awk -v b="$(p99_of "$tmp/load")" -v f="$(p99_of "$tmp/floor")" \
        'BEGIN { if (b > 0 && f > 0) printf "p99 botflow / kernel floor: %.2f\n", b / f }'
    if ! kill -0 "$bf_pid" 2>/dev/null; then
        echo "bench: botflow exited:" >&2
        tail -30 "$tmp/botflow.log" >&2
        exit 1
    fi
    [ "$rc" -eq 0 ] || status=1
done
exit "$status"
