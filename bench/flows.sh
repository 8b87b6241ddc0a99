#!/usr/bin/env bash
# Flow taps: how long after a customer taps a button the flow's next message reaches WhatsApp,
# with many customers in a flow at once, against the webhook's own ingestion on the same
# machine, in one run.
#
#   bench/flows.sh
#
# Starts a throwaway PostgreSQL with durable settings (fsync and synchronous_commit on, as in
# production), Redis, the fake Graph API (tests/fakes/graph_api.py, which records when each
# request arrives) and a release botflow (JOB_WORKERS=16, AI_DEBOUNCE_MS=0,
# WHATSAPP_SEND_RATE=1000, no LLM). Signed in as the owner, it creates and publishes through
# /api/flows a flow that needs no model: the keyword "menu" starts it, a question asks "Pick
# one" with three buttons, each button leads to its own message, then a question with two
# buttons, a last message and the end.
#
# Then CUSTOMERS customers (distinct wa_ids) write "menu" through the signed webhook and get the
# buttons; each taps one (an interactive button_reply delivery quoting the buttons message),
# the taps paced at RATE a second, and then each taps the second question's buttons the same
# way. For every tap: the time from posting its webhook to the flow's next message arriving at
# the fake Graph API (p50, p99, max), and the webhook's own answer. Every run must end
# completed.
#
# Then the server is restarted with JOB_WORKERS=0 on the same database and the webhook's
# ingestion is measured as bench/webhook.sh measures it (pre-signed unique text deliveries, wrk
# 2 threads at 16 connections for DURATION s, first contacts, VACUUM ANALYZE, then customers
# who wrote before; stored messages/s counted in the database), and the run ends with the taps'
# p99 over the webhook's p99 at 16 connections.
#
# Target: p99 under 20 ms from a tap's webhook to the next message.
#
# Environment: CUSTOMERS (default 500), RATE (taps a second, default 50), CLIENTS (threads
# posting webhooks, default 16), DURATION (seconds per wrk run, default 5), DELIVERIES (per wrk
# run, default 80000), BENCH_LOG_LEVEL. Exits non-zero when a customer's message is missing or a
# run did not complete.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CUSTOMERS="${CUSTOMERS:-500}"
RATE="${RATE:-50}"
CLIENTS="${CLIENTS:-16}"
DURATION="${DURATION:-5}"
DELIVERIES="${DELIVERIES:-80000}"
SECRET="bench-app-secret"
GRAPH_TOKEN="bench-graph-token"
ADMIN_EMAIL="bench@example.com"
ADMIN_PASSWORD="bench-password-0123"
for tool in curl wrk psql python3; do
    command -v "$tool" >/dev/null || { echo "bench: $tool missing (scripts/install-deps bench)" >&2; exit 1; }
done

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup durable
PSQL=(psql -h 127.0.0.1 -p "$pg_port" -U botflow -d postgres -qtAX)
graph_port=""
bench_start_fake graph_api.py "$GRAPH_TOKEN" graph_port
[ -n "$graph_port" ] || { echo "bench: the fake Graph API did not start:" >&2; cat "$tmp/graph_api.py.out" >&2; exit 1; }

flows_server() {
    bench_serve WHATSAPP_APP_SECRET="$SECRET" ADMIN_EMAIL="$ADMIN_EMAIL" \
        ADMIN_PASSWORD="$ADMIN_PASSWORD" WHATSAPP_PHONE_NUMBER_ID=106540352242922 \
        WHATSAPP_ACCESS_TOKEN="$GRAPH_TOKEN" GRAPH_API_BASE="http://127.0.0.1:$graph_port" \
        WHATSAPP_SEND_RATE=1000 JOB_WORKERS=16 AI_DEBOUNCE_MS=0 \
        LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"
}
flows_server

