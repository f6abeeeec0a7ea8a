"""The event consumer: inbox-de-duplicated handlers, manual ack after commit, poison to dead letters.

`apply_event` is the whole inbox rule for one event and is what unit tests (through InMemoryBus)
exercise; `apply_events` is the same rule for a batch in one transaction (all together, else a
SAVEPOINT per event),
which `Consumer` runs around the broker. pika's BlockingConnection is not thread-safe, so handlers
run on one worker thread (a batch at a time, in the queue's order) and ack/nack through
`add_callback_threadsafe` after the batch's commit, while the I/O thread keeps processing data
events (heartbeats).
When the broker closes the channel (an unacked delivery past consumer_timeout, an unknown delivery
tag) or cancels the consumer, the connection may stay up: the consumer notices, and reconnects.

What happens to a delivery (each on its own, whatever its neighbours in the batch do):
- applied, a duplicate, or a type the service ignores: ack (after the batch's commit);
- the database unreachable or briefly busy (`is_transient_database_error`): retried in place,
  without spending a delivery, for up to `retry_in_place_seconds` (25 minutes) from the delivery,
  then nack + requeue: RabbitMQ closes a channel whose delivery stays unacked past its
  consumer_timeout (30 minutes by default), which would return every message of the channel;
- any other failure, including other database errors (a statement timeout, a missing column):
  that event's SAVEPOINT is rolled back, its neighbours commit, and it is nacked + requeued, so
  the queue's delivery limit sends a message that keeps failing to the dead letters instead of
  blocking the queue;
- a message that is no valid event (not JSON, an envelope whose id, type, source, tenant or
  specversion is no non-empty string or longer than its column, unknown type, data not matching
  its schema): rejected without requeue, straight to the dead letters — no delivery can fix it.
"""

from __future__ import annotations

import collections
import functools
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

import pika
import pika.exceptions
from pika.adapters.blocking_connection import BlockingChannel
from prometheus_client import Counter
from sqlalchemy import Table, bindparam, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..context import RequestContext
from ..db import (
    ProcessedEvent,
    array_of,
    is_postgres,
    is_transient_database_error,
    one_of,
    utcnow,
    wait_for_locks_at_most,
)
from ..events import Event, EventSchemaError, parse_event
from ..settings import Settings
from ..uow import UnitOfWork, UnitOfWorkFactory
from ._backoff import Backoff
from .topology import connect, declare_exchange, declare_service_queues, partition_queues

log = logging.getLogger("fieldbook.consumer")
event_log = logging.getLogger("fieldbook.events")

# How long a batch waits for a row a request (or another worker) holds before it steps back and is
# retried in place. A batch takes its rows in queue order, a request in its own (a payment, then its
# invoices), so the two can deadlock; the batch must be the one to give way (docs/architecture.md §4).
BATCH_LOCK_WAIT_MS = 200

Handler = Callable[[UnitOfWork, Event], None]
Handlers = Mapping[str, Handler]
BatchApply = Callable[[UnitOfWork, list[Event]], None]
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
    uow = uow_factory(_context(event))
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


@dataclass(frozen=True)
class BatchHandler:
    """A handler that can also apply a run of its events at once (`many`): a batch's consecutive
    events it handles, of one tenant, go to `many` together on the fast path, with the unit of work
    of the run's first event; alone, and on the careful path, each goes to `one`. `many` must leave
    the same effects as `one` for each event in order (a read model's snapshots: one SELECT for the
    copies held, the new ones written by the batch's INSERT) and may not publish events (their
    correlation id would be the first event's)."""

    one: Handler
    many: BatchApply

    def __call__(self, uow: UnitOfWork, event: Event) -> None:
        self.one(uow, event)


class _Duplicate(Exception):
    """The event's inbox row is already there: its savepoint is rolled back, the handler not run."""


class _HandlerFailed(Exception):
    """An event's handler raised on the fast path: which one, and what it raised."""

    def __init__(self, index: int, error: Exception):
        super().__init__(index, error)
        self.index, self.error = index, error


