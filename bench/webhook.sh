#!/usr/bin/env bash
# Webhook ingestion throughput: stored messages per second and latency, against PostgreSQL's
# own single-row INSERT+COMMIT rate on the same machine, in one run.
#
#   bench/webhook.sh            (or ./dev bench webhook)
#
# Starts a throwaway PostgreSQL with durable settings (fsync and synchronous_commit on, as in
# production), Redis, and a release botflow; pre-signs unique Cloud API deliveries (one text
# message each); then runs wrk at 16 and 64 connections and pgbench with a one-row
# INSERT+COMMIT transaction at 16 clients, and pgbench doing botflow's own per-delivery work one
# delivery per transaction. Prints stored messages/s (counted in the database), p50 and p99,
# and PostgreSQL's own ceiling for 16 outstanding deliveries (what 16 connections allow).
#
# Ingestion alone: JOB_WORKERS=0, so the AI answer each message enqueues waits in the queue
# instead of competing for the two cores (bench/ai.sh measures answers). JOB_WORKERS=4 runs
# them too.
#
# Environment: DURATION (seconds, default 5), DELIVERIES (per run, default 80000), JOB_WORKERS.
#
# COMPARE_BIN=/path/to/another/botflow: before the usual runs, the same 16- and 64-connection
# runs alternate between that binary ("before") and this build ("after"), ROUNDS times
# (default 3), on one PostgreSQL, and print the median of each: what a change costs, within the
# run-to-run spread that the rounds show. Build the other binary from a worktree, e.g.
#   git worktree add /tmp/before HEAD~1 && (cd /tmp/before && ./dev build release)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DURATION="${DURATION:-5}"
DELIVERIES="${DELIVERIES:-80000}"
SECRET="bench-app-secret"
for tool in wrk pgbench python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps bench)" >&2; exit 1; }
done
PGBENCH="$(command -v pgbench)"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup durable
PSQL=(psql -h 127.0.0.1 -p "$pg_port" -U botflow -d postgres -qtAX)

bench_serve WHATSAPP_APP_SECRET="$SECRET" JOB_WORKERS="${JOB_WORKERS:-0}"

bench_deliveries_lua

run() {  # run CONNECTIONS [LABEL]
    local conns="$1" label="${2:-}"
    bench_sign_deliveries "c$conns$label" "$tmp/deliveries-$conns.txt"
    bench_ingest "$conns" "$tmp/deliveries-$conns.txt"
    printf '%-34s %14s %10s %10s %s\n' "botflow webhook, $conns conn.${label:+, $label}" \
        "$INGEST_RATE" "$INGEST_P50" "$INGEST_P99" "${INGEST_NON2XX:+(non-2xx: $INGEST_NON2XX)}"
    [ -n "$label" ] || eval "RATE_$conns=$INGEST_RATE"
    LAST_RATE="$INGEST_RATE"
}

bench_machine
echo "PostgreSQL with fsync=on, synchronous_commit=on; wrk 2 threads, ${DURATION} s per run; unique deliveries, one text message each"
printf '%-34s %14s %10s %10s\n' "target" "stored msg/s" "p50" "p99"

