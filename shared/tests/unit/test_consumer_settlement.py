"""How the consumer settles a delivery: ack, retry in place, requeue (counts), or reject (dead letters)."""

from __future__ import annotations

import json
import threading
import time
from types import SimpleNamespace

import psycopg.errors
import pytest
from kit_support import TENANT, effects, inbox_ids, on_customer_deleted, uow_factory
from pika_stand_ins import InlineConnection, RecordingChannel
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from fieldbook_shared.db import is_transient_database_error
from fieldbook_shared.events import build_event
from fieldbook_shared.messaging import Consumer
from fieldbook_shared.settings import Settings


def deleted_event(customer_id: str = "c1"):
    return build_event(
        "customer.deleted", source="customers", tenant_id=TENANT, data={"customer_id": customer_id}
    )


def envelope(**changes) -> bytes:
    """A valid customer.deleted event with some envelope attributes replaced."""
    return json.dumps(deleted_event().to_dict() | changes).encode()


def consumer(sessions, handler) -> Consumer:
    settings = Settings(service="billing", database_url="sqlite://")
    return Consumer(settings, uow_factory(sessions), {"customer.deleted": handler}, retry_delay=0)


def operational(orig: Exception, invalidated: bool = False) -> OperationalError:
    return OperationalError("SELECT ...", {}, orig, connection_invalidated=invalidated)


def pg_error(cls) -> Exception:
    return cls("from the server")


@pytest.mark.parametrize(
    "exc",
    [
        operational(psycopg.OperationalError("connection failed: ... Connection refused")),
        operational(psycopg.OperationalError("consuming input failed: server closed the connection")),
        operational(RuntimeError("anything"), invalidated=True),
        InterfaceError("SELECT", {}, RuntimeError("the connection is closed"), connection_invalidated=True),
        operational(pg_error(psycopg.errors.AdminShutdown)),  # 57P01
        operational(pg_error(psycopg.errors.CannotConnectNow)),  # 57P03
        operational(pg_error(psycopg.errors.DeadlockDetected)),  # 40P01
        operational(pg_error(psycopg.errors.SerializationFailure)),  # 40001
        operational(pg_error(psycopg.errors.LockNotAvailable)),  # 55P03: a batch gave way to a request
        operational(RuntimeError("database is locked")),  # SQLite
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
    ],
    ids=lambda exc: type(getattr(exc, "orig", exc)).__name__ + ":" + str(getattr(exc, "orig", exc))[:20],
)
def test_an_unreachable_or_busy_database_is_transient(exc):
    assert is_transient_database_error(exc)


@pytest.mark.parametrize(
    "exc",
    [
        operational(pg_error(psycopg.errors.QueryCanceled)),  # 57014: a statement timeout
        operational(RuntimeError("no such column: customers.nickname")),  # SQLite
        ValueError("handler bug"),
    ],
    ids=lambda exc: str(getattr(exc, "orig", exc))[:30],
)
def test_a_failing_statement_is_not_transient(exc):
    assert not is_transient_database_error(exc)


def test_a_valid_event_is_acked_after_it_is_applied(sqlite_sessions):
    event = deleted_event("c1")
    assert (
        consumer(sqlite_sessions, on_customer_deleted)._handle(event.type, event.to_json(), threading.Event())
        == "ack"
    )
    assert inbox_ids(sqlite_sessions) == {event.id}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"specversion": "1.0"}',
        deleted_event().to_json().replace('"customer_id"', '"client_id"'),
        b"[" * 100_000 + b"]" * 100_000,
        envelope(id=None),
        envelope(id=""),
        envelope(id="x" * 37),  # longer than the inbox's event_id column
        envelope(id=12),
        envelope(type=["customer.deleted"]),
        envelope(source=None),
        envelope(tenantid=" "),
        envelope(tenantid="t" * 65),
        envelope(specversion=1.0),
    ],
    ids=[
        "not-json",
        "no-envelope",
        "data-off-schema",
        "nested-too-deep",
        "id-null",
        "id-empty",
        "id-too-long",
        "id-number",
        "type-list",
        "source-null",
        "tenant-blank",
        "tenant-too-long",
        "specversion-number",
    ],
)
def test_an_invalid_event_is_rejected_straight_to_the_dead_letters(sqlite_sessions, body, caplog):
    def handler(uow, event):  # pragma: no cover - must not run
        raise AssertionError("an invalid event reached its handler")

    with caplog.at_level("ERROR", logger="fieldbook.events"):
        assert (
            consumer(sqlite_sessions, handler)._handle("customer.deleted", body, threading.Event())
            == "reject"
        )
    [record] = caplog.records
    assert record.outcome == "invalid" and record.reason


