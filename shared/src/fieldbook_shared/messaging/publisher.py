"""Publishing a batch of events with pipelined publisher confirms (docs/architecture.md §4, "Publishing").

pika's BlockingChannel in confirm mode waits for each message's confirm before the next publish: one
broker round trip a message, which capped the relay at a few hundred events a second. RabbitMQ
confirms asynchronously (an ack may cover several messages at once, `multiple`), so the publisher
sends the whole batch and then waits once for the confirms of all of it. pika's asynchronous
adapter (SelectConnection) gives those confirms as callbacks; it runs on an I/O thread of its own,
which also answers heartbeats, and `publish_batch` hands it a batch and waits.

What a batch gives back is the number of messages confirmed **from its start** (an ack after a
missing one does not count: the relay marks only an unbroken prefix sent, so order holds and a
resend after a failure starts where the confirms stopped), which of those the broker returned as
unroutable, and why the rest were not confirmed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import pika
import pika.exceptions
import pika.spec

from ..events.envelope import CONTENT_TYPE
from ..settings import Settings
from .topology import SUBJECT_HEADER, connection_parameters

log = logging.getLogger("fieldbook.outbox")

# How long a batch may wait for its confirms, and the connection for its channel, before the
# relay gives up on this connection and reconnects (nothing is lost: unconfirmed rows stay unsent).
CONFIRM_TIMEOUT_SECONDS = 30.0
OPEN_TIMEOUT_SECONDS = 15.0


@dataclass(frozen=True)
class Outgoing:
    """One outbox row as it goes to the broker."""

    event_type: str
    body: str
    event_id: str
    tenant_id: str
    subject: str | None = None  # the partition key (topology.SUBJECT_HEADER); the event id if none


@dataclass(frozen=True)
class BatchOutcome:
    confirmed: int  # messages confirmed from the batch's start, in order
    unroutable: frozenset[int] = frozenset()  # indexes (among the confirmed) nobody was bound to
    error: BaseException | None = None  # why messages[confirmed:] were not confirmed


class Publisher(Protocol):
    """What the relay publishes through: PipelinedPublisher, or InMemoryBus in unit tests."""

    def publish(self, event_type: str, body: str, event_id: str, tenant_id: str) -> bool:
        """Publish and wait for the broker's confirm; False if nobody is bound to the type."""
        ...


def publish_batch(publisher: Publisher, messages: Sequence[Outgoing]) -> BatchOutcome:
    """The publisher's own `publish_batch` when it has one, else one `publish` after another,
    stopping at the first error (test publishers, the in-memory bus)."""
    batch = getattr(publisher, "publish_batch", None)
    if batch is not None:
        outcome: BatchOutcome = batch(messages)
        return outcome
    unroutable: set[int] = set()
    for index, message in enumerate(messages):
        try:
            routed = publisher.publish(message.event_type, message.body, message.event_id, message.tenant_id)
        except Exception as exc:  # noqa: BLE001 - the relay records it on the row and re-raises
            return BatchOutcome(index, frozenset(unroutable), exc)
        if routed is False:
            unroutable.add(index)
    return BatchOutcome(len(messages), frozenset(unroutable))


class NotConfirmed(pika.exceptions.AMQPError):
    """The broker nacked a message, or its confirm did not come in time."""


@dataclass
class _Batch:
    messages: Sequence[Outgoing]
    first_tag: int  # the channel's delivery tag of messages[0]
    acked: list[bool | None] = field(default_factory=list)  # None: no confirm yet; False: nacked
    returned: set[str] = field(default_factory=set)  # event ids the broker returned (unroutable)
    done: threading.Event = field(default_factory=threading.Event)
    waiting: int = 0  # messages without a confirm yet (counted, not searched for, at each confirm)
    covered: int = 0  # a `multiple` confirm covers every index below this one already

    def __post_init__(self) -> None:
        self.acked = [None] * len(self.messages)
        self.waiting = len(self.messages)

    def confirm(self, tag: int, multiple: bool, ack: bool) -> None:
        index = tag - self.first_tag
        if multiple:
            indexes = range(self.covered, min(index, len(self.acked) - 1) + 1)
            self.covered = max(self.covered, index + 1)
        else:
            indexes = range(index, index + 1) if 0 <= index < len(self.acked) else range(0)
        for index in indexes:
            if self.acked[index] is None:
                self.acked[index] = ack
                self.waiting -= 1
        if self.waiting == 0:
            self.done.set()

    def outcome(self, error: BaseException | None) -> BatchOutcome:
        confirmed = 0
        while confirmed < len(self.acked) and self.acked[confirmed]:
            confirmed += 1
        if confirmed < len(self.acked) and error is None:
            nacked = any(state is False for state in self.acked[confirmed:])
            error = NotConfirmed("the broker nacked a message" if nacked else "no confirm in time")
        unroutable = frozenset(i for i in range(confirmed) if self.messages[i].event_id in self.returned)
        return BatchOutcome(confirmed, unroutable, error)


