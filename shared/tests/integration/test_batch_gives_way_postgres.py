"""A worker's batch and a request that take two rows in opposite orders: the batch steps back.

A batch takes rows in queue order (billing: an invoice's Sage id, then its payment's), a request in
its own (allocating a payment: the payment, then its invoices). Left to PostgreSQL's deadlock check,
either could be the victim, and a request's victim is a 503 to a client. The batch waits for a lock
at most `BATCH_LOCK_WAIT_MS`, well under `deadlock_timeout`, so it is always the one to give way
and is retried in place (docs/architecture.md §4).
"""

from __future__ import annotations

import threading

import pytest
from kit_support import TENANT, Shelf, uow_factory
from sqlalchemy import select, update

from fieldbook_shared.db import is_transient_database_error
from fieldbook_shared.events import build_event
from fieldbook_shared.messaging.consumer import apply_events

pytestmark = pytest.mark.integration


def touch(session, shelf_id: int) -> None:
    """An UPDATE that changes nothing but takes the row's lock, as a Sage id's update does."""
    session.execute(update(Shelf).where(Shelf.id == shelf_id).values(tenant_id=Shelf.tenant_id))


def test_a_batch_that_would_deadlock_with_a_request_gives_way_and_is_applied_on_retry(pg_sessions):
    with pg_sessions() as session:
        session.add_all([Shelf(id=1, tenant_id=TENANT), Shelf(id=2, tenant_id=TENANT)])
        session.commit()
    request_holds_2, batch_holds_1 = threading.Event(), threading.Event()
    request_failed: list[BaseException] = []

    def request() -> None:
        try:
            with pg_sessions() as session:
                session.scalar(select(Shelf).where(Shelf.id == 2).with_for_update())
                request_holds_2.set()
                assert batch_holds_1.wait(10)
                session.scalar(select(Shelf).where(Shelf.id == 1).with_for_update())  # waits on the batch
                session.commit()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            request_failed.append(exc)

    calls = []

    def on_event(uow, event) -> None:
        shelf = int(event.data["customer_id"])
        calls.append(shelf)
        touch(uow.session, shelf)
        if shelf == 1:
            batch_holds_1.set()

    events = [
        build_event("customer.deleted", source="c", tenant_id=TENANT, data={"customer_id": str(shelf)})
        for shelf in (1, 2)
    ]
    handlers = {"customer.deleted": on_event}
    requester = threading.Thread(target=request)
    requester.start()
    assert request_holds_2.wait(10)

    with pytest.raises(Exception) as gave_way:  # shelf 2 is the request's: a lock timeout
        apply_events(uow_factory(pg_sessions), handlers, events)
    requester.join(10)

    assert not requester.is_alive() and request_failed == []  # the request went through
    assert getattr(gave_way.value.orig, "sqlstate", None) == "55P03"
    assert is_transient_database_error(gave_way.value)  # the consumer retries it in place
    assert apply_events(uow_factory(pg_sessions), handlers, events) == ["applied", "applied"]
    assert calls == [1, 2, 1, 2]
