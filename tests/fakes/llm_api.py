#!/usr/bin/env python3
"""A fake of an OpenAI-compatible chat-completions API (OpenRouter flavour), for tests.

It speaks the wire format of OpenRouter (see tests/fixtures/openrouter/):
  POST {any prefix}/chat/completions   e.g. /v1/chat/completions or /api/v1/chat/completions.
      The body must be JSON with "messages" (else 400 {"error":{"code":400,"message":...}}).
      With --token, an Authorization other than "Bearer <token>" gets 401 (error-401.json).
      The model is the body's "model" (default openai/gpt-4o-mini); with a "models" list
      (OpenRouter fallbacks) the body's model and then each of "models" is tried in order: a
      rule that fails a model moves on to the next one, and the last failure is returned. The
      answer's "model" is the model that answered. The reply is "This is the fake model's
      answer." unless a rule says otherwise.
      Non-streaming: the shape of chat-completion-response.json (id "gen-<n>", provider
      "FakeProvider", usage {prompt_tokens = characters of all message contents // 4 (min 1),
      completion_tokens = whitespace-separated words of the reply, total_tokens, cost =
      prompt_tokens * 0.00000015 + completion_tokens * 0.0000006}); keep-alive.
      Streaming ("stream": true): text/event-stream and "Connection: close": two
      ": OPENROUTER PROCESSING" comments, a chunk with delta {"role":"assistant","content":""},
      one chunk per word (spaces kept), a chunk with finish_reason "stop", a usage chunk with
      "choices": [], then "data: [DONE]"; the connection is then closed.
  GET  {any prefix}/models             models-response.json plus "fake/cheap-model" (prompt
      "0.000001", completion "0.000002" per token). Needs no token, like OpenRouter.

Tests steer it through the control endpoints of fake_base.py, with these specifics:
  GET    /_fake/requests     every chat/models request: {method, path, headers (lower-case
                             names, only those present, of authorization, http-referer,
                             x-openrouter-title, x-title, content-type), body (parsed JSON or
                             null), model_used (the model that answered, or null), outcome
                             ("answered"|"error"|"dropped"|"hung"|"midstream_error"|
                             "client_gone"), completed (the whole response was written to a
                             client still connected)}
  DELETE /_fake/requests     forget requests and reset the stats
  GET    /_fake/stats        {"total", "in_flight", "max_in_flight"} over chat/models requests
  POST   /_fake/rules        for chat, a rule applies to the next matching model tried:
                             {"match": "chat"|"models"|"any" (default "chat"),
                             "model": only this model, "times": N (default 1, -1 forever),
                             "status": answer with this error (401/402/429/502 use the
                             error-<status>.json bodies, others {"error":{"code","message"}}),
                             "body": {...} (the error body instead), "retry_after": seconds,
                             "delay_ms": wait before answering at all,
                             "first_token_delay_ms": streams only, wait after the first comments
                             (sending a comment every 500 ms) before the first chunk,
                             "token_delay_ms": wait between content chunks,
                             "fail_after_tokens": N (a mid-stream error event after N content
                             chunks, then [DONE]), "hang": true (never answer; the connection
                             stays open until the client leaves), "drop": true (close without
                             answering), "reply": text, "reply_from_prompt": true (reply
                             "ECHO: " + the last user message), "no_cost": true (no usage.cost),
                             "linger_ms": keep the stream open this long after [DONE]}

Usage: llm_api.py [--port N] [--token T] [--no-cost]. Prints "listening <port>" once ready.
"""
import argparse
import json
import os
import re
import resource
import sys
import threading
import time

import fake_base
from fake_base import LOCK, STATE

FIXTURES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures",
                        "openrouter")
DEFAULT_MODEL = "openai/gpt-4o-mini"
DEFAULT_REPLY = "This is the fake model's answer."
PROVIDER = "FakeProvider"
PROMPT_PRICE = 0.00000015
COMPLETION_PRICE = 0.0000006
KEEPALIVE = b": OPENROUTER PROCESSING\n\n"
RECORDED_HEADERS = ("authorization", "http-referer", "x-openrouter-title", "x-title",
                    "content-type")