def test_a_statement_that_keeps_failing_spends_a_delivery(sqlite_sessions):
    def missing_column(uow, event):
        uow.session.execute(text("SELECT nickname FROM processed_events"))  # "no such column"

    event = deleted_event("c1")
    settlement = consumer(sqlite_sessions, missing_column)._handle(
        event.type, event.to_json(), threading.Event()
    )

    assert settlement == "requeue"  # the delivery limit then sends it to the dead letters
    assert inbox_ids(sqlite_sessions) == set()


def test_a_database_that_went_away_is_retried_without_spending_a_delivery(sqlite_sessions, monkeypatch):
    import fieldbook_shared.messaging.consumer as consumer_module

    monkeypatch.setattr(consumer_module, "Backoff", lambda **_: SimpleNamespace(next=lambda: 0.0))
    failures = iter([operational(psycopg.OperationalError("server closed the connection unexpectedly"))] * 2)

    def comes_back(uow, event):
        failure = next(failures, None)
        if failure is not None:
            raise failure
        on_customer_deleted(uow, event)

    event = deleted_event("c1")
    assert (
        consumer(sqlite_sessions, comes_back)._handle(event.type, event.to_json(), threading.Event()) == "ack"
    )
    assert [e.customer_id for e in effects(sqlite_sessions)] == ["c1"]


def test_a_retry_gives_up_when_the_connection_is_going_away(sqlite_sessions):
    def never_reachable(uow, event):
        raise operational(psycopg.OperationalError("connection failed"))

    abandoned = threading.Event()
    abandoned.set()
    event = deleted_event("c1")
    assert consumer(sqlite_sessions, never_reachable)._handle(event.type, event.to_json(), abandoned) is None


def test_a_database_that_stays_away_is_requeued_before_the_brokers_consumer_timeout(
    sqlite_sessions, monkeypatch
):
    import fieldbook_shared.messaging.consumer as consumer_module

    monkeypatch.setattr(consumer_module, "Backoff", lambda **_: SimpleNamespace(next=lambda: 0.01))
    attempts = []
    abandoned = threading.Event()

    def never_reachable(uow, event):
        attempts.append(event.id)
        if len(attempts) >= 100:
            abandoned.set()  # the test's own limit: stop a consumer that would retry forever
        raise operational(psycopg.OperationalError("connection failed"))

    subject = consumer(sqlite_sessions, never_reachable)
    subject.retry_in_place_seconds = 0.2
    event = deleted_event("c1")

    assert subject._handle(event.type, event.to_json(), abandoned) == "requeue"
    assert 2 <= len(attempts) <= 25  # retried in place for a while, then handed back to the broker
    assert inbox_ids(sqlite_sessions) == set()


class FakeChannel:
    """Just enough of pika's BlockingChannel for `Consumer._consume`."""

    def __init__(self) -> None:
        self.is_closed = False
        self.cancelled = False

    @property
    def is_open(self) -> bool:
        return not self.is_closed

    def basic_qos(self, **_kwargs) -> None:
        pass

    def add_on_cancel_callback(self, _callback) -> None:
        pass

    def basic_consume(self, _queue, _callback, auto_ack: bool) -> str:
        assert auto_ack is False
        return "ctag"

    def basic_cancel(self, _tag) -> None:
        self.cancelled = True


class FakeConnection:
    """A connection that stays up while the broker closes its channel after `close_after` polls."""

    def __init__(self, stop: threading.Event, close_after: int = 2, give_up_after: int = 20) -> None:
        self.stop = stop
        self.close_after = close_after
        self.give_up_after = give_up_after
        self.polls = 0
        self.is_open = True
        self.channel_ = FakeChannel()

    def channel(self) -> FakeChannel:
        return self.channel_

    def process_data_events(self, time_limit: float = 0) -> None:
        # pika's process_data_events does not raise when only the channel is closed by the broker
        self.polls += 1
        if self.polls >= self.close_after:
            self.channel_.is_closed = True
        if self.polls >= self.give_up_after:
            self.stop.set()  # a consumer that does not notice would poll a dead channel forever

    def close(self) -> None:
        self.is_open = False


