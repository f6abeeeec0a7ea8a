"""Which key a request presents, and whose it is — with a short in-process cache.

The cache (default 30 s) keeps the key lookup off the database on nearly every request; the price
is that a revoked key keeps working for up to that long in each worker.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session, sessionmaker

from .keys import Principal, find_principal, hash_key


def presented_key(headers: Mapping[str, str]) -> str | None:
    """`Authorization: Bearer <key>`, else `X-API-Key: <key>`; None when neither is sent."""
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("X-API-Key", "").strip()
    return key or None


class KeyAuthenticator:
    """Finds the principal for a plain key; caches answers (misses too) by the key's hash."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        ttl_seconds: float = 30.0,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ):
        self._sessions = sessions
        self._ttl = ttl_seconds
        self._max = max_entries
        self._clock = clock
        self._cache: dict[str, tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()

    def authenticate(self, plain: str) -> Principal | None:
        digest = hash_key(plain)
        now = self._clock()
        with self._lock:
            hit = self._cache.get(digest)
        if hit is not None and hit[0] > now:
            return hit[1]
        with self._sessions() as session:
            principal = find_principal(session, plain)
        with self._lock:
            if len(self._cache) >= self._max:
                self._cache = {k: v for k, v in self._cache.items() if v[0] > now}
                if len(self._cache) >= self._max:
                    self._cache.clear()
            self._cache[digest] = (now + self._ttl, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