def apply_events(
    uow_factory: UnitOfWorkFactory, handlers: Handlers, events: Sequence[Event]
) -> list[Outcome | Exception]:
    """Apply a batch in ONE transaction, each event at most once and on its own: per event, in order,
    an outcome, or the exception its handler raised (that event's part was rolled back, its
    neighbours still commit; the caller requeues it).

    The inbox is read once for the whole batch (ids seen before are duplicates). Each remaining
    event's handler runs with a unit of work of its own context joined to the batch's session.
    First all together, with no savepoint and one flush at the end (a database round trip is what an
    event costs; a `BatchHandler` takes each run of its events at once); if anything fails, that
    attempt is rolled back and the batch is applied again with a SAVEPOINT per event
    (`_apply_apart`) — but for the event whose handler raised, which is not run twice for one
    delivery — so a poison event fails alone and a concurrent
    delivery of the same id is a "duplicate" on the inbox's primary key. A transient database error
    propagates (nothing committed; the caller retries the batch in place), as does any error outside
    an event's savepoint (the commit): the caller then applies its events one by one.
    """
    results: list[Outcome | Exception] = ["ignored"] * len(events)
    todo = [i for i, event in enumerate(events) if event.type in handlers]
    if not todo:
        return results
    failed: dict[int, Exception] = {}
    try:
        return _apply_together(uow_factory, handlers, events, todo, results)
    except _HandlerFailed as failure:  # that event's handler is not run again for this delivery
        failed[failure.index] = failure.error
        log.info("event %s of a batch of %d failed; the rest applied again apart", failure.index, len(todo))
    except Exception as exc:
        if is_transient_database_error(exc):
            raise
        log.info("a batch of %d events failed together (%s); applied again event by event", len(todo), exc)
    return _apply_apart(uow_factory, handlers, events, todo, ["ignored"] * len(events), failed)


def _apply_together(
    uow_factory: UnitOfWorkFactory,
    handlers: Handlers,
    events: Sequence[Event],
    todo: list[int],
    results: list[Outcome | Exception],
) -> list[Outcome | Exception]:
    """The fast path: every event in one go, the inbox rows and the handlers' writes flushed together."""
    batch = uow_factory(_context(events[todo[0]]))  # owns the session and the transaction
    with batch:
        session = batch.session
        assert session is not None
        wait_for_locks_at_most(session, BATCH_LOCK_WAIT_MS)
        for run in _runs(handlers, list(_unseen(session, events, todo, results))):
            if len(run) > 1:
                _apply_run(uow_factory, handlers, session, [event for _, event in run])
            else:
                i, event = run[0]
                uow = uow_factory(_context(event))
                try:
                    with uow.joined(session, flush=False):
                        handlers[event.type](uow, event)
                        uow.collect()  # its aggregates' events go to the outbox with its context
                except Exception as exc:
                    if is_transient_database_error(exc):
                        raise
                    # known culprit: the careful path skips it, so a delivery runs its handler once
                    raise _HandlerFailed(i, exc) from exc
            for i, _event in run:
                results[i] = "applied"
        applied = [events[i] for i in todo if results[i] == "applied"]
        if applied:  # the inbox rows by one INSERT (no ORM objects), then the handlers' writes
            _add_inbox_rows(session, applied)
        batch.commit()
    return results


def _runs(handlers: Handlers, unseen: list[tuple[int, Event]]) -> list[list[tuple[int, Event]]]:
    """The unseen events cut into runs: consecutive events of one tenant whose handler is the same
    `BatchHandler` go together; any other event is a run of its own. Order is kept."""
    runs: list[list[tuple[int, Event]]] = []
    for i, event in unseen:
        handler = handlers[event.type]
        if runs and isinstance(handler, BatchHandler):
            _, last = runs[-1][-1]
            if handlers[last.type] is handler and last.tenant_id == event.tenant_id:
                runs[-1].append((i, event))
                continue
        runs.append([(i, event)])
    return runs


def _apply_run(
    uow_factory: UnitOfWorkFactory, handlers: Handlers, session: Session, run: list[Event]
) -> None:
    """A run of a `BatchHandler`'s events at once. A failure names no event: the whole batch is then
    applied again apart, each event by `one` in its savepoint."""
    handler = handlers[run[0].type]
    assert isinstance(handler, BatchHandler)
    uow = uow_factory(_context(run[0]))
    with uow.joined(session, flush=False):
        handler.many(uow, run)
        if uow.collect() or uow.published:
            raise RuntimeError(f"the batch handler of {run[0].type} published events")


