"""The event consumer: inbox-de-duplicated handlers, manual ack after commit, poison to dead letters.

`apply_event` is the whole inbox rule and is what unit tests (through InMemoryBus) exercise;
`Consumer` adds the broker around it. pika's BlockingConnection is not thread-safe, so handlers
run on one worker thread (one at a time: the queue's order is kept) and ack/nack through
`add_callback_threadsafe`, while the I/O thread keeps processing data events (heartbeats).
When the broker closes the channel (an unacked delivery past consumer_timeout, an unknown delivery
tag) or cancels the consumer, the connection may stay up: the consumer notices, and reconnects.

What happens to a delivery:
- applied, a duplicate, or a type the service ignores: ack (after the commit);
- the database unreachable or briefly busy (`is_transient_database_error`): retried in place,
  without spending a delivery, for up to `retry_in_place_seconds` (25 minutes) from the delivery,
  then nack + requeue: RabbitMQ closes a channel whose delivery stays unacked past its
  consumer_timeout (30 minutes by default), which would return every message of the channel;
- any other failure, including other database errors (a statement timeout, a missing column):
  nack + requeue, so the queue's delivery limit sends a message that keeps failing to the dead
  letters instead of blocking the queue;
- a message that is no valid event (not JSON, an envelope whose id, type, source, tenant or
  specversion is no non-empty string or longer than its column, unknown type, data not matching
  its schema): rejected without requeue, straight to the dead letters — no delivery can fix it.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Literal

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from prometheus_client import Counter
from sqlalchemy.exc import IntegrityError

from ..context import RequestContext
from ..db import ProcessedEvent, is_transient_database_error
from ..events import Event, EventSchemaError, parse_event
from ..settings import Settings
from ..uow import UnitOfWork, UnitOfWorkFactory
from ._backoff import Backoff
from .topology import connect, declare_exchange, declare_service_queues

log = logging.getLogger("fieldbook.consumer")
event_log = logging.getLogger("fieldbook.events")

Handler = Callable[[UnitOfWork, Event], None]
Handlers = Mapping[str, Handler]
Outcome = Literal["applied", "duplicate", "ignored"]
Settlement = Literal["ack", "requeue", "reject"]

# How long a delivery may wait for the database in place before it is requeued: below RabbitMQ's
# default consumer_timeout (30 minutes), past which the broker closes the channel. Every delivery
# the worker holds was received at about the same time, so one outage costs each of them at most
# one requeue (one delivery of DELIVERY_LIMIT) per 25 minutes.
RETRY_IN_PLACE_SECONDS = 1500.0

EVENTS_CONSUMED = Counter(
    "fieldbook_events_consumed_total",
    "Events taken from the service's queue, by outcome (applied, duplicate, ignored, failed, invalid).",
    ["service", "event_type", "outcome"],
)


def apply_event(uow_factory: UnitOfWorkFactory, handlers: Handlers, event: Event) -> Outcome:
    """Apply `event` at most once: its inbox row and the handler's effects commit together.

    The inbox row is flushed first, so a second delivery of the same id fails on the primary key
    (and a concurrent one waits for the first transaction, then fails) and is reported as
    "duplicate" without running the handler. Any other error writing the inbox row propagates.
    A handler exception rolls everything back.
    """
    handler = handlers.get(event.type)
    if handler is None:
        return "ignored"
    context = RequestContext.system(
        event.tenant_id, actor=f"event:{event.source}", correlation_id=event.correlation_id
    )
    uow = uow_factory(context)
    with uow:
        assert uow.session is not None
        uow.session.add(ProcessedEvent(event_id=event.id, event_type=event.type))
        try:
            uow.session.flush()
        except IntegrityError as exc:
            if not _is_inbox_duplicate(exc):  # not "seen before": the limit, then the dead letters
                raise
            uow.rollback()
            return "duplicate"
        handler(uow, event)
        uow.commit()
    return "applied"


def _is_inbox_duplicate(exc: IntegrityError) -> bool:
    """Whether writing the inbox row failed because its event id is already there."""
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None)
    if sqlstate is not None:  # PostgreSQL: unique_violation on processed_events
        diag = getattr(orig, "diag", None)
        table = getattr(diag, "table_name", None)
        return sqlstate == "23505" and table in (None, ProcessedEvent.__tablename__)
    # SQLite: "UNIQUE constraint failed: processed_events.event_id" (primary keys too)
    return str(orig).startswith(f"UNIQUE constraint failed: {ProcessedEvent.__tablename__}.event_id")


class _Deliveries:
    """Per-connection bookkeeping, touched only on the I/O thread (except `abandoned`)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.settled = 0  # deliveries acked, requeued or rejected on this connection
        self.cancelled_by_broker = False
        self.abandoned = threading.Event()  # set when the connection is going away: stop waiting


