#!/usr/bin/env python3
"""Drives bench/ai.sh: the AI pipeline's overhead, then many conversations at once.

Talks to a running botflow (webhooks signed with the app secret), the fake LLM (rules) and the
fake Graph API (which records when each send request arrived), and reads /proc for the
server's threads and memory. Prints figures; exits non-zero when an answer is missing or sent
twice.
"""
import argparse
import concurrent.futures
import hashlib
import hmac
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request


def http(method, url, body=None, headers=None):
    data = None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    if body is not None and "Content-Type" not in (headers or {}):
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=60) as r:
        raw = r.read()
        return r.status, (json.loads(raw) if raw else None)


def delivery(customer, wamid, text):
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [
        {"field": "messages", "value": {"messaging_product": "whatsapp",
         "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
         "contacts": [{"profile": {"name": "Customer " + customer}, "wa_id": customer}],
         "messages": [{"from": customer, "id": wamid, "timestamp": str(int(time.time())),
                       "type": "text", "text": {"body": text}}]}}]}]},
        separators=(",", ":")).encode()


def post_webhook(args, customer, wamid, text):
    body = delivery(customer, wamid, text)
    sig = "sha256=" + hmac.new(args.secret.encode(), body, hashlib.sha256).hexdigest()
    status, _ = http("POST", args.server + "/api/webhook/whatsapp", body,
                     {"Content-Type": "application/json", "X-Hub-Signature-256": sig})
    if status != 200:
        raise RuntimeError("webhook answered %d" % status)


def sends(args):
    """{recipient: [arrival times]} of text sends the fake Graph API received."""
    _, reqs = http("GET", args.graph + "/_fake/requests")
    out = {}
    for r in reqs:
        b = r.get("body")
        if isinstance(b, dict) and b.get("type") == "text":
            out.setdefault(str(b.get("to")).lstrip("+"), []).append(r["at"])
    return out


def proc(pid):
    fields = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return int(fields["Threads"]), int(fields["VmRSS"].split()[0]) // 1024


def cpu_seconds(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100.0 * (len(values) - 1))))]


def overhead(args):
    http("POST", args.llm + "/_fake/rules", {"rules": [{"reply": "Yes, we are open.", "times": -1}]})
    posted = {}
    for i in range(args.samples):
        customer = "3470%07d" % i
        posted[customer] = time.time()
        post_webhook(args, customer, "wamid.o.%d" % i, "Are you open today?")
        time.sleep(0.05)  # one at a time: the pipeline's own latency, not a queue
    deadline = time.time() + 60
    while time.time() < deadline:
        got = sends(args)
        if all(c in got for c in posted):
            break
        time.sleep(0.2)
    got = sends(args)
    lat = [(got[c][0] - t) * 1000 for c, t in posted.items() if c in got]
    missing = len(posted) - len(lat)
    print("overhead (webhook POST to Graph API send request, %d messages one at a time):" %
          args.samples)
    print("  p50 %.1f ms  p99 %.1f ms  max %.1f ms  missing %d" %
          (pct(lat, 50), pct(lat, 99), max(lat), missing))
    return missing == 0


def load(args):
    n = args.conversations
    http("DELETE", args.graph + "/_fake/requests")
    http("DELETE", args.llm + "/_fake/requests")
    http("POST", args.llm + "/_fake/rules",
         {"rules": [{"first_token_delay_ms": 2000, "reply": "Thanks, here is your answer.",
                     "times": -1}]})
    time.sleep(1)
    threads0, rss0 = proc(args.pid)
    cpu0 = cpu_seconds(args.pid)
    peak = {"threads": threads0, "rss": rss0}
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            t, r = proc(args.pid)
            peak["threads"] = max(peak["threads"], t)
            peak["rss"] = max(peak["rss"], r)
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    customers = ["3480%07d" % i for i in range(n)]
    started = time.time()
    with concurrent.futures.ThreadPoolExecutor(max_workers=64) as pool:
        list(pool.map(lambda c: post_webhook(args, c, "wamid.l." + c, "Where is my order?"),
                      customers))
    posted = time.time()
    deadline = started + 120
    while time.time() < deadline:
        got = sends(args)
        if len(got) >= n:
            break
        time.sleep(0.1)
    time.sleep(3)  # anything sent twice would show up now
    stop.set()
    sampler.join()
    got = sends(args)
    last = max(max(v) for v in got.values()) if got else time.time()
    twice = sum(1 for v in got.values() if len(v) > 1)
    missing = sum(1 for c in customers if c not in got)
    _, stats = http("GET", args.llm + "/_fake/stats")
    threads1, rss1 = proc(args.pid)
    cpu = cpu_seconds(args.pid) - cpu0
    answered = subprocess.run(
        ["psql", args.database, "-qtAX", "-c",
         "SELECT count(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id "
         "WHERE m.sender = 'ai' AND c.wa_id LIKE '348%'"],
        capture_output=True, text=True).stdout.strip()
    print("load (%d conversations at once, the model takes 2 s to its first token):" % n)
    print("  webhooks posted in %.2f s; last answer sent %.2f s after the first webhook, "
          "%.2f s after the last" % (posted - started, last - started, last - posted))
    print("  answered %d, missing %d, sent twice %d, AI messages stored %s, "
          "model calls %d (max %d at once)"
          % (len(got), missing, twice, answered, stats["total"], stats["max_in_flight"]))
    print("  server threads %d before, %d peak, %d after; RSS %d MB before, %d MB peak "
          "(+%d MB), %d MB after; server CPU %.1f s" % (
              threads0, peak["threads"], threads1, rss0, peak["rss"], peak["rss"] - rss0, rss1,
              cpu))
    return missing == 0 and twice == 0


def main():
    ap = argparse.ArgumentParser()
    for name in ("server", "llm", "graph", "secret", "database"):
        ap.add_argument("--" + name, required=True)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--conversations", type=int, default=1000)
    ap.add_argument("--samples", type=int, default=300)
    args = ap.parse_args()
    ok = overhead(args)
    ok = load(args) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
