# shellcheck shell=bash
# Shared by the bench scripts (sourced, after ROOT is set): a throwaway PostgreSQL and Redis,
# a release botflow against them, and the cleanup of everything started here.
#
#   bench_setup durable|fast      tmp dir, ports, PostgreSQL and Redis; cleanup on exit
#   bench_start_fake SCRIPT TOKEN VAR   a fake of tests/fakes/; VAR=its port
#   bench_serve [NAME=value ...]  botflow serve with the base settings plus these; waits for
#                                 /api/health (exits with the log's tail if it never answers)
#   bench_machine                 prints the machine line every benchmark starts with
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