class PipelinedPublisher:
    """Persistent, mandatory publishes to the events exchange, confirmed a batch at a time.

    Opening connects, opens a channel in confirm mode and declares the exchange, or raises. After a
    broker error (connection or channel closed) every call raises it: close this publisher and open
    another. Not for concurrent callers: one relay thread uses it.
    """

    def __init__(self, settings: Settings, name: str, timeout: float = CONFIRM_TIMEOUT_SECONDS):
        self._exchange = settings.exchange
        self._timeout = timeout
        self._opened = threading.Event()
        self._closed = threading.Event()
        self._error: BaseException | None = None
        self._channel: pika.channel.Channel | None = None
        self._next_tag = 1  # a channel's delivery tags count from 1
        self._batch: _Batch | None = None
        self._connection = pika.SelectConnection(
            connection_parameters(settings, name=name),
            on_open_callback=self._on_open,
            on_open_error_callback=self._on_open_error,
            on_close_callback=self._on_close,
        )
        self._thread = threading.Thread(target=self._connection.ioloop.start, name=f"{name}.io", daemon=True)
        self._thread.start()
        if not self._opened.wait(OPEN_TIMEOUT_SECONDS) and self._error is None:
            self._error = NotConfirmed(f"no channel open within {OPEN_TIMEOUT_SECONDS:.0f}s")
        if self._error is not None:
            error = self._error
            self.close()
            raise error

    # -- the caller's thread ----------------------------------------------------------------------

    def publish_batch(self, messages: Sequence[Outgoing]) -> BatchOutcome:
        """Publish every message, then wait for the confirms of all of them (one wait, not one each)."""
        if self._error is not None:
            return BatchOutcome(0, error=self._error)
        if not messages:
            return BatchOutcome(0)
        batch = _Batch(messages, first_tag=self._next_tag)
        self._next_tag += len(messages)
        self._batch = batch
        self._connection.ioloop.add_callback_threadsafe(lambda: self._send(batch))
        batch.done.wait(self._timeout)
        self._batch = None
        outcome = batch.outcome(self._error)
        if outcome.error is not None and self._error is None:
            self._error = outcome.error  # a nack or a timeout: this channel is done with
        return outcome

    def publish(self, event_type: str, body: str, event_id: str, tenant_id: str) -> bool:
        """One message (a batch of one); raises when it is not confirmed. False when unroutable."""
        outcome = self.publish_batch([Outgoing(event_type, body, event_id, tenant_id)])
        if outcome.error is not None:
            raise outcome.error
        return not outcome.unroutable

    def sleep(self, seconds: float) -> None:
        """Idle between batches (heartbeats are the I/O thread's); raises when the broker went away,
        so the relay reconnects at once rather than at its next publish."""
        if self._closed.wait(seconds) and self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._connection.ioloop.add_callback_threadsafe(self._close_connection)
            self._thread.join(timeout=10)

    # -- the I/O thread ---------------------------------------------------------------------------

    def _send(self, batch: _Batch) -> None:
        channel = self._channel
        try:
            if channel is None or not channel.is_open:
                raise pika.exceptions.ChannelWrongStateError("the channel is closed")
            for message in batch.messages:
                channel.basic_publish(
                    self._exchange,
                    routing_key=message.event_type,
                    body=message.body.encode("utf-8"),
                    properties=pika.BasicProperties(
                        content_type=CONTENT_TYPE,
                        delivery_mode=pika.DeliveryMode.Persistent,
                        message_id=message.event_id,
                        type=message.event_type,
                        headers={
                            "tenantid": message.tenant_id,
                            SUBJECT_HEADER: message.subject or message.event_id,
                        },
                    ),
                    mandatory=True,
                )
        except Exception as exc:  # noqa: BLE001 - handed to the waiting caller
            self._fail(exc)

    def _on_open(self, connection: pika.SelectConnection) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel: pika.channel.Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.confirm_delivery(ack_nack_callback=self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, _frame: pika.frame.Method) -> None:
        assert self._channel is not None
        self._channel.exchange_declare(
            self._exchange, exchange_type="topic", durable=True, callback=lambda _f: self._opened.set()
        )

    def _on_confirm(self, frame: pika.frame.Method) -> None:
        method = frame.method
        batch = self._batch
        if batch is not None:
            batch.confirm(method.delivery_tag, bool(method.multiple), isinstance(method, pika.spec.Basic.Ack))

    def _on_return(self, _channel, _method, properties: pika.BasicProperties, _body: bytes) -> None:
        # the broker returns an unroutable mandatory message before it acks it
        batch = self._batch
        if batch is not None and properties.message_id:
            batch.returned.add(properties.message_id)

    def _on_channel_closed(self, _channel: pika.channel.Channel, reason: BaseException) -> None:
        self._fail(reason)
        self._close_connection()

    def _on_open_error(self, _connection: pika.SelectConnection, error: BaseException | str) -> None:
        self._fail(error if isinstance(error, BaseException) else pika.exceptions.AMQPConnectionError(error))
        self._connection.ioloop.stop()

    def _on_close(self, _connection: pika.SelectConnection, reason: BaseException) -> None:
        self._fail(reason)
        self._connection.ioloop.stop()

    def _close_connection(self) -> None:
        if self._connection.is_open:
            self._connection.close()
        elif self._connection.is_closed:
            self._connection.ioloop.stop()

    def _fail(self, error: BaseException) -> None:
        if self._error is None:
            self._error = error
        self._closed.set()
        self._opened.set()
        batch = self._batch
        if batch is not None:
            batch.done.set()