def _apply_apart(
    uow_factory: UnitOfWorkFactory,
    handlers: Handlers,
    events: Sequence[Event],
    todo: list[int],
    results: list[Outcome | Exception],
    failed: dict[int, Exception],
) -> list[Outcome | Exception]:
    """The careful path: each event in a SAVEPOINT of its own, its inbox row first; the events that
    already failed on the fast path (`failed`) are not run again (requeued by the caller)."""
    batch = uow_factory(_context(events[todo[0]]))
    with batch:
        session = batch.session
        assert session is not None
        wait_for_locks_at_most(session, BATCH_LOCK_WAIT_MS)
        for i, event in _unseen(session, events, todo, results):
            if i in failed:
                results[i] = failed[i]
                continue
            try:
                with session.begin_nested():
                    _add_inbox_row(session, event)
                    uow = uow_factory(_context(event))
                    with uow.joined(session):
                        handlers[event.type](uow, event)
                        uow.collect()
                results[i] = "applied"
            except _Duplicate:
                results[i] = "duplicate"
            except Exception as exc:
                if is_transient_database_error(exc):
                    raise  # the transaction is gone: the whole batch again, in place
                results[i] = exc
        batch.commit()
    return results


def _unseen(
    session: Session, events: Sequence[Event], todo: list[int], results: list[Outcome | Exception]
) -> Iterator[tuple[int, Event]]:
    """The batch's events the inbox has not seen, in order; the others are marked "duplicate" (the
    same id twice in one batch: the second is a duplicate)."""
    seen = _seen(session, [events[i].id for i in todo])
    for i in todo:
        event = events[i]
        if event.id in seen:
            results[i] = "duplicate"
            continue
        seen.add(event.id)
        yield i, event


def _seen(session: Session, ids: list[str]) -> set[str]:
    """Which of `ids` the inbox holds already: one query for the batch."""
    column = ProcessedEvent.event_id
    return set(session.scalars(select(column).where(one_of(session, column, ids))))


INBOX = cast(Table, ProcessedEvent.__table__)


def _add_inbox_rows(session: Session, events: list[Event]) -> None:
    """The inbox rows of a batch: on PostgreSQL one INSERT … SELECT unnest of two arrays
    (`array_of`), elsewhere an executemany."""
    now = utcnow()
    if not is_postgres(session):
        session.execute(
            insert(INBOX), [{"event_id": e.id, "event_type": e.type, "processed_at": now} for e in events]
        )
        return
    rows = select(
        func.unnest(array_of([e.id for e in events], INBOX.c.event_id.type)),
        func.unnest(array_of([e.type for e in events], INBOX.c.event_type.type)),
        bindparam("now", now, type_=INBOX.c.processed_at.type),
    )
    session.execute(insert(INBOX).from_select(["event_id", "event_type", "processed_at"], rows))


def _add_inbox_row(session: Session, event: Event) -> None:
    session.add(ProcessedEvent(event_id=event.id, event_type=event.type))
    try:
        session.flush()
    except IntegrityError as exc:
        if _is_inbox_duplicate(exc):  # another worker applied it meanwhile
            raise _Duplicate(event.id) from None
        raise


def _context(event: Event) -> RequestContext:
    return RequestContext.system(
        event.tenant_id, actor=f"event:{event.source}", correlation_id=event.correlation_id
    )


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
    """Per-connection bookkeeping, touched only on the I/O thread (except `abandoned`, `waiting`)."""

    def __init__(self) -> None:
        self.in_flight = 0
        self.settled = 0  # deliveries acked, requeued or rejected on this connection
        self.cancelled_by_broker = False
        self.abandoned = threading.Event()  # set when the connection is going away: stop waiting
        self.waiting: queue.SimpleQueue[_Delivery] = queue.SimpleQueue()  # for the worker thread
        self.held: collections.Counter[str] = collections.Counter()  # unsettled, by consumer tag
        self.open_tags: set[int] = set()  # delivery tags not settled yet (one channel's)


