"""Clients give a kept-alive connection up before the server closes it (fieldbook_shared.keepalive)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from fieldbook_shared import keepalive


class _Hello(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps the connection alive between requests

    def do_POST(self):  # noqa: N802 - http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_response(201)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _socket_port(session, url):
    """The local port of the connection the session's pool holds for `url`."""
    pools = session.get_adapter(url).poolmanager.pools
    [pool] = [pools[key] for key in pools.keys()]
    [conn] = [c for c in pool.pool.queue if c is not None]
    return conn.sock.getsockname()[1] if conn.sock else None


def test_a_connection_used_again_soon_is_reused(server_url):
    session = keepalive.fresh_session()
    assert session.post(server_url, data=b"x").status_code == 201
    first = _socket_port(session, server_url)
    assert session.post(server_url, data=b"x").status_code == 201
    assert _socket_port(session, server_url) == first


def test_a_connection_idle_longer_than_half_the_server_keepalive_is_given_up(server_url, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(keepalive.time, "monotonic", lambda: clock[0])
    session = keepalive.fresh_session()
    assert session.post(server_url, data=b"x").status_code == 201
    first = _socket_port(session, server_url)
    clock[0] += keepalive.MAX_IDLE_SECONDS - 0.1
    assert session.post(server_url, data=b"x").status_code == 201
    assert _socket_port(session, server_url) == first  # not idle long enough yet
    clock[0] += keepalive.MAX_IDLE_SECONDS + 0.1
    assert session.post(server_url, data=b"x").status_code == 201
    assert _socket_port(session, server_url) != first
    assert keepalive.MAX_IDLE_SECONDS < keepalive.SERVER_KEEPALIVE_SECONDS


def test_fresh_pool_is_a_urllib3_pool_for_the_url(server_url):
    pool = keepalive.fresh_pool(server_url, maxsize=2, retries=False)
    assert isinstance(pool, keepalive.FreshHTTPConnectionPool)
    assert pool.urlopen("POST", "/", body=b"x").status == 201
