"""The outbox and the inbox, end to end through the in-memory bus (SQLite, no sockets)."""

from __future__ import annotations

import dataclasses
import threading

import pika.exceptions
import pytest
from kit_support import (
    TENANT,
    Effect,
    create_schema,
    effects,
    inbox_ids,
    on_customer_deleted,
    outbox_rows,
    publish_deleted,
    unsent_count,
    uow_factory,
)
from prometheus_client import REGISTRY

from fieldbook_shared.context import RequestContext
from fieldbook_shared.db import create_engine, session_factory
from fieldbook_shared.events import build_event, parse_event
from fieldbook_shared.messaging import InMemoryBus, OutboxRelay, apply_event
from fieldbook_shared.settings import Settings
from fieldbook_shared.uow import UnitOfWork


def make_settings(service: str = "customers", **changes) -> Settings:
    return Settings(service=service, database_url="sqlite://", **changes)


def deleted_event(customer_id: str = "c1", tenant_id: str = TENANT):
    return build_event(
        "customer.deleted", source="customers", tenant_id=tenant_id, data={"customer_id": customer_id}
    )


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_committed_events_are_relayed_in_order_and_marked_sent(sqlite_sessions):
    ids = [publish_deleted(sqlite_sessions, f"c{i}") for i in range(5)]
    bus = InMemoryBus()

    assert OutboxRelay(make_settings(), sqlite_sessions).relay_once(bus) == 5

    assert [m.event_id for m in bus.messages] == ids
    assert [parse_event(m.body).data["customer_id"] for m in bus.messages] == [f"c{i}" for i in range(5)]
    assert all(m.tenant_id == TENANT and m.event_type == "customer.deleted" for m in bus.messages)
    assert all(row.sent_at is not None for row in outbox_rows(sqlite_sessions))
    assert OutboxRelay(make_settings(), sqlite_sessions).relay_once(bus) == 0  # nothing is sent twice


def test_relay_sends_in_batches_of_the_configured_size(sqlite_sessions):
    for i in range(5):
        publish_deleted(sqlite_sessions, f"c{i}")
    relay = OutboxRelay(make_settings(relay_batch_size=2), sqlite_sessions, publisher=InMemoryBus())

    assert [relay.relay_once(), relay.relay_once(), relay.relay_once(), relay.relay_once()] == [2, 2, 1, 0]


def test_rolled_back_unit_of_work_publishes_nothing(sqlite_sessions):
    uow = UnitOfWork(sqlite_sessions, RequestContext(tenant_id=TENANT), source="customers")
    with pytest.raises(RuntimeError), uow:
        uow.publish("customer.deleted", {"customer_id": "c1"})
        raise RuntimeError("the change failed")
    with uow:
        uow.publish("customer.deleted", {"customer_id": "c2"})  # never committed

    bus = InMemoryBus()
    assert OutboxRelay(make_settings(), sqlite_sessions).relay_once(bus) == 0
    assert bus.messages == []


class FlakyPublisher:
    """Fails on the n-th publish, like a broker that goes away mid-batch."""

    def __init__(self, fail_on: int):
        self.fail_on = fail_on
        self.calls = 0
        self.published: list[str] = []

    def publish(self, event_type, body, event_id, tenant_id):
        self.calls += 1
        if self.calls == self.fail_on:
            raise ConnectionError("broker went away")
        self.published.append(event_id)
        return True


def test_publish_failure_stops_the_batch_records_the_error_and_loses_nothing(sqlite_sessions):
    ids = [publish_deleted(sqlite_sessions, f"c{i}") for i in range(3)]
    relay = OutboxRelay(make_settings(), sqlite_sessions)
    flaky = FlakyPublisher(fail_on=2)

    with pytest.raises(ConnectionError):
        relay.relay_once(flaky)

    rows = outbox_rows(sqlite_sessions)
    assert [r.sent_at is not None for r in rows] == [True, False, False]
    assert rows[1].attempts == 1 and "broker went away" in rows[1].last_error
    assert rows[2].attempts == 0

    assert relay.relay_once(flaky) == 2  # the next attempt resumes where it stopped, in order
    assert flaky.published == ids
    assert unsent_count(sqlite_sessions) == 0


