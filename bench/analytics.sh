#!/usr/bin/env bash
# The analytics API over a million messages: how long each report takes for today, 7, 30 and
# 90 days, cold (the days' summaries not computed yet) and warm.
#
#   bench/analytics.sh     (or ./dev bench analytics)
#
# A throwaway PostgreSQL and Redis and a release botflow; bench/analytics/seed.sql writes
# 1,000,000 messages over the last 90 days (20,000 customers). Each report is asked once cold,
# then SAMPLES times (default 50) one after another; prints p50, p99 and max from curl's
# total time, and the export's time and size for today and 7 days.
#
# Target: every report under 100 ms with a million messages stored.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SAMPLES="${SAMPLES:-50}"
for tool in curl python3 psql; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup fast
bench_serve ADMIN_EMAIL=bench@botflow.local ADMIN_PASSWORD="bench password" JOB_WORKERS=0 \
    LOG_LEVEL=warn
db="postgresql://botflow@127.0.0.1:$pg_port/postgres"

bench_machine
echo "seeding 1,000,000 messages (bench/analytics/seed.sql) ..."
start=$(date +%s)
psql "$db" -q -f "$ROOT/bench/analytics/seed.sql"
echo "seeded in $(( $(date +%s) - start )) s: $(psql "$db" -Atc "SELECT count(*) FROM messages") messages, $(psql "$db" -Atc "SELECT count(*) FROM conversations") conversations"

token="$(curl -fsS -H 'Content-Type: application/json' \
    -d '{"email":"bench@botflow.local","password":"bench password"}' \
    "http://127.0.0.1:$bf_port/api/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

# time_ms URL: one request's total time in ms (fails on a status other than 200).
time_ms() {
    curl -fsS -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$1" |
        awk '{ printf "%.2f\n", $1 * 1000 }'
}

printf '\n%-12s %-7s %10s %10s %10s %10s\n' report period cold_ms p50_ms p99_ms max_ms
for period in today 7d 30d 90d; do
    for report in overview messages performance; do
        url="http://127.0.0.1:$bf_port/api/analytics/$report?period=$period"
        cold="$(time_ms "$url")"
        for _ in $(seq 1 "$SAMPLES"); do time_ms "$url"; done | sort -n > "$tmp/samples"
        python3 - "$report" "$period" "$cold" "$tmp/samples" <<'PY'
import math, sys
report, period, cold, path = sys.argv[1:]
xs = [float(x) for x in open(path)]
def pct(p):
    return xs[min(len(xs), max(1, math.ceil(p * len(xs)))) - 1]
print(f"{report:<12} {period:<7} {float(cold):>10.2f} {pct(0.5):>10.2f} {pct(0.99):>10.2f} {xs[-1]:>10.2f}")
PY
    done
done

echo
for period in today 7d; do
    url="http://127.0.0.1:$bf_port/api/analytics/export?period=$period"
    out="$(curl -fsS -o "$tmp/export.csv" -w '%{time_total}' -H "Authorization: Bearer $token" "$url")"
    printf 'export %-6s %8.0f ms, %s rows, %s bytes\n' "$period" "$(awk -v t="$out" 'BEGIN{print t*1000}')" \
        "$(( $(wc -l < "$tmp/export.csv") - 1 ))" "$(wc -c < "$tmp/export.csv")"
done
