"""The unit of work nests: only the outermost `with uow:` commits, so an event's inbox row and its
effects commit together even when the service function a handler calls commits or rolls back."""

from __future__ import annotations

import pytest
from kit_support import TENANT, Effect, effects, inbox_ids, on_customer_deleted, uow_factory

from fieldbook_shared.context import RequestContext
from fieldbook_shared.events import build_event
from fieldbook_shared.messaging import apply_event
from fieldbook_shared.uow import NestedRollback, UnitOfWork


def deleted_event(customer_id: str = "c1"):
    return build_event(
        "customer.deleted", source="customers", tenant_id=TENANT, data={"customer_id": customer_id}
    )


def add_effect(uow: UnitOfWork, event, customer_id: str) -> None:
    uow.session.add(Effect(event_id=event.id, tenant_id=uow.tenant_id, customer_id=customer_id, actor="t"))


def test_a_nested_commit_does_not_commit_the_inbox_row_before_the_handler_is_done(sqlite_sessions):
    def commits_then_fails(uow, event):
        with uow:  # a service function: its own `with uow:` and commit
            add_effect(uow, event, "first half")
            uow.commit()
        raise RuntimeError("the second half failed")

    event = deleted_event("c1")
    with pytest.raises(RuntimeError):
        apply_event(uow_factory(sqlite_sessions), {"customer.deleted": commits_then_fails}, event)

    assert inbox_ids(sqlite_sessions) == set()  # so the redelivery is applied, not a "duplicate"
    assert effects(sqlite_sessions) == []
    assert apply_event(uow_factory(sqlite_sessions), {"customer.deleted": on_customer_deleted}, event) == (
        "applied"
    )
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1"]


def test_a_nested_rollback_makes_the_outer_commit_fail_and_keeps_nothing(sqlite_sessions):
    def rolls_back(uow, event):
        add_effect(uow, event, "before")
        with uow:
            add_effect(uow, event, "inner")
            uow.rollback()  # discards the inbox row too: the event must not count as applied
        add_effect(uow, event, "after")

    event = deleted_event("c1")
    with pytest.raises(NestedRollback):
        apply_event(uow_factory(sqlite_sessions), {"customer.deleted": rolls_back}, event)

    assert inbox_ids(sqlite_sessions) == set()
    assert effects(sqlite_sessions) == []


def test_the_outermost_unit_of_work_still_commits_and_rolls_back(sqlite_sessions):
    uow = UnitOfWork(sqlite_sessions, RequestContext(tenant_id=TENANT), source="t")
    event = deleted_event("c1")
    with uow:
        add_effect(uow, event, "rolled back")
        uow.rollback()
        add_effect(uow, event, "kept")
        uow.commit()
    with uow:  # a fresh transaction: nothing left over from a nested rollback
        add_effect(uow, event, "again")
        uow.commit()

    assert [e.customer_id for e in effects(sqlite_sessions)] == ["kept", "again"]


def test_a_failing_open_repositories_closes_the_session(sqlite_sessions):
    closed = []

    class Broken(UnitOfWork):
        def open_repositories(self, session) -> None:
            session.close = lambda: closed.append(session)
            raise RuntimeError("repository wiring failed")

    uow = Broken(sqlite_sessions, RequestContext(tenant_id=TENANT), source="t")
    with pytest.raises(RuntimeError), uow:
        pass  # pragma: no cover - not reached

    assert len(closed) == 1
    assert uow.session is None


def test_bulk_ids_are_version_4_uuids_like_new_id():
    import uuid

    from fieldbook_shared.db import new_ids

    ids = new_ids(500)
    assert len(set(ids)) == 500 and new_ids(0) == []
    for text in ids:
        parsed = uuid.UUID(text)
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122 and str(parsed) == text


def test_a_bulk_event_is_serialised_as_the_envelope_does_with_the_id_it_is_given(sqlite_sessions):
    import json

    uow = UnitOfWork(sqlite_sessions, RequestContext.system(TENANT), "customers")
    events = uow.bulk_events("work_address.created")
    given = "0f8fad5b-d9cb-469f-a165-70867728950e"
    event_id, text = events.make({"id": "s1", "name": "Caf\u00e9", "n": None}, "s1", given)
    assert event_id == given
    body = json.loads(text)
    assert body["id"] == given and body["subject"] == "s1" and body["data"]["name"] == "Caf\u00e9"
    other_id, _ = events.make({"id": "s2"}, "s2")  # without one: a new id
    assert uuid_like(other_id) and other_id != given


def uuid_like(text: str) -> bool:
    import uuid

    return str(uuid.UUID(text)) == text
