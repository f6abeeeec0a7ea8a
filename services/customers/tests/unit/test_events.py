"""What the customers service consumes: accounting-sync's link and balance, applied once."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldbook_shared.events import build_event

from ..conftest import private_customer


def _publish(bus, event_type, data, tenant="tenant-a", event_id=None):
    event = build_event(event_type, source="accounting-sync", tenant_id=tenant, data=data)
    if event_id:
        from dataclasses import replace

        event = replace(event, id=event_id)
    bus.publish(event_type, event.to_json(), event.id, tenant)
    return event


def test_customer_linked_stores_the_accounts_ref_and_makes_it_searchable(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _publish(bus, "accounting.customer_linked", {"customer_id": customer["id"], "accounts_ref": "smith01"})
    [delivery] = bus.drain()
    assert delivery.outcome == "applied"
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] == "SMITH01"
    rows = api.get("/v1/customers", query_string={"q": "SMITH01"}).get_json()
    assert [r["accounts_ref"] for r in rows] == ["SMITH01"]


def test_a_redelivered_event_is_not_applied_twice(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _publish(
        bus,
        "accounting.customer_linked",
        {"customer_id": customer["id"], "accounts_ref": "AAA1"},
        event_id="e-1",
    )
    _publish(
        bus,
        "accounting.customer_linked",
        {"customer_id": customer["id"], "accounts_ref": "BBB2"},
        event_id="e-2",
    )
    bus.drain()
    _publish(
        bus,
        "accounting.customer_linked",
        {"customer_id": customer["id"], "accounts_ref": "AAA1"},
        event_id="e-1",
    )
    [delivery] = bus.drain()
    assert delivery.outcome == "duplicate"
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] == "BBB2"


def test_an_older_balance_does_not_overwrite_a_newer_one(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    cid = customer["id"]
    _publish(
        bus,
        "accounting.balance_updated",
        {"customer_id": cid, "balance": "120.50", "as_of": datetime(2026, 11, 23, 10, tzinfo=UTC)},
    )
    _publish(
        bus,
        "accounting.balance_updated",
        {"customer_id": cid, "balance": "99.00", "as_of": datetime(2026, 11, 22, 10, tzinfo=UTC)},
    )
    bus.drain()
    body = api.get(f"/v1/customers/{cid}").get_json()
    assert body["accounts_balance"] == "120.50"


def test_a_link_for_another_tenants_customer_changes_nothing(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _publish(
        bus,
        "accounting.customer_linked",
        {"customer_id": customer["id"], "accounts_ref": "EVIL1"},
        tenant="tenant-b",
    )
    bus.drain()
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] is None


def test_outbox_events_reach_the_bus_in_order(api, bus):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    etag = api.get(path).headers["ETag"]
    api.patch(path, {"surname": "Smyth"}, headers={"If-Match": etag})
    bus.drain([bus.relay])
    assert [m.event_type for m in bus.messages] == ["customer.created", "customer.updated"]