token="$(curl -fsS -H 'Content-Type: application/json' \
    -d "{\"email\":\"$ADMIN_EMAIL\",\"password\":\"$ADMIN_PASSWORD\"}" \
    "http://127.0.0.1:$bf_port/api/auth/login" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')" ||
    { echo "bench: login failed:" >&2; tail -30 "$tmp/botflow.log" >&2; exit 1; }

# api METHOD PATH [BODY_FILE]: the owner's request; prints the body, fails (with the body on
# stderr) on a status other than 2xx.
api() {
    local status
    status="$(curl -sS -o "$tmp/api.out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $token" \
        -H 'Content-Type: application/json' ${3:+--data-binary "@$3"} "http://127.0.0.1:$bf_port$2")"
    if [ "${status:0:1}" != 2 ]; then
        echo "bench: $1 $2 answered $status:" >&2
        cat "$tmp/api.out" >&2
        echo >&2
        exit 1
    fi
    cat "$tmp/api.out"
}

# Five steps after the trigger, no model: pick (3 buttons) -> hours|prices|where -> more
# (2 buttons) -> bye -> done.
cat > "$tmp/flow.json" <<'JSON'
{"name": "Bench menu", "description": "bench/flows.sh: a menu the customer taps through",
 "nodes": [
  {"id": "start", "type": "trigger", "config": {"kind": "keyword", "keywords": ["menu"]}},
  {"id": "pick", "type": "question", "config": {"store_as": "choice", "prompt": {
    "type": "buttons", "body": "Pick one", "buttons": [
      {"id": "hours", "title": "Opening hours"}, {"id": "prices", "title": "Prices"},
      {"id": "where", "title": "Location"}]}}},
  {"id": "hours", "type": "message", "config": {"message": {"text": "We are open 9:00 to 18:00, Monday to Saturday."}}},
  {"id": "prices", "type": "message", "config": {"message": {"text": "A haircut is 25 EUR, a colour 40 EUR."}}},
  {"id": "where", "type": "message", "config": {"message": {"text": "Calle Mayor 1, Madrid."}}},
  {"id": "more", "type": "question", "config": {"store_as": "more", "prompt": {
    "type": "buttons", "body": "Anything else?", "buttons": [
      {"id": "yes", "title": "Yes, thanks"}, {"id": "no", "title": "No"}]}}},
  {"id": "bye", "type": "message", "config": {"message": {"text": "Thanks! You asked about {{choice}}."}}},
  {"id": "done", "type": "end"}],
 "edges": [
  {"id": "start-pick", "source": "start", "target": "pick"},
  {"id": "pick-hours", "source": "pick", "target": "hours", "when": "button:hours"},
  {"id": "pick-prices", "source": "pick", "target": "prices", "when": "button:prices"},
  {"id": "pick-where", "source": "pick", "target": "where", "when": "button:where"},
  {"id": "hours-more", "source": "hours", "target": "more"},
  {"id": "prices-more", "source": "prices", "target": "more"},
  {"id": "where-more", "source": "where", "target": "more"},
  {"id": "more-bye", "source": "more", "target": "bye", "when": "valid"},
  {"id": "bye-done", "source": "bye", "target": "done"}]}
JSON
flow_id="$(api POST /api/flows "$tmp/flow.json" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')"
api POST "/api/flows/$flow_id/publish" >/dev/null

bench_machine
echo "PostgreSQL with fsync=on, synchronous_commit=on; botflow JOB_WORKERS=16, AI_DEBOUNCE_MS=0, no LLM; $CUSTOMERS customers, taps at $RATE/s from $CLIENTS client threads; the fake Graph API and the clients on the same cores"
status=0
python3 - "$bf_port" "http://127.0.0.1:$graph_port" "$SECRET" "$CUSTOMERS" "$RATE" "$CLIENTS" \
    "$tmp/taps.json" <<'PY' || status=1
import concurrent.futures, hashlib, hmac, http.client, json, sys, threading, time, urllib.request

port, graph, secret = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode()
n, rate, clients, out_path = int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
BUSINESS, PHONE_ID = "15550783881", "106540352242922"
PICK = [("hours", "Opening hours"), ("prices", "Prices"), ("where", "Location")]
MORE = [("yes", "Yes, thanks"), ("no", "No")]
customers = ["3490%07d" % i for i in range(n)]
local = threading.local()


def signed(customer, message):
    """A Cloud API delivery of `message` from `customer`, and its X-Hub-Signature-256."""
    body = json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
         "metadata": {"display_phone_number": BUSINESS, "phone_number_id": PHONE_ID},
         "contacts": [{"profile": {"name": "Customer " + customer}, "wa_id": customer}],
         "messages": [message]}}]}]}, separators=(",", ":")).encode()
    return body, "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def post(body, signature):
    """Posts a delivery on this thread's keep-alive connection: (sent, answered) unix times."""
    headers = {"Content-Type": "application/json", "X-Hub-Signature-256": signature}
    for attempt in (0, 1):
        if getattr(local, "conn", None) is None:
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            sent = time.time()
            local.conn.request("POST", "/api/webhook/whatsapp", body, headers)
            r = local.conn.getresponse()
            r.read()
            answered = time.time()
        except (OSError, http.client.HTTPException):
            local.conn.close()
            local.conn = None
            if attempt:
                raise
            continue
        if r.status != 200:
            raise RuntimeError("the webhook answered %d" % r.status)
        return sent, answered


