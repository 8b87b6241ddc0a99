# shellcheck shell=bash
# Shared by the bench scripts (sourced, after ROOT is set): a throwaway PostgreSQL and Redis,
# a release botflow against them, and the cleanup of everything started here.
#
#   bench_setup durable|fast      tmp dir, ports, PostgreSQL and Redis; cleanup on exit
#   bench_start_fake SCRIPT TOKEN VAR   a fake of tests/fakes/; VAR=its port
#   bench_serve [NAME=value ...]  botflow serve with the base settings plus these; waits for
#                                 /api/health (exits with the log's tail if it never answers)
#   bench_machine                 prints the machine line every benchmark starts with
#   bench_sign_deliveries PREFIX FILE, bench_deliveries_lua, bench_ingest CONNS FILE
#                                 the webhook's ingestion as bench/webhook.sh measures it
# Sets: tmp, pg_port, redis_port, bf_port, bf_pid, pids, BIN.

BIN="$ROOT/build/release/botflow"
[ -x "$BIN" ] || { echo "bench: build first (./dev build release)" >&2; exit 1; }
pids=()
bf_pid=""

bench_cleanup() {
    # Everything is stopped even when a step fails (wait returns the killed process's status).
    set +e
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    "$ROOT/dev" _pg stop "$tmp/pg" "$pg_port"
    "$ROOT/dev" _redis stop "$tmp/redis" "$redis_port"
    [ -n "${KEEP_BENCH_LOG:-}" ] && cp "$tmp/botflow.log" /tmp/bench-botflow.log
    rm -rf "$tmp"
}

bench_setup() {
    tmp="$(mktemp -d /tmp/botflow-bench.XXXXXX)"
    chmod 755 "$tmp"
    pg_port="$("$ROOT/dev" _free-port)"
    redis_port="$("$ROOT/dev" _free-port)"
    bf_port="$("$ROOT/dev" _free-port)"
    trap bench_cleanup EXIT
    "$ROOT/dev" _pg start "$tmp/pg" "$pg_port" "$1"
    "$ROOT/dev" _redis start "$tmp/redis" "$redis_port"
}

# Started in this shell (not a command substitution), so that cleanup knows its pid.
bench_start_fake() {
    local out="$tmp/$(basename "$1").out"
    python3 "$ROOT/tests/fakes/$1" --port 0 --token "$2" > "$out" 2>&1 &
    pids+=($!)
    for _ in $(seq 1 100); do
        grep -q '^listening' "$out" 2>/dev/null && break
        sleep 0.05
    done
    printf -v "$3" '%s' "$(awk '/^listening/ {print $2; exit}' "$out")"
}

bench_serve() {
    env DATABASE_URL="postgresql://botflow@127.0.0.1:$pg_port/postgres" \
        REDIS_URL="redis://127.0.0.1:$redis_port" PORT="$bf_port" HOST=127.0.0.1 \
        JWT_SECRET="bench-jwt-secret-bench-jwt-secret-000" "$@" \
        "$BIN" serve > "$tmp/botflow.log" 2>&1 &
    bf_pid=$!
    pids+=("$bf_pid")
    for _ in $(seq 1 100); do
        curl -fsS "http://127.0.0.1:$bf_port/api/health" >/dev/null 2>&1 && return 0
        kill -0 "$bf_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "bench: botflow did not start:" >&2
    tail -30 "$tmp/botflow.log" >&2
    exit 1
}

bench_machine() {
    echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
}

# --- the webhook's ingestion, as bench/webhook.sh measures it (bench/flows.sh too) --------------
# Needs SECRET, DELIVERIES, DURATION and PSQL.

# One line per delivery: "<X-Hub-Signature-256>\t<body>", every wamid unique.
bench_sign_deliveries() {  # bench_sign_deliveries PREFIX FILE
    python3 - "$1" "$2" "$DELIVERIES" "$SECRET" <<'PY'
import hashlib, hmac, json, sys, time
prefix, path, n, secret = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].encode()
# As Meta sends them: the time of sending, so each customer's messages are a second apart
# and every message moves its conversation's last_message_at.
base = int(time.time())
with open(path, "w") as out:
    for i in range(n):
        customer = "3460%07d" % (i % 5000)
        body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
            {"field": "messages", "value": {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
             "contacts": [{"profile": {"name": "Customer %d" % (i % 5000)}, "wa_id": customer}],
             "messages": [{"from": customer, "id": "wamid.%s.%d" % (prefix, i),
                           "timestamp": str(base + i // 5000), "type": "text",
                           "text": {"body": "Hello, are you open on Sunday? (%d)" % i}}]}}]}]},
            separators=(",", ":"))
        sig = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()
        out.write("sha256=%s\t%s\n" % (sig, body))
PY
}

bench_deliveries_lua() {  # writes $tmp/deliveries.lua: each connection posts its share of the lines
cat > "$tmp/deliveries.lua" <<'LUA'
local counter = 0
local threads = {}
function setup(thread)
    thread:set("tid", counter)
    counter = counter + 1
    table.insert(threads, thread)
end
function init(args)
    lines = {}
    for line in io.lines(args[1]) do lines[#lines + 1] = line end
    step = tonumber(args[2])
    idx = tid
end
function request()
    local line = lines[(idx % #lines) + 1]
    idx = idx + step
    local tab = line:find("\t", 1, true)
    return wrk.format("POST", "/api/webhook/whatsapp",
        {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = line:sub(1, tab - 1)},
        line:sub(tab + 1))
end
LUA
}

# Messages stored so far (PSQL: the script's psql command).
bench_stored() { "${PSQL[@]}" -c "SELECT count(*) FROM messages"; }

# Posts FILE's deliveries with wrk over CONNS connections for DURATION seconds; sets
# INGEST_RATE (stored messages/s, counted in the database), INGEST_P50 and INGEST_P99 (wrk's
# units: "850.00us", "4.32ms") and INGEST_NON2XX.
bench_ingest() {  # bench_ingest CONNS FILE
    local before after out
    before="$(bench_stored)"
    out="$(wrk -t2 -c"$1" -d"${DURATION}s" --latency -s "$tmp/deliveries.lua" \
        "http://127.0.0.1:$bf_port" -- "$2" 2)"
    after="$(bench_stored)"
    INGEST_P50="$(awk '$1 == "50%" {print $2}' <<<"$out")"
    INGEST_P99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    INGEST_NON2XX="$(awk '/Non-2xx/ {print $5}' <<<"$out")"
    INGEST_RATE="$(awk -v a="$before" -v b="$after" -v d="$DURATION" 'BEGIN { printf "%.0f", (b - a) / d }')"
}
