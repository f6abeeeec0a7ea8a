"""SMTP outcomes: temporary (4xx, no connection) are retried with backoff; permanent (5xx) fail."""

from __future__ import annotations

import random
from dataclasses import dataclass

SENT, TEMPORARY, PERMANENT = "sent", "temporary", "permanent"


@dataclass(frozen=True)
class SendOutcome:
    outcome: str  # sent | temporary | permanent
    code: int | None = None
    detail: str = ""
    message_id: str | None = None


# 5xx codes about our own connection, not the recipient (RFC 4954): authentication required (530),
# mechanism too weak (534), credentials refused (535), encryption required (538). Fixing the
# settings in time loses nothing, so they are retried like a 4xx.
CONFIGURATION_CODES = frozenset({530, 534, 535, 538})


def classify_code(code: int | None) -> str:
    """An SMTP reply code's class: 2xx sent, 4xx temporary, 5xx permanent (except the codes that
    say our configuration is wrong: temporary), unknown temporary."""
    if code is None:
        return TEMPORARY
    if 200 <= code < 400:
        return SENT
    if code in CONFIGURATION_CODES:
        return TEMPORARY
    if 500 <= code < 600:
        return PERMANENT
    return TEMPORARY


def retry_delay(attempts: int, base: float, cap: float, jitter: float = 0.1) -> float:
    """Seconds before the next try after `attempts` failures: base·2^(n-1), capped, ±10 % jitter."""
    delay = min(cap, base * (2 ** max(0, attempts - 1)))
    return max(0.0, delay * random.uniform(1 - jitter, 1 + jitter))