STATE.update({"total": 0, "in_flight": 0, "max_in_flight": 0})
NO_COST = False
ERROR_BODIES = {}
MODELS = None

CHEAP_MODEL = {
    "id": "fake/cheap-model",
    "canonical_slug": "fake/cheap-model",
    "hugging_face_id": None,
    "name": "Fake: Cheap Model",
    "created": 1735689600,
    "description": "A model that exists only in the fake, with round prices for cost tests.",
    "context_length": 32000,
    "architecture": {
        "modality": "text->text",
        "input_modalities": ["text"],
        "output_modalities": ["text"],
        "tokenizer": "GPT",
        "instruct_type": None,
    },
    "pricing": {"prompt": "0.000001", "completion": "0.000002", "request": "0", "image": "0"},
    "top_provider": {"context_length": 32000, "max_completion_tokens": 4096,
                     "is_moderated": False},
    "per_request_limits": None,
    "supported_parameters": ["max_tokens", "temperature", "top_p", "stop"],
    "default_parameters": None,
    "supported_voices": None,
    "expiration_date": None,
    "knowledge_cutoff": None,
    "links": {"details": "/api/v1/models/fake/cheap-model/endpoints"},
}


def load_fixtures():
    global MODELS
    for status in (401, 402, 429, 502):
        with open(os.path.join(FIXTURES, "error-%d.json" % status)) as f:
            ERROR_BODIES[status] = json.load(f)
    with open(os.path.join(FIXTURES, "models-response.json")) as f:
        MODELS = json.load(f)
    if not any(m.get("id") == CHEAP_MODEL["id"] for m in MODELS.get("data", [])):
        MODELS.setdefault("data", []).append(CHEAP_MODEL)


def error_body(status, message=None):
    if message is None and status in ERROR_BODIES:
        return ERROR_BODIES[status]
    return {"error": {"code": status, "message": message or "Fake error %d" % status}}


def is_error_rule(rule):
    return rule is not None and ("status" in rule or "body" in rule)


