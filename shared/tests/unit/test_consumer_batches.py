"""A batch of deliveries in one transaction: each event at most once and on its own."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import psycopg
import pytest
from kit_support import TENANT, effects, inbox_ids, on_customer_deleted, outbox_rows, uow_factory
from pika_stand_ins import InlineConnection, RecordingChannel
from sqlalchemy.exc import OperationalError

from fieldbook_shared.events import build_event
from fieldbook_shared.messaging import BatchHandler, Consumer
from fieldbook_shared.messaging.consumer import _Deliveries, _Delivery, apply_event, apply_events
from fieldbook_shared.settings import Settings


def deleted(customer_id: str, tenant: str = TENANT):
    return build_event(
        "customer.deleted", source="customers", tenant_id=tenant, data={"customer_id": customer_id}
    )


HANDLERS = {"customer.deleted": on_customer_deleted}


def poison_on(customer_id: str):
    def handler(uow, event):
        on_customer_deleted(uow, event)  # its effect is written, then undone with its savepoint
        if event.data["customer_id"] == customer_id:
            raise RuntimeError("handler bug")

    return {"customer.deleted": handler}


def test_a_batch_applies_every_event_in_one_transaction_in_order(sqlite_sessions):
    events = [deleted(f"c{i}") for i in range(5)]

    assert apply_events(uow_factory(sqlite_sessions), HANDLERS, events) == ["applied"] * 5

    assert [e.customer_id for e in effects(sqlite_sessions)] == [f"c{i}" for i in range(5)]
    assert inbox_ids(sqlite_sessions) == {e.id for e in events}


def test_a_batch_with_duplicates_applies_each_event_once(sqlite_sessions):
    seen_before = deleted("c0")
    apply_event(uow_factory(sqlite_sessions), HANDLERS, seen_before)
    again = deleted("c1")
    events = [seen_before, again, deleted("c2"), again]  # one from an earlier batch, one twice here

    results = apply_events(uow_factory(sqlite_sessions), HANDLERS, events)

    assert results == ["duplicate", "applied", "applied", "duplicate"]
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c0", "c1", "c2"]


def test_a_poison_event_fails_alone_and_its_neighbours_commit(sqlite_sessions):
    events = [deleted("c1"), deleted("bad"), deleted("c3")]

    results = apply_events(uow_factory(sqlite_sessions), poison_on("bad"), events)

    assert results[0] == "applied" and results[2] == "applied"
    assert isinstance(results[1], RuntimeError)
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c3"]
    assert inbox_ids(sqlite_sessions) == {events[0].id, events[2].id}  # the poison may come again


def test_each_event_keeps_its_own_tenant_and_actor_and_publishes_with_them(sqlite_sessions):
    def handler(uow, event):
        on_customer_deleted(uow, event)
        uow.publish("customer.deleted", {"customer_id": event.data["customer_id"]}, subject="x")

    events = [deleted("a1", tenant="tenant-a"), deleted("b1", tenant="tenant-b")]

    apply_events(uow_factory(sqlite_sessions), {"customer.deleted": handler}, events)

    assert [(e.tenant_id, e.customer_id) for e in effects(sqlite_sessions)] == [
        ("tenant-a", "a1"),
        ("tenant-b", "b1"),
    ]
    assert [r.tenant_id for r in outbox_rows(sqlite_sessions)] == ["tenant-a", "tenant-b"]


def test_a_rollback_inside_a_batch_fails_only_that_event(sqlite_sessions):
    def rolls_back(uow, event):
        on_customer_deleted(uow, event)
        if event.data["customer_id"] == "refused":
            with uow:
                uow.rollback()

    events = [deleted("c1"), deleted("refused"), deleted("c3")]

    results = apply_events(uow_factory(sqlite_sessions), {"customer.deleted": rolls_back}, events)

    assert results[0] == results[2] == "applied"
    assert isinstance(results[1], Exception)
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c3"]


def transient() -> OperationalError:
    return OperationalError("SELECT ...", {}, psycopg.OperationalError("server closed the connection"))


def test_a_transient_error_rolls_the_whole_batch_back(sqlite_sessions):
    def flaky(uow, event):
        on_customer_deleted(uow, event)
        if event.data["customer_id"] == "c2":
            raise transient()

    with pytest.raises(OperationalError):
        apply_events(
            uow_factory(sqlite_sessions), {"customer.deleted": flaky}, [deleted("c1"), deleted("c2")]
        )

    assert effects(sqlite_sessions) == [] and inbox_ids(sqlite_sessions) == set()


# -- the consumer around it: settlements per delivery -----------------------------------------------


def consumer(sessions, handlers, retry_delay: float = 0.0) -> Consumer:
    settings = Settings(service="billing", database_url="sqlite://")
    return Consumer(settings, uow_factory(sessions), handlers, retry_delay=retry_delay)


def deliveries_of(bodies: list[bytes]) -> list[_Delivery]:
    far = 10**9
    return [
        _Delivery(tag, "customer.deleted", SimpleNamespace(headers={}), body, far)
        for tag, body in enumerate(bodies, start=1)
    ]


def test_a_poison_delivery_is_requeued_and_its_neighbours_acked(sqlite_sessions):
    events = [deleted("c1"), deleted("bad"), deleted("c3")]
    batch = deliveries_of([e.to_json().encode() for e in events] + [b"not json"])
    channel, connection, state = RecordingChannel(), InlineConnection(), _Deliveries()
    state.in_flight = len(batch)

    consumer(sqlite_sessions, poison_on("bad"), retry_delay=0.25)._work_batch(
        connection, channel, state, batch
    )

    assert channel.settled == [("ack", 1), ("requeue", 2), ("ack", 3), ("reject", 4)]
    assert connection.timers == [0.25]  # the requeue waits on the I/O thread's timer
    assert state.in_flight == 0
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c3"]


class CountingChannel(RecordingChannel):
    """Also counts the ack frames sent, `multiple` ones apart."""

    def __init__(self) -> None:
        super().__init__()
        self.frames: list[tuple[int, bool]] = []

    def basic_ack(self, tag, multiple: bool = False) -> None:
        self.frames.append((tag, multiple))
        super().basic_ack(tag, multiple)


def test_a_batch_of_acks_goes_as_one_multiple_ack(sqlite_sessions):
    batch = deliveries_of([deleted(f"c{i}").to_json().encode() for i in range(1, 5)])
    channel, connection, state = CountingChannel(), InlineConnection(), _Deliveries()
    state.in_flight, state.open_tags = len(batch), {1, 2, 3, 4}

    consumer(sqlite_sessions, HANDLERS)._work_batch(connection, channel, state, batch)

    assert channel.frames == [(4, True)]
    assert channel.settled == [("ack", 1), ("ack", 2), ("ack", 3), ("ack", 4)]
    assert state.in_flight == 0 and state.open_tags == set()


def test_a_multiple_ack_never_covers_a_delivery_still_open(sqlite_sessions):
    """Tag 4 is an earlier batch's requeue still waiting on its timer: the acks below it go as one,
    the one above it alone, and tag 4 stays open for its requeue."""
    bodies = [deleted(f"c{i}").to_json().encode() for i in range(1, 6)]
    batch = [d for d in deliveries_of(bodies) if d.tag != 4]
    channel, connection, state = CountingChannel(), InlineConnection(), _Deliveries()
    state.in_flight, state.open_tags = len(batch) + 1, {1, 2, 3, 4, 5}

    consumer(sqlite_sessions, HANDLERS)._work_batch(connection, channel, state, batch)

    assert channel.frames == [(3, True), (5, False)]
    assert state.open_tags == {4} and state.in_flight == 1


def test_a_transient_error_retries_the_batch_in_place_then_acks_it(sqlite_sessions, monkeypatch):
    import fieldbook_shared.messaging.consumer as consumer_module

    monkeypatch.setattr(consumer_module, "Backoff", lambda **_: SimpleNamespace(next=lambda: 0.0))
    failures = iter([transient(), transient()])

    def comes_back(uow, event):
        on_customer_deleted(uow, event)
        if event.data["customer_id"] == "c2":
            failure = next(failures, None)
            if failure is not None:
                raise failure

    events = [deleted("c1"), deleted("c2"), deleted("c3")]
    batch = deliveries_of([e.to_json().encode() for e in events])

    settlements = consumer(sqlite_sessions, {"customer.deleted": comes_back})._handle_batch(
        batch, threading.Event()
    )

    assert settlements == ["ack", "ack", "ack"]
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c2", "c3"]  # once each


def test_a_batch_that_fails_as_a_whole_is_applied_one_by_one(sqlite_sessions, monkeypatch):
    import fieldbook_shared.messaging.consumer as consumer_module

    real = consumer_module.apply_events

    def commit_fails_for_batches(uow_factory, handlers, events):
        if len(events) > 1:
            raise RuntimeError("the batch's commit failed")
        return real(uow_factory, handlers, events)

    monkeypatch.setattr(consumer_module, "apply_events", commit_fails_for_batches)
    events = [deleted("c1"), deleted("bad"), deleted("c3")]
    batch = deliveries_of([e.to_json().encode() for e in events])

    settlements = consumer(sqlite_sessions, poison_on("bad"))._handle_batch(batch, threading.Event())

    assert settlements == ["ack", "requeue", "ack"]
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c3"]


def test_the_next_batch_takes_what_has_arrived_up_to_the_batch_size(sqlite_sessions):
    subject = consumer(sqlite_sessions, HANDLERS)
    subject.settings = Settings(service="billing", database_url="sqlite://", consumer_batch_size=3)
    state = _Deliveries()
    for delivery in deliveries_of([b"1", b"2", b"3", b"4"]):
        state.waiting.put(delivery)

    assert [d.tag for d in subject._next_batch(state)] == [1, 2, 3]
    assert [d.tag for d in subject._next_batch(state)] == [4]  # a lone one after the linger
    assert subject._next_batch(state) == []


# -- several workers: the partitions ----------------------------------------------------------------


class TopologyChannel:
    """Records what a declaration does to the broker."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []
        self.tags = 0

    def exchange_declare(self, name, exchange_type, durable, arguments=None):
        self.calls.append(("exchange", name, exchange_type, arguments))

    def queue_declare(self, name, durable, arguments=None):
        self.calls.append(("queue", name, (arguments or {}).get("x-single-active-consumer", False)))

    def queue_bind(self, queue, exchange, routing_key):
        self.calls.append(("bind", queue, exchange, routing_key))

    def exchange_bind(self, destination, source, routing_key):
        self.calls.append(("exchange_bind", destination, source, routing_key))

    def queue_unbind(self, queue, exchange, routing_key):
        self.calls.append(("unbind", queue, exchange, routing_key))

    def basic_consume(self, queue, callback, auto_ack):
        self.tags += 1
        self.calls.append(("consume", queue))
        return f"ctag{self.tags}"

    def basic_cancel(self, tag):
        self.calls.append(("cancel", tag))