# Stops the server under test and starts BIN in its place on the same database.
serve_binary() {  # serve_binary BIN
    kill "$bf_pid" 2>/dev/null && wait "$bf_pid" 2>/dev/null || true
    BIN="$1" bench_serve WHATSAPP_APP_SECRET="$SECRET" JOB_WORKERS="${JOB_WORKERS:-0}"
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : int((a[NR / 2] + a[NR / 2 + 1]) / 2))}'; }
if [ -n "${COMPARE_BIN:-}" ]; then
    [ -x "$COMPARE_BIN" ] || { echo "bench: COMPARE_BIN $COMPARE_BIN is not executable" >&2; exit 1; }
    AFTER_BIN="$BIN"
    serve_binary "$COMPARE_BIN"
    run 16 "first contacts, before"
    "${PSQL[@]}" -c "VACUUM ANALYZE conversations, messages, jobs"
    declare -A rates=()
    for round in $(seq 1 "${ROUNDS:-3}"); do
        for conns in 16 64; do
            for side in before after; do
                if [ "$side" = before ]; then serve_binary "$COMPARE_BIN"; else serve_binary "$AFTER_BIN"; fi
                run "$conns" "$side, round $round"
                rates[$side-$conns]+="$LAST_RATE "
            done
        done
    done
    for conns in 16 64; do
        b="$(tr ' ' '\n' <<<"${rates[before-$conns]}" | grep . | median)"
        a="$(tr ' ' '\n' <<<"${rates[after-$conns]}" | grep . | median)"
        awk -v c="$conns" -v b="$b" -v a="$a" -v all_b="${rates[before-$conns]}" -v all_a="${rates[after-$conns]}" \
            'BEGIN { printf "median at %d connections: before %d msg/s, after %d msg/s, after/before %.2f (before: %s; after: %s)\n", c, b, a, (b ? a / b : 0), all_b, all_a }'
    done
    serve_binary "$AFTER_BIN"
fi
# The first run meets the 5,000 customers for the first time. Then what autovacuum does on a
# running server within its first minute (ANALYZE, so that plans cached while the tables were
# empty are made again), and the steady state: customers who wrote before.
run 16 "first contacts"
"${PSQL[@]}" -c "VACUUM ANALYZE conversations, messages, jobs"
run 16
run 64

"${PSQL[@]}" -c "CREATE TABLE bench_insert (id bigserial PRIMARY KEY, body text NOT NULL)"
echo "INSERT INTO bench_insert (body) VALUES ('Hello, are you open on Sunday?');" > "$tmp/insert.sql"
pg="$(PGHOST=127.0.0.1 PGPORT="$pg_port" PGUSER=botflow "$PGBENCH" -n -c 16 -j 2 -T "$DURATION" \
    -M prepared -f "$tmp/insert.sql" postgres 2>/dev/null)"
