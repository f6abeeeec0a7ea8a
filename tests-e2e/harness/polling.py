"""Wait for an outcome with a deadline instead of sleeping a fixed time."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Timeout(AssertionError):
    """The condition did not hold before the deadline; carries the last error or value."""


def eventually(fn: Callable[[], T], timeout: float = 30.0, interval: float = 0.2, message: str = "") -> T:
    """Call `fn` until it returns a truthy value without raising an AssertionError; return that value.

    `fn` may assert (the last assertion is reported on timeout) or return a falsy value to go on.
    Other exceptions propagate at once: they are bugs, not "not yet".
    """
    deadline = time.monotonic() + timeout
    last: object = None
    while True:
        try:
            value = fn()
            if value:
                return value
            last = f"last value: {value!r}"
        except AssertionError as exc:
            last = exc
        if time.monotonic() >= deadline:
            prefix = f"{message}: " if message else ""
            raise Timeout(f"{prefix}not true within {timeout:.0f}s ({last})")
        time.sleep(interval)


def consistently(fn: Callable[[], object], duration: float = 2.0, interval: float = 0.2) -> None:
    """Assert that `fn` keeps holding (returns truthy, does not raise) for the whole `duration`."""
    deadline = time.monotonic() + duration
    while True:
        value = fn()
        assert value, f"condition stopped holding: {value!r}"
        if time.monotonic() >= deadline:
            return
        time.sleep(interval)
