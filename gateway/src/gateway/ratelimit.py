"""Requests per key per fixed minute, counted in the gateway database.

The count lives in the database, not in a worker, so the limit holds across every gunicorn worker
and replica. Each request is one atomic upsert (`count = count + 1 … RETURNING count`); there is no
read-then-write race to lose.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from .store import RateWindow

WINDOW_SECONDS = 60
log = logging.getLogger("fieldbook.gateway.ratelimit")


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until the current window ends


class RateLimiter:
    def __init__(self, engine: Engine, per_minute: int, clock: Callable[[], float] = time.time):
        self._engine = engine
        self._limit = per_minute
        self._clock = clock
        self._last_sweep = 0

    def hit(self, key_id: str) -> Decision:
        """Count one request for `key_id`; fail open (and log) if the database does not answer."""
        now = self._clock()
        window = int(now // WINDOW_SECONDS) * WINDOW_SECONDS
        retry_after = max(1, math.ceil(window + WINDOW_SECONDS - now))
        if self._limit <= 0:
            return Decision(True, 0, 0, retry_after)
        try:
            with self._engine.begin() as conn:
                count = self._increment(conn, key_id, window)
                if window != self._last_sweep:  # once a minute per process: forget old windows
                    conn.execute(delete(RateWindow).where(RateWindow.window_start < window - WINDOW_SECONDS))
                    self._last_sweep = window
        except SQLAlchemyError:
            log.exception("rate limit not counted; letting the request through")
            return Decision(True, self._limit, self._limit, retry_after)
        return Decision(count <= self._limit, self._limit, max(0, self._limit - count), retry_after)

    def _increment(self, conn: Connection, key_id: str, window: int) -> int:
        dialect = conn.dialect.name
        if dialect in ("sqlite", "postgresql"):
            insert = sqlite.insert if dialect == "sqlite" else postgresql.insert
            stmt = (
                insert(RateWindow)
                .values(key_id=key_id, window_start=window, count=1)
                .on_conflict_do_update(
                    index_elements=[RateWindow.key_id, RateWindow.window_start],
                    set_={"count": RateWindow.count + 1},
                )
                .returning(RateWindow.count)
            )
            return int(conn.execute(stmt).scalar_one())
        # Any other database: UPDATE first, INSERT when the window is new, UPDATE again on a race.
        where = (RateWindow.key_id == key_id) & (RateWindow.window_start == window)
        bump = update(RateWindow).where(where).values(count=RateWindow.count + 1)
        if conn.execute(bump).rowcount == 0:
            try:
                with conn.begin_nested():
                    conn.execute(
                        RateWindow.__table__.insert().values(key_id=key_id, window_start=window, count=1)
                    )
            except IntegrityError:
                conn.execute(bump)
        return int(conn.execute(select(RateWindow.count).where(where)).scalar_one())