def get(path):
    with urllib.request.urlopen(graph + path, timeout=60) as r:
        return json.loads(r.read())


def prompts(k, timeout=120):
    """{customer: the wamid of the k-th buttons message sent to them}, once every customer has
    had it (or the timeout passed)."""
    deadline = time.time() + timeout
    while True:
        got = {}
        for s in get("/_fake/sent"):
            if s.get("type") == "interactive":
                got.setdefault(s["to"].lstrip("+"), []).append(s["wamid"])
        found = {c: got[c][k - 1] for c in customers if len(got.get(c, [])) >= k}
        if len(found) == n or time.time() > deadline:
            return found
        time.sleep(0.5)


def arrivals():
    """{customer: [arrival times]} of the messages (not read receipts) sent to each."""
    out = {}
    for r in get("/_fake/requests"):
        b = r.get("body")
        if r.get("method") == "POST" and r["path"].split("?")[0].endswith("/messages") and \
                isinstance(b, dict) and b.get("to") and b.get("status") != "read":
            out.setdefault(str(b["to"]).lstrip("+"), []).append(r["at"])
    return out


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def taps(k, asked, choices):
    """Every customer in `asked` taps one of `choices` on their k-th buttons message, paced at
    `rate`; returns ({customer: ms to the next message}, [ms to the webhook's answer])."""
    start = time.time() + 0.5
    plan = []
    for j, c in enumerate(c for c in customers if c in asked):
        button, title = choices[j % len(choices)]
        plan.append((c, start + j / rate, signed(c, {
            "context": {"from": BUSINESS, "id": asked[c]}, "from": c,
            "id": "wamid.tap%d.%s" % (k, c), "timestamp": str(int(start + j / rate)),
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": button, "title": title}}})))
    posted = {}

    def tap(item):
        c, due, (body, signature) = item
        wait = due - time.time()
        if wait > 0:
            time.sleep(wait)
        posted[c] = post(body, signature)

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        list(pool.map(tap, plan))
    deadline = time.time() + 60
    while True:
        got = arrivals()
        latency = {}
        for c, (sent, _) in posted.items():
            after = [at for at in got.get(c, []) if at >= sent]
            if after:
                latency[c] = (min(after) - sent) * 1000
        if len(latency) == len(posted) or time.time() > deadline:
            break
        time.sleep(1)
    return latency, [(answered - sent) * 1000 for sent, answered in posted.values()]


def show(label, latency, answered, expected):
    lat = list(latency.values())
    if not lat:
        print("%s: no message arrived" % label)
        return
    print("%s: %d taps, next message at the Graph API p50 %.2f ms  p99 %.2f ms  max %.2f ms; "
          "webhook answered p50 %.2f ms  p99 %.2f ms; missing %d"
          % (label, len(lat), pct(lat, 50), pct(lat, 99), max(lat), pct(answered, 50),
             pct(answered, 99), expected - len(lat)))


with concurrent.futures.ThreadPoolExecutor(clients) as pool:
    list(pool.map(lambda ic: post(*signed(ic[1], {
        "from": ic[1], "id": "wamid.menu.%d" % ic[0], "timestamp": str(int(time.time())),
        "type": "text", "text": {"body": "menu"}})), enumerate(customers)))
first = prompts(1)
time.sleep(1)
lat1, ans1 = taps(1, first, PICK)
second = prompts(2)
time.sleep(1)
lat2, ans2 = taps(2, second, MORE)

show("tap 1, \"Pick one\" (3 buttons) to its message", lat1, ans1, n)
show("tap 2, \"Anything else?\" (2 buttons) to the last message", lat2, ans2, n)
every = list(lat1.values()) + list(lat2.values())
missing = 2 * n - len(every)
result = {"taps": len(every), "missing": missing}
if every:
    result.update(p50=pct(every, 50), p99=pct(every, 99), max=max(every))
    print("all %d taps: p50 %.2f ms  p99 %.2f ms  max %.2f ms  (target: p99 under 20 ms)%s"
          % (len(every), result["p50"], result["p99"], result["max"],
             "; %d customers never got a message" % missing if missing else ""))
with open(out_path, "w") as f:
    json.dump(result, f)
sys.exit(1 if missing or not every else 0)
PY
completed="$("${PSQL[@]}" -c "SELECT count(*) FROM flow_runs WHERE flow_id = '$flow_id' AND status = 'completed'")"
echo "flow runs completed: $completed of $CUSTOMERS"
[ "$completed" = "$CUSTOMERS" ] || status=1
[ -s "$tmp/taps.json" ] || { echo "bench: the taps gave no figures" >&2; tail -30 "$tmp/botflow.log" >&2; exit 1; }

# The webhook's ingestion, as bench/webhook.sh measures it: ingestion alone (JOB_WORKERS=0) on
# the same database, unique pre-signed deliveries (one text message each, 5,000 customers).
if kill "$bf_pid" 2>/dev/null; then wait "$bf_pid" 2>/dev/null || true; fi
bench_serve WHATSAPP_APP_SECRET="$SECRET" JOB_WORKERS=0 LOG_LEVEL="${BENCH_LOG_LEVEL:-warn}"

bench_deliveries_lua
# wrk's latency ("850.00us", "4.32ms", "1.02s") in ms.
ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v !~ /ms$/ && v ~ /s$/) n *= 1000; printf "%.2f", n }'; }

ingest() {  # ingest LABEL: sets P99_16 (ms) and RATE_16
    local label="$1"
    bench_sign_deliveries "flows${label// /-}" "$tmp/deliveries.txt"
    bench_ingest 16 "$tmp/deliveries.txt"
    RATE_16="$INGEST_RATE"
    P99_16="$(ms "$INGEST_P99")"
    printf 'webhook ingest (as bench/webhook.sh), 16 connections%s: %s stored msg/s, p50 %s ms, p99 %s ms%s\n' \
        "${label:+, $label}" "$RATE_16" "$(ms "$INGEST_P50")" "$P99_16" "${INGEST_NON2XX:+ (non-2xx: $INGEST_NON2XX)}"
}

ingest "first contacts"
"${PSQL[@]}" -c "VACUUM ANALYZE conversations, messages, jobs"
ingest ""
python3 - "$tmp/taps.json" "$P99_16" "$RATE_16" <<'PY'
import json, sys
taps, p99_16, rate_16 = json.load(open(sys.argv[1])), float(sys.argv[2] or 0), sys.argv[3]
if "p99" in taps and p99_16 > 0:
    print("tap to next message p99 / webhook ingest p99 at 16 connections (%s msg/s): "
          "%.2f ms / %.2f ms = %.2f (target: tap p99 under 20 ms)"
          % (rate_16, taps["p99"], p99_16, taps["p99"] / p99_16))
PY
exit "$status"
