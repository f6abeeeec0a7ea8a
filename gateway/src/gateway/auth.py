"""Which key a request presents, and whose it is — with a short in-process cache.

The cache (default 30 s) keeps the key lookup off the database on nearly every request; the price
is that a revoked key keeps working for up to that long in each worker. Failed keys are throttled
per client address (`FailedKeyThrottle`), so guessing costs neither the database nor the cache.
"""

from __future__ import annotations

import hashlib
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping

from sqlalchemy.orm import Session, sessionmaker

from fieldbook_shared.db import utcnow

from .keys import Principal, find_principal, hash_key
from .ratelimit import RateLimiter


def presented_key(headers: Mapping[str, str]) -> str | None:
    """`Authorization: Bearer <key>`, else `X-API-Key: <key>`; None when neither is sent."""
    scheme, _, value = headers.get("Authorization", "").strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = headers.get("X-API-Key", "").strip()
    return key or None


class KeyAuthenticator:
    """Finds the principal for a plain key; caches answers by the key's hash.

    Two bounded LRU caches: valid keys, and misses (unknown or revoked keys) apart, so a flood of
    bad keys can push out only other misses, never a valid key.
    """

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
        self._hits: OrderedDict[str, tuple[float, Principal]] = OrderedDict()
        self._misses: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()

    def cached(self, plain: str) -> Principal | None:
        """The principal when this worker knows the key as valid right now; no database work."""
        digest = hash_key(plain)
        with self._lock:
            entry = self._hits.get(digest)
            if entry is None or entry[0] <= self._clock():
                return None
            self._hits.move_to_end(digest)
            return entry[1]

    def authenticate(self, plain: str) -> Principal | None:
        digest = hash_key(plain)
        now = self._clock()
        with self._lock:
            hit = self._hits.get(digest)
            if hit is not None and hit[0] > now:
                self._hits.move_to_end(digest)
                return hit[1]
            miss = self._misses.get(digest)
            if miss is not None and miss > now:
                self._misses.move_to_end(digest)
                return None
        with self._sessions() as session:
            principal = find_principal(session, plain)
            session.commit()  # its last use
        with self._lock:
            self._hits.pop(digest, None)
            self._misses.pop(digest, None)
            if principal is not None:
                _bounded_put(self._hits, digest, (now + self._hit_ttl(principal), principal), self._max)
            else:
                _bounded_put(self._misses, digest, now + self._ttl, self._max)
        return principal

    def _hit_ttl(self, principal: Principal) -> float:
        """The cache time, cut short so an expiring key stops at its expiry, not up to a TTL later."""
        if principal.expires_at is None:
            return self._ttl
        left = (principal.expires_at - utcnow()).total_seconds()
        return max(0.0, min(self._ttl, left))

    def cache_sizes(self) -> tuple[int, int]:
        """(valid keys, misses) held now."""
        with self._lock:
            return len(self._hits), len(self._misses)

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
            self._misses.clear()


def _bounded_put(cache: OrderedDict, key: str, value: object, max_entries: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > max_entries:
        cache.popitem(last=False)  # the least recently used


class FailedKeyThrottle:
    """Failed key attempts per client address, at most `RateLimiter`'s limit a minute.

    Counted by the rate limiter (in the database, under a hash of the address, so the limit holds
    across workers and replicas). An address over the limit is remembered in this worker until its
    window ends: its further guesses are not counted again. A valid key is never refused by it: the
    key is checked first (cached), so a client sharing an address with a guesser is not locked out.
    """

    def __init__(
        self, limiter: RateLimiter, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic
    ):
        self._limiter = limiter
        self._max = max_entries
        self._clock = clock
        self._blocked: OrderedDict[str, float] = OrderedDict()  # address → blocked until
        self._lock = threading.Lock()

    def blocked_for(self, address: str) -> int:
        """Seconds this address must still wait; 0 when it may try a key."""
        with self._lock:
            until = self._blocked.get(address)
            if until is None:
                return 0
            left = until - self._clock()
            if left <= 0:
                del self._blocked[address]
                return 0
            return max(1, math.ceil(left))

    def record_failure(self, address: str) -> int:
        """Count a failed key from `address`; seconds to wait when that went over the limit, else 0."""
        digest = hashlib.sha256(address.encode("utf-8", "replace")).hexdigest()
        decision = self._limiter.hit("auth:" + digest[:31])  # fits the 36 characters of key_id
        if decision.allowed:
            return 0
        with self._lock:
            _bounded_put(self._blocked, address, self._clock() + decision.retry_after, self._max)
        return decision.retry_after
