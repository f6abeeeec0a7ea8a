"""Requests per key per fixed minute, counted in the gateway database.

The count lives in the database, not in a worker, so the limit holds across every gunicorn worker
and replica. It is taken in leases: one atomic upsert (`count = count + n … RETURNING count`) takes
`n` requests' worth of the key's minute for this process, which then spends them without asking
the database again. `n` is at most `MAX_LEASE` and at most 1/`LEASE_SHARE` of what the minute has
left, so a small limit (under 128 a minute: every request) is counted one by one as before, and a
busy key costs one database round trip per `MAX_LEASE` requests instead of one each.

A lease is counted when it is taken, so the limit is never exceeded across processes. The price: a
key may be refused before it made `limit` requests when other processes hold leases they have not
spent, at most 1/`LEASE_SHARE` of the limit per other process (600 a minute, 4 processes: 27).
Once the shared count reaches the limit, the process refuses the key until the minute ends without
asking again (a count only grows within its minute).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .store import RateWindow

WINDOW_SECONDS = 60
MAX_LEASE = 100
LEASE_SHARE = 64
log = logging.getLogger("fieldbook.gateway.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the current window ends


@dataclass
class _Lease:
    window: int
    left: int  # requests this process may still allow without the database
    counted: int  # the shared count when the lease was taken (every lease of every process)


class RateLimiter:
    def __init__(
        self,
        engine: Engine,
        per_minute: int,
        clock: Callable[[], float] = time.time,
        max_lease: int = MAX_LEASE,
        max_entries: int = 10_000,
    ):
        self._engine = engine
        self._limit = per_minute
        self._clock = clock
        self._max_lease = max_lease
        self._max_entries = max_entries
        self._last_sweep = 0
        self._leases: OrderedDict[str, _Lease] = OrderedDict()  # key id → this minute's lease
        self._lock = threading.Lock()

    def hit(self, key_id: str) -> Decision:
        """Count one request for `key_id`; fail open (and log) if the database does not answer."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        retry_after = max(1, math.ceil(window + WINDOW_SECONDS - now))
        limit = self._limit
        if limit <= 0:
            return Decision(True, 0, 0, retry_after)
        with self._lock:
            lease = self._leases.get(key_id)
            known = 0
            if lease is not None and lease.window == window:
                self._leases.move_to_end(key_id)
                if lease.left > 0:
                    lease.left -= 1
                    return Decision(True, limit, max(0, limit - lease.counted + lease.left), retry_after)
                if lease.counted >= limit:  # the minute is used up, by every process together
                    return Decision(False, limit, 0, retry_after)
                known = lease.counted
        size = max(1, min(self._max_lease, (limit - known) // LEASE_SHARE))
        try:
            count = self._take(key_id, window, size)
        except SQLAlchemyError:
            log.exception("rate limit not counted; letting the request through")
            return Decision(True, limit, limit, retry_after)
        granted = max(0, min(size, limit - (count - size)))  # the part of the lease within the limit
        left = max(0, granted - 1)  # this request spends one
        with self._lock:
            self._leases[key_id] = _Lease(window, left, count)
            self._leases.move_to_end(key_id)
            while len(self._leases) > self._max_entries:
                self._leases.popitem(last=False)  # the least recently used
        return Decision(granted > 0, limit, max(0, limit - count + left), retry_after)

    def _take(self, key_id: str, window: int, size: int) -> int:
        """Add `size` to the key's count of this minute; the count after."""
        with self._engine.begin() as conn:
            count = self._increment(conn, key_id, window, size)
            if window != self._last_sweep:  # once a minute per process: forget old windows
                conn.execute(delete(RateWindow).where(RateWindow.window_start < window - WINDOW_SECONDS))
                self._last_sweep = window
        return count

    def _increment(self, conn: Connection, key_id: str, window: int, size: int) -> int:
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = (
                insert(RateWindow)
                .values(key_id=key_id, window_start=window, count=size)
                .on_conflict_do_update(
                    index_elements=[RateWindow.key_id, RateWindow.window_start],
                    set_={"count": RateWindow.count + size},
                )
                .returning(RateWindow.count)
            )
            return int(conn.execute(stmt).scalar_one())
        # Any other database: UPDATE first, INSERT when the window is new, UPDATE again on a race.
        where = (RateWindow.key_id == key_id) & (RateWindow.window_start == window)
        bump = update(RateWindow).where(where).values(count=RateWindow.count + size)
        if conn.execute(bump).rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(
                        RateWindow.__table__.insert().values(key_id=key_id, window_start=window, count=size)
                    )
            except IntegrityError:
                conn.execute(bump)
        return int(conn.execute(select(RateWindow.count).where(where)).scalar_one())
