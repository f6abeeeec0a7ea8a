"""Kept-alive HTTP connections a client gives up before the server does (docs/architecture.md §1).

Every web process closes a connection that has been idle `SERVER_KEEPALIVE_SECONDS`
(`gunicorn_conf.keepalive`). A client that reuses such a connection just as the server closes it
sends its request into a closing socket and reads a connection reset. urllib3 only notices a
connection the server has *already* closed, so a write (which no client may send again blindly) then
fails for nothing: a POST through the gateway, or the gateway's own forward of it.

The fix clients such as Go's `http.Transport` (`IdleConnTimeout`) use: never reuse a connection
that has been idle for more than half the server's keep-alive; open a new one instead. The pools
here do that, for urllib3 (`fresh_pool`) and for `requests` (`FreshAdapter`, `fresh_session`).
"""

from __future__ import annotations

import time
from typing import Any

import requests
import urllib3
from requests.adapters import HTTPAdapter

SERVER_KEEPALIVE_SECONDS = 5
MAX_IDLE_SECONDS = SERVER_KEEPALIVE_SECONDS / 2


class _Fresh:
    """Mixed into a urllib3 pool: a connection idle longer than MAX_IDLE_SECONDS is closed before
    reuse (the pool then reconnects it), so it is never written to as the server closes it."""

    def _get_conn(self, timeout: float | None = None):
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        idle_since = getattr(conn, "fieldbook_idle_since", None)
        if idle_since is not None and time.monotonic() - idle_since > MAX_IDLE_SECONDS:
            conn.close()
        return conn

    def _put_conn(self, conn) -> None:
        if conn is not None:
            conn.fieldbook_idle_since = time.monotonic()
        super()._put_conn(conn)  # type: ignore[misc]


class FreshHTTPConnectionPool(_Fresh, urllib3.HTTPConnectionPool):
    pass


class FreshHTTPSConnectionPool(_Fresh, urllib3.HTTPSConnectionPool):
    pass


POOL_CLASSES = {"http": FreshHTTPConnectionPool, "https": FreshHTTPSConnectionPool}


def fresh_pool(url: str, **kwargs: Any) -> urllib3.HTTPConnectionPool:
    """`urllib3.connection_from_url`, with a pool that gives up idle connections in time."""
    parsed = urllib3.util.parse_url(url)
    return POOL_CLASSES[parsed.scheme or "http"](parsed.host, port=parsed.port, **kwargs)


class FreshAdapter(HTTPAdapter):
    """A `requests` adapter whose pools give up idle connections in time."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = POOL_CLASSES


def mount_fresh(session: requests.Session, **adapter_kwargs: Any) -> requests.Session:
    """Mount a FreshAdapter (made with `adapter_kwargs`) for http and https on `session`."""
    adapter = FreshAdapter(**adapter_kwargs)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def fresh_session(**adapter_kwargs: Any) -> requests.Session:
    return mount_fresh(requests.Session(), **adapter_kwargs)
