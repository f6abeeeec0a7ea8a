"""Talk to the system the way another service would: a queue bound to `fieldbook.events`, raw publishes.

Messages are collected with `basic_get` polling (no consumer thread), so a test decides when to look.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import pika
from pika.exceptions import AMQPError, ChannelClosedByBroker

from .infra import amqp_parameters

EXCHANGE = "fieldbook.events"
CLOUDEVENTS_JSON = "application/cloudevents+json"


@dataclass
class Message:
    routing_key: str
    body: dict
    properties: pika.BasicProperties
    redelivered: bool

    @property
    def type(self) -> str | None:
        return self.body.get("type")

    @property
    def subject(self) -> str | None:
        return self.body.get("subject")


def cloud_event(
    event_type: str,
    data: dict,
    *,
    tenant_id: str,
    subject: str | None = None,
    source: str = "e2e-tests",
    event_id: str | None = None,
) -> dict:
    """A structured CloudEvent 1.0 as another service would publish it."""
    eid = event_id or str(uuid.uuid4())
    return {
        "specversion": "1.0",
        "id": eid,
        "source": source,
        "type": event_type,
        "time": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        "subject": subject,
        "tenantid": tenant_id,
        "correlationid": eid,
        "datacontenttype": "application/json",
        "data": data,
    }


class TestQueue:
    """A queue bound to `fieldbook.events`; collects every message it receives in `self.messages`.

    Exclusive (auto-deleted with its connection) by default; `durable=True` makes a named durable
    queue that survives a broker stop/start — the helper reconnects — and is deleted by `close()`.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, amqp_url: str, routing_keys: Iterable[str], durable: bool = False):
        self.amqp_url = amqp_url
        self.routing_keys = list(routing_keys)
        self.durable = durable
        self.name = f"e2e.test.{uuid.uuid4().hex[:12]}"
        self.messages: list[Message] = []
        self._conn: pika.BlockingConnection | None = None
        self._channel = None
        self._connect(declare=True)

    def _connect(self, declare: bool = False) -> None:
        conn = pika.BlockingConnection(amqp_parameters(self.amqp_url, timeout=5))
        ch = conn.channel()
        if declare:
            ch.exchange_declare(EXCHANGE, exchange_type="topic", durable=True)
            if self.durable:
                ch.queue_declare(self.name, durable=True, arguments={"x-queue-type": "classic"})
            else:
                ch.queue_declare(self.name, exclusive=True, auto_delete=True)
            for key in self.routing_keys:
                ch.queue_bind(self.name, EXCHANGE, routing_key=key)
        else:
            ch.queue_declare(self.name, passive=True)
        self._conn, self._channel = conn, ch

    def _drop_connection(self) -> None:
        try:
            if self._conn is not None and self._conn.is_open:
                self._conn.close()
        except Exception:  # noqa: BLE001
            pass
        self._conn = self._channel = None

    def poll(self) -> int:
        """Fetch what is waiting now; return how many messages arrived. Reconnects a durable queue."""
        if self._channel is None:
            if not self.durable:
                raise RuntimeError(f"the connection of exclusive queue {self.name} was lost")
            try:
                self._connect()
            except AMQPError:
                return 0  # broker not back yet
        got = 0
        try:
            while True:
                method, props, body = self._channel.basic_get(self.name, auto_ack=False)
                if method is None:
                    break
                self.messages.append(Message(method.routing_key, json.loads(body), props, method.redelivered))
                self._channel.basic_ack(method.delivery_tag)
                got += 1
        except AMQPError:
            self._drop_connection()
            if not self.durable:
                raise
        return got

    def get_all(self, timeout: float = 3.0, interval: float = 0.2) -> list[Message]:
        """Keep collecting for `timeout` seconds; return everything received so far."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            if time.monotonic() >= deadline:
                return list(self.messages)
            time.sleep(interval)

    def matching(
        self, event_type: str | None = None, where: Callable[[dict], bool] | None = None
    ) -> list[Message]:
        return [
            m
            for m in self.messages
            if (event_type is None or m.type == event_type) and (where is None or where(m.body))
        ]

    def wait_for(
        self,
        n: int,
        event_type: str | None = None,
        timeout: float = 60.0,
        where: Callable[[dict], bool] | None = None,
        interval: float = 0.1,
    ) -> list[Message]:
        """Poll until at least `n` messages of `event_type` (and `where`) arrived; return them."""
        deadline = time.monotonic() + timeout
        while True:
            self.poll()
            found = self.matching(event_type, where)
            if len(found) >= n:
                return found
            if time.monotonic() >= deadline:
                seen = [(m.routing_key, m.subject) for m in self.messages][-20:]
                raise AssertionError(
                    f"expected {n} {event_type or 'message'}(s) on {self.name} within {timeout:.0f}s, "
                    f"got {len(found)}; last received (routing key, subject): {seen}"
                )
            time.sleep(interval)

    def close(self) -> None:
        """Delete the queue (durable ones too) and close the connection."""
        try:
            if self._channel is None:
                self._connect()
            self._channel.queue_delete(self.name)
        except Exception:  # noqa: BLE001 - exclusive queues vanish with the connection anyway
            pass
        self._drop_connection()


class Amqp:
    """The run's broker, as seen by a test: bind queues, publish events, inspect queue depths."""

    def __init__(self, amqp_url: str):
        self.amqp_url = amqp_url
        self._queues: list[TestQueue] = []

    def bind_test_queue(self, routing_keys: Iterable[str] | str, durable: bool = False) -> TestQueue:
        if isinstance(routing_keys, str):
            routing_keys = [routing_keys]
        queue = TestQueue(self.amqp_url, routing_keys, durable=durable)
        self._queues.append(queue)
        return queue

    def close_queues(self) -> None:
        while self._queues:
            self._queues.pop().close()

    def publish(self, event: dict, routing_key: str | None = None) -> None:
        """Publish a raw CloudEvent to `fieldbook.events`: persistent, confirmed, mandatory."""
        conn = pika.BlockingConnection(amqp_parameters(self.amqp_url, timeout=5))
        try:
            ch = conn.channel()
            ch.confirm_delivery()
            ch.basic_publish(
                EXCHANGE,
                routing_key or event["type"],
                json.dumps(event).encode(),
                pika.BasicProperties(
                    content_type=CLOUDEVENTS_JSON,
                    delivery_mode=pika.DeliveryMode.Persistent,
                    message_id=event.get("id"),
                    type=event.get("type"),
                    headers={"tenantid": event.get("tenantid")},
                ),
                mandatory=True,  # UnroutableError if no queue (e.g. customers.events) is bound yet
            )
        finally:
            conn.close()

    def queue_depth(self, queue: str) -> int:
        """Messages ready in `queue` (a passive declare: fails if the queue does not exist)."""
        conn = pika.BlockingConnection(amqp_parameters(self.amqp_url, timeout=5))
        try:
            return conn.channel().queue_declare(queue, passive=True).method.message_count
        finally:
            conn.close()

    def queue_exists(self, queue: str) -> bool:
        try:
            self.queue_depth(queue)
        except ChannelClosedByBroker:
            return False
        return True

    def purge(self, queue: str) -> None:
        """Drop the ready messages of `queue` (test cleanup)."""
        conn = pika.BlockingConnection(amqp_parameters(self.amqp_url, timeout=5))
        try:
            conn.channel().queue_purge(queue)
        finally:
            conn.close()
