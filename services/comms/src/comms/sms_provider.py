"""The SMS provider adapter: one HTTP call per message, in the shape of the common providers' APIs
(Twilio's Messages, MessageBird's /messages). `make up` and the e2e suite point it at the local
simulator (`sms_simulator`); `SMS_PROVIDER_URL` and `SMS_API_KEY` at a real provider's.

    POST {SMS_PROVIDER_URL}/v1/messages
    Authorization: Bearer {SMS_API_KEY}
    Idempotency-Key: {sms id}          the same key again answers the first message, sends nothing
    {"to": "+447700900123", "from": "Fieldbook", "body": "…",
     "reference": "{sms id}", "status_callback": "{SMS_STATUS_CALLBACK_URL}/{tenant id}"}
    → 201 (200 for a replayed key) {"id": "SM…", "status": "accepted", …}

What an answer means: 2xx with an `id` → sent (the provider has it); 400 / 404 / 422 (the number or
the text refused) → failed for good; 401 / 403 (our credentials), 408, 409, 429, 5xx, no answer →
retried with backoff, like an SMTP 4xx. The provider then POSTs delivery receipts to the callback
(api/sms_receipts.py).
"""

from __future__ import annotations

import requests

from .domain.smtp import PERMANENT, SENT, TEMPORARY, SendOutcome
from .settings import CommsSettings

PERMANENT_CODES = frozenset({400, 404, 413, 422})


class SmsProvider:
    def __init__(self, settings: CommsSettings, session: requests.Session | None = None):
        self.url = settings.sms_provider_url.rstrip("/") + "/v1/messages"
        self.api_key = settings.sms_api_key
        self.sender = settings.sms_from
        self.callback = settings.sms_status_callback_url.rstrip("/")
        self.timeout = float(settings.sms_timeout)
        self.http = session or requests.Session()

    def callback_for(self, tenant_id: str) -> str:
        return f"{self.callback}/{tenant_id}"

    def send(self, *, sms_id: str, tenant_id: str, to: str, body: str) -> SendOutcome:
        headers = {"Idempotency-Key": sms_id, "Accept": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        payload = {
            "to": to,
            "from": self.sender,
            "body": body,
            "reference": sms_id,
            "status_callback": self.callback_for(tenant_id),
        }
        try:
            resp = self.http.post(self.url, json=payload, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            return SendOutcome(TEMPORARY, None, f"SMS provider unreachable: {type(exc).__name__}: {exc}")
        detail = _error_text(resp)
        if 200 <= resp.status_code < 300:
            message_id = _json(resp).get("id")
            if not message_id:
                return SendOutcome(TEMPORARY, resp.status_code, "the SMS provider answered without an id")
            return SendOutcome(
                SENT, resp.status_code, str(_json(resp).get("status") or "accepted"), str(message_id)
            )
        if resp.status_code in PERMANENT_CODES:
            return SendOutcome(PERMANENT, resp.status_code, detail)
        return SendOutcome(TEMPORARY, resp.status_code, detail)

    def close(self) -> None:
        self.http.close()


def _json(resp: requests.Response) -> dict:
    try:
        data = resp.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_text(resp: requests.Response) -> str:
    """What the provider said about a refusal: its error's message, else the start of the body."""
    error = _json(resp).get("error")
    if isinstance(error, dict) and error.get("message"):
        return f"{resp.status_code} {error.get('code') or ''} {error['message']}".replace("  ", " ")
    return f"{resp.status_code} {resp.text[:300]}".strip()
