"""The same constraint answers on PostgreSQL, read from psycopg's sqlstate (23505 unique_violation,
23503 foreign_key_violation, 23502 not_null_violation, 23514 check_violation) and diagnostics."""

from __future__ import annotations

import dataclasses

import pytest
from kit_support import TENANT, effects, gadgets_client, inbox_ids, on_customer_deleted, uow_factory
from sqlalchemy.exc import IntegrityError

from fieldbook_shared.events import build_event
from fieldbook_shared.messaging import apply_event
from fieldbook_shared.messaging.consumer import apply_events

pytestmark = pytest.mark.integration

H = {"X-Tenant-Id": "t1", "X-Role": "admin", "X-Actor": "tester"}


def deleted(customer_id: str):
    return build_event("customer.deleted", source="c", tenant_id=TENANT, data={"customer_id": customer_id})


def assert_no_sql(resp):
    text = resp.get_data(as_text=True)
    for leaked in ("INSERT", "DELETE", "Key (", "Failing row", "SN-1", "Traceback"):
        assert leaked not in text


def test_constraint_violations_on_postgres_are_409_and_422_problems(database_url):
    client = gadgets_client(database_url)
    assert (
        client.post("/v1/gadgets", json={"name": "a", "serial_number": "SN-1"}, headers=H).status_code == 201
    )

    duplicate = client.post("/v1/gadgets", json={"name": "b", "serial_number": "SN-1"}, headers=H)
    assert duplicate.status_code == 409
    assert duplicate.get_json()["errors"] == {"serial_number": ["Already used by another record."]}
    assert duplicate.get_json()["constraint"] == "uq_test_gadgets_serial_number"
    assert_no_sql(duplicate)

    missing_shelf = client.post("/v1/gadgets", json={"name": "a", "shelf_id": 99}, headers=H)
    assert missing_shelf.status_code == 409
    assert missing_shelf.get_json()["errors"] == {"shelf_id": ["Refers to a record that does not exist."]}
    assert_no_sql(missing_shelf)

    assert client.put("/v1/gadgets/shelves/1", headers=H).status_code == 200
    assert client.post("/v1/gadgets", json={"name": "a", "shelf_id": 1}, headers=H).status_code == 201
    in_use = client.delete("/v1/gadgets/shelves/1", headers=H)
    assert in_use.status_code == 409
    assert in_use.get_json()["detail"] == "Other records still refer to this one, so it cannot be removed."
    assert_no_sql(in_use)

    no_name = client.post("/v1/gadgets", json={"serial_number": "SN-2"}, headers=H)
    assert no_name.status_code == 422
    assert no_name.get_json()["errors"] == {"name": ["Missing data for required field."]}
    assert_no_sql(no_name)

    too_light = client.post("/v1/gadgets", json={"name": "a", "weight": 0}, headers=H)
    assert too_light.status_code == 422 and too_light.get_json()["constraint"] == "ck_test_gadgets_weight"
    assert_no_sql(too_light)


@pytest.mark.filterwarnings("ignore:Column 'processed_events.event_id'")
def test_only_an_inbox_key_already_there_is_a_duplicate_on_postgres(pg_sessions):
    handlers = {"customer.deleted": on_customer_deleted}
    event = build_event("customer.deleted", source="c", tenant_id=TENANT, data={"customer_id": "c1"})

    assert apply_event(uow_factory(pg_sessions), handlers, event) == "applied"
    assert apply_event(uow_factory(pg_sessions), handlers, event) == "duplicate"  # 23505 on the key
    with pytest.raises(IntegrityError):  # 23502 not_null_violation: no "duplicate", no ack
        apply_event(uow_factory(pg_sessions), handlers, dataclasses.replace(event, id=None))

    assert [e.customer_id for e in effects(pg_sessions)] == ["c1"]
    assert inbox_ids(pg_sessions) == {event.id}


def test_a_batch_reads_and_writes_its_inbox_rows_by_arrays_on_postgres(pg_sessions):
    """The batch's inbox lookup (= ANY of an array) and its rows (INSERT … SELECT unnest): an id
    seen before and an id twice in one batch are duplicates, the rest applied once."""
    first = [deleted("c1"), deleted("c2")]
    again, new = first[1], deleted("c3")
    handlers = {"customer.deleted": on_customer_deleted}

    assert apply_events(uow_factory(pg_sessions), handlers, first) == ["applied", "applied"]
    assert apply_events(uow_factory(pg_sessions), handlers, [again, new, new]) == [
        "duplicate",
        "applied",
        "duplicate",
    ]
    assert inbox_ids(pg_sessions) == {e.id for e in (*first, new)}
    assert sorted(e.customer_id for e in effects(pg_sessions)) == ["c1", "c2", "c3"]