@dataclass(frozen=True)
class _Delivery:
    tag: int | None
    routing_key: str
    properties: object
    body: bytes
    retry_until: float  # monotonic: how long a database outage is waited out in place
    consumer_tag: str | None = None  # which of the worker's consumers (queues) it came through


# A worker's standby consumers (on the other workers' partitions) start this long after its own,
# so the workers started together each become the single active consumer of their own share.
STANDBY_DELAY_SECONDS = 5.0
# How often a worker hands back, when it holds none of their deliveries, the partitions it consumes
# as a standby: each such consumer goes to the back of its queue's consumers, so a partition's own
# worker, back after a restart, becomes its active consumer again.
REBALANCE_SECONDS = 30.0


class _Subscriptions:
    """The queues a worker consumes (I/O thread only): the service queue (what it held before
    partitioning, and the dead letters' replays) and its own partitions at once (k % WORKER_COUNT
    == WORKER_INDEX), the other partitions as a standby a little later. Each partition queue has a
    single active consumer, so one worker at a time applies a subject's events, in order."""

    def __init__(self, settings: Settings, channel: BlockingChannel, on_message, deliveries: _Deliveries):
        partitions = partition_queues(settings)
        count = max(1, settings.worker_count)
        self.own = [settings.queue] + [
            q for k, q in enumerate(partitions) if k % count == settings.worker_index
        ]
        self.standby = [q for k, q in enumerate(partitions) if k % count != settings.worker_index]
        self.channel = channel
        self.on_message = on_message
        self.deliveries = deliveries
        self.tags: dict[str, str] = {}  # queue -> consumer tag
        self.standby_at = time.monotonic() + STANDBY_DELAY_SECONDS
        self.rebalance_at = self.standby_at + REBALANCE_SECONDS

    def start(self) -> None:
        for queue_name in self.own:
            self._consume(queue_name)

    def tick(self) -> None:
        """Start the standby consumers when their time comes; hand back idle ones now and then."""
        now = time.monotonic()
        if not self.standby or now < self.standby_at:
            return
        if self.standby[0] not in self.tags:
            for queue_name in self.standby:
                self._consume(queue_name)
            return
        if now < self.rebalance_at:
            return
        for queue_name in self.standby:
            tag = self.tags[queue_name]
            if self.deliveries.held[tag] == 0:  # never with a delivery in hand: order first
                self.channel.basic_cancel(tag)
                self._consume(queue_name)
        self.rebalance_at = now + REBALANCE_SECONDS

    def cancel_all(self) -> None:
        for tag in self.tags.values():
            self.channel.basic_cancel(tag)

    def _consume(self, queue_name: str) -> None:
        self.tags[queue_name] = self.channel.basic_consume(queue_name, self.on_message, auto_ack=False)


def _covered_by_one_ack(
    open_tags: set[int], settlements: list[tuple[_Delivery, Settlement, float]]
) -> int | None:
    """The highest delivery tag a `multiple` ack may take for this batch: below it, every open
    delivery of the channel is one of the batch's immediate acks. None when fewer than two would go."""
    acks = {d.tag for d, settlement, delay in settlements if settlement == "ack" and delay == 0}
    if None in acks:
        return None
    others = (open_tags | {d.tag for d, _s, _d in settlements}) - acks  # requeues, rejects, other batches
    lowest_other = min((tag for tag in others if tag is not None), default=None)
    covered = [tag for tag in acks if tag is not None and (lowest_other is None or tag < lowest_other)]
    return max(covered) if len(covered) >= 2 else None


class _GaveUp(Exception):
    """The database stayed unavailable past the delivery's retry_until: requeue, no handler blamed."""


