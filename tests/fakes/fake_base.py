"""What every fake in tests/fakes/ shares: a threading HTTP server on 127.0.0.1, the request log,
the scripted rules and the control endpoints, and the command line. Each fake (graph_api.py,
llm_api.py) keeps only its own wire protocol; it imports this module from its own directory,
which Python puts first on sys.path when it runs the fake as a script.

Control endpoints every fake answers:
  GET    /_fake/requests     every request recorded, oldest first (each fake says what a record
                             holds)
  DELETE /_fake/requests     forget the requests (and whatever else the fake's clear() forgets)
  POST   /_fake/rules        {"rules": [...]} replaces the rules. Each rule, in order, applies
                             to the next matching requests: "match" (a kind the fake names, or
                             "any"), "times": N (default 1, -1 forever; so {"times": 1} after
                             {"match": ..., "times": 2} fails the third call), and what to do:
                             "status", "body", "delay_ms" (wait first, noticing a client that
                             hangs up), "drop": true (close without answering), "retry_after"
                             (seconds, as a Retry-After header). Each fake says what else its
                             rules can do.

Command line: <fake>.py [--port N] [--token T] [the fake's own options]. --port 0 (the default)
takes a free port; with --token, requests must carry "Authorization: Bearer T". Prints
"listening <port>" once ready.
"""
import argparse
import copy
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
# The fake's state, under LOCK. Each fake adds its own keys.
STATE = {"requests": [], "rules": [], "counter": 0}
# The Bearer token requests must carry (None: any or none), from --token.
TOKEN = None


def next_number():
    """1, 2, 3, ... for the ids a fake hands out."""
    with LOCK:
        STATE["counter"] += 1
        return STATE["counter"]


def record(rec):
    """Appends `rec` to the request log and returns it (the fake may complete it later under
    LOCK, with update())."""
    with LOCK:
        STATE["requests"].append(rec)
    return rec


def update(rec, **fields):
    with LOCK:
        rec.update(fields)


def take_rule(kind, default_match="any", model=None):
    """The next rule for a request of `kind` (and `model`, for rules that name one), counting
    it off; None when no rule applies."""
    with LOCK:
        for rule in STATE["rules"]:
            if rule.get("match", default_match) not in ("any", kind):
                continue
            if "model" in rule and rule["model"] != model:
                continue
            times = rule.get("times", 1)
            if times == 0:
                continue
            if times > 0:
                rule["times"] = times - 1
            return dict(rule)
    return None


def retry_headers(rule):
    return {"Retry-After": str(rule["retry_after"])} if "retry_after" in rule else {}


def readable(sock, timeout_s):
    # poll, not select: with 1000+ connections descriptors pass FD_SETSIZE.
    p = select.poll()
    p.register(sock, select.POLLIN | select.POLLERR | select.POLLHUP)
    try:
        return bool(p.poll(max(0, int(timeout_s * 1000))))
    except OSError:
        return True