class Consumer:
    """Consumes `<service>.events` until stopped, reconnecting with backoff.

    `retry_delay` slows the redelivery of a failing message (doubling with its delivery count,
    capped at 5 s) so a briefly unavailable dependency does not burn the delivery limit in
    milliseconds. Database connection errors are retried in place without spending a delivery,
    for up to `retry_in_place_seconds` after the delivery arrived (well inside the broker's
    consumer_timeout), then requeued; invalid events are rejected to the dead letters at once.
    """

    def __init__(
        self,
        settings: Settings,
        uow_factory: UnitOfWorkFactory,
        handlers: Handlers,
        *,
        retry_delay: float = 0.25,
        shutdown_grace: float = 10.0,
        retry_in_place_seconds: float = RETRY_IN_PLACE_SECONDS,
    ):
        self.settings = settings
        self.uow_factory = uow_factory
        self.handlers = handlers
        self.retry_delay = retry_delay
        self.shutdown_grace = shutdown_grace
        self.retry_in_place_seconds = retry_in_place_seconds

    def run(self, stop: threading.Event) -> None:
        """Consume until `stop` is set. Unacked messages return to the queue on connection loss."""
        backoff = Backoff()
        while not stop.is_set():
            try:
                self._consume(stop, backoff)
            except pika.exceptions.ChannelClosedByBroker as exc:
                log.error("the broker closed the consumer's channel: %s", exc)
            except (pika.exceptions.AMQPError, OSError) as exc:
                log.warning("consumer lost the broker: %s: %s", type(exc).__name__, exc)
            except Exception:
                log.exception("consumer failed unexpectedly")
            if not stop.is_set():
                delay = backoff.next()
                log.info("consumer reconnecting in %.1fs", delay)
                stop.wait(delay)
        log.info("consumer stopped")

    # -- the I/O thread -------------------------------------------------------------------------

    def _consume(self, stop: threading.Event, backoff: Backoff) -> None:
        settings = self.settings
        connection = connect(settings, name=f"{settings.service}.consumer")
        worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"{settings.service}-events")
        deliveries = _Deliveries()
        try:
            channel = connection.channel()
            declare_exchange(channel, settings)
            declare_service_queues(channel, settings, self.handlers.keys())
            channel.basic_qos(prefetch_count=settings.consumer_prefetch)

            def on_message(ch: BlockingChannel, method, properties, body: bytes) -> None:
                deliveries.in_flight += 1
                retry_until = time.monotonic() + self.retry_in_place_seconds
                worker.submit(self._work, connection, ch, deliveries, method, properties, body, retry_until)

            def on_cancel(_frame) -> None:
                deliveries.cancelled_by_broker = True

            channel.add_on_cancel_callback(on_cancel)
            consumer_tag = channel.basic_consume(settings.queue, on_message, auto_ack=False)
            log.info("consuming %s (%d event types)", settings.queue, len(self.handlers))
            while not stop.is_set():
                connection.process_data_events(time_limit=1)
                if deliveries.settled and channel.is_open:
                    # progress, not just a connection: a failure that comes back right after
                    # connecting keeps backing off instead of reconnecting every half second
                    backoff.reset()
                if deliveries.cancelled_by_broker:
                    raise pika.exceptions.ConsumerCancelled(
                        f"broker cancelled the consumer on {settings.queue}"
                    )
                if channel.is_closed:  # closed by the broker while the connection stays up
                    raise _channel_closed(channel)
            # Graceful stop: no new deliveries; let the ones already here finish and be acked.
            channel.basic_cancel(consumer_tag)
            deadline = time.monotonic() + self.shutdown_grace
            while deliveries.in_flight and time.monotonic() < deadline:
                connection.process_data_events(time_limit=0.2)
        finally:
            deliveries.abandoned.set()
            worker.shutdown(wait=True, cancel_futures=True)
            if connection.is_open:
                try:
                    connection.process_data_events(time_limit=0)  # flush the last ack
                    connection.close()
                except Exception:
                    log.debug("error closing consumer connection", exc_info=True)

    @staticmethod
    def _settle(
        channel: BlockingChannel, deliveries: _Deliveries, delivery_tag: int | None, settlement: Settlement
    ) -> None:
        """Runs on the I/O thread: ack after commit, nack+requeue (the delivery limit decides), or
        reject without requeue (the queue's dead-letter exchange takes it)."""
        deliveries.in_flight -= 1
        if not channel.is_open:
            log.info("channel closed before settling delivery %s; the broker will redeliver it", delivery_tag)
            return
        if settlement == "ack":
            channel.basic_ack(delivery_tag)
        elif settlement == "reject":
            channel.basic_reject(delivery_tag, requeue=False)
        else:
            channel.basic_nack(delivery_tag, requeue=True)
        deliveries.settled += 1

    # -- the worker thread ----------------------------------------------------------------------

    def _work(
        self,
        connection,
        channel,
        deliveries: _Deliveries,
        method,
        properties,
        body: bytes,
        retry_until: float | None = None,
    ) -> None:
        """Handle one delivery and settle it: every path ends in a settlement, or in giving the
        delivery back to the broker because the connection is going away."""
        tag = getattr(method, "delivery_tag", None)
        settlement: Settlement | None
        try:
            try:
                settlement = self._handle(method.routing_key, body, deliveries.abandoned, retry_until)
            except Exception:  # never leave a delivery unsettled because of a bug here
                log.exception("unexpected error handling delivery %s", tag)
                settlement = "requeue"
            if settlement is None:
                return  # the connection is going away; the broker redelivers the message
            if settlement == "requeue":
                delay = min(5.0, self.retry_delay * (2 ** _delivery_count(properties)))
                if delay and deliveries.abandoned.wait(delay):
                    return
        except Exception:  # whatever went wrong after the handler, the delivery is still settled
            log.exception("unexpected error settling delivery %s; requeueing it", tag)
            settlement = "requeue"
        try:
            connection.add_callback_threadsafe(
                functools.partial(self._settle, channel, deliveries, tag, settlement)
            )
        except pika.exceptions.ConnectionWrongStateError:
            log.info("connection closed before settling delivery %s; the broker will redeliver it", tag)
        except Exception:  # the broker redelivers it when the connection goes
            log.exception("could not settle delivery %s; the broker will redeliver it", tag)

    def _handle(
        self, routing_key: str, body: bytes, abandoned: threading.Event, retry_until: float | None = None
    ) -> Settlement | None:
        """How to settle the delivery; None: gave up because the connection is going away.

        A database that stays unavailable is retried in place until `retry_until` (monotonic; by
        default `retry_in_place_seconds` from now), then the delivery is requeued.
        """
        service = self.settings.service
        if retry_until is None:
            retry_until = time.monotonic() + self.retry_in_place_seconds
        try:
            event = parse_event(body)
        except EventSchemaError as exc:
            EVENTS_CONSUMED.labels(service, routing_key, "invalid").inc()
            event_log.error(
                "event rejected to the dead letters, no delivery can fix it: %s",
                exc,
                extra={
                    "event_id": None,
                    "event_type": routing_key,
                    "tenant_id": None,
                    "correlation_id": None,
                    "outcome": "invalid",
                    "reason": str(exc)[:1000],
                },
            )
            return "reject"
        fields = {
            "event_id": event.id,
            "event_type": event.type,
            "tenant_id": event.tenant_id,
            "correlation_id": event.correlation_id,
        }
        db_backoff = Backoff(base=0.5, cap=10.0)
        while True:
            try:
                outcome = apply_event(self.uow_factory, self.handlers, event)
            except Exception as exc:
                if not is_transient_database_error(exc):  # the handler's failure: the limit decides
                    EVENTS_CONSUMED.labels(service, event.type, "failed").inc()
                    event_log.exception(
                        "handler failed for %s %s",
                        event.type,
                        event.id,
                        extra={**fields, "outcome": "failed"},
                    )
                    return "requeue"
                # The database is unreachable or briefly busy: not the message's fault, so retry it
                # here (heartbeats keep flowing) rather than spend its delivery attempts, but not
                # for so long that the broker's consumer_timeout closes the channel.
                delay = db_backoff.next()
                if time.monotonic() + delay > retry_until:
                    EVENTS_CONSUMED.labels(service, event.type, "failed").inc()
                    event_log.warning(
                        "database still unavailable applying %s; requeued rather than held unacked "
                        "past the broker's consumer timeout: %s",
                        event.type,
                        getattr(exc, "orig", None) or exc,
                        extra={**fields, "outcome": "requeue"},
                    )
                    return "requeue"
                event_log.warning(
                    "database unavailable applying %s; retrying in %.1fs: %s",
                    event.type,
                    delay,
                    getattr(exc, "orig", None) or exc,
                    extra={**fields, "outcome": "retry"},
                )
                if abandoned.wait(delay):
                    return None
                continue
            EVENTS_CONSUMED.labels(service, event.type, outcome).inc()
            event_log.info("event %s %s", event.type, outcome, extra={**fields, "outcome": outcome})
            return "ack"


def _delivery_count(properties) -> int:
    """The quorum queue's x-delivery-count header; 0 when absent or not a number (a foreign sender)."""
    value = (getattr(properties, "headers", None) or {}).get("x-delivery-count")
    try:
        return max(0, min(int(value or 0), 16))
    except (TypeError, ValueError, OverflowError):
        return 0


def _channel_closed(channel: BlockingChannel) -> pika.exceptions.AMQPError:
    """The error to reconnect on for a channel the broker closed: its own reason when pika kept it."""
    reason = getattr(channel, "_closing_reason", None)  # pika saves the broker's Channel.Close here
    if isinstance(reason, pika.exceptions.ChannelClosedByBroker):
        return reason
    return pika.exceptions.ChannelClosedByBroker(0, "the consumer's channel was closed")