class Consumer:
    """Consumes `<service>.events` until stopped, reconnecting with backoff.

    Deliveries are applied in batches (`apply_events`): the worker thread takes what has arrived, up
    to `consumer_batch_size`, waiting at most `consumer_linger_ms` for more, so a lone event is not
    held back and a backlog is applied a transaction per batch instead of per event.

    `retry_delay` slows the redelivery of a failing message (doubling with its delivery count,
    capped at 5 s; the I/O thread's timer, so its neighbours are not held up) so a briefly
    unavailable dependency does not burn the delivery limit in milliseconds. Database connection
    errors are retried in place without spending a delivery, for up to `retry_in_place_seconds`
    after the delivery arrived (well inside the broker's consumer_timeout), then requeued; invalid
    events are rejected to the dead letters at once.
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
        if settings.worker_count > 1 and settings.consumer_partitions < 1:
            # two consumers on the one queue would apply a customer's events out of order
            raise ValueError("WORKER_COUNT > 1 needs CONSUMER_PARTITIONS (docs/architecture.md)")
        if not 0 <= settings.worker_index < max(1, settings.worker_count):
            raise ValueError(f"WORKER_INDEX {settings.worker_index} is not below WORKER_COUNT")
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
        deliveries = _Deliveries()
        worker: threading.Thread | None = None
        try:
            channel = connection.channel()
            declare_exchange(channel, settings)
            declare_service_queues(channel, settings, self.handlers.keys())
            channel.basic_qos(prefetch_count=settings.consumer_prefetch)

            def on_message(ch: BlockingChannel, method, properties, body: bytes) -> None:
                deliveries.in_flight += 1
                retry_until = time.monotonic() + self.retry_in_place_seconds
                tag = getattr(method, "delivery_tag", None)
                consumer_tag = getattr(method, "consumer_tag", None)
                if consumer_tag:
                    deliveries.held[consumer_tag] += 1
                if tag is not None:
                    deliveries.open_tags.add(tag)
                deliveries.waiting.put(
                    _Delivery(tag, method.routing_key, properties, body, retry_until, consumer_tag)
                )

            def on_cancel(_frame) -> None:
                deliveries.cancelled_by_broker = True

            channel.add_on_cancel_callback(on_cancel)
            worker = threading.Thread(
                target=self._work_loop,
                args=(connection, channel, deliveries),
                name=f"{settings.service}-events",
                daemon=True,
            )
            worker.start()
            subscriptions = _Subscriptions(settings, channel, on_message, deliveries)
            subscriptions.start()
            log.info("consuming %s (%d event types)", ", ".join(subscriptions.own), len(self.handlers))
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
                subscriptions.tick()
            # Graceful stop: no new deliveries; let the ones already here finish and be acked.
            subscriptions.cancel_all()
            deadline = time.monotonic() + self.shutdown_grace
            while deliveries.in_flight and time.monotonic() < deadline:
                connection.process_data_events(time_limit=0.2)
        finally:
            deliveries.abandoned.set()
            if worker is not None:
                worker.join()
            if connection.is_open:
                try:
                    connection.process_data_events(time_limit=0)  # flush the last ack
                    connection.close()
                except Exception:
                    log.debug("error closing consumer connection", exc_info=True)

    @staticmethod
    def _settle(
        channel: BlockingChannel,
        deliveries: _Deliveries,
        delivery_tag: int | None,
        settlement: Settlement,
        acked: bool = False,
    ) -> None:
        """Runs on the I/O thread: ack after commit, nack+requeue (the delivery limit decides), or
        reject without requeue (the queue's dead-letter exchange takes it). `acked`: already acked
        by a `multiple` ack of its batch (`_settle_all`)."""
        deliveries.in_flight -= 1
        if delivery_tag is not None:
            deliveries.open_tags.discard(delivery_tag)
        if not channel.is_open:
            log.info("channel closed before settling delivery %s; the broker will redeliver it", delivery_tag)
            return
        if settlement == "ack":
            if not acked:
                channel.basic_ack(delivery_tag)
        elif settlement == "reject":
            channel.basic_reject(delivery_tag, requeue=False)
        else:
            channel.basic_nack(delivery_tag, requeue=True)
        deliveries.settled += 1

    def _settle_all(
        self,
        connection,
        channel: BlockingChannel,
        deliveries: _Deliveries,
        settlements: list[tuple[_Delivery, Settlement, float]],
    ) -> None:
        """Runs on the I/O thread: settle a batch in order; a requeue with a delay waits on a timer
        of the connection, so it holds up neither the worker thread nor the neighbours' acks.

        The batch's acks below every other open delivery of the channel go as ONE `multiple` ack
        (a frame per delivery cost the worker as much as its inbox INSERT); a delivery still open
        outside them (a requeue waiting on its timer, another batch) is never covered."""
        covered = _covered_by_one_ack(deliveries.open_tags, settlements)
        if covered is not None and channel.is_open:
            channel.basic_ack(covered, multiple=True)
        for delivery, settlement, delay in settlements:
            acked = (
                covered is not None
                and delivery.tag is not None
                and settlement == "ack"
                and delay == 0
                and delivery.tag <= covered
            )
            settle = functools.partial(self._settle_held, channel, deliveries, delivery, settlement, acked)
            if delay > 0:
                connection.call_later(delay, settle)
            else:
                settle()

    def _settle_held(
        self,
        channel: BlockingChannel,
        deliveries: _Deliveries,
        delivery: _Delivery,
        settlement: Settlement,
        acked: bool = False,
    ) -> None:
        """Runs on the I/O thread: the delivery no longer counts as held by its consumer (standby
        step-back reads that), then `_settle`."""
        if delivery.consumer_tag:
            deliveries.held[delivery.consumer_tag] -= 1
        self._settle(channel, deliveries, delivery.tag, settlement, acked)

    # -- the worker thread ----------------------------------------------------------------------

    def _work_loop(self, connection, channel, deliveries: _Deliveries) -> None:
        """Apply batches of what the I/O thread received until the connection is going away."""
        while not deliveries.abandoned.is_set():
            batch = self._next_batch(deliveries)
            if batch:
                self._work_batch(connection, channel, deliveries, batch)

    def _next_batch(self, deliveries: _Deliveries) -> list[_Delivery]:
        """What has arrived, up to the batch size: waits for the first, then at most the linger."""
        try:
            batch = [deliveries.waiting.get(timeout=0.2)]
        except queue.Empty:
            return []
        deadline = time.monotonic() + self.settings.consumer_linger_ms / 1000
        while len(batch) < max(1, self.settings.consumer_batch_size):
            wait = deadline - time.monotonic()
            try:
                batch.append(
                    deliveries.waiting.get(timeout=wait) if wait > 0 else deliveries.waiting.get_nowait()
                )
            except queue.Empty:
                break
        return batch

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
        """Handle one delivery and settle it (a batch of one)."""
        if retry_until is None:
            retry_until = time.monotonic() + self.retry_in_place_seconds
        delivery = _Delivery(
            getattr(method, "delivery_tag", None), method.routing_key, properties, body, retry_until
        )
        self._work_batch(connection, channel, deliveries, [delivery])

    def _work_batch(self, connection, channel, deliveries: _Deliveries, batch: list[_Delivery]) -> None:
        """Handle a batch and settle each delivery: every path ends in a settlement, or in giving
        the deliveries back to the broker because the connection is going away."""
        settlements: list[Settlement | None]
        try:
            settlements = list(self._handle_batch(batch, deliveries.abandoned))
        except Exception:  # never leave a delivery unsettled because of a bug here
            log.exception("unexpected error handling %d deliveries", len(batch))
            settlements = ["requeue"] * len(batch)
        out: list[tuple[_Delivery, Settlement, float]] = []
        for delivery, settlement in zip(batch, settlements, strict=True):
            if settlement is None:
                return  # the connection is going away; the broker redelivers the messages
            out.append(
                (delivery, settlement, self._requeue_delay(delivery) if settlement == "requeue" else 0.0)
            )
        try:
            connection.add_callback_threadsafe(
                functools.partial(self._settle_all, connection, channel, deliveries, out)
            )
        except pika.exceptions.ConnectionWrongStateError:
            log.info(
                "connection closed before settling %d deliveries; the broker will redeliver them", len(out)
            )
        except Exception:  # the broker redelivers them when the connection goes
            log.exception("could not settle %d deliveries; the broker will redeliver them", len(out))

    def _requeue_delay(self, delivery: _Delivery) -> float:
        try:
            return min(5.0, self.retry_delay * (2 ** _delivery_count(delivery.properties)))
        except Exception:  # odd properties: requeue it anyway
            log.exception("unreadable properties on delivery %s; requeueing it", delivery.tag)
            return min(5.0, self.retry_delay)

    def _handle(
        self, routing_key: str, body: bytes, abandoned: threading.Event, retry_until: float | None = None
    ) -> Settlement | None:
        """How to settle one delivery; None: gave up because the connection is going away."""
        if retry_until is None:
            retry_until = time.monotonic() + self.retry_in_place_seconds
        return self._handle_batch([_Delivery(None, routing_key, None, body, retry_until)], abandoned)[0]

    def _handle_batch(self, batch: list[_Delivery], abandoned: threading.Event) -> list[Settlement | None]:
        """How to settle each delivery of the batch; None for all: the connection is going away.

        A database that stays unavailable is retried in place until the earliest `retry_until` of
        the batch, then its deliveries are requeued.
        """
        settlements: list[Settlement | None] = ["reject"] * len(batch)
        parsed: list[tuple[int, Event]] = []
        for i, delivery in enumerate(batch):
            try:
                parsed.append((i, parse_event(delivery.body)))
            except EventSchemaError as exc:
                self._log_invalid(delivery.routing_key, exc)
        if not parsed:
            return settlements
        events = [event for _, event in parsed]
        results = self._apply(events, min(d.retry_until for d in batch), abandoned)
        if results is None:
            return [None] * len(batch)
        for (i, event), result in zip(parsed, results, strict=True):
            settlements[i] = self._outcome(event, result)
        return settlements

    def _apply(
        self, events: list[Event], retry_until: float, abandoned: threading.Event
    ) -> list[Outcome | Exception] | None:
        """`apply_events`, waiting out an unavailable database in place; a batch that fails as a
        whole for another reason (its commit) is applied again event by event, so only the event
        at fault fails. None: the connection is going away."""
        db_backoff = Backoff(base=0.5, cap=10.0)
        while True:
            try:
                return apply_events(self.uow_factory, self.handlers, events)
            except Exception as exc:
                if not is_transient_database_error(exc):
                    if len(events) == 1:
                        return [exc]
                    log.warning("a batch of %d events failed as a whole (%s); one by one", len(events), exc)
                    one_by_one: list[Outcome | Exception] = []
                    for event in events:
                        result = self._apply([event], retry_until, abandoned)
                        if result is None:
                            return None
                        one_by_one += result
                    return one_by_one
                # The database is unreachable or briefly busy: not the messages' fault, so retry
                # here (heartbeats keep flowing) rather than spend their delivery attempts, but not
                # for so long that the broker's consumer_timeout closes the channel.
                delay = db_backoff.next()
                reason = getattr(exc, "orig", None) or exc
                if time.monotonic() + delay > retry_until:
                    return [_GaveUp(str(reason))] * len(events)
                event_log.warning(
                    "database unavailable applying %d event(s) (%s); retrying in %.1fs: %s",
                    len(events),
                    events[0].type,
                    delay,
                    reason,
                    extra={**_fields(events[0]), "outcome": "retry"},
                )
                if abandoned.wait(delay):
                    return None

    def _outcome(self, event: Event, result: Outcome | Exception) -> Settlement:
        """Count and log one event's result (after the commit); how to settle its delivery."""
        service = self.settings.service
        fields = _fields(event)
        if isinstance(result, _GaveUp):
            EVENTS_CONSUMED.labels(service, event.type, "failed").inc()
            event_log.warning(
                "database still unavailable applying %s; requeued rather than held unacked "
                "past the broker's consumer timeout: %s",
                event.type,
                result,
                extra={**fields, "outcome": "requeue"},
            )
            return "requeue"
        if isinstance(result, Exception):  # the handler's failure: the delivery limit decides
            EVENTS_CONSUMED.labels(service, event.type, "failed").inc()
            event_log.error(
                "handler failed for %s %s",
                event.type,
                event.id,
                exc_info=result,
                extra={**fields, "outcome": "failed"},
            )
            return "requeue"
        EVENTS_CONSUMED.labels(service, event.type, result).inc()
        event_log.info("event %s %s", event.type, result, extra={**fields, "outcome": result})
        return "ack"

    def _log_invalid(self, routing_key: str, exc: EventSchemaError) -> None:
        EVENTS_CONSUMED.labels(self.settings.service, routing_key, "invalid").inc()
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


def _fields(event: Event) -> dict[str, str | None]:
    return {
        "event_id": event.id,
        "event_type": event.type,
        "tenant_id": event.tenant_id,
        "correlation_id": event.correlation_id,
    }


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
