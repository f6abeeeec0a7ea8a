"""The public API as the console calls it: through the gateway, with the person's session token.

The console holds no data of its own and never reaches a service directly: every read and write is
a /v1 call like any other client's, so the gateway's roles, rate limits and audit (the actor is
`user:<email>`) apply to people exactly as they do to keys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from http.cookiejar import DefaultCookiePolicy
from typing import Any

import requests
from urllib3.util.retry import Retry

from fieldbook_shared.keepalive import FreshAdapter

_http = requests.Session()
_http.trust_env = False  # the gateway is reached directly, never through a proxy
# a kept-alive connection the gateway closed meanwhile resets on reuse: a read is sent again (once);
# a write never is (it may have been done)
_reads_again = FreshAdapter(
    max_retries=Retry(total=1, connect=1, read=1, status=0, allowed_methods={"GET", "HEAD"})
)
_http.mount("http://", _reads_again)
_http.mount("https://", _reads_again)
_http.cookies.set_policy(DefaultCookiePolicy(allowed_domains=[]))  # shared by everyone: keeps no cookie


@dataclass
class Answer:
    """One API answer: status, JSON body (or None), headers."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    @property
    def field_errors(self) -> dict[str, str]:
        """A problem's `errors` {field: [messages]} as {field: "message; message"}."""
        errors = self.body.get("errors") if isinstance(self.body, dict) else None
        return {k: "; ".join(v) if isinstance(v, list) else str(v) for k, v in (errors or {}).items()}

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or self.body.get("title") or "")
        return ""


class SessionEnded(Exception):
    """The gateway answered 401: the session ended (logged out elsewhere, expired, disabled)."""


class Api:
    def __init__(self, base_url: str, token: str | None, timeout: float, request_id: str | None = None):
        self.base_url = base_url
        self.token = token
        self.timeout = timeout
        self.request_id = request_id

    def call(
        self, method: str, path: str, *, json: Any = None, params=None, headers=None, files=None
    ) -> Answer:
        sent = dict(headers or {})
        if self.token:
            sent["Authorization"] = f"Bearer {self.token}"
        if self.request_id:
            sent["X-Request-Id"] = self.request_id
        r = _http.request(
            method,
            self.base_url + path,
            json=json,
            params=params,
            headers=sent,
            files=files,
            timeout=self.timeout,
        )
        if r.status_code == 401 and self.token and path != "/v1/sessions":
            raise SessionEnded()
        body = None
        if "json" in r.headers.get("Content-Type", ""):
            try:
                body = r.json()
            except ValueError:
                body = None
        return Answer(r.status_code, body, dict(r.headers), r.content)

    def get(self, path: str, **params) -> Answer:
        return self.call("GET", path, params={k: v for k, v in params.items() if v not in (None, "")})

    def post(self, path: str, body: Any = None, **headers) -> Answer:
        return self.call("POST", path, json=body if body is not None else {}, headers=headers)

    def patch(self, path: str, body: Any, **headers) -> Answer:
        return self.call("PATCH", path, json=body, headers=headers)

    def delete(self, path: str, **headers) -> Answer:
        return self.call("DELETE", path, headers=headers)

    def upload(self, path: str, filename: str, content: bytes, media_type: str, **params) -> Answer:
        """A file as the multipart part `file` (the files and imports routes read it there)."""
        return self.call("POST", path, params=params or None, files={"file": (filename, content, media_type)})