def test_unroutable_event_does_not_jam_the_outbox(sqlite_sessions):
    bus = InMemoryBus()  # nobody subscribed: every publish is unroutable
    publish_deleted(sqlite_sessions, "c1")
    before = metric("fieldbook_outbox_unroutable_total", service="lonely")

    assert OutboxRelay(make_settings("lonely"), sqlite_sessions).relay_once(bus) == 1

    assert unsent_count(sqlite_sessions) == 0
    assert metric("fieldbook_outbox_unroutable_total", service="lonely") == before + 1


def test_event_is_applied_once_and_a_redelivery_is_a_duplicate(sqlite_sessions):
    handlers = {"customer.deleted": on_customer_deleted}
    event = deleted_event("c1")

    assert apply_event(uow_factory(sqlite_sessions), handlers, event) == "applied"
    assert apply_event(uow_factory(sqlite_sessions), handlers, event) == "duplicate"

    [effect] = effects(sqlite_sessions)
    assert (effect.customer_id, effect.tenant_id, effect.actor) == ("c1", TENANT, "event:customers")
    assert inbox_ids(sqlite_sessions) == {event.id}


@pytest.mark.filterwarnings("ignore:Column 'processed_events.event_id'")
def test_an_inbox_write_that_fails_for_another_reason_than_a_duplicate_is_no_duplicate(sqlite_sessions):
    from sqlalchemy.exc import IntegrityError

    handlers = {"customer.deleted": on_customer_deleted}
    no_id = dataclasses.replace(deleted_event("c1"), id=None)  # NOT NULL, not a redelivery

    with pytest.raises(IntegrityError):
        apply_event(uow_factory(sqlite_sessions), handlers, no_id)

    assert effects(sqlite_sessions) == []
    assert inbox_ids(sqlite_sessions) == set()


def test_handler_exception_leaves_no_inbox_row_and_no_effects(sqlite_sessions):
    def writes_then_fails(uow, event):
        uow.session.add(Effect(event_id=event.id, tenant_id=uow.tenant_id, customer_id="x", actor="x"))
        uow.session.flush()
        raise ValueError("handler bug")

    event = deleted_event("c1")
    with pytest.raises(ValueError, match="handler bug"):
        apply_event(uow_factory(sqlite_sessions), {"customer.deleted": writes_then_fails}, event)

    assert effects(sqlite_sessions) == []
    assert inbox_ids(sqlite_sessions) == set()
    # ... and once the handler is fixed the same event is applied normally
    assert (
        apply_event(uow_factory(sqlite_sessions), {"customer.deleted": on_customer_deleted}, event)
        == "applied"
    )


def test_event_of_a_type_without_handler_is_ignored_and_not_recorded(sqlite_sessions):
    event = deleted_event("c1")

    assert apply_event(uow_factory(sqlite_sessions), {}, event) == "ignored"
    assert inbox_ids(sqlite_sessions) == set()


def test_bus_delivers_to_subscribers_and_redelivery_is_absorbed(tmp_path):
    def database(name):
        engine = create_engine(f"sqlite:///{tmp_path / name}")
        create_schema(engine)
        return session_factory(engine)

    customers, billing, comms = database("customers.db"), database("billing.db"), database("comms.db")
    bus = InMemoryBus()
    bus.subscribe("billing", uow_factory(billing), {"customer.deleted": on_customer_deleted})
    bus.subscribe("comms", uow_factory(comms), {"customer.merged": on_customer_deleted})  # not interested
    event_id = publish_deleted(customers, "c9", source="customers")

    deliveries = bus.drain([OutboxRelay(make_settings("customers"), customers)])

    assert [(d.service, d.event_id, d.outcome) for d in deliveries] == [("billing", event_id, "applied")]
    assert [e.customer_id for e in effects(billing)] == ["c9"]
    assert effects(comms) == []
    assert [d.outcome for d in bus.redeliver_last()] == ["duplicate"]
    assert len(effects(billing)) == 1


def test_bus_follows_events_published_by_handlers(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'chain.db'}")
    create_schema(engine)
    sessions = session_factory(engine)

    def merged_then_delete(uow, event):  # reacts to one event by publishing another
        with uow:
            uow.publish("customer.deleted", {"customer_id": event.data["merged_id"]})
            uow.commit()

    bus = InMemoryBus()
    bus.subscribe(
        "svc",
        uow_factory(sessions),
        {"customer.merged": merged_then_delete, "customer.deleted": on_customer_deleted},
    )
    with UnitOfWork(sessions, RequestContext(tenant_id=TENANT), source="svc") as uow:
        uow.publish("customer.merged", {"survivor_id": "c1", "merged_id": "c2"})
        uow.commit()

    outcomes = bus.drain([OutboxRelay(make_settings("svc"), sessions)])

    assert [(d.event_type, d.outcome) for d in outcomes] == [
        ("customer.merged", "applied"),
        ("customer.deleted", "applied"),
    ]
    assert [e.customer_id for e in effects(sessions)] == ["c2"]


