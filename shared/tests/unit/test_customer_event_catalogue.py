"""The customers part of the event catalogue: `customer.unblocked` says why and who, optionally."""

from __future__ import annotations

from fieldbook_shared.events import schema_for

SNAPSHOT = {
    "id": "c1",
    "version": 3,
    "type": "private",
    "surname": "Smith",
    "display_name": "John Smith",
    "address": {"line_1": "1 High Street", "postcode": "LS1 4AB"},
    "status": "active",
    "blocked": False,
}


def test_customer_unblocked_carries_the_reason_and_who_unblocked():
    loaded = schema_for("customer.unblocked").load(
        {**SNAPSHOT, "reason": "Paid in full", "unblocked_by": "user:ann"}
    )
    assert loaded["reason"] == "Paid in full" and loaded["unblocked_by"] == "user:ann"


def test_customer_unblocked_without_a_reason_or_from_an_older_producer_is_accepted():
    assert schema_for("customer.unblocked").load({**SNAPSHOT, "reason": None})["reason"] is None
    assert "reason" not in schema_for("customer.unblocked").load(SNAPSHOT)


WORK_ADDRESS = {
    "id": "w1",
    "customer_id": "c1",
    "version": 2,
    "name": "Rental",
    "address": {"line_1": "2 Low Road", "postcode": "LS2 7AA"},
    "status": "active",
}


def test_work_address_snapshots_carry_communication_preferences():
    for event_type in ("work_address.created", "work_address.updated", "work_address.status_changed"):
        loaded = schema_for(event_type).load(
            {**WORK_ADDRESS, "communication_preferences": {"email": False, "sms": True}}
        )
        assert loaded["communication_preferences"] == {"email": False, "sms": True}


def test_work_address_snapshot_from_an_older_producer_has_no_preferences():
    assert schema_for("work_address.updated").load(WORK_ADDRESS)["communication_preferences"] == {}
