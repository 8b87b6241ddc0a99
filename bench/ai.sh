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
CONVERSATIONS="${CONVERSATIONS:-1000}"
SAMPLES="${SAMPLES:-300}"
SECRET="bench-app-secret"
command -v python3 >/dev/null || { echo "bench: python3 missing" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup durable
llm_port="" graph_port=""
bench_start_fake llm_api.py bench-llm-key llm_port
bench_start_fake graph_api.py bench-graph-token graph_port

bench_serve WHATSAPP_APP_SECRET="$SECRET" \
    WHATSAPP_PHONE_NUMBER_ID=106540352242922 WHATSAPP_ACCESS_TOKEN=bench-graph-token \
    GRAPH_API_BASE="http://127.0.0.1:$graph_port" WHATSAPP_SEND_RATE=1000 JOB_WORKERS=16 \
    LLM_BASE_URL="http://127.0.0.1:$llm_port/v1" LLM_API_KEY=bench-llm-key AI_DEBOUNCE_MS=0 \
    DB_POOL_SIZE="${DB_POOL_SIZE:-8}" AI_CONCURRENCY="$CONVERSATIONS" \
    LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"

bench_machine
python3 "$ROOT/bench/ai/load.py" --server "http://127.0.0.1:$bf_port" --pid "$bf_pid" \
    --llm "http://127.0.0.1:$llm_port" --graph "http://127.0.0.1:$graph_port" \
    --secret "$SECRET" --conversations "$CONVERSATIONS" --samples "$SAMPLES" \
    --database "postgresql://botflow@127.0.0.1:$pg_port/postgres"
