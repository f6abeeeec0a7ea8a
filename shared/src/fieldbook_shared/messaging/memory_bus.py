"""An in-memory stand-in for RabbitMQ in unit tests: same publish interface, same inbox logic.

bus = InMemoryBus()
bus.subscribe("billing", billing_uow_factory, billing.events.HANDLERS)
...  # customers' service code writes outbox rows through its unit of work
bus.drain([customers_relay])            # relay → deliver via apply_event → repeat until quiet
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..events import parse_event
from ..uow import UnitOfWorkFactory
from .consumer import Handlers, apply_event
from .relay import OutboxRelay


@dataclass(frozen=True)
class BusMessage:
    event_type: str
    body: str
    event_id: str
    tenant_id: str


@dataclass(frozen=True)
class Delivery:
    service: str
    event_type: str
    event_id: str
    outcome: str


@dataclass(frozen=True)
class _Subscriber:
    service: str
    uow_factory: UnitOfWorkFactory
    handlers: Handlers


class InMemoryBus:
    """Keeps every published message; delivers each to the subscribers that handle its type."""

    def __init__(self) -> None:
        self.messages: list[BusMessage] = []
        self.deliveries: list[Delivery] = []
        self._subscribers: list[_Subscriber] = []
        self._delivered = 0  # messages[:_delivered] have been delivered

    def publish(self, event_type: str, body: str, event_id: str, tenant_id: str) -> bool:
        """Same contract as RabbitPublisher.publish: False when no subscriber handles the type."""
        self.messages.append(BusMessage(event_type, body, event_id, tenant_id))
        return any(event_type in s.handlers for s in self._subscribers)

    def subscribe(self, service_name: str, uow_factory: UnitOfWorkFactory, handlers: Handlers) -> None:
        self._subscribers.append(_Subscriber(service_name, uow_factory, handlers))

    def drain(self, relays: Iterable[OutboxRelay] = ()) -> list[Delivery]:
        """Relay every pending outbox row and deliver everything, until nothing new appears.

        Handlers that publish (into their own outbox) are followed, as long as their service's
        relay is in `relays`. A handler exception propagates, and that message stays undelivered.
        """
        relays = list(relays)
        delivered: list[Delivery] = []
        while True:
            for relay in relays:
                while relay.relay_once(self):
                    pass
            if self._delivered == len(self.messages):
                return delivered
            while self._delivered < len(self.messages):
                delivered.extend(self._deliver(self.messages[self._delivered]))
                self._delivered += 1

    def redeliver_last(self) -> list[Delivery]:
        """Deliver the last published message again, as the broker may after a lost ack."""
        if not self.messages:
            raise LookupError("nothing has been published")
        return self._deliver(self.messages[-1])

    def of_type(self, event_type: str) -> list[BusMessage]:
        return [m for m in self.messages if m.event_type == event_type]

    def _deliver(self, message: BusMessage) -> list[Delivery]:
        event = parse_event(message.body)  # as strict as the real consumer
        results = []
        for subscriber in self._subscribers:
            if event.type in subscriber.handlers:
                outcome = apply_event(subscriber.uow_factory, subscriber.handlers, event)
                results.append(Delivery(subscriber.service, event.type, event.id, outcome))
        self.deliveries.extend(results)
        return results