class Handler(BaseHTTPRequestHandler):
    """The plumbing and the control endpoints. A fake overrides api_get, api_post and
    api_delete (the path is not under /_fake/), not_found, and, for control endpoints of its
    own, extra_control and clear."""

    protocol_version = "HTTP/1.1"
    # A response is written as headers, then body: without TCP_NODELAY the body waits for the
    # client's delayed ACK of the headers (40 ms on Linux) on every reused connection, which
    # no real service adds.
    disable_nagle_algorithm = True

    def log_message(self, fmt, *args):
        pass

    # ---- plumbing --------------------------------------------------------------------------
    def body_bytes(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def client_gone(self):
        # Readable with nothing to read means the client closed its end.
        try:
            if not readable(self.connection, 0):
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def wait(self, ms, keepalive=None):
        """Sleeps `ms`; False when the client hangs up meanwhile. With `keepalive` (bytes),
        writes it every 500 ms."""
        deadline = time.monotonic() + ms / 1000.0
        next_comment = time.monotonic() + 0.5
        while True:
            now = time.monotonic()
            if now >= deadline:
                return True
            step = min(0.05, deadline - now)
            if readable(self.connection, step):
                if self.client_gone():
                    return False
                time.sleep(step)  # the client sent more bytes; they wait for their turn
            if keepalive and time.monotonic() >= next_comment:
                next_comment += 0.5
                if not self.write(keepalive):
                    return False

    def write(self, data):
        try:
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            return False

    def reply(self, status, payload, content_type="application/json", headers=None):
        """Answers with `payload` (bytes, or JSON); False when the client is gone."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        if self.client_gone():
            return False
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data)
            self.wfile.flush()
            return True
        except OSError:
            return False

    def drop(self):
        """Closes the connection without answering."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def delay(self, rule):
        """Waits the rule's delay_ms; False (and the connection closes) when the client hung up
        meanwhile."""
        if rule.get("delay_ms") and not self.wait(rule["delay_ms"]):
            self.close_connection = True
            return False
        return True

    def hang(self):
        # Never answers; reads and throws away whatever comes until the client leaves.
        self.close_connection = True
        while True:
            if readable(self.connection, 1.0):
                try:
                    if self.connection.recv(65536) == b"":
                        return
                except OSError:
                    return

    def apply_connection_rule(self, rec, rule):
        """delay_ms, drop and hang; True when the request is over."""
        if rule is None:
            return False
        if not self.delay(rule):
            update(rec, outcome="client_gone")
            return True
        if rule.get("drop"):
            update(rec, outcome="dropped")
            self.drop()
            return True
        if rule.get("hang"):
            update(rec, outcome="hung")
            self.hang()
            return True
        return False

    def token_ok(self):
        return TOKEN is None or self.headers.get("Authorization") == "Bearer " + TOKEN

    # ---- control ---------------------------------------------------------------------------
    def control(self, method, body):
        path = self.path.split("?")[0]
        if path == "/_fake/requests" and method == "GET":
            with LOCK:
                data = copy.deepcopy(STATE["requests"])
            return self.reply(200, data)
        if path == "/_fake/requests" and method == "DELETE":
            with LOCK:
                STATE["requests"] = []
                self.clear()
            return self.reply(200, {"ok": True})
        if path == "/_fake/rules" and method == "POST":
            try:
                rules = json.loads(body or b"{}").get("rules", [])
            except (ValueError, AttributeError):
                return self.reply(400, {"error": "rules must be {\"rules\": [...]}"})
            with LOCK:
                STATE["rules"] = rules
            return self.reply(200, {"ok": True})
        if self.extra_control(path, method, body):
            return None
        return self.reply(404, {"error": "no such control endpoint"})

    def extra_control(self, path, method, body):
        """The fake's own /_fake/ endpoints; True when it answered."""
        return False

    def clear(self):
        """What DELETE /_fake/requests forgets besides the requests (called under LOCK)."""

    # ---- dispatch --------------------------------------------------------------------------
    def not_found(self):
        return self.reply(404, {"error": "Not Found"})

    def api_get(self):
        return self.not_found()

    def api_post(self, raw):
        return self.not_found()

    def api_delete(self):
        return self.not_found()

    def do_GET(self):
        if self.path.startswith("/_fake/"):
            return self.control("GET", b"")
        return self.api_get()

    def do_DELETE(self):
        if self.path.startswith("/_fake/"):
            return self.control("DELETE", b"")
        return self.api_delete()

    def do_POST(self):
        raw = self.body_bytes()
        if self.path.startswith("/_fake/"):
            return self.control("POST", raw)
        return self.api_post(raw)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 4096  # 1000+ clients connect at once in load tests

    def handle_error(self, request, client_address):
        # A client that went away is not the fake's problem.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)


def main(handler, parser=None, setup=None):
    """Parses --port and --token (and what `parser` adds), calls setup(args), then serves with
    `handler` until interrupted."""
    global TOKEN
    ap = parser or argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--token", default=None)
    args = ap.parse_args()
    TOKEN = args.token
    if setup:
        setup(args)
    server = Server(("127.0.0.1", args.port), handler)
    print("listening %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
