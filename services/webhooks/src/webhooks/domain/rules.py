"""What a delivery is and when it is tried again: the body, its order key, the backoff.

A partner receives each public event once per endpoint subscribed to its type, as the Standard
Webhooks body `{"type", "timestamp", "data"}`. Deliveries of one customer's events to one endpoint
go in order: a later one waits while an earlier one is still being tried (the order key).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

ACTIVE = "enabled"
DISABLED = "disabled"
ENDPOINT_STATUSES = (ACTIVE, DISABLED)

PENDING = "pending"  # waiting for its first or next attempt
SUCCEEDED = "succeeded"
FAILED = "failed"  # given up after `retry_for`; a replay tries it again
DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)

# the customer an event is about, for events whose data names it otherwise than `customer_id`
_CUSTOMER_KEYS = {
    "customer.merged": "survivor_id",
}


def order_key(event_type: str, data: dict[str, Any], event_id: str) -> str:
    """The customer the event is about (deliveries of one key go in order); the event's own id for
    an event of no customer (it then waits for nothing)."""
    if event_type in _CUSTOMER_KEYS:
        return str(data[_CUSTOMER_KEYS[event_type]])
    if event_type.startswith("customer.") and "id" in data:
        return str(data["id"])
    return str(data.get("customer_id") or event_id)


def delivery_body(event_type: str, occurred_at: str, data: dict[str, Any]) -> str:
    """The JSON body sent, kept as sent: a replay sends the very same bytes."""
    return json.dumps({"type": event_type, "timestamp": occurred_at, "data": data}, separators=(",", ":"))


@dataclass(frozen=True)
class Backoff:
    base_seconds: float
    max_seconds: float
    retry_for_seconds: float  # a delivery is given up this long after its event
    disable_after_seconds: float  # an endpoint failing this long is disabled

    def next_attempt(self, attempts: int, now: datetime) -> datetime:
        """When to try again after `attempts` failed attempts: base × 2^(attempts-1), capped."""
        wait = min(self.base_seconds * 2 ** max(attempts - 1, 0), self.max_seconds)
        return now + timedelta(seconds=wait)

    def gives_up(self, first_queued: datetime, now: datetime) -> bool:
        return now - first_queued >= timedelta(seconds=self.retry_for_seconds)

    def disables(self, failing_since: datetime, now: datetime) -> bool:
        return now - failing_since >= timedelta(seconds=self.disable_after_seconds)