def rule_status(rule):
    if "status" in rule:
        return int(rule["status"])
    body = rule.get("body")
    err = body.get("error") if isinstance(body, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return code if isinstance(code, int) and 400 <= code <= 599 else 500


def content_text(content):
    """The text of a message's content: a string, or a list of parts."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and isinstance(p.get("text"), str))
    return ""


def next_id():
    return "gen-%d" % fake_base.next_number()


def usage_for(messages, reply, with_cost):
    chars = sum(len(content_text(m.get("content"))) for m in messages if isinstance(m, dict))
    prompt = max(1, chars // 4)
    completion = len(reply.split())
    usage = {"prompt_tokens": prompt, "completion_tokens": completion,
             "total_tokens": prompt + completion, "is_byok": False,
             "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
             "completion_tokens_details": {"reasoning_tokens": 0, "image_tokens": 0}}
    if with_cost:
        prompt_cost = round(prompt * PROMPT_PRICE, 12)
        completion_cost = round(completion * COMPLETION_PRICE, 12)
        cost = round(prompt_cost + completion_cost, 12)
        usage["cost"] = cost
        usage["cost_details"] = {"upstream_inference_cost": cost,
                                 "upstream_inference_prompt_cost": prompt_cost,
                                 "upstream_inference_completions_cost": completion_cost}
    return usage


class Handler(fake_base.Handler):
    # ---- records ---------------------------------------------------------------------------
    def begin(self, body):
        headers = {}
        for name in RECORDED_HEADERS:
            value = self.headers.get(name)
            if value is not None:
                headers[name] = value
        rec = fake_base.record({"method": self.command, "path": self.path, "headers": headers,
                                "body": body, "model_used": None, "outcome": None,
                                "completed": False})
        with LOCK:
            STATE["total"] += 1
            STATE["in_flight"] += 1
            STATE["max_in_flight"] = max(STATE["max_in_flight"], STATE["in_flight"])
        return rec

    @staticmethod
    def end(rec):
        with LOCK:
            STATE["in_flight"] -= 1
            if rec["outcome"] is None:
                rec["outcome"] = "client_gone"

    def finish_error(self, rec, status, body, headers=None):
        ok = self.reply(status, body, headers=headers)
        fake_base.update(rec, outcome="error" if ok else "client_gone", completed=ok)

    def error_from_rule(self, rule):
        body = rule.get("body")
        status = rule_status(rule)
        if body is None:
            body = error_body(status)
        return status, body, fake_base.retry_headers(rule)

    # ---- control ---------------------------------------------------------------------------
    def clear(self):
        STATE["total"] = 0
        STATE["max_in_flight"] = STATE["in_flight"]

    def extra_control(self, path, method, body):
        if path == "/_fake/stats" and method == "GET":
            with LOCK:
                stats = {k: STATE[k] for k in ("total", "in_flight", "max_in_flight")}
            self.reply(200, stats)
            return True
        return False

    # ---- API -------------------------------------------------------------------------------
    def not_found(self):
        return self.reply(404, error_body(404, "Not Found"))

    def api_get(self):
        path = self.path.split("?")[0].rstrip("/")
        if not path.endswith("/models") and path != "/models":
            return self.reply(404, error_body(404, "Not Found"))
        rec = self.begin(None)
        try:
            rule = fake_base.take_rule("models", "chat")
            if self.apply_connection_rule(rec, rule):
                return
            if is_error_rule(rule):
                return self.finish_error(rec, *self.error_from_rule(rule))
            ok = self.reply(200, MODELS)
            fake_base.update(rec, outcome="answered" if ok else "client_gone", completed=ok)
        finally:
            self.end(rec)

    def api_post(self, raw):
        path = self.path.split("?")[0].rstrip("/")
        if not path.endswith("/chat/completions"):
            return self.reply(404, error_body(404, "Not Found"))
        try:
            body = json.loads(raw)
        except ValueError:
            body = None
        rec = self.begin(body)
        try:
            self.chat(rec, body)
        finally:
            self.end(rec)

    def chat(self, rec, body):
        if not self.token_ok():
            return self.finish_error(rec, 401, error_body(401))
        if not isinstance(body, dict):
            return self.finish_error(rec, 400, error_body(400, "The request body is not JSON"))
        messages = body.get("messages")
        if not isinstance(messages, list) or not messages:
            return self.finish_error(rec, 400, error_body(400, "messages is required"))
        candidates = []
        if isinstance(body.get("model"), str) and body["model"]:
            candidates.append(body["model"])
        for m in body.get("models") or []:
            if isinstance(m, str) and m and m not in candidates:
                candidates.append(m)
        if not candidates:
            candidates.append(DEFAULT_MODEL)
        last_error = None
        for model in candidates:
            rule = fake_base.take_rule("chat", "chat", model)
            if self.apply_connection_rule(rec, rule):
                return
            if is_error_rule(rule):
                last_error = self.error_from_rule(rule)
                continue
            return self.answer(rec, body, messages, model, rule or {})
        self.finish_error(rec, *last_error)

    def answer(self, rec, body, messages, model, rule):
        reply = rule.get("reply", DEFAULT_REPLY)
        if rule.get("reply_from_prompt"):
            last_user = ""
            for m in messages:
                if isinstance(m, dict) and m.get("role") == "user":
                    last_user = content_text(m.get("content"))
            reply = "ECHO: " + last_user
        with_cost = not NO_COST and not rule.get("no_cost")
        usage = usage_for(messages, reply, with_cost)
        gen_id = next_id()
        created = int(time.time())
        if not body.get("stream"):
            ok = self.reply(200, {
                "id": gen_id,
                "provider": PROVIDER,
                "model": model,
                "object": "chat.completion",
                "created": created,
                "choices": [{
                    "logprobs": None,
                    "finish_reason": "stop",
                    "native_finish_reason": "stop",
                    "index": 0,
                    "message": {"role": "assistant", "content": reply, "refusal": None,
                                "reasoning": None},
                }],
                "system_fingerprint": "fp_fake",
                "usage": usage,
            }, headers={"X-Generation-Id": gen_id})
            fake_base.update(rec, model_used=model, outcome="answered" if ok else "client_gone",
                     completed=ok)
            return
        self.stream(rec, model, reply, usage, gen_id, created, rule)

    def stream(self, rec, model, reply, usage, gen_id, created, rule):
        self.close_connection = True
        fake_base.update(rec, model_used=model)

        def chunk(delta, finish_reason=None, **extra):
            c = {"id": gen_id, "provider": PROVIDER, "model": model,
                 "object": "chat.completion.chunk", "created": created,
                 "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason,
                              "native_finish_reason": finish_reason, "logprobs": None}],
                 "system_fingerprint": "fp_fake"}
            c.update(extra)
            return b"data: " + json.dumps(c).encode() + b"\n\n"

        def gone():
            fake_base.update(rec, outcome="client_gone")

        if self.client_gone():
            return gone()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.send_header("X-Generation-Id", gen_id)
            self.send_header("Connection", "close")
            self.end_headers()
        except OSError:
            return gone()
        if not self.write(KEEPALIVE + KEEPALIVE):
            return gone()
        if rule.get("first_token_delay_ms"):
            if not self.wait(rule["first_token_delay_ms"], keepalive=KEEPALIVE):
                return gone()
        if not self.write(chunk({"role": "assistant", "content": ""})):
            return gone()
        # One chunk per word, spaces in front as real models stream them: "Hi", " there".
        tokens = re.findall(r"\s*\S+|\s+", reply)
        fail_after = rule.get("fail_after_tokens")
        token_delay = rule.get("token_delay_ms") or 0
        for i, tok in enumerate(tokens):
            if fail_after is not None and i >= fail_after:
                break
            if i > 0 and token_delay and not self.wait(token_delay):
                return gone()
            if not self.write(chunk({"role": "assistant", "content": tok})):
                return gone()
        if fail_after is not None:
            event = {"id": gen_id, "object": "chat.completion.chunk", "created": created,
                     "model": model, "provider": PROVIDER,
                     "error": {"code": 502, "message": "Provider disconnected",
                               "metadata": {"error_type": "provider_unavailable"}},
                     "choices": [{"index": 0, "delta": {"content": ""},
                                  "finish_reason": "error"}]}
            data = b"data: " + json.dumps(event).encode() + b"\n\n"
            if self.client_gone() or not self.write(data + b"data: [DONE]\n\n"):
                return gone()
            fake_base.update(rec, outcome="midstream_error", completed=True)
            return
        if not self.write(chunk({"role": "assistant", "content": ""}, "stop")):
            return gone()
        usage_chunk = {"id": gen_id, "provider": PROVIDER, "model": model,
                       "object": "chat.completion.chunk", "created": created, "choices": [],
                       "system_fingerprint": "fp_fake", "usage": usage}
        data = b"data: " + json.dumps(usage_chunk).encode() + b"\n\ndata: [DONE]\n\n"
        if self.client_gone() or not self.write(data):
            return gone()
        fake_base.update(rec, outcome="answered", completed=True)
        # A proxy that keeps the connection open after [DONE]: the client must not wait.
        linger = rule.get("linger_ms", 0) / 1000.0
        end = time.time() + linger
        while time.time() < end and not self.client_gone():
            time.sleep(0.05)


def setup(args):
    global NO_COST
    NO_COST = args.no_cost
    load_fixtures()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and (hard == resource.RLIM_INFINITY or soft < hard):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        except (ValueError, OSError):
            pass
    threading.stack_size(512 * 1024)  # one thread per connection


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--no-cost", action="store_true")
    sys.exit(fake_base.main(Handler, ap, setup))
