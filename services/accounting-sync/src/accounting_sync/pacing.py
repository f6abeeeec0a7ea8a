"""Pacing of the calls to Sage, per business, in one worker process.

Sage allows about 200 calls a minute per business and answers 429 beyond. Rather than let a big
import run into that wall (and back off), the adapter asks the pacer before every call:
a token bucket per business, refilled at `SAGE_CALLS_PER_MINUTE` / 60 a second and holding at most
a tenth of a minute's calls. A burst is therefore short, and any 60 seconds see at most 1.1 ×
`SAGE_CALLS_PER_MINUTE` calls (198 for the default 180: under Sage's 200). A caller that finds the
bucket empty takes a token from the future and sleeps until it is due, so the sync threads queue
behind each other in arrival order. 0 turns pacing off.

The bucket lives in the process: with N worker processes, give each 1/N of the budget.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class CallPacer:
    def __init__(
        self,
        calls_per_minute: float,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.rate = max(0.0, calls_per_minute) / 60.0  # tokens a second
        self.capacity = max(1.0, calls_per_minute / 10.0)
        self.sleep = sleep
        self.clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # business → (tokens, when counted)

    def delay(self, business_id: str) -> float:
        """Take one call's token from the business's bucket; the seconds to wait before the call."""
        if self.rate <= 0:
            return 0.0
        with self._lock:
            now = self.clock()
            tokens, then = self._buckets.get(business_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - then) * self.rate) - 1.0
            self._buckets[business_id] = (tokens, now)
        return 0.0 if tokens >= 0 else -tokens / self.rate

    def wait(self, business_id: str) -> None:
        """Block until this process may make one more call to the business."""
        seconds = self.delay(business_id)
        if seconds > 0:
            self.sleep(seconds)