def test_partitions_take_the_event_types_and_the_service_queue_lets_them_go():
    from fieldbook_shared.messaging.topology import declare_service_queues

    settings = Settings(service="assets", database_url="sqlite://", consumer_partitions=2)
    channel = TopologyChannel()

    declare_service_queues(channel, settings, ["customer.updated"])

    calls = channel.calls
    assert ("exchange", "assets.events.partitions", "x-consistent-hash", {"hash-header": "subject"}) in calls
    assert ("queue", "assets.events.p0", True) in calls and ("queue", "assets.events.p1", True) in calls
    assert ("queue", "assets.events", False) in calls  # still there: it drains, replays reach it
    bound = calls.index(("exchange_bind", "assets.events.partitions", "fieldbook.events", "customer.updated"))
    unbound = calls.index(("unbind", "assets.events", "fieldbook.events", "customer.updated"))
    assert bound < unbound  # never a moment with neither bound


def test_each_worker_takes_its_partitions_first_and_stands_by_on_the_others(monkeypatch):
    import fieldbook_shared.messaging.consumer as consumer_module

    settings = Settings(
        service="assets", database_url="sqlite://", consumer_partitions=4, worker_count=2, worker_index=1
    )
    channel = TopologyChannel()
    subscriptions = consumer_module._Subscriptions(settings, channel, lambda *a: None, _Deliveries())

    subscriptions.start()
    assert [c[1] for c in channel.calls] == ["assets.events", "assets.events.p1", "assets.events.p3"]
    subscriptions.tick()  # too early for the standby
    assert len(channel.calls) == 3

    subscriptions.standby_at = 0
    subscriptions.tick()
    assert [c[1] for c in channel.calls[3:]] == ["assets.events.p0", "assets.events.p2"]

    subscriptions.deliveries.held[subscriptions.tags["assets.events.p2"]] = 1  # busy: kept
    subscriptions.rebalance_at = 0
    subscriptions.tick()
    assert channel.calls[5:] == [("cancel", "ctag4"), ("consume", "assets.events.p0")]


