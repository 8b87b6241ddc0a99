#!/usr/bin/env python3
"""A fake of Meta's Graph API for the WhatsApp Cloud API, for tests.

It speaks the wire format of the real one: POST /{version}/{phone_number_id}/messages (text,
media, interactive buttons and lists checked against WhatsApp's limits, template, reaction,
mark-as-read, typing indicator), POST /{version}/{phone_number_id}/media (a multipart upload;
the file is kept and its id returned), GET /{version}/{media_id} and the media download URL it
returns (which, like Meta's, needs the Bearer token), and GET /{version}/{phone_number_id}
(the phone number node: id, display_phone_number, verified_name, quality_rating, or the fields
asked for with ?fields=). Responses and errors have the shapes in
tests/fixtures/whatsapp/ (send-success-response.json, send-error-*.json, media-url-*.json).

Tests steer it through the control endpoints of fake_base.py and these:
  GET    /_fake/requests     every request received: {at (unix time), method, path, authorization, body}
  GET    /_fake/sent         messages accepted: {wamid, to, type, body, context, payload}; a message counts as accepted
                             only once its response was written to a client still connected
  DELETE /_fake/requests     forget requests and sent messages
  POST   /_fake/rules        rules match "messages"|"read"|"upload"|"media"|"download"|"phone"|
                             "any" (the default); "code": 131047 answers with a Meta error body;
                             "status" defaults to 400; a rule with only "delay_ms" slows the
                             request down and then answers normally
  POST   /_fake/media        {"id", "mime_type", "base64", "sha256" (optional override)}
  POST   /_fake/phone_numbers {"id", "display_phone_number", "verified_name", "quality_rating"}:
                             a number GET /{version}/{id} knows

Usage: graph_api.py [--port N] [--token T]. Prints "listening <port>" once ready.
"""
import base64
import hashlib
import json
import sys
import time

import fake_base
from fake_base import LOCK, STATE

STATE.update({"sent": [], "media": {}, "phones": {}})

ERROR_TITLES = {
    0: "AuthException",
    1: "API Unknown",
    2: "API Service",
    4: "Application request limit reached",
    100: "Invalid parameter",
    130429: "Rate limit hit",
    131000: "Something went wrong",
    131026: "Message Undeliverable",
    131047: "Re-engagement message",
    131048: "Spam rate limit hit",
    131056: "(Business Account, Consumer Account) pair rate limit hit",
    190: "Access token has expired",
}


def meta_error(code, details=None):
    title = ERROR_TITLES.get(code, "Error")
    err = {
        "message": "(#%d) %s" % (code, title),
        "type": "OAuthException",
        "code": code,
        "error_data": {"messaging_product": "whatsapp", "details": details or title},
        "fbtrace_id": "AfakeTrace%d" % code,
    }
    if code == 190:
        err["error_subcode"] = 463
        err["message"] = "Error validating access token: Session has expired."
    return {"error": err}


