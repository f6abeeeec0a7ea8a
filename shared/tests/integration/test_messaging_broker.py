"""The relay, consumer, dead letters and worker against the real RabbitMQ and PostgreSQL."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
from urllib.parse import urlsplit, urlunsplit

import pytest
from kit_support import (
    TENANT,
    Effect,
    effects,
    inbox_ids,
    on_customer_deleted,
    outbox_rows,
    publish_deleted,
    unsent_count,
    uow_factory,
    wait_until,
)
from prometheus_client import REGISTRY
from sqlalchemy import func, select, text

from fieldbook_shared.context import RequestContext
from fieldbook_shared.events import build_event, parse_event
from fieldbook_shared.events.envelope import CONTENT_TYPE
from fieldbook_shared.messaging import (
    Consumer,
    InMemoryBus,
    OutboxRelay,
    PipelinedPublisher,
    deadletters,
    declare_exchange,
    declare_queues,
    declare_service_queues,
    outbox_lock_key,
    run_worker,
)
from fieldbook_shared.uow import UnitOfWork

pytestmark = pytest.mark.integration


def metric(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@contextlib.contextmanager
def running(target, *args):
    """Run `target(*args, stop)` on a thread for the duration of the block, then stop and join it."""
    stop = threading.Event()
    thread = threading.Thread(target=target, args=(*args, stop), daemon=True)
    thread.start()
    try:
        yield stop
    finally:
        stop.set()
        thread.join(timeout=30)
        assert not thread.is_alive(), "the loop did not stop"


@contextlib.contextmanager
def confirm_publisher(settings):
    publisher = PipelinedPublisher(settings, name=f"{settings.service}.test")
    try:
        yield publisher
    finally:
        publisher.close()


def publish_event(settings, event) -> None:
    with confirm_publisher(settings) as publisher:
        assert publisher.publish(event.type, event.to_json(), event.id, event.tenant_id)


def deleted_event(customer_id: str):
    return build_event(
        "customer.deleted", source="customers", tenant_id=TENANT, data={"customer_id": customer_id}
    )


# -- relay ----------------------------------------------------------------------------------------


def test_relay_publishes_in_order_with_confirms_to_a_bound_queue(broker, pg_sessions):
    producer = broker.settings("producer")
    sink = broker.settings("sink")
    with broker.channel() as channel:
        declare_exchange(channel, producer)
        declare_service_queues(channel, sink, ["customer.deleted"])
    ids = [publish_deleted(pg_sessions, f"c{i}") for i in range(5)]
    with UnitOfWork(
        pg_sessions, RequestContext(tenant_id=TENANT), source="p"
    ) as uow:  # nobody binds this type
        uow.publish("customer.merged", {"survivor_id": "a", "merged_id": "b"})
        uow.commit()
    ids.append(publish_deleted(pg_sessions, "c5"))
    unroutable_before = metric("fieldbook_outbox_unroutable_total", service=producer.service)

    with confirm_publisher(producer) as publisher:
        assert OutboxRelay(producer, pg_sessions).relay_once(publisher) == 7

    messages = broker.drain(sink.queue)
    assert [p.message_id for p, _ in messages] == ids
    for properties, body in messages:
        assert properties.delivery_mode == 2
        assert properties.content_type == CONTENT_TYPE
        assert properties.headers["tenantid"] == TENANT
        assert parse_event(body).id == properties.message_id
    assert unsent_count(pg_sessions) == 0
    assert metric("fieldbook_outbox_unroutable_total", service=producer.service) == unroutable_before + 1


def test_only_one_relay_per_service_publishes_at_a_time(broker, pg_sessions):
    settings = broker.settings("locked")
    publish_deleted(pg_sessions, "c1")
    relay, bus = OutboxRelay(settings, pg_sessions), InMemoryBus()

    with pg_sessions() as other, other.begin():  # another relay is mid-batch
        other.execute(select(func.pg_advisory_xact_lock(outbox_lock_key(settings.service))))
        assert relay.relay_once(bus) == 0

    assert relay.relay_once(bus) == 1
    assert len(bus.messages) == 1


class DroppableProxy:
    """A TCP proxy to the broker whose connections the test can cut, as a network blip would."""

    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.2)
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.accepted = 0
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed:
            try:
                client, _ = self.server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            self.accepted += 1
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for s in (source, sink):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)

    def drop_connections(self) -> None:
        for s in self.sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
        self.sockets = []

    def close(self) -> None:
        self.closed = True
        self.drop_connections()
        self.server.close()


def test_relay_survives_losing_its_broker_connection(broker, pg_sessions):
    target = urlsplit(broker.amqp_url)
    proxy = DroppableProxy(target.hostname, target.port or 5672)
    via_proxy = urlunsplit(
        target._replace(netloc=f"{target.username}:{target.password}@127.0.0.1:{proxy.port}")
    )
    producer = broker.settings("flaky", amqp_url=via_proxy)
    sink = broker.settings("sink")
    with broker.channel() as channel:
        declare_exchange(channel, producer)
        declare_service_queues(channel, sink, ["customer.deleted"])
    ids = [publish_deleted(pg_sessions, f"a{i}") for i in range(3)]

    try:
        with running(OutboxRelay(producer, pg_sessions).run):
            wait_until(lambda: unsent_count(pg_sessions) == 0, what="the first batch to be sent")
            proxy.drop_connections()
            ids += [publish_deleted(pg_sessions, f"b{i}") for i in range(3)]
            wait_until(
                lambda: unsent_count(pg_sessions) == 0, what="the relay to reconnect and send the rest"
            )
    finally:
        proxy.close()

    assert proxy.accepted >= 2, "the relay should have reconnected"
    received = [p.message_id for p, _ in broker.drain(sink.queue)]
    first_seen = list(dict.fromkeys(received))  # at least once: a resend may duplicate, never reorder
    assert first_seen == ids
    assert all(row.sent_at is not None for row in outbox_rows(pg_sessions))


# -- consumer and dead letters ------------------------------------------------------------------


class ToggleableHandler:
    """Fails for customer "poison" while `broken` is set; otherwise behaves."""

    def __init__(self) -> None:
        self.broken = True
        self.poison_attempts = 0

    def __call__(self, uow, event) -> None:
        if event.data["customer_id"] == "poison":
            self.poison_attempts += 1
            if self.broken:
                raise RuntimeError("cannot handle this one")
        on_customer_deleted(uow, event)


def start_consumer(broker, pg_sessions, handler):
    settings = broker.settings("consumer", delivery_limit=2)
    with broker.channel() as channel:  # bind before publishing, as the consumer will on start
        declare_exchange(channel, settings)
        declare_service_queues(channel, settings, ["customer.deleted"])
    consumer = Consumer(settings, uow_factory(pg_sessions), {"customer.deleted": handler}, retry_delay=0)
    return settings, running(consumer.run)


def customers_applied(pg_sessions) -> list[str]:
    return [e.customer_id for e in effects(pg_sessions)]


def wait_for_dead_letters(broker, settings, what, count=1):
    wait_until(lambda: broker.message_count(settings.dead_letter_queue) == count, what=what)


def one_dies_and_the_next_is_applied(broker, settings, pg_sessions, dying, good):
    """Publish an event the handler cannot apply, then a good one: the first reaches the dead
    letters and the queue keeps flowing."""
    publish_event(settings, dying)
    publish_event(settings, good)
    wait_for_dead_letters(broker, settings, f"{dying.data['customer_id']} to die")
    wait_until(lambda: customers_applied(pg_sessions) == ["good"], what="the good event to be applied")


def test_poison_message_is_dead_lettered_after_the_delivery_limit_and_the_queue_keeps_flowing(
    broker, pg_sessions
):
    handler = ToggleableHandler()
    settings, consumer = start_consumer(broker, pg_sessions, handler)
    poison, good = deleted_event("poison"), deleted_event("good")

    with consumer:
        one_dies_and_the_next_is_applied(broker, settings, pg_sessions, poison, good)

    assert handler.poison_attempts == settings.delivery_limit + 1
    assert inbox_ids(pg_sessions) == {good.id}
    assert broker.message_count(settings.queue) == 0
    [(properties, _body)] = broker.drain(settings.dead_letter_queue)
    assert properties.message_id == poison.id
    assert properties.headers["x-death"][0]["reason"] == "delivery_limit"


def test_redelivered_event_is_acknowledged_without_being_applied_twice(broker, pg_sessions):
    settings, consumer = start_consumer(broker, pg_sessions, on_customer_deleted)
    event = deleted_event("c1")
    before = metric(
        "fieldbook_events_consumed_total",
        service=settings.service,
        event_type=event.type,
        outcome="duplicate",
    )

    with consumer:
        publish_event(settings, event)
        publish_event(settings, event)  # the same event id again, as after a lost ack
        wait_until(
            lambda: (
                metric(
                    "fieldbook_events_consumed_total",
                    service=settings.service,
                    event_type=event.type,
                    outcome="duplicate",
                )
                == before + 1
            ),
            what="the duplicate to be acknowledged",
        )

    assert customers_applied(pg_sessions) == ["c1"]
    assert broker.message_count(settings.queue) == 0


def test_consumer_survives_losing_its_connection_mid_handler_without_applying_twice(broker, pg_sessions):
    target = urlsplit(broker.amqp_url)
    proxy = DroppableProxy(target.hostname, target.port or 5672)
    via_proxy = urlunsplit(
        target._replace(netloc=f"{target.username}:{target.password}@127.0.0.1:{proxy.port}")
    )
    settings = broker.settings("dropped", amqp_url=via_proxy, delivery_limit=5)
    with broker.channel() as channel:
        declare_exchange(channel, settings)
        declare_service_queues(channel, settings, ["customer.deleted"])
    entered, release = threading.Event(), threading.Event()

    def slow_handler(uow, event):
        entered.set()
        release.wait(20)  # the connection is cut while we are here
        on_customer_deleted(uow, event)

    consumer = Consumer(settings, uow_factory(pg_sessions), {"customer.deleted": slow_handler}, retry_delay=0)
    event = deleted_event("slow")
    labels = {"service": settings.service, "event_type": event.type, "outcome": "duplicate"}
    duplicates_before = metric("fieldbook_events_consumed_total", **labels)
    try:
        with running(consumer.run):
            publish_event(settings, event)
            wait_until(entered.is_set, what="the handler to start")
            proxy.drop_connections()
            release.set()  # it commits, but can no longer ack on the lost channel
            wait_until(
                lambda: metric("fieldbook_events_consumed_total", **labels) == duplicates_before + 1,
                what="the redelivery to be recognised as a duplicate",
            )
    finally:
        proxy.close()

    assert broker.message_count(settings.queue) == 0, "the redelivery was not acked"
    assert proxy.accepted >= 2
    assert customers_applied(pg_sessions) == ["slow"]
    assert broker.message_count(settings.dead_letter_queue) == 0


def test_consumer_reconnects_when_the_broker_closes_its_channel(broker, pg_sessions, monkeypatch):
    settle = Consumer._settle
    spoiled: list[int] = []

    def ack_an_unknown_tag_once(channel, deliveries, delivery_tag, settlement, acked=False):
        if not spoiled:  # PRECONDITION_FAILED: the broker closes the channel, the connection stays
            spoiled.append(delivery_tag)
            delivery_tag += 1000
        settle(channel, deliveries, delivery_tag, settlement, acked)

    monkeypatch.setattr(Consumer, "_settle", staticmethod(ack_an_unknown_tag_once))
    settings, consumer = start_consumer(broker, pg_sessions, on_customer_deleted)
    first, second = deleted_event("c1"), deleted_event("c2")
    labels = {"service": settings.service, "event_type": first.type, "outcome": "duplicate"}
    duplicates_before = metric("fieldbook_events_consumed_total", **labels)

    with consumer:
        publish_event(settings, first)
        wait_until(lambda: spoiled, what="the first delivery to be settled")
        publish_event(settings, second)
        wait_until(
            lambda: customers_applied(pg_sessions) == ["c1", "c2"], what="the consumer to consume again"
        )
        wait_until(
            lambda: metric("fieldbook_events_consumed_total", **labels) == duplicates_before + 1,
            what="the returned first delivery to be acked as a duplicate",
        )

    assert broker.message_count(settings.queue) == 0
    assert broker.message_count(settings.dead_letter_queue) == 0


def test_unreadable_message_is_rejected_straight_to_the_dead_letters(broker, pg_sessions):
    settings, consumer = start_consumer(broker, pg_sessions, on_customer_deleted)
    with consumer, broker.channel() as channel:
        channel.basic_publish(settings.exchange, "customer.deleted", b"{not json")
        wait_for_dead_letters(broker, settings, "the unreadable message to die")
    [(properties, body)] = broker.drain(settings.dead_letter_queue)
    assert body == b"{not json"
    [death] = properties.headers["x-death"]
    assert (death["reason"], death["count"]) == ("rejected", 1)  # one delivery, not the whole limit


def test_a_statement_that_keeps_failing_reaches_the_dead_letters_and_the_queue_flows(broker, pg_sessions):
    attempts = []

    def times_out(uow, event):
        if event.data["customer_id"] == "slow":
            attempts.append(event.id)
            uow.session.execute(text("SET LOCAL statement_timeout = 1"))
            uow.session.execute(text("SELECT pg_sleep(1)"))  # QueryCanceled, an OperationalError
        on_customer_deleted(uow, event)

    settings, consumer = start_consumer(broker, pg_sessions, times_out)
    slow, good = deleted_event("slow"), deleted_event("good")
    with consumer:
        one_dies_and_the_next_is_applied(broker, settings, pg_sessions, slow, good)

    assert len(attempts) == settings.delivery_limit + 1
    [(properties, _body)] = broker.drain(settings.dead_letter_queue)
    assert properties.message_id == slow.id
    assert properties.headers["x-death"][0]["reason"] == "delivery_limit"


def test_dead_letters_can_be_listed_without_consuming_them_and_replayed(
    broker, pg_sessions, monkeypatch, capsys
):
    monkeypatch.setenv("AMQP_URL", broker.amqp_url)
    handler = ToggleableHandler()
    settings, consumer = start_consumer(broker, pg_sessions, handler)
    poison = deleted_event("poison")
    cli = ["--service", settings.service]

    with consumer:
        publish_event(settings, poison)
        wait_for_dead_letters(broker, settings, "the poison message to die")

        assert deadletters.main([*cli, "list"]) == 0
        listing = capsys.readouterr().out
        assert poison.id in listing
        assert (
            "customer.deleted" in listing
            and f"tenant={TENANT}" in listing
            and "reason=delivery_limit" in listing
        )
        assert "listed 1 of 1 dead message(s)" in listing
        wait_for_dead_letters(broker, settings, "the listed message to stay")

        assert deadletters.main([*cli, "replay", "--id", "no-such-id"]) == 1
        assert "no dead message with id no-such-id" in capsys.readouterr().err

        handler.broken = False  # the bug is fixed; replay the message
        assert deadletters.main([*cli, "replay", "--id", poison.id]) == 0
        assert f"replayed {poison.id}" in capsys.readouterr().out
        wait_until(
            lambda: customers_applied(pg_sessions) == ["poison"], what="the replayed message to be applied"
        )

    assert broker.message_count(settings.dead_letter_queue) == 0
    assert inbox_ids(pg_sessions) == {poison.id}


def test_dead_letters_replay_all_and_missing_queue(broker, pg_sessions, monkeypatch, capsys):
    monkeypatch.setenv("AMQP_URL", broker.amqp_url)
    handler = ToggleableHandler()
    settings, consumer = start_consumer(broker, pg_sessions, handler)

    assert deadletters.main(["--service", f"{settings.service}-nobody", "list"]) == 1
    assert "has the worker run?" in capsys.readouterr().err

    with consumer:
        for _ in range(2):
            publish_event(settings, deleted_event("poison"))
        wait_for_dead_letters(broker, settings, "both messages to die", count=2)
        handler.broken = False
        assert deadletters.main(["--service", settings.service, "replay", "--all"]) == 0
        assert "2 message(s) replayed" in capsys.readouterr().out
        wait_until(lambda: len(customers_applied(pg_sessions)) == 2, what="both replays to be applied")


# -- the worker -----------------------------------------------------------------------------------


def test_worker_relays_its_outbox_and_consumes_until_stopped(broker, pg_sessions):
    settings = broker.settings("worker")
    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            run_worker(
                settings,
                pg_sessions,
                uow_factory(pg_sessions),
                {"customer.deleted": on_customer_deleted},
                stop=stop,
            )
        ),
        daemon=True,
    )
    thread.start()
    try:
        # the consumer declares and binds its queue on start; until then the event would be unroutable
        wait_until(lambda: _queue_exists(broker, settings.queue), what="the consumer's queue")
        event_id = publish_deleted(pg_sessions, "w1")  # the service consumes its own event here
        wait_until(lambda: customers_applied(pg_sessions) == ["w1"], what="the event to go round")
    finally:
        stop.set()
        thread.join(timeout=30)

    assert result == [0]
    assert inbox_ids(pg_sessions) == {event_id}
    with pg_sessions() as session:
        assert session.scalar(select(func.count()).select_from(Effect)) == 1


def _queue_exists(broker, queue: str) -> bool:
    try:
        broker.message_count(queue)
    except Exception:  # 404 closes the channel: the queue is not there yet
        return False
    return True


WORKER_SCRIPT = """
import logging, sys
from fieldbook_shared.db import Base, create_engine, session_factory
from fieldbook_shared.messaging import run_worker
from fieldbook_shared.settings import Settings