def test_two_workers_on_the_one_queue_are_refused(sqlite_sessions):
    settings = Settings(service="assets", database_url="sqlite://", worker_count=2)
    with pytest.raises(ValueError, match="CONSUMER_PARTITIONS"):
        Consumer(settings, uow_factory(sqlite_sessions), HANDLERS)


# -- a BatchHandler: a run of its events applied at once --------------------------------------------


def batch_handlers(calls: list, poison: str | None = None):
    def many(uow, events):
        calls.append([e.data["customer_id"] for e in events])
        for event in events:
            on_customer_deleted(uow, event)
        if poison in [e.data["customer_id"] for e in events]:
            raise RuntimeError("batch handler bug")

    def one(uow, event):
        calls.append(event.data["customer_id"])
        on_customer_deleted(uow, event)
        if event.data["customer_id"] == poison:
            raise RuntimeError("handler bug")

    return {"customer.deleted": BatchHandler(one, many), "customer.erased": on_customer_deleted}


def erased(customer_id: str):
    return build_event(
        "customer.erased", source="customers", tenant_id=TENANT, data={"customer_id": customer_id}
    )


def test_a_batch_handler_takes_each_run_of_its_events_of_one_tenant_at_once(sqlite_sessions):
    calls: list = []
    events = [
        deleted("a1"),
        deleted("a2"),
        erased("m1"),  # another handler: the run ends
        deleted("a3"),
        deleted("b1", tenant="tenant-b"),  # another tenant: a run of its own
        deleted("b2", tenant="tenant-b"),
    ]
    results = apply_events(uow_factory(sqlite_sessions), batch_handlers(calls), events)

    assert results == ["applied"] * 6
    assert calls == [["a1", "a2"], "a3", ["b1", "b2"]]
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["a1", "a2", "m1", "a3", "b1", "b2"]
    assert inbox_ids(sqlite_sessions) == {e.id for e in events}


def test_a_failing_batch_handler_is_applied_again_event_by_event_and_the_poison_fails_alone(
    sqlite_sessions,
):
    calls: list = []
    events = [deleted("c1"), deleted("bad"), deleted("c3")]

    results = apply_events(uow_factory(sqlite_sessions), batch_handlers(calls, poison="bad"), events)

    assert results[0] == results[2] == "applied"
    assert isinstance(results[1], RuntimeError)
    assert calls == [["c1", "bad", "c3"], "c1", "bad", "c3"]
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c3"]
    assert inbox_ids(sqlite_sessions) == {events[0].id, events[2].id}


def test_a_batch_handler_may_not_publish(sqlite_sessions):
    def many(uow, events):
        for event in events:
            on_customer_deleted(uow, event)
        uow.publish("customer.deleted", {"customer_id": "x"}, subject="x")

    handlers = {"customer.deleted": BatchHandler(on_customer_deleted, many)}
    events = [deleted("c1"), deleted("c2")]

    assert apply_events(uow_factory(sqlite_sessions), handlers, events) == ["applied", "applied"]
    assert outbox_rows(sqlite_sessions) == []  # applied again apart, by `one`
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1", "c2"]