def test_a_channel_closed_by_the_broker_makes_the_consumer_reconnect(sqlite_sessions, monkeypatch):
    import pika.exceptions

    import fieldbook_shared.messaging.consumer as consumer_module

    stop = threading.Event()
    connection = FakeConnection(stop)
    monkeypatch.setattr(consumer_module, "connect", lambda settings, name: connection)
    monkeypatch.setattr(consumer_module, "declare_exchange", lambda channel, settings: None)
    monkeypatch.setattr(consumer_module, "declare_service_queues", lambda channel, settings, types: None)

    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        consumer(sqlite_sessions, on_customer_deleted)._consume(stop, consumer_module.Backoff())

    assert not stop.is_set()  # noticed on the pass after the close, not after giving up
    assert not connection.is_open  # closed, so run() reconnects on a fresh connection


class HeadersThatFail:
    @property
    def headers(self):
        raise RuntimeError("a property pika could not decode")


@pytest.mark.parametrize(
    "properties",
    [
        SimpleNamespace(headers={"x-delivery-count": "lots"}),  # a foreign sender's header
        SimpleNamespace(headers={"x-delivery-count": [1]}),
        HeadersThatFail(),
    ],
    ids=["text-count", "list-count", "headers-raise"],
)
def test_a_delivery_is_always_settled_even_when_its_properties_are_odd(sqlite_sessions, properties):
    import fieldbook_shared.messaging.consumer as consumer_module

    def fails(uow, event):
        raise RuntimeError("handler bug")

    deliveries = consumer_module._Deliveries()
    deliveries.in_flight = 1
    channel = RecordingChannel()
    event = deleted_event("c1")
    method = SimpleNamespace(routing_key=event.type, delivery_tag=7)

    consumer(sqlite_sessions, fails)._work(
        InlineConnection(), channel, deliveries, method, properties, event.to_json().encode()
    )

    assert channel.settled == [("requeue", 7)]
    assert deliveries.in_flight == 0


def patch_broker(monkeypatch, connection) -> None:
    import fieldbook_shared.messaging.consumer as consumer_module

    monkeypatch.setattr(consumer_module, "connect", lambda settings, name: connection)
    monkeypatch.setattr(consumer_module, "declare_exchange", lambda channel, settings: None)
    monkeypatch.setattr(consumer_module, "declare_service_queues", lambda channel, settings, types: None)


def test_connecting_alone_does_not_reset_the_consumers_backoff(sqlite_sessions, monkeypatch):
    import pika.exceptions

    from fieldbook_shared.messaging._backoff import Backoff

    stop = threading.Event()
    patch_broker(monkeypatch, FakeConnection(stop))
    backoff = Backoff()
    backoff.failures = 5  # several reconnects in a row have failed

    with pytest.raises(pika.exceptions.ChannelClosedByBroker):
        consumer(sqlite_sessions, on_customer_deleted)._consume(stop, backoff)

    assert backoff.failures == 5  # the next reconnect waits longer, not 0.25-0.5 s


class DeliveringChannel(FakeChannel):
    """Delivers one event; records how it was settled."""

    def __init__(self) -> None:
        super().__init__()
        self.on_message = None
        self.settled: list[int] = []

    def basic_consume(self, _queue, callback, auto_ack: bool) -> str:
        self.on_message = callback
        return "ctag"

    def basic_ack(self, tag) -> None:
        self.settled.append(tag)


class DeliveringConnection(FakeConnection):
    """Delivers one message on the first poll, runs thread-safe callbacks, stops once it is acked."""

    def __init__(self, stop: threading.Event, body: bytes) -> None:
        super().__init__(stop, close_after=10**9, give_up_after=500)
        self.channel_ = DeliveringChannel()
        self.body = body
        self.callbacks: list = []

    def add_callback_threadsafe(self, callback) -> None:
        self.callbacks.append(callback)

    def process_data_events(self, time_limit: float = 0) -> None:
        self.polls += 1
        if self.polls == 1:
            method = SimpleNamespace(routing_key="customer.deleted", delivery_tag=1)
            self.channel_.on_message(self.channel_, method, SimpleNamespace(headers={}), self.body)
        while self.callbacks:
            self.callbacks.pop(0)()
        if self.channel_.settled or self.polls >= self.give_up_after:
            self.stop.set()
        else:
            time.sleep(0.01)


def test_a_settled_delivery_resets_the_consumers_backoff(sqlite_sessions, monkeypatch):
    from fieldbook_shared.messaging._backoff import Backoff

    stop = threading.Event()
    connection = DeliveringConnection(stop, deleted_event("c1").to_json().encode())
    patch_broker(monkeypatch, connection)
    backoff = Backoff()
    backoff.failures = 5

    consumer(sqlite_sessions, on_customer_deleted)._consume(stop, backoff)

    assert connection.channel_.settled == [1]
    assert backoff.failures == 0
