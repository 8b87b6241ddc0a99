#!/usr/bin/env bash
# AI replies under load: 1,000 conversations writing at once to a model that takes 2 s per
# answer, and the pipeline's own overhead with a model that answers at once.
#
#   bench/ai.sh            (or ./dev bench ai)
#
# Starts a throwaway PostgreSQL (durable settings, as in production), Redis, the fake LLM and
# the fake Graph API from tests/fakes/, and a release botflow; then bench/ai/load.py:
#   1. overhead: one customer message at a time (debounce 0, the model answering at once),
#      webhook POST to the Graph API send request, p50/p99/max;
#   2. load: CONVERSATIONS customers write at once, the model takes 2 s to its first token;
#      every one answered exactly once, the process's thread count and RSS before and after,
#      and the wall time (the ideal is a little over 2 s).
#
# Environment: CONVERSATIONS (default 1000), SAMPLES (overhead messages, default 300).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/build/release/botflow"
CONVERSATIONS="${CONVERSATIONS:-1000}"
SAMPLES="${SAMPLES:-300}"
SECRET="bench-app-secret"
[ -x "$BIN" ] || { echo "bench: build first (./dev build release)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "bench: python3 missing" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

tmp="$(mktemp -d /tmp/botflow-bench.XXXXXX)"
chmod 755 "$tmp"
pg_port="$("$ROOT/dev" _free-port)"
redis_port="$("$ROOT/dev" _free-port)"
bf_port="$("$ROOT/dev" _free-port)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    "$ROOT/dev" _pg stop "$tmp/pg" "$pg_port"
    "$ROOT/dev" _redis stop "$tmp/redis" "$redis_port"
    [ -n "${KEEP_BENCH_LOG:-}" ] && cp "$tmp/botflow.log" /tmp/bench-botflow.log
    rm -rf "$tmp"
}
trap cleanup EXIT

"$ROOT/dev" _pg start "$tmp/pg" "$pg_port" durable
"$ROOT/dev" _redis start "$tmp/redis" "$redis_port"

start_fake() {  # start_fake SCRIPT TOKEN VAR: starts it here (so cleanup can stop it), VAR=port
    local out
    out="$tmp/$(basename "$1").out"
    python3 "$ROOT/tests/fakes/$1" --port 0 --token "$2" > "$out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        grep -q '^listening' "$out" 2>/dev/null && break
        sleep 0.05
    done
    printf -v "$3" '%s' "$(awk '/^listening/ {print $2; exit}' "$out")"
}
start_fake llm_api.py bench-llm-key llm_port
start_fake graph_api.py bench-graph-token graph_port

DATABASE_URL="postgresql://botflow@127.0.0.1:$pg_port/postgres" \
REDIS_URL="redis://127.0.0.1:$redis_port" PORT="$bf_port" HOST=127.0.0.1 \
JWT_SECRET="bench-jwt-secret-bench-jwt-secret-000" WHATSAPP_APP_SECRET="$SECRET" \
WHATSAPP_PHONE_NUMBER_ID=106540352242922 WHATSAPP_ACCESS_TOKEN=bench-graph-token \
GRAPH_API_BASE="http://127.0.0.1:$graph_port" WHATSAPP_SEND_RATE=1000 JOB_WORKERS=16 \
LLM_BASE_URL="http://127.0.0.1:$llm_port/v1" LLM_API_KEY=bench-llm-key AI_DEBOUNCE_MS=0 \
DB_POOL_SIZE="${DB_POOL_SIZE:-8}" AI_CONCURRENCY="$CONVERSATIONS" LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}" \
    "$BIN" serve > "$tmp/botflow.log" 2>&1 &
bf_pid=$!
pids+=("$bf_pid")
for _ in $(seq 1 100); do
    curl -fsS "http://127.0.0.1:$bf_port/api/health" >/dev/null 2>&1 && break
    sleep 0.1
done

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
python3 "$ROOT/bench/ai/load.py" --server "http://127.0.0.1:$bf_port" --pid "$bf_pid" \
    --llm "http://127.0.0.1:$llm_port" --graph "http://127.0.0.1:$graph_port" \
    --secret "$SECRET" --conversations "$CONVERSATIONS" --samples "$SAMPLES" \
    --database "postgresql://botflow@127.0.0.1:$pg_port/postgres"