tps="$(awk '/^tps/ {printf "%.0f", $3}' <<<"$pg")"
lat="$(awk '/latency average/ {print $4 "ms"}' <<<"$pg")"
printf '%-34s %14s %10s %10s\n' "pgbench 1-row INSERT+COMMIT, 16" "$tps" "avg $lat" "-"
# The same work botflow does for one delivery (lock the customer's conversation, insert the
# message, update the conversation), one delivery per transaction, prepared, 16 clients: what
# PostgreSQL manages without group commit.
"${PSQL[@]}" -c "CREATE SEQUENCE bench_wamid"
cat > "$tmp/same.sql" <<'SQL'
\set c random(0, 4999)
BEGIN;
SELECT id FROM conversations WHERE wa_id = '3460' || lpad(:c::text, 7, '0') FOR UPDATE;
WITH m AS (INSERT INTO messages (conversation_id, direction, sender, type, content, whatsapp_message_id, status, metadata) SELECT id, 'inbound', 'customer', 'text', 'Hello, are you open on Sunday?', 'wamid.pgbench.' || nextval('bench_wamid'), 'received', '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"id":"x","type":"text","text":{"body":"Hello, are you open on Sunday?"}}]}}]}]}'::jsonb FROM conversations WHERE wa_id = '3460' || lpad(:c::text, 7, '0') RETURNING conversation_id, whatsapp_message_id), u AS (UPDATE conversations SET last_message_preview = 'Hello, are you open on Sunday?', last_message_at = now(), last_customer_message_at = now(), unread_count = unread_count + 1, updated_at = now() WHERE id = (SELECT conversation_id FROM m)) INSERT INTO jobs (kind, payload, max_attempts, idempotency_key, conversation_id) SELECT 'ai_reply', jsonb_build_object('conversation_id', conversation_id::text), 4, 'ai_reply:' || whatsapp_message_id, conversation_id FROM m;
COMMIT;
SQL
pgbench_run() {  # pgbench_run SCRIPT: its output; its errors on the terminal when it fails
    PGHOST=127.0.0.1 PGPORT="$pg_port" PGUSER=botflow "$PGBENCH" -n -c 16 -j 2 -T "$DURATION" \
        -M prepared -f "$1" postgres 2>"$tmp/pgbench.err" || { tail -5 "$tmp/pgbench.err" >&2; }
}
same="$(pgbench_run "$tmp/same.sql")"
stps="$(awk '/^tps/ {printf "%.0f", $3}' <<<"$same")"
slat="$(awk '/latency average/ {print $4 "ms"}' <<<"$same")"
printf '%-34s %14s %10s %10s\n' "pgbench botflow's work, 1/txn, 16" "$stps" "avg $slat" "-"
# The same work for 32 known customers' deliveries in one statement, as botflow's group commit
# does it: PostgreSQL's ceiling for this work on this machine, with nothing else running.
cat > "$tmp/set.sql" <<'SQL'
\set base random(0, 4968)
BEGIN;
WITH c AS (SELECT id FROM conversations WHERE wa_id = ANY (ARRAY(SELECT '3460' || lpad(g::text, 7, '0') FROM generate_series(:base, :base + 31) g)) ORDER BY id FOR UPDATE),
m AS (INSERT INTO messages (conversation_id, direction, sender, type, content, whatsapp_message_id, status, metadata) SELECT id, 'inbound', 'customer', 'text', 'Hello, are you open on Sunday?', 'wamid.pgbench.' || nextval('bench_wamid'), 'received', '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","messages":[{"id":"x","type":"text","text":{"body":"Hello, are you open on Sunday?"}}]}}]}]}'::jsonb FROM c RETURNING conversation_id, whatsapp_message_id),
u AS (UPDATE conversations SET last_message_preview = 'Hello, are you open on Sunday?', last_message_at = now(), last_customer_message_at = now(), unread_count = unread_count + 1, updated_at = now() WHERE id IN (SELECT conversation_id FROM m))
INSERT INTO jobs (kind, payload, max_attempts, idempotency_key, conversation_id) SELECT 'ai_reply', jsonb_build_object('conversation_id', conversation_id::text), 4, 'ai_reply:' || whatsapp_message_id, conversation_id FROM m;
COMMIT;
SQL
set_out="$(pgbench_run "$tmp/set.sql")"
settps="$(awk '/^tps/ {printf "%.0f", $3 * 32}' <<<"$set_out")"
setlat="$(awk '/latency average/ {print $4 "ms"}' <<<"$set_out")"
printf '%-34s %14s %10s %10s\n' "pgbench same work, 32/statement" "$settps" "avg $setlat" "-"
# PostgreSQL's own ceiling for what 16 connections allow: at most 16 deliveries outstanding.
# botflow's group transaction, statement for statement (the customers' locks, the lookup, the
# set-based insert, COMMIT; its input read from the table rather than sent as arrays, and
# without the debounce setting's subquery and the NOTIFY), with the 16 split into K
# transactions of 16/K at once, and nothing else on the machine: no HTTP, no wrk, no botflow.
group_sql() {  # group_sql G: botflow's group transaction for G known customers
    local g="$1"
    cat <<SQL
\set base random(0, $((5000 - g)))
BEGIN;
SELECT set_config('lock_timeout', '1000ms', true) FROM (SELECT count(pg_advisory_xact_lock(hashtextextended(k, 7))) AS n FROM (SELECT 'wa:3460' || lpad(g::text, 7, '0') AS k FROM generate_series(:base, :base + $((g - 1))) g ORDER BY 1) ordered) locked;
SELECT wa_id, id::text, phone IS NULL OR simulated, profile_name, customer_name FROM conversations WHERE wa_id = ANY (ARRAY(SELECT '3460' || lpad(g::text, 7, '0') FROM generate_series(:base, :base + $((g - 1))) g));
WITH input AS (SELECT c.id AS conversation_id, 'text' AS type, 'Hello, are you open on Sunday? (' || c.wa_id || ')' AS content, NULL::text AS context_id, 'wamid.group.' || nextval('bench_wamid') AS wamid, extract(epoch FROM now())::bigint::text AS ts, '{"from":"34600000001","id":"wamid.x","timestamp":"1750000000","type":"text","text":{"body":"Hello, are you open on Sunday?"}}' AS metadata, 'Hello, are you open on Sunday?' AS preview, row_number() OVER () AS ord FROM conversations c WHERE c.wa_id = ANY (ARRAY(SELECT '3460' || lpad(g::text, 7, '0') FROM generate_series(:base, :base + $((g - 1))) g))),
m AS (INSERT INTO messages (conversation_id, direction, sender, type, content, context_message_id, whatsapp_message_id, status, metadata, created_at) SELECT conversation_id, 'inbound', 'customer', type, content, context_id, wamid, 'received', metadata::jsonb, COALESCE(to_timestamp(NULLIF(ts, '')::bigint), now()) FROM input ORDER BY ord ON CONFLICT (whatsapp_message_id) WHERE whatsapp_message_id IS NOT NULL DO NOTHING RETURNING id, conversation_id, whatsapp_message_id, created_at),
per AS (SELECT m.conversation_id, count(*) AS n, max(m.created_at) AS last_at, (array_agg(i.preview ORDER BY m.created_at DESC, i.ord DESC))[1] AS preview FROM m JOIN input i ON i.wamid = m.whatsapp_message_id GROUP BY m.conversation_id),
u AS (UPDATE conversations c SET last_message_preview = CASE WHEN per.last_at >= COALESCE(c.last_message_at, '-infinity') THEN per.preview ELSE c.last_message_preview END, last_message_at = GREATEST(c.last_message_at, per.last_at), last_customer_message_at = GREATEST(c.last_customer_message_at, per.last_at), unread_count = c.unread_count + per.n, status = CASE WHEN c.status IN ('closed', 'archived') THEN 'active' ELSE c.status END, updated_at = now() FROM per WHERE c.id = per.conversation_id),
j AS (INSERT INTO jobs (kind, payload, run_at, max_attempts, idempotency_key, conversation_id) SELECT 'ai_reply', jsonb_build_object('conversation_id', conversation_id::text), now() + make_interval(secs => 2), 4, 'ai_reply:' || whatsapp_message_id, conversation_id FROM m ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING id)
SELECT count(*) FROM m;
COMMIT;
SQL
}
ceiling=0
for k in 1 2 4; do
    g=$((16 / k))
    group_sql "$g" > "$tmp/group-$k.sql"
    out="$(PGHOST=127.0.0.1 PGPORT="$pg_port" PGUSER=botflow "$PGBENCH" -n -c "$k" -j "$(( k < 2 ? k : 2 ))" \
        -T "$DURATION" -M prepared -f "$tmp/group-$k.sql" postgres 2>"$tmp/pgbench.err")" \
        || tail -5 "$tmp/pgbench.err" >&2
    rate="$(awk -v g="$g" '/^tps/ {printf "%.0f", $3 * g}' <<<"$out")"
    glat="$(awk '/latency average/ {print $4 "ms"}' <<<"$out")"
    printf '%-34s %14s %10s %10s\n' "PostgreSQL alone, 16 out: $k x $g" "$rate" "avg $glat" "-"
    [ "${rate:-0}" -gt "$ceiling" ] && ceiling="$rate"
done
awk -v a="$RATE_16" -v b="$ceiling" \
    'BEGIN { printf "botflow at 16 connections / PostgreSQL alone with 16 deliveries outstanding (best split): %.2f\n", (b ? a / b : 0) }'
awk -v a="$RATE_16" -v b="$tps" -v c="$stps" -v d="$settps" \
    'BEGIN { printf "botflow/pgbench 1-row insert: %.2f; botflow/pgbench same work one at a time: %.2f; botflow/same work 32 at a time: %.2f\n(target: at least 10,000 msg/s at 16 connections, and above pgbench)\n", a / b, (c ? a / c : 0), (d ? a / d : 0) }'
