"""The plain rules: whose line an event joins, the backoff, when to give up and disable."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from webhooks.domain.rules import Backoff, order_key

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_the_order_key_is_the_customer_the_event_is_about():
    assert order_key("customer.updated", {"id": "c1"}, "e1") == "c1"
    assert order_key("customer.merged", {"survivor_id": "c1", "merged_id": "c2"}, "e1") == "c1"
    assert order_key("customer.erased", {"customer_id": "c3"}, "e1") == "c3"
    assert order_key("invoice.paid", {"id": "i1", "customer_id": "c4"}, "e1") == "c4"
    assert order_key("asset.deleted", {"id": "a1"}, "e9") == "e9"  # of no customer: waits for nothing


def test_the_backoff_doubles_up_to_its_cap_and_gives_up_after_three_days():
    backoff = Backoff(30, 3600, 3 * 86400, 5 * 86400)
    waits = [(backoff.next_attempt(n, NOW) - NOW).total_seconds() for n in (1, 2, 3, 8, 20)]
    assert waits == [30, 60, 120, 3600, 3600]
    assert not backoff.gives_up(NOW - timedelta(days=2, hours=23), NOW)
    assert backoff.gives_up(NOW - timedelta(days=3), NOW)
    assert not backoff.disables(NOW - timedelta(days=4), NOW)
    assert backoff.disables(NOW - timedelta(days=5), NOW)