def test_publish_many_writes_every_event_in_order_and_relays_them_like_publish(sqlite_sessions):
    uow = UnitOfWork(sqlite_sessions, RequestContext.system(TENANT), source="customers")
    with uow:
        uow.publish("customer.deleted", {"customer_id": "c0"}, subject="c0")
        uow.publish_many(("customer.deleted", {"customer_id": f"c{i}"}, f"c{i}") for i in (1, 2, 3))
        uow.publish_many([])
        uow.commit()
    bus = InMemoryBus()

    assert OutboxRelay(make_settings(), sqlite_sessions).relay_once(bus) == 4
    assert [parse_event(m.body).data["customer_id"] for m in bus.messages] == ["c0", "c1", "c2", "c3"]
    assert [parse_event(m.body).subject for m in bus.messages] == ["c0", "c1", "c2", "c3"]
    assert [e.id for e in uow.published] == [m.event_id for m in bus.messages]


def test_publish_many_refuses_data_that_does_not_match_the_schema(sqlite_sessions):
    from fieldbook_shared.events import EventSchemaError

    uow = UnitOfWork(sqlite_sessions, RequestContext.system(TENANT), source="customers")
    with uow, pytest.raises(EventSchemaError):
        uow.publish_many([("customer.deleted", {"customer_id": "c1"}, "c1"), ("customer.deleted", {}, None)])
    assert outbox_rows(sqlite_sessions) == []


class CountedStop(threading.Event):
    """A `stop` whose waits return at once, recording the delays asked for; set after `rounds`."""

    def __init__(self, rounds: int) -> None:
        super().__init__()
        self.rounds = rounds
        self.delays: list[float] = []

    def wait(self, timeout=None) -> bool:
        self.delays.append(timeout)
        if len(self.delays) >= self.rounds:
            self.set()
        return self.is_set()


class RefusingPublisher:
    """Connected, but the broker refuses every publish (say ACCESS_REFUSED on the exchange)."""

    def __init__(self, settings, name):
        pass

    def publish(self, *args, **kwargs) -> bool:
        raise pika.exceptions.ChannelClosedByBroker(403, "ACCESS_REFUSED - write access refused")

    def sleep(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        pass


class ConnectedConnection:
    def sleep(self, seconds: float) -> None:
        pass


def test_a_publish_refused_after_every_connect_backs_off_and_is_logged_as_stuck(
    sqlite_sessions, monkeypatch, caplog
):
    import fieldbook_shared.messaging.relay as relay_module

    monkeypatch.setattr(relay_module, "PipelinedPublisher", RefusingPublisher)
    event_id = publish_deleted(sqlite_sessions, "c1")
    stop = CountedStop(rounds=relay_module.STUCK_ROW_ATTEMPTS)

    with caplog.at_level("WARNING", logger="fieldbook.outbox"):
        OutboxRelay(make_settings(), sqlite_sessions).run(stop)

    assert max(stop.delays[-3:]) >= 4.0  # backing off (up to 10 s), not reconnecting every 0.5 s
    [row] = outbox_rows(sqlite_sessions)
    assert row.sent_at is None and row.attempts == relay_module.STUCK_ROW_ATTEMPTS
    [stuck] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert stuck.event_id == event_id and "failed to publish 10 times" in stuck.getMessage()


def test_the_relay_backoff_is_reset_once_a_batch_is_confirmed(sqlite_sessions):
    from fieldbook_shared.messaging._backoff import Backoff

    publish_deleted(sqlite_sessions, "c1")
    backoff = Backoff()
    backoff.failures = 5
    stop = threading.Event()

    class StopWhenIdle(ConnectedConnection):
        def sleep(self, seconds: float) -> None:
            stop.set()

    OutboxRelay(make_settings(), sqlite_sessions)._relay_until_stopped(
        StopWhenIdle(), InMemoryBus(), stop, backoff
    )

    assert backoff.failures == 0
