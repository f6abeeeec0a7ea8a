"""A work address's communication preferences, kept in the read model from customers' snapshots."""

from __future__ import annotations

from comms.store.models import WorkAddressCopy

from ..conftest import TENANT, known_customer, publish, work_address_data


def _copy(sessions, work_address_id) -> WorkAddressCopy:
    with sessions() as s:
        return s.get(WorkAddressCopy, work_address_id)


def test_the_copy_keeps_the_newest_preferences_and_ignores_an_older_snapshot(bus, sessions):
    c = known_customer(bus)
    wa = work_address_data(c["id"], communication_preferences={"email": True, "sms": True})
    publish(bus, "work_address.created", wa)
    bus.drain()
    assert _copy(sessions, wa["id"]).communication_preferences == {"email": True, "sms": True}
    publish(bus, "work_address.updated", {**wa, "version": 3, "communication_preferences": {"email": False}})
    publish(bus, "work_address.status_changed", {**wa, "version": 2, "status": "dormant"})
    bus.drain()
    row = _copy(sessions, wa["id"])
    assert row.communication_preferences == {"email": False} and row.status == "active"


def test_a_snapshot_from_an_older_producer_leaves_no_preferences(bus, sessions):
    c = known_customer(bus)
    wa = work_address_data(c["id"])  # no communication_preferences
    publish(bus, "work_address.created", wa, tenant=TENANT)
    bus.drain()
    assert _copy(sessions, wa["id"]).communication_preferences == {}


def test_a_work_address_fetched_from_customers_keeps_its_preferences(api, bus, customers, sessions):
    c = known_customer(bus)
    wa = work_address_data(c["id"], communication_preferences={"email": False})
    customers.work_addresses[(TENANT, wa["id"])] = wa
    r = api.post(f"/v1/customers/{c['id']}/notes", {"text": "site visit", "work_address_id": wa["id"]})
    assert r.status_code == 201, r.get_json()
    assert _copy(sessions, wa["id"]).communication_preferences == {"email": False}


def test_a_single_email_on_a_work_address_is_a_manual_send_whatever_its_preferences(api, bus, sender, smtp):
    """As for a customer who opted out: "Communications can be sent manually if the communication
    preference is not ticked" (seed 001)."""
    c = known_customer(bus)
    opted_in, opted_out = (
        work_address_data(c["id"], communication_preferences={"email": True}),
        work_address_data(c["id"], communication_preferences={"email": False}),
    )
    for wa in (opted_in, opted_out):
        publish(bus, "work_address.created", wa)
    bus.drain()
    for wa in (opted_in, opted_out):
        body = {"customer_id": c["id"], "work_address_id": wa["id"], "subject": "Visit", "body": "Hello"}
        r = api.post("/v1/emails", body)
        assert r.status_code == 202, r.get_json()
    sender.send_due()
    assert len(smtp.delivered) == 2
