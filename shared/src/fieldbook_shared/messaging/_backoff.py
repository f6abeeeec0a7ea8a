"""Exponential backoff with full jitter, so a fleet of workers does not reconnect in lockstep."""

from __future__ import annotations

import random


class Backoff:
    """`next()` gives the next delay (seconds); `reset()` after something worked."""

    def __init__(self, base: float = 0.5, cap: float = 10.0):
        self.base = base
        self.cap = cap
        self.failures = 0

    def next(self) -> float:
        ceiling = min(self.cap, self.base * (2**self.failures))
        self.failures = min(self.failures + 1, 16)
        return random.uniform(ceiling / 2, ceiling)

    def reset(self) -> None:
        self.failures = 0
