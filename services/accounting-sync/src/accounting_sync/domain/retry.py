"""The retry policy of one customer's sync and of one posting: exponential backoff with jitter,
honouring Retry-After, and a limit after which the row is `failed`. A 429 (Sage throttling us) is
no failure: it does not use up an attempt, the row just waits for the Retry-After, with jitter."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass


def backoff_delay(
    attempts: int,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: Callable[[], float] = random.random,
) -> float:
    """Seconds to wait after the `attempts`-th failed attempt (1-based).

    Equal jitter: half the exponential step is fixed, half random, so retries spread out but never
    come back sooner than half the step. A Retry-After from Sage is a floor, never shortened.
    """
    ceiling = min(cap, base * (2 ** max(0, attempts - 1)))
    delay = ceiling / 2 + rng() * ceiling / 2
    if retry_after is not None and retry_after > delay:
        delay = float(retry_after)
    return delay


def throttled_delay(
    retry_after: float | None, fallback: float, rng: Callable[[], float] = random.random
) -> float:
    """Seconds to wait after a 429: Sage's Retry-After (else `fallback`) plus up to half as much
    again at random — at least a second's spread — so the throttled rows of a big import do not all
    come back in the same instant."""
    wait = float(retry_after) if retry_after is not None else fallback
    return wait + rng() * max(1.0, wait / 2)


def wait_delay(waited_seconds: float, base: float, cap: float) -> float:
    """Seconds before a waiting posting looks again: a quarter of the time it has waited so far,
    between `base` and `cap`. Thousands of documents waiting for customers Sage has not linked yet
    (Sage down, a customer in review) would otherwise each be looked at every `base` seconds and
    keep the worker and its database busy; what they wait for wakes them at once when it comes."""
    return min(cap, max(base, waited_seconds / 4))


def gives_up(attempts: int, max_attempts: int) -> bool:
    return attempts >= max_attempts


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After: 3` → 3.0. An HTTP date or junk → None (we back off anyway)."""
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class Policy:
    """How hard the worker's loops that talk to Sage try (settings: SYNC_*)."""

    max_attempts: int
    backoff_base: float
    backoff_cap: float
    throttled_wait: float  # a 429 without Retry-After
    auth_failed_wait: float  # Sage refused our credentials


@dataclass(frozen=True)
class AfterFailure:
    """What a failed attempt leads to: `give_up` (no `delay`), or the next try in `delay` seconds;
    `counts`: whether the attempt is used up (a 429 or our own credentials are not the row's fault)."""

    why: str  # auth | throttled | give_up | retry
    delay: float = 0.0
    counts: bool = True

    @property
    def give_up(self) -> bool:
        return self.why == "give_up"


def after_failure(
    attempts: int,
    status: int | None,
    transient: bool,
    retry_after: float | None,
    policy: Policy,
) -> AfterFailure:
    """The one retry policy of the customers' sync and the postings: credentials refused → wait for
    an operator; 429 → wait as told (jitter), the attempt not used up; not transient (e.g. 422) or
    the attempts ran out → give up; else back off."""
    if status == 401:
        return AfterFailure("auth", throttled_delay(None, policy.auth_failed_wait), counts=False)
    if status == 429:
        return AfterFailure("throttled", throttled_delay(retry_after, policy.throttled_wait), counts=False)
    if not transient or gives_up(attempts, policy.max_attempts):
        return AfterFailure("give_up")
    delay = backoff_delay(attempts, policy.backoff_base, policy.backoff_cap, retry_after)
    return AfterFailure("retry", delay)
