"""A partner's HTTP endpoint for tests: a real server on 127.0.0.1 that keeps what it is POSTed.

The services POST to URLs they are given (webhooks to a partner's endpoint, the SMS provider's
receipts to a status callback); a test gives them this endpoint's `url` and reads `received`.

Imported by test code only.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from requests.structures import CaseInsensitiveDict


class RecordingEndpoint:
    """Keeps every POST to `path` in arrival order as (body, headers), the headers' names in any
    case, and answers `status` with an empty body. `down()` takes it down (the port then refuses
    connections); `up()` brings it back on the same port."""

    def __init__(self, path: str = "/", status: int = 204) -> None:
        self.path = path
        self.status = status
        self.received: list[tuple[bytes, CaseInsensitiveDict[str]]] = []
        self.lock = threading.Lock()
        self.port = 0
        self.server: ThreadingHTTPServer | None = None
        self.up()

    def up(self) -> None:
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with endpoint.lock:
                    endpoint.received.append((body, CaseInsensitiveDict(self.headers.items())))
                self.send_response(endpoint.status)
                if endpoint.status != 204:  # a 204 carries no Content-Length (RFC 9110 §8.6)
                    self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def down(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    def close(self) -> None:
        """Down, if it is up (a fixture's teardown)."""
        if self.server is not None:
            self.down()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    def payloads(self) -> list[Any]:
        """The bodies received, read as JSON."""
        with self.lock:
            return [json.loads(body) for body, _ in self.received]

    def wait(self, n: int, timeout: float = 5.0) -> list[tuple[bytes, CaseInsensitiveDict[str]]]:
        """What it received once it has `n` requests, or `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        while len(self.received) < n and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received