class Handler(fake_base.Handler):
    def apply_rule(self, kind):
        """Answers per the next matching rule; returns True when it did (or dropped)."""
        rule = fake_base.take_rule(kind)
        if rule is None:
            return False
        if not self.delay(rule):
            return True
        if rule.get("drop"):
            self.drop()
            return True
        if rule.get("delay_ms") and "status" not in rule and "code" not in rule:
            return False  # only slowed down: answer normally
        body = rule.get("body")
        if body is None and "code" in rule:
            body = meta_error(rule["code"], rule.get("details"))
        if body is None:
            body = {}
        self.reply(rule.get("status", 400), body, headers=fake_base.retry_headers(rule))
        return True

    def record(self, body):
        fake_base.record({
            "at": time.time(),
            "method": self.command,
            "path": self.path,
            "authorization": self.headers.get("Authorization", ""),
            "body": body,
        })

    def authorized(self):
        if self.token_ok():
            return True
        self.reply(401, meta_error(190))
        return False

    # ---- control ---------------------------------------------------------------------------
    def clear(self):
        STATE["sent"].clear()

    def extra_control(self, path, method, body):
        if path == "/_fake/sent" and method == "GET":
            with LOCK:
                sent = list(STATE["sent"])
            self.reply(200, sent)
            return True
        if path == "/_fake/media" and method == "POST":
            m = json.loads(body)
            data = base64.b64decode(m["base64"])
            with LOCK:
                STATE["media"][m["id"]] = {
                    "mime_type": m.get("mime_type", "application/octet-stream"),
                    "bytes": data,
                    "sha256": m.get("sha256") or hashlib.sha256(data).hexdigest(),
                }
            self.reply(200, {"ok": True})
            return True
        if path == "/_fake/phone_numbers" and method == "POST":
            p = json.loads(body)
            with LOCK:
                STATE["phones"][str(p["id"])] = {
                    "verified_name": p.get("verified_name", "Fake Business"),
                    "display_phone_number": p.get("display_phone_number", "+1 555-0100"),
                    "quality_rating": p.get("quality_rating", "GREEN"),
                    "code_verification_status": "VERIFIED",
                    "platform_type": "CLOUD_API",
                    "id": str(p["id"]),
                }
            self.reply(200, {"ok": True})
            return True
        return False

    # ---- Graph API -------------------------------------------------------------------------
    def not_found(self):
        return self.reply(404, meta_error(100, "Unknown path"))

    def api_get(self):
        self.record(None)
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts[0] == "_media" and len(parts) == 2:
            if self.apply_rule("download"):
                return
            if not self.authorized():
                return
            with LOCK:
                media = STATE["media"].get(parts[1])
            if media is None:
                return self.reply(404, b"", content_type="text/plain")
            return self.reply(200, media["bytes"], content_type=media["mime_type"])
        if len(parts) == 2:
            with LOCK:
                phone = STATE["phones"].get(parts[1])
            if phone is not None:
                return self.phone_number(phone)
            if self.apply_rule("media"):
                return
            if not self.authorized():
                return
            with LOCK:
                media = STATE["media"].get(parts[1])
            if media is None:
                err = meta_error(100, "Unsupported get request. Object with ID '%s' does not "
                                 "exist" % parts[1])
                err["error"]["type"] = "GraphMethodException"
                err["error"]["error_subcode"] = 33
                return self.reply(400, err)
            host = self.headers.get("Host")
            return self.reply(200, {
                "url": "http://%s/_media/%s" % (host, parts[1]),
                "mime_type": media["mime_type"],
                "sha256": media["sha256"],
                "file_size": len(media["bytes"]),
                "id": parts[1],
                "messaging_product": "whatsapp",
            })
        return self.not_found()

    def phone_number(self, phone):
        if self.apply_rule("phone"):
            return
        if not self.authorized():
            return
        query = self.path.split("?", 1)[1] if "?" in self.path else ""
        fields = None
        for pair in query.split("&"):
            if pair.startswith("fields="):
                fields = [f for f in pair[len("fields="):].replace("%2C", ",").split(",") if f]
        if fields is None:
            fields = ["verified_name", "code_verification_status", "display_phone_number",
                      "quality_rating", "platform_type"]
        node = {f: phone[f] for f in fields if f in phone}
        node["id"] = phone["id"]
        return self.reply(200, node)

    def upload(self, raw):
        # POST /{version}/{phone_number_id}/media: multipart with messaging_product and file.
        ctype = self.headers.get("Content-Type", "")
        self.record({"multipart": ctype.startswith("multipart/form-data"), "bytes": len(raw)})
        if self.apply_rule("upload"):
            return
        if not self.authorized():
            return
        boundary = ctype.split("boundary=", 1)[1].encode() if "boundary=" in ctype else b""
        if not boundary or b'name="messaging_product"' not in raw or b'name="file"' not in raw:
            return self.reply(400, meta_error(100, "messaging_product and file are required"))
        head, _, rest = raw.partition(b'name="file"')
        data = rest.split(b"\r\n\r\n", 1)[1].rsplit(b"\r\n--" + boundary, 1)[0]
        mime = rest.split(b"Content-Type: ", 1)[1].split(b"\r\n", 1)[0].decode() \
            if b"Content-Type: " in rest else "application/octet-stream"
        media_id = "%d" % (900000000 + fake_base.next_number())
        with LOCK:
            STATE["media"][media_id] = {"mime_type": mime, "bytes": data,
                                        "sha256": hashlib.sha256(data).hexdigest()}
        return self.reply(200, {"id": media_id})

    def check_interactive(self, interactive):
        # WhatsApp's limits for reply buttons and lists (UTF-16 units), as Meta refuses them.
        def units(text):
            return len(str(text).encode("utf-16-le")) // 2
        action = interactive.get("action") or {}
        if interactive.get("type") == "button":
            buttons = action.get("buttons") or []
            if not 1 <= len(buttons) <= 3 or any(units(b["reply"]["title"]) > 20 for b in buttons):
                return "buttons: 1 to 3, titles at most 20 characters"
        elif interactive.get("type") == "list":
            rows = [r for s in action.get("sections") or [] for r in s.get("rows") or []]
            if not rows or len(rows) > 10 or units(action.get("button", "")) > 20 or \
                    any(units(r["title"]) > 24 for r in rows):
                return "list: 1 to 10 rows, titles at most 24 characters, button at most 20"
        else:
            return "interactive.type must be button or list"
        return None

    def api_post(self, raw):
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) == 3 and parts[2] == "media":
            return self.upload(raw)
        try:
            body = json.loads(raw)
        except ValueError:
            self.record(raw.decode("utf-8", "replace"))
            return self.reply(400, meta_error(100, "The request body is not JSON"))
        self.record(body)
        parts = self.path.split("?")[0].strip("/").split("/")
        if len(parts) != 3 or parts[2] != "messages":
            return self.not_found()
        is_read = body.get("status") == "read"
        if self.apply_rule("read" if is_read else "messages"):
            return
        if not self.authorized():
            return
        if body.get("messaging_product") != "whatsapp":
            return self.reply(400, meta_error(100, "messaging_product must be whatsapp"))
        if is_read:
            if not body.get("message_id"):
                return self.reply(400, meta_error(100, "message_id is required"))
            return self.reply(200, {"success": True})
        to = body.get("to") or body.get("recipient")
        kind = body.get("type")
        if not to or not kind or not isinstance(body.get(kind), dict):
            return self.reply(400, meta_error(131008, "to, type and the type's object are "
                                              "required"))
        if kind == "text":
            text = body["text"].get("body", "")
            if not text or len(text.encode("utf-16-le")) // 2 > 4096:
                return self.reply(400, meta_error(100, "text.body must be 1 to 4096 "
                                                  "characters"))
        if kind == "interactive":
            wrong = self.check_interactive(body["interactive"])
            if wrong:
                return self.reply(400, meta_error(100, wrong))
        if kind in ("image", "document", "audio", "video"):
            media = body[kind]
            if "id" in media and media["id"] not in STATE["media"]:
                return self.reply(400, meta_error(100, "Object with ID '%s' does not exist"
                                                  % media["id"]))
            if "id" not in media and "link" not in media:
                return self.reply(400, meta_error(100, kind + " needs an id or a link"))
        wamid = "wamid.FAKE%08d" % fake_base.next_number()
        digits = "".join(c for c in str(to) if c.isdigit())
        ok = self.reply(200, {
            "messaging_product": "whatsapp",
            "contacts": [{"input": str(to), "wa_id": digits or str(to)}],
            "messages": [{"id": wamid}],
        })
        if ok:
            with LOCK:
                STATE["sent"].append({"wamid": wamid, "to": str(to), "type": kind,
                                      "body": body.get(kind, {}).get("body"),
                                      "context": body.get("context"),
                                      "payload": body.get(kind)})


if __name__ == "__main__":
    sys.exit(fake_base.main(Handler))
