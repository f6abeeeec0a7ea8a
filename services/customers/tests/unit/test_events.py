"""What the customers service consumes: accounting-sync's link and balance, applied once."""

from __future__ import annotations

from datetime import UTC, datetime

from fieldbook_shared.testing import TENANT, publish

from ..conftest import private_customer


def _link(bus, customer_id, accounts_ref, tenant=TENANT, event_id=None):
    """accounting-sync says which Sage account the customer is."""
    data = {"customer_id": customer_id, "accounts_ref": accounts_ref}
    publish(bus, "accounting.customer_linked", data, tenant, "accounting-sync", event_id=event_id)


def _balance(bus, customer_id, balance, as_of):
    data = {"customer_id": customer_id, "balance": balance, "as_of": as_of}
    publish(bus, "accounting.balance_updated", data, source="accounting-sync")


def test_customer_linked_stores_the_accounts_ref_and_makes_it_searchable(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _link(bus, customer["id"], "smith01")
    [delivery] = bus.drain()
    assert delivery.outcome == "applied"
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] == "SMITH01"
    rows = api.get("/v1/customers", query_string={"q": "SMITH01"}).get_json()
    assert [r["accounts_ref"] for r in rows] == ["SMITH01"]


def test_a_redelivered_event_is_not_applied_twice(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _link(bus, customer["id"], "AAA1", event_id="e-1")
    _link(bus, customer["id"], "BBB2", event_id="e-2")
    bus.drain()
    _link(bus, customer["id"], "AAA1", event_id="e-1")
    [delivery] = bus.drain()
    assert delivery.outcome == "duplicate"
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] == "BBB2"


def test_an_older_balance_does_not_overwrite_a_newer_one(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    cid = customer["id"]
    _balance(bus, cid, "120.50", datetime(2026, 11, 23, 10, tzinfo=UTC))
    _balance(bus, cid, "99.00", datetime(2026, 11, 22, 10, tzinfo=UTC))
    bus.drain()
    body = api.get(f"/v1/customers/{cid}").get_json()
    assert body["accounts_balance"] == "120.50"


def test_a_link_for_another_tenants_customer_changes_nothing(api, bus):
    customer = api.post("/v1/customers", private_customer()).get_json()
    _link(bus, customer["id"], "EVIL1", tenant="tenant-b")
    bus.drain()
    assert api.get(f"/v1/customers/{customer['id']}").get_json()["accounts_ref"] is None


def test_outbox_events_reach_the_bus_in_order(api, bus):
    path = api.post("/v1/customers", private_customer()).headers["Location"]
    etag = api.get(path).headers["ETag"]
    api.patch(path, {"surname": "Smyth"}, headers={"If-Match": etag})
    bus.drain([bus.relay])
    assert [m.event_type for m in bus.messages] == ["customer.created", "customer.updated"]
