"""A local SMS provider: the small JSON API comms' adapter speaks (comms/sms_provider.py), in the shape
of Twilio's or MessageBird's, with delivery receipts POSTed back to each message's status callback.

Provider side:
- `POST /v1/messages` — `Authorization: Bearer <SMS_API_KEY>` (401 otherwise, when a key is set);
  JSON `{"to": "+447700900123", "from": "Fieldbook", "body": "…", "reference": "…",
  "status_callback": "https://…"}`. 201 with the message `{"id": "SM…", "status": "accepted", …}`;
  the same `Idempotency-Key` again answers 200 with that message and sends nothing. 422
  `{"error": {"code", "message"}}` for a number that is not E.164 or an empty (or over 1600
  characters) body.
- `GET /v1/messages/<id>`: one message.
- Receipts: after `SMS_SIM_RECEIPT_DELAY_SECONDS` (0.5) the simulator POSTs to the message's
  `status_callback` `{"id", "reference", "status": "delivered", "to", "timestamp"}` — or `"failed"`
  with `error_code` 30003 and `error_message` for a number matching `SMS_SIM_FAIL_PATTERN` (a
  regular expression, default `666$`) — signed: `X-Sms-Timestamp` (Unix seconds) and
  `X-Sms-Signature` (`sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>` under
  `SMS_RECEIPT_SECRET`). A callback that does not answer 2xx is tried again (backoff from 0.5 s,
  at most `SMS_SIM_RECEIPT_ATTEMPTS`, default 10).

Admin (tests and demos, no auth — bind it to localhost): `GET /__admin/messages` (`to`,
`reference` filter; each message with its receipts' answers), `GET /__admin/stats` (messages,
replays, receipts), `POST /__admin/receipts/<id>` (send the message's receipt again, as a provider
retrying would), `POST /__admin/reset`.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import threading
import time
import uuid
from datetime import UTC, datetime

import requests
from flask import Flask, request

E164 = re.compile(r"^\+[1-9]\d{7,14}$")
MAX_BODY = 1600


class Provider:
    """The messages received, in memory, and the receipts sent for them."""

    def __init__(self, env: dict[str, str]) -> None:
        self.lock = threading.Lock()
        self.messages: dict[str, dict] = {}
        self.by_key: dict[str, str] = {}
        self.replays = 0
        self.api_key = env.get("SMS_API_KEY", "")
        self.secret = env.get("SMS_RECEIPT_SECRET", "")
        self.fail_pattern = re.compile(env.get("SMS_SIM_FAIL_PATTERN", "666$"))
        self.delay = float(env.get("SMS_SIM_RECEIPT_DELAY_SECONDS", "0.5"))
        self.attempts = int(env.get("SMS_SIM_RECEIPT_ATTEMPTS", "10"))
        self.http = requests.Session()

    def reset(self) -> None:
        with self.lock:
            self.messages.clear()
            self.by_key.clear()
            self.replays = 0

    def accept(self, data: object, key: str | None) -> tuple[dict, int]:
        """(the answer, its status) for a message sent."""
        if not isinstance(data, dict):
            return _error(400, "bad_request", "The body must be a JSON object.")
        to, body = str(data.get("to") or ""), str(data.get("body") or "")
        if not E164.match(to):
            return _error(422, "invalid_number", f"'to' is not an E.164 number: {to!r}.")
        if not body or len(body) > MAX_BODY:
            return _error(422, "invalid_body", f"'body' must have 1 to {MAX_BODY} characters.")
        with self.lock:
            if key and key in self.by_key:
                self.replays += 1
                return public(self.messages[self.by_key[key]]), 200
            message = {
                "id": "SM" + uuid.uuid4().hex,
                "to": to,
                "from": str(data.get("from") or ""),
                "body": body,
                "reference": str(data.get("reference") or ""),
                "status_callback": data.get("status_callback"),
                "status": "accepted",
                "created_at": datetime.now(UTC).isoformat(),
                "receipts": [],
            }
            self.messages[message["id"]] = message
            if key:
                self.by_key[key] = message["id"]
        if message["status_callback"]:
            threading.Thread(target=self.deliver, args=(message,), daemon=True).start()
        return public(message), 201

    def receipt_of(self, message: dict) -> dict:
        failed = bool(self.fail_pattern.search(message["to"]))
        receipt = {
            "id": message["id"],
            "reference": message["reference"],
            "status": "failed" if failed else "delivered",
            "to": message["to"],
            "timestamp": datetime.now(UTC).isoformat(),
        }
        if failed:
            receipt.update(error_code="30003", error_message="Unreachable destination handset")
        return receipt

    def post_receipt(self, message: dict) -> bool:
        """One try: the receipt signed and POSTed; its answer kept on the message."""
        body = json.dumps(self.receipt_of(message)).encode()
        stamp = str(int(time.time()))
        headers = {"Content-Type": "application/json", "X-Sms-Timestamp": stamp}
        if self.secret:
            headers["X-Sms-Signature"] = sign(self.secret, stamp, body)
        answer: int | str
        try:
            answer = self.http.post(
                message["status_callback"], data=body, headers=headers, timeout=5
            ).status_code
        except requests.RequestException as exc:
            answer = type(exc).__name__
        with self.lock:
            message["receipts"].append({"at": datetime.now(UTC).isoformat(), "answer": answer})
        return isinstance(answer, int) and 200 <= answer < 300

    def deliver(self, message: dict) -> None:
        """The receipt after the delay, tried again with backoff until the callback takes it."""
        time.sleep(self.delay)
        wait = 0.5
        for _ in range(self.attempts):
            if self.post_receipt(message):
                return
            time.sleep(wait)
            wait = min(wait * 2, 10.0)

    def listed(self, to: str | None, reference: str | None) -> list[dict]:
        with self.lock:
            return [
                dict(m, receipts=list(m["receipts"]))
                for m in self.messages.values()
                if to in (None, m["to"]) and reference in (None, m["reference"])
            ]

    def stats(self) -> dict:
        with self.lock:
            receipts = sum(len(m["receipts"]) for m in self.messages.values())
            return {"messages": len(self.messages), "replays": self.replays, "receipts": receipts}


def public(message: dict) -> dict:
    return {k: v for k, v in message.items() if k != "receipts"}


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def _error(status: int, code: str, message: str) -> tuple[dict, int]:
    return {"error": {"code": code, "message": message}}, status


def create_app() -> Flask:
    app = Flask("sms_simulator")
    provider = Provider(dict(os.environ))

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @app.post("/v1/messages")
    def send():
        given = request.headers.get("Authorization", "")
        if provider.api_key and not hmac.compare_digest(given, f"Bearer {provider.api_key}"):
            return _error(401, "unauthorised", "A valid API key is needed (Authorization: Bearer …).")
        return provider.accept(request.get_json(silent=True), request.headers.get("Idempotency-Key"))

    @app.get("/v1/messages/<message_id>")
    def get_message(message_id: str):
        message = provider.messages.get(message_id)
        return public(message) if message else _error(404, "not_found", "No message with that id.")

    @app.get("/__admin/messages")
    def admin_messages():
        return {"messages": provider.listed(request.args.get("to"), request.args.get("reference"))}

    @app.get("/__admin/stats")
    def admin_stats():
        return provider.stats()

    @app.post("/__admin/receipts/<message_id>")
    def admin_resend(message_id: str):
        message = provider.messages.get(message_id)
        if message is None or not message["status_callback"]:
            return _error(404, "not_found", "No message with that id and a status callback.")
        return {"delivered": provider.post_receipt(message)}

    @app.post("/__admin/reset")
    def admin_reset():
        provider.reset()
        return {"status": "reset"}

    return app