logging.basicConfig(level=logging.INFO, stream=sys.stdout, format="%(name)s %(message)s")
logging.getLogger("pika").setLevel(logging.WARNING)
service, database_url, amqp_url, exchange = sys.argv[1:5]
engine = create_engine(database_url)
Base.metadata.create_all(engine)
settings = Settings(service=service, database_url=database_url, amqp_url=amqp_url, exchange=exchange)
sys.exit(run_worker(settings, session_factory(engine), None, {}))
"""


def test_worker_process_stops_cleanly_on_sigterm(broker, tmp_path):
    settings = broker.settings("process")
    database_url = f"sqlite:///{tmp_path / 'worker.db'}"
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            WORKER_SCRIPT,
            settings.service,
            database_url,
            settings.amqp_url,
            settings.exchange,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(process.stdout), daemon=True)
    reader.start()
    try:
        wait_until(
            lambda: any("outbox relay connected" in line for line in lines), what="the relay to connect"
        )
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=15) == 0
    finally:
        if process.poll() is None:
            process.kill()
    reader.join(timeout=5)
    output = "".join(lines)
    assert "received SIGTERM" in output and f"worker for {settings.service} stopped" in output


def test_migrate_declares_the_queue_so_events_published_before_the_worker_starts_wait_for_it(broker):
    settings = broker.settings("early")
    assert declare_queues(settings, ["thing.created"]) is None
    with broker.channel() as channel:  # published before any worker of the service ever ran
        channel.basic_publish(settings.exchange, "thing.created", b"{}")
        channel.basic_publish(settings.exchange, "thing.deleted", b"{}")  # not bound: not kept
    wait_until(lambda: broker.message_count(settings.queue) == 1, what="the early event in the queue")
    assert broker.message_count(settings.dead_letter_queue) == 0

    unreachable = broker.settings("nobroker", amqp_url="amqp://guest:guest@127.0.0.1:1/%2F")
    broker.created.remove(unreachable)
    assert declare_queues(unreachable, ["thing.created"])  # a reason, not an exception
