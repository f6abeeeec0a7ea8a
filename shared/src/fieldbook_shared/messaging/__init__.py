"""Messaging: broker topology, the outbox relay, the inbox consumer, the worker, and a test bus."""

from .consumer import BatchHandler, Consumer, Handler, Handlers, Outcome, apply_event
from .memory_bus import BusMessage, Delivery, InMemoryBus
from .publisher import BatchOutcome, Outgoing, PipelinedPublisher, Publisher, publish_batch
from .relay import OutboxRelay, outbox_lock_key
from .topology import (
    DEAD_LETTER_EXCHANGE,
    connect,
    connection_parameters,
    declare_exchange,
    declare_queues,
    declare_service_queues,
)
from .worker import run_worker

__all__ = [
    "DEAD_LETTER_EXCHANGE",
    "BatchHandler",
    "BusMessage",
    "Consumer",
    "Delivery",
    "Handler",
    "Handlers",
    "InMemoryBus",
    "OutboxRelay",
    "Outcome",
    "Publisher",
    "PipelinedPublisher",
    "Outgoing",
    "BatchOutcome",
    "publish_batch",
    "apply_event",
    "connect",
    "connection_parameters",
    "declare_exchange",
    "declare_queues",
    "declare_service_queues",
    "outbox_lock_key",
    "run_worker",
]
