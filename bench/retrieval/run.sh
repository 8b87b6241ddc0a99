#!/usr/bin/env bash
# Retrieval quality and search latency: uploads the six documents of bench/retrieval/docs/,
# asks every question of questions.json through POST /api/documents/search and prints
# recall@1/3/5; then loads 44 more (copies under other titles, 50 documents in all) and prints
# the search latency p50/p99 seen by the client over ROUNDS passes of the questions.
#
#   bench/retrieval/run.sh            (or ./dev bench retrieval)
#
# Environment: ROUNDS (how many times each question is asked for the latency, default 5).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
bench_setup fast
bench_serve ADMIN_EMAIL=bench@botflow.local ADMIN_PASSWORD="bench password" \
    KB_MAX_DOCUMENTS=100

bench_machine
python3 - "$bf_port" "$ROOT/bench/retrieval" "${ROUNDS:-5}" <<'PY'
import json, sys, time, urllib.request, uuid, re, os
port, base, rounds = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
url = "http://127.0.0.1:%d" % port
def call(method, path, body=None, headers=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    h = {"Content-Type": "application/json"} if body is not None else {}
    h.update(headers or {})
    req = urllib.request.Request(url + path, data=data, method=method, headers=h)
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")
token = call("POST", "/api/auth/login", {"email": "bench@botflow.local", "password": "bench password"})["token"]
auth = {"Authorization": "Bearer " + token}
def upload(name, title):
    b = uuid.uuid4().hex
    data = open(os.path.join(base, "docs", name), "rb").read()
    body = (("--%s\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n%s\r\n" % (b, title)).encode()
            + ("--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"%s\"\r\n\r\n" % (b, name)).encode()
            + data + ("\r\n--%s--\r\n" % b).encode())
    h = dict(auth); h["Content-Type"] = "multipart/form-data; boundary=" + b
    return call("POST", "/api/documents", raw=body, headers=h)["id"]
questions = json.load(open(os.path.join(base, "questions.json")))
files = sorted({q["document"] for q in questions})
def wait_ready():
    deadline = time.time() + 120
    while time.time() < deadline:
        docs = call("GET", "/api/documents", headers=auth)["items"]
        if all(d["status"] != "processing" for d in docs):
            return docs
        time.sleep(0.2)
    return docs
squash = lambda s: re.sub(r"\s+", " ", s).strip().lower()
# Recall with the six documents, as a business would load them.
for f in files:
    upload(f, os.path.splitext(f)[0])
wait_ready()
hits = {1: 0, 3: 0, 5: 0}
for q in questions:
    items = call("POST", "/api/documents/search", {"query": q["question"], "limit": 5}, auth)["items"]
    answer = squash(q["answer"])
    rank = next((i + 1 for i, it in enumerate(items) if answer in squash(it["content"])), 0)
    for k in hits:
        hits[k] += 1 if 0 < rank <= k else 0
# Latency with 50 documents loaded (the six plus copies under other titles).
n = 0
while n < 44:
    f = files[n % len(files)]
    upload(f, "Archive %d of %s" % (n, os.path.splitext(f)[0]))
    n += 1
docs = wait_ready()
ready = sum(d["status"] == "ready" for d in docs)
chunks = sum(d["chunk_count"] for d in docs)
latencies = []
for r in range(rounds):
    for q in questions:
        t = time.perf_counter()
        call("POST", "/api/documents/search", {"query": q["question"], "limit": 5}, auth)
        latencies.append((time.perf_counter() - t) * 1000)
latencies.sort()
pct = lambda p: latencies[min(len(latencies) - 1, int(round(p / 100 * (len(latencies) - 1))))]
print("questions: %d; recall with the 6 documents:" % len(questions))
print("recall@1 %.3f  recall@3 %.3f  recall@5 %.3f   (target recall@3 >= 0.9)" % tuple(hits[k] / len(questions) for k in (1, 3, 5)))
print("documents loaded: %d (%d ready, %d passages)" % (len(docs), ready, chunks))
print("search latency over %d requests: p50 %.2f ms  p99 %.2f ms  max %.2f ms   (target p99 < 20 ms)" % (len(latencies), pct(50), pct(99), latencies[-1]))
PY
