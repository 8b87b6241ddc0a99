#!/usr/bin/env python3
"""A fake of a business's own order API, the kind a flow's api_call step calls, for tests.

Every path below is under --prefix (default none: "/orders/..."; with --prefix /api/v1,
"/api/v1/orders/..."). With --token, a request without "Authorization: Bearer <token>" gets
401 {"error": "unauthorized"} (and "WWW-Authenticate: Bearer"). Answers are JSON.
  GET  {prefix}/orders/{number}   {number} is percent-decoded; the query string is ignored.
      A number starting with "X": 404 {"error": "no such order"}. Any other:
      200 {"order": {"number": <number>, "status": "shipped", "carrier": "DHL",
                     "eta": "2026-12-10", "items": [{"name": "Blue mug", "qty": 2}]}}
  POST {prefix}/leads             the body must be a JSON object (else 400 {"error": ...});
      201 with that object echoed back and "id": "lead-<n>" added (n = 1, 2, 3, ...).
  Anything else (another path, PUT, PATCH, DELETE): 404 {"error": "Not Found"}, or 405
      {"error": "method not allowed"} for another method on one of the two paths.

Tests steer it through the control endpoints of fake_base.py, with these specifics:
  GET    /_fake/requests     every request outside /_fake/, oldest first, recorded when it
                             arrives (before any rule or the token is applied): {at (unix time),
                             method, path (with its query string), headers (every header, names
                             lower-case), body (the parsed JSON, the text when it is not JSON,
                             or null when empty), outcome ("answered" | "dropped" | "hung" |
                             "client_gone"), status (the status answered, or null)}
  DELETE /_fake/requests     forget the requests (the lead ids go on counting)
  POST   /_fake/rules        rules apply before the token check and match "order" (GET of an
                             order), "lead" (POST of a lead) or "any" (the default, every
                             request); "delay_ms" waits first (a rule with nothing else then
                             answers normally), "drop": true closes without answering,
                             "hang": true never answers (the connection stays open until the
                             client leaves: the caller's timeout), "status" answers with it and
                             "body" (JSON, or a string sent as text/plain) instead of the normal
                             answer; "status" defaults to 200 when only "body" is given, and
                             "body" to {"error": "fake error <status>"} for statuses of 400 and
                             above ({} below); "retry_after" adds a Retry-After header.

Usage: order_api.py [--port N] [--token T] [--prefix /api/v1]. Prints "listening <port>" once
ready.
"""
import argparse
import json
import sys
import time
from urllib.parse import unquote

import fake_base

PREFIX = ""


def parsed_body(raw):
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    try:
        return json.loads(text)
    except ValueError:
        return text


def order(number):
    return {"order": {"number": number, "status": "shipped", "carrier": "DHL",
                      "eta": "2026-12-10", "items": [{"name": "Blue mug", "qty": 2}]}}


class Handler(fake_base.Handler):
    def answer(self, rec, status, payload, headers=None):
        content_type = "application/json"
        if isinstance(payload, str):
            payload, content_type = payload.encode(), "text/plain; charset=utf-8"
        ok = self.reply(status, payload, content_type=content_type, headers=headers)
        fake_base.update(rec, outcome="answered" if ok else "client_gone",
                         status=status if ok else None)

    def route(self, method):
        """(kind, argument): ("order", number), ("lead", None), ("wrong_method", None) or
        (None, None) for a path the API does not have."""
        path = self.path.split("?")[0]
        if PREFIX:
            if not path.startswith(PREFIX + "/"):
                return None, None
            path = path[len(PREFIX):]
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "orders" and parts[1]:
            return ("order", unquote(parts[1])) if method == "GET" else ("wrong_method", None)
        if len(parts) == 1 and parts[0] == "leads":
            return ("lead", None) if method == "POST" else ("wrong_method", None)
        return None, None

    def apply_rule(self, rec, kind):
        """Applies the next matching rule; True when the request is over."""
        rule = fake_base.take_rule(kind) if kind in ("order", "lead") else \
            fake_base.take_rule("other")
        if rule is None:
            return False
        if self.apply_connection_rule(rec, rule):
            return True
        if "status" not in rule and "body" not in rule:
            return False  # only slowed down: answer normally
        status = int(rule.get("status", 200))
        body = rule.get("body")
        if body is None:
            body = {"error": "fake error %d" % status} if status >= 400 else {}
        self.answer(rec, status, body, headers=fake_base.retry_headers(rule))
        return True

    # ---- the API ---------------------------------------------------------------------------
    def api(self, method, raw):
        body = parsed_body(raw)
        rec = fake_base.record({
            "at": time.time(),
            "method": method,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": body,
            "outcome": None,
            "status": None,
        })
        kind, arg = self.route(method)
        if self.apply_rule(rec, kind):
            return
        if kind is None:
            return self.answer(rec, 404, {"error": "Not Found"})
        if kind == "wrong_method":
            return self.answer(rec, 405, {"error": "method not allowed"})
        if not self.token_ok():
            return self.answer(rec, 401, {"error": "unauthorized"},
                               headers={"WWW-Authenticate": "Bearer"})
        if kind == "order":
            if arg.startswith("X"):
                return self.answer(rec, 404, {"error": "no such order"})
            return self.answer(rec, 200, order(arg))
        if not isinstance(body, dict):
            return self.answer(rec, 400, {"error": "the body must be a JSON object"})
        lead = dict(body)
        lead["id"] = "lead-%d" % fake_base.next_number()
        return self.answer(rec, 201, lead)

    # Every method reads its body, so that a body the caller should not have sent is seen (and
    # the keep-alive connection stays in step).
    def do_GET(self):
        if self.path.startswith("/_fake/"):
            return self.control("GET", b"")
        return self.api("GET", self.body_bytes())

    def do_DELETE(self):
        if self.path.startswith("/_fake/"):
            return self.control("DELETE", b"")
        return self.api("DELETE", self.body_bytes())

    def do_POST(self):
        raw = self.body_bytes()
        if self.path.startswith("/_fake/"):
            return self.control("POST", raw)
        return self.api("POST", raw)

    def do_PUT(self):
        raw = self.body_bytes()
        if self.path.startswith("/_fake/"):
            return self.control("PUT", raw)
        return self.api("PUT", raw)

    def do_PATCH(self):
        raw = self.body_bytes()
        if self.path.startswith("/_fake/"):
            return self.control("PATCH", raw)
        return self.api("PATCH", raw)


def setup(args):
    global PREFIX
    prefix = (args.prefix or "").strip()
    PREFIX = ("/" + prefix.strip("/")) if prefix.strip("/") else ""


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--prefix", default="")
    sys.exit(fake_base.main(Handler, ap, setup))
